/* crypto/codec.h: RFC 4648 §10 vectors both ways, every byte and character, and the strictness that
 * keeps one text form per byte string (length, alphabet, padding, trailing bits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/codec.h"
#include "support/test_main.h"

static const struct {
	const char *bytes, *base16, *base64;
} rfc4648[] = {
        {"", "", ""},
        {"f", "66", "Zg=="},
        {"fo", "666F", "Zm8="},
        {"foo", "666F6F", "Zm9v"},
        {"foob", "666F6F62", "Zm9vYg=="},
        {"fooba", "666F6F6261", "Zm9vYmE="},
        {"foobar", "666F6F626172", "Zm9vYmFy"},
};

static void rfc4648_vectors(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(rfc4648) / sizeof(rfc4648[0]); t++) {
		const uint8_t *in = (const uint8_t *)rfc4648[t].bytes;
		size_t n = strlen(rfc4648[t].bytes);
		char hex[16], lower[16], b64[16];
		uint8_t out[8];

		hex_encode(hex, in, n);
		for (size_t i = 0; i <= strlen(rfc4648[t].base16);
		     i++) /* the encoder writes lowercase */
			lower[i] = (char)(rfc4648[t].base16[i] |
			                  (rfc4648[t].base16[i] >= 'A' ? 0x20 : 0));
		assert_string_equal(hex, lower);
		base64_encode(b64, in, n);
		assert_string_equal(b64, rfc4648[t].base64);

		memset(out, 0, sizeof(out));
		assert_int_equal(hex_decode(out, n, rfc4648[t].base16, strlen(rfc4648[t].base16)),
		                 0);
		assert_memory_equal(out, in, n);
		assert_int_equal(hex_decode(out, n, lower, strlen(lower)), 0);
		assert_memory_equal(out, in, n);
		memset(out, 0, sizeof(out));
		assert_int_equal(
		        base64_decode(out, n, rfc4648[t].base64, strlen(rfc4648[t].base64)), 0);
		assert_memory_equal(out, in, n);
	}
}

static void wireguard_key(void **state)
{
	/* RFC 7748 §6.1 Alice's private key, as `wg genkey` prints a key */
	static const char b64[] = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
	static const char hex[] =
	        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	uint8_t a[32], b[32];
	char text[HEX_LEN(32) + 1]; /* the longer of the two */

	(void)state;
	assert_int_equal(BASE64_LEN(32), 44);
	assert_int_equal(base64_decode(a, 32, b64, strlen(b64)), 0);
	assert_int_equal(hex_decode(b, 32, hex, strlen(hex)), 0);
	assert_memory_equal(a, b, 32);
	base64_encode(text, a, 32);
	assert_string_equal(text, b64);
	hex_encode(text, a, 32);
	assert_string_equal(text, hex);
}

static void every_byte_and_character(void **state)
{
	uint8_t all[256], back[256];
	char hex[HEX_LEN(256) + 1], b64[BASE64_LEN(256) + 1];

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(hex, all, 256);
	assert_int_equal(hex_decode(back, 256, hex, strlen(hex)), 0);
	assert_memory_equal(back, all, 256);
	for (size_t len = 0; len <= 256; len++) {
		base64_encode(b64, all + 256 - len, len);
		assert_int_equal(strlen(b64), BASE64_LEN(len));
		assert_int_equal(base64_decode(back, len, b64, strlen(b64)), 0);
		assert_memory_equal(back, all + 256 - len, len);
	}
	/* each character alone: a hex digit exactly for 0-9a-fA-F, a base64 one exactly for the
	 * alphabet (checked in "Xc==" where c's value must be a multiple of 16 to be canonical, and
	 * in the full group "AAAc") */
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (int c = 0; c < 256; c++) {
		char two[2] = {'0', (char)c}, four[4] = {'A', 'A', 'A', (char)c};
		uint8_t out[3];
		const char *at = c ? memchr(alphabet, c, 64) : NULL;
		int is_hex =
		        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		assert_int_equal(hex_decode(out, 1, two, 2), is_hex ? 0 : -1);
		if (is_hex)
			assert_int_equal(out[0], c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		assert_int_equal(base64_decode(out, 3, four, 4), at ? 0 : -1);
		if (at)
			assert_int_equal(out[2], at - alphabet);
	}
}

static void strict_rejects(void **state)
{
	static const struct {
		size_t out_len;
		const char *text;
	} bad_hex[] =
	        {
	                {1, "+f"}, /* sscanf("%2x") reads this as 0x0f */
	                {1, "-f"}, {1, " f"},  {1, "f "},  {1, "0x"}, {1, "g0"}, {1, "0G"},
	                {1, "f"},  {1, "fff"}, {2, "fff"}, {2, "ff"}, {0, "ff"}, {1, ""},
	        },
	  bad_b64[] = {
	          {1, "Zg"},       /* padding left out */
	          {1, "Zg="},      /* half the padding */
	          {1, "Zh=="},     /* trailing bits set: not the canonical form of "f" */
	          {2, "Zm9="},     /* likewise for two bytes */
	          {2, "Zm8"},      /* missing '=' */
	          {1, "Zg==Zg=="}, /* padding inside */
	          {6, "Zg==Zm9v"}, /* padding inside, right total length */
	          {3, "Zm9*"},     /* outside the alphabet */
	          {3, "Zm9_"},     /* the URL-safe alphabet is another encoding */
	          {3, "Zm-v"},     {3, "Zm9v\n"}, {3, " Zm9v"},
	          {3, "Zm9vYg=="}, {4, "Zm9v"},   {2, "Zm=8"}, /* '=' before data */
	          {1, "=g=="},     {3, "===="},
	  };
	uint8_t out[8];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_hex) / sizeof(bad_hex[0]); i++) {
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(hex_decode(out, bad_hex[i].out_len, bad_hex[i].text,
		                            strlen(bad_hex[i].text)),
		                 -1);
	}
	for (size_t i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++)
		assert_int_equal(base64_decode(out, bad_b64[i].out_len, bad_b64[i].text,
		                               strlen(bad_b64[i].text)),
		                 -1);
	/* an embedded NUL is a bad character, not an end */
	assert_int_equal(hex_decode(out, 2, "ff\0f", 4), -1);
	assert_int_equal(base64_decode(out, 3, "Zm\0v", 4), -1);
}

static void failure_wipes_output(void **state)
{
	uint8_t out[4];
	static const uint8_t zero[4];

	(void)state;
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(hex_decode(out, 4, "0102030z", 8), -1);
	assert_memory_equal(out, zero, 4);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(base64_decode(out, 4, "AQIDBA=!", 8), -1);
	assert_memory_equal(out, zero, 4);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),          cmocka_unit_test(wireguard_key),
        cmocka_unit_test(every_byte_and_character), cmocka_unit_test(strict_rejects),
        cmocka_unit_test(failure_wipes_output),
};

HWG_TEST_MAIN(tests, NULL, NULL)
