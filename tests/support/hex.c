#include "support/hex.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/codec.h"

void test_unhex(uint8_t *out, const char *hex, size_t len)
{
	assert_int_equal(strlen(hex), HEX_LEN(len));
	assert_int_equal(hex_decode(out, len, hex, strlen(hex)), 0);
}
