/* ct_equal, ct_is_zero and secure_wipe from crypto/portable/secure.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/secure.h"
#include "support/test_main.h"

static void equal(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	for (int i = 0; i < 64; i++)
		a[i] = b[i] = (uint8_t)(i * 37);
	assert_int_equal(ct_equal(a, b, sizeof(a)), 1);
	assert_int_equal(ct_equal(a, b, 0), 1);
	/* Every position and every single-bit difference is seen, including the high bit. */
	for (int i = 0; i < 64; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(ct_equal(a, b, sizeof(a)), 0);
			assert_int_equal(ct_equal(b, a, sizeof(a)), 0);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Only the first n bytes count. */
	b[63] ^= 0xff;
	assert_int_equal(ct_equal(a, b, 63), 1);
	assert_int_equal(ct_equal(a, b, 64), 0);
	/* All byte values of the difference map to 0, not just small ones. */
	for (int d = 1; d < 256; d++) {
		uint8_t x = 0x5a, y = (uint8_t)(0x5a ^ d);
		assert_int_equal(ct_equal(&x, &y, 1), 0);
	}
}

static void is_zero(void **state)
{
	(void)state;
	uint8_t z[33];
	memset(z, 0, sizeof(z));
	assert_int_equal(ct_is_zero(z, sizeof(z)), 1);
	assert_int_equal(ct_is_zero(z, 0), 1);
	for (size_t i = 0; i < sizeof(z); i++) {
		for (int v = 1; v < 256; v++) {
			z[i] = (uint8_t)v;
			assert_int_equal(ct_is_zero(z, sizeof(z)), 0);
		}
		z[i] = 0;
	}
	z[32] = 1;
	assert_int_equal(ct_is_zero(z, 32), 1);
}

static void wipe(void **state)
{
	(void)state;
	uint8_t buf[40];
	memset(buf, 0xa5, sizeof(buf));
	secure_wipe(buf + 4, 32);
	for (int i = 0; i < 4; i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(ct_is_zero(buf + 4, 32), 1);
	for (int i = 36; i < 40; i++)
		assert_int_equal(buf[i], 0xa5);
	secure_wipe(buf, 0);
	assert_int_equal(buf[0], 0xa5);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal),
        cmocka_unit_test(is_zero),
        cmocka_unit_test(wipe),
};

HWG_TEST_MAIN(tests, NULL, NULL)
