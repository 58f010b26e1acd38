/* Debiasing: exact outputs on known words, and the measured effect on biased bits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "puf/debias.h"
#include "puf/puf_stats.h"
#include "puf/xoshiro.h"

static void test_xor_halves_known(void **state)
{
	(void)state;
	/* words 0xAAAA1234 and 0x0000FFFF, little-endian */
	const uint8_t raw[8] = {0x34, 0x12, 0xaa, 0xaa, 0xff, 0xff, 0x00, 0x00};
	uint8_t out[4];
	debias_xor_halves(raw, sizeof(raw), out);
	const uint8_t want[4] = {0x34 ^ 0xaa, 0x12 ^ 0xaa, 0xff, 0xff};
	assert_memory_equal(out, want, 4);
	/* k = 2 is the same transform */
	uint8_t out2[4];
	assert_int_equal(debias_xor_k(raw, sizeof(raw), 2, out2), 0);
	assert_memory_equal(out, out2, 4);
	/* k = 4: one 16-bit result from 8 bytes */
	assert_int_equal(debias_xor_k(raw, sizeof(raw), 4, out2), 0);
	assert_int_equal(out2[0], 0x34 ^ 0xaa ^ 0xff ^ 0x00);
	assert_int_equal(out2[1], 0x12 ^ 0xaa ^ 0xff ^ 0x00);
	assert_int_equal(debias_xor_k(raw, 6, 2, out2), -1);
	assert_int_equal(debias_xor_k(raw, 8, 0, out2), -1);
}

static void test_von_neumann_known(void **state)
{
	(void)state;
	/* pairs (bit0,bit1): 0x2d = 0b00101101 -> (1,0) (1,1) (0,1) (0,0) -> outputs 1, 0 */
	const uint8_t raw[1] = {0x2d};
	uint8_t out[1];
	assert_int_equal(debias_von_neumann(raw, 1, out, 8), 2);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(debias_von_neumann(raw, 1, out, 1), 1); /* capped */
}

/* i.i.d. bits with P(1) = 0.8: XOR of halves brings it to 0.32, XOR of 4 to 0.4352, von Neumann
 * to 0.5 (measured within a few standard deviations). */
static void test_measured_effect(void **state)
{
	(void)state;
	enum { N = 1 << 16 };
	static uint8_t raw[N], out[N];
	struct xoshiro x;
	xoshiro_seed(&x, 9);
	for (size_t i = 0; i < N; i++) {
		uint8_t v = 0;
		for (int b = 0; b < 8; b++)
			v |= (uint8_t)((xoshiro_uniform(&x) < 0.8) << b);
		raw[i] = v;
	}
	double hw = (double)stats_weight(raw, N) / (N * 8.0);
	assert_true(hw > 0.79 && hw < 0.81);
	debias_xor_halves(raw, N, out);
	hw = (double)stats_weight(out, N / 2) / (N * 4.0);
	assert_true(hw > 0.31 && hw < 0.33);
	debias_xor_k(raw, N, 4, out);
	hw = (double)stats_weight(out, N / 4) / (N * 2.0);
	assert_true(hw > 0.425 && hw < 0.445);
	size_t bits = debias_von_neumann(raw, N, out, N * 8);
	assert_true(bits > N * 4 * 0.30 && bits < N * 4 * 0.34); /* 2 p (1 - p) = 0.32 per pair */
	hw = (double)stats_weight(out, bits / 8) / (double)(bits / 8 * 8);
	assert_true(hw > 0.49 && hw < 0.51);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_xor_halves_known),
	        cmocka_unit_test(test_von_neumann_known),
	        cmocka_unit_test(test_measured_effect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
