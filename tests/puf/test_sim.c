/* The SRAM simulator: determinism per device and power-up, independence of read order, and the
 * calibrations' headline figures (fractional HW, noise, uniqueness) on a small population. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "puf/debias.h"
#include "puf/host/puf_stats.h"
#include "puf/host/sram_sim.h"
#include "support/test_main.h"

#define SIZE 4096

static void test_deterministic(void **state)
{
	(void)state;
	struct sram_sim a, b, c;
	sram_sim_init(&a, &SRAM_SIM_PROTOTYPE, 5, SIZE);
	sram_sim_init(&b, &SRAM_SIM_PROTOTYPE, 5, SIZE);
	sram_sim_init(&c, &SRAM_SIM_PROTOTYPE, 6, SIZE);
	static uint8_t ra[256], rb[256], rc[256];
	assert_int_equal(sram_sim_powerup(&a, 3, 128, ra, 256), 0);
	assert_int_equal(sram_sim_powerup(&b, 3, 128, rb, 256), 0);
	assert_memory_equal(ra, rb, 256);
	/* a sub-range reads the same cells */
	assert_int_equal(sram_sim_powerup(&b, 3, 192, rb, 64), 0);
	assert_memory_equal(ra + 64, rb, 64);
	/* another power-up differs a little, another device a lot */
	assert_int_equal(sram_sim_powerup(&a, 4, 128, rb, 256), 0);
	assert_int_equal(sram_sim_powerup(&c, 3, 128, rc, 256), 0);
	size_t intra = stats_distance(ra, rb, 256), inter = stats_distance(ra, rc, 256);
	assert_true(intra > 0 && intra < inter);
	assert_int_equal(sram_sim_powerup(&a, 0, SIZE - 4, ra, 8), -1);
	/* the puf_source: one fresh power-up per read, processed by XOR of halves */
	uint8_t o1[64], o2[64], raw[128], want[64];
	assert_int_equal(puf_read(&a.base, 2, o1, 64), 0);
	sram_sim_powerup(&a, 0, 2 * 128, raw, 128);
	debias_xor_halves(raw, 128, want);
	assert_memory_equal(o1, want, 64);
	assert_int_equal(puf_read(&a.base, 2, o2, 64), 0);
	assert_memory_not_equal(o1, o2, 64);
	assert_int_equal(puf_read(&a.base, SIZE / 128, o1, 64), -1);
	assert_ptr_equal(sram_sim_params_by_name("mcu"), &SRAM_SIM_MCU);
	assert_null(sram_sim_params_by_name("nope"));
}

/* HW, mean bit-error rate against the cell's likely value, and inter-device distance. */
static void figures(const struct sram_sim_params *p, int processed, double *hw, double *ber,
                    double *inter)
{
	enum { DEV = 6, READS = 4 };
	static uint8_t r[DEV][READS][SIZE], q[DEV][READS][SIZE / 2];
	size_t len = processed ? SIZE / 2 : SIZE;
	for (int d = 0; d < DEV; d++) {
		struct sram_sim s;
		sram_sim_init(&s, p, 100 + (uint64_t)d, SIZE);
		for (int k = 0; k < READS; k++) {
			sram_sim_powerup(&s, (uint64_t)k, 0, r[d][k], SIZE);
			debias_xor_halves(r[d][k], SIZE, q[d][k]);
		}
	}
	double w = 0, e = 0, x = 0;
	for (int d = 0; d < DEV; d++) {
		const uint8_t *a = processed ? q[d][0] : r[d][0];
		w += (double)stats_weight(a, len);
		for (int k = 1; k < READS; k++)
			e += (double)stats_distance(a, processed ? q[d][k] : r[d][k], len);
		const uint8_t *b = processed ? q[(d + 1) % DEV][0] : r[(d + 1) % DEV][0];
		x += (double)stats_distance(a, b, len);
	}
	*hw = w / (DEV * len * 8.0);
	*ber = e / (DEV * (READS - 1) * len * 8.0);
	*inter = x / (DEV * len * 8.0);
}

static void test_calibrations(void **state)
{
	(void)state;
	double hw, ber, inter;
	/* typical MCU: HW 0.69 (spec §3.6), reading-to-reading ~4 %, inter-HD 2*0.69*0.31 = 0.43 */
	figures(&SRAM_SIM_MCU, 0, &hw, &ber, &inter);
	assert_true(fabs(hw - 0.69) < 0.02);
	assert_true(ber > 0.025 && ber < 0.055);
	assert_true(fabs(inter - 0.428) < 0.02);
	/* prototype after XOR of halves: 10 % between readings, 31.9/64 between devices */
	figures(&SRAM_SIM_PROTOTYPE, 1, &hw, &ber, &inter);
	assert_true(fabs(hw - 0.5) < 0.02);
	assert_true(ber > 0.09 && ber < 0.115);
	assert_true(fabs(inter * 64 - 31.9) < 1.5);
	/* raw prototype: the 0xAA half-words dominate the byte histogram */
	struct sram_sim s;
	static uint8_t raw[SIZE];
	uint64_t hist[256] = {0};
	sram_sim_init(&s, &SRAM_SIM_PROTOTYPE, 1, SIZE);
	sram_sim_powerup(&s, 0, 0, raw, SIZE);
	stats_byte_histogram(raw, SIZE, hist);
	double m = stats_min_entropy(hist, 256) / 8;
	assert_true(m >= 0.05 && m <= 0.15);
	assert_true(hist[0xaa] > SIZE / 3);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_calibrations),
};

HWG_TEST_MAIN(tests, NULL, NULL)
