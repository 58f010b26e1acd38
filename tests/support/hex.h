/* Test vectors written in hex, decoded with crypto/codec.h; a malformed vector fails the test. */
#ifndef HWG_TESTS_SUPPORT_HEX_H
#define HWG_TESTS_SUPPORT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Fills out[0..len) from hex, which must hold exactly 2 * len digits. */
void test_unhex(uint8_t *out, const char *hex, size_t len);

#endif
