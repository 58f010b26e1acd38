/* crypto/portable/bytes.h: each width and order against a written-out byte string, at an odd
 * (unaligned) address, and every store read back by its load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/bytes.h"
#include "support/test_main.h"

static const uint8_t seq[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static void loads(void **state)
{
	uint8_t buf[9];

	(void)state;
	memcpy(buf + 1, seq, 8); /* unaligned on purpose */
	assert_int_equal(load_le16(buf + 1), 0x2301);
	assert_int_equal(load_be16(buf + 1), 0x0123);
	assert_int_equal(load_le32(buf + 1), 0x67452301u);
	assert_int_equal(load_be32(buf + 1), 0x01234567u);
	assert_true(load_le64(buf + 1) == 0xefcdab8967452301ull);
	assert_true(load_be64(buf + 1) == 0x0123456789abcdefull);
	/* the top bit of each width survives (no sign extension through int) */
	static const uint8_t ff[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(load_le16(ff), 0xffff);
	assert_int_equal(load_be32(ff), 0xffffffffu);
	assert_true(load_le64(ff) == UINT64_MAX);
}

static void stores(void **state)
{
	uint8_t buf[9];

	(void)state;
	memset(buf, 0, sizeof(buf));
	store_be64(buf + 1, 0x0123456789abcdefull);
	assert_memory_equal(buf + 1, seq, 8);
	store_le64(buf + 1, 0xefcdab8967452301ull);
	assert_memory_equal(buf + 1, seq, 8);
	store_be32(buf + 1, 0x01234567u);
	assert_memory_equal(buf + 1, seq, 4);
	store_le32(buf + 1, 0x67452301u);
	assert_memory_equal(buf + 1, seq, 4);
	store_be16(buf + 1, 0x0123);
	assert_memory_equal(buf + 1, seq, 2);
	store_le16(buf + 1, 0x2301);
	assert_memory_equal(buf + 1, seq, 2);
	assert_int_equal(buf[0], 0); /* nothing written before */
}

static void round_trips(void **state)
{
	uint8_t b[8];

	(void)state;
	for (uint64_t v = 1; v != 0; v <<= 1) {
		uint64_t x = v * 0x9e3779b97f4a7c15ull;
		store_le64(b, x);
		assert_true(load_le64(b) == x);
		store_be64(b, x);
		assert_true(load_be64(b) == x);
		store_le32(b, (uint32_t)x);
		assert_int_equal(load_le32(b), (uint32_t)x);
		store_be32(b, (uint32_t)x);
		assert_int_equal(load_be32(b), (uint32_t)x);
		store_le16(b, (uint16_t)x);
		assert_int_equal(load_le16(b), (uint16_t)x);
		store_be16(b, (uint16_t)x);
		assert_int_equal(load_be16(b), (uint16_t)x);
	}
}

/* A reversed string reads as the other byte order; n = 0 writes nothing, n = 1 copies. */
static void reverses(void **state)
{
	uint8_t out[10] = {0};

	(void)state;
	reverse_bytes(out + 1, seq, 8);
	assert_true(load_le64(out + 1) == load_be64(seq));
	assert_int_equal(out[1], 0xef);
	assert_int_equal(out[8], 0x01);
	assert_int_equal(out[0] | out[9], 0); /* nothing outside out[1..8] */
	reverse_bytes(out, seq, 0);
	assert_int_equal(out[0], 0);
	reverse_bytes(out, seq + 7, 1);
	assert_int_equal(out[0], 0xef);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads),
        cmocka_unit_test(stores),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(reverses),
};

HWG_TEST_MAIN(tests, NULL, NULL)
