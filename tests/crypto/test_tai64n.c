/* TAI64N as WireGuard sends it: layout, coarsening to 2^24 ns, and ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/tai64n.h"
#include "support/test_main.h"

static void encoding_layout(void **state)
{
	(void)state;
	uint8_t out[TAI64N_LEN];
	/* 2^62 + 10 + 0 at the Unix epoch; 2^24 ns survives coarsening unchanged. */
	static const uint8_t epoch[TAI64N_LEN] = {0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0x01, 0, 0, 0};
	tai64n_encode(out, 0, 16777216);
	assert_memory_equal(out, epoch, TAI64N_LEN);

	/* 2024-01-01T00:00:00Z = 1704067200 = 0x65920080 s; 0x3b9ac9ff = 999999999 ns. */
	static const uint8_t later[TAI64N_LEN] = {0x40, 0,    0,    0,    0x65, 0x92,
	                                          0x00, 0x8a, 0x3b, 0x00, 0x00, 0x00};
	tai64n_encode(out, 1704067200, 999999999);
	assert_memory_equal(out, later, TAI64N_LEN);
}

static void nanoseconds_coarsened(void **state)
{
	(void)state;
	uint8_t a[TAI64N_LEN], b[TAI64N_LEN];
	/* Everything in [k * 2^24, (k+1) * 2^24) encodes the same. */
	tai64n_encode(a, 1000, 0);
	tai64n_encode(b, 1000, 16777215);
	assert_memory_equal(a, b, TAI64N_LEN);
	tai64n_encode(a, 1000, 33554432);
	tai64n_encode(b, 1000, 33554432 + 12345);
	assert_memory_equal(a, b, TAI64N_LEN);
	tai64n_encode(b, 1000, 33554431);
	assert_memory_not_equal(a, b, TAI64N_LEN);
	/* The encoded nanoseconds are always a multiple of 2^24. */
	for (uint32_t ns = 0; ns < 1000000000u; ns += 9999991u) {
		tai64n_encode(a, 5, ns);
		uint32_t got =
		        (uint32_t)a[8] << 24 | (uint32_t)a[9] << 16 | (uint32_t)a[10] << 8 | a[11];
		assert_int_equal(got % 16777216u, 0);
		assert_true(got <= ns && ns - got < 16777216u);
	}
}

static void ordering(void **state)
{
	(void)state;
	uint8_t a[TAI64N_LEN], b[TAI64N_LEN];
	tai64n_encode(a, 1000, 500000000);
	tai64n_encode(b, 1000, 500000000);
	assert_int_equal(tai64n_compare(a, b), 0);
	tai64n_encode(b, 1000, 600000000);
	assert_int_equal(tai64n_compare(a, b), -1);
	assert_int_equal(tai64n_compare(b, a), 1);
	/* A later second wins over any nanoseconds (big-endian, seconds first). */
	tai64n_encode(a, 1000, 999999999);
	tai64n_encode(b, 1001, 0);
	assert_int_equal(tai64n_compare(a, b), -1);
	/* Byte-wise, not signed: a carry into a high byte still orders correctly. */
	tai64n_encode(a, 0xff, 0);
	tai64n_encode(b, 0x100, 0);
	assert_int_equal(tai64n_compare(a, b), -1);
	/* Values 10 ms apart within one 2^24 ns slot compare equal: a replayed-looking initiation.
	 */
	tai64n_encode(a, 1000, 101000000);
	tai64n_encode(b, 1000, 111000000);
	assert_int_equal(tai64n_compare(a, b), 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(encoding_layout),
        cmocka_unit_test(nanoseconds_coarsened),
        cmocka_unit_test(ordering),
};

HWG_TEST_MAIN(tests, NULL, NULL)
