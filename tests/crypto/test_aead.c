/* ChaCha20-Poly1305: RFC 8439 §2.8.2 (seal) and Appendix A.5 (open), WireGuard's nonce layout,
 * in-place operation, key reuse across packets, and rejection of anything tampered with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto/aead.h"
#include "support/hex.h"
#include "support/test_main.h"

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
                                "only one tip for the future, sunscreen would be it.";
#define SUNSCREEN_LEN 114
static const char rfc_2_8_2_ct[] =
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116"
        "1ae10b594f09e26a7e902ecbd0600691";

static void fill_key_80(uint8_t key[32])
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
}

static void rfc8439_2_8_2_seal(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12], ad[12], expect[SUNSCREEN_LEN + 16], out[SUNSCREEN_LEN + 16];
	fill_key_80(key);
	test_unhex(nonce, "070000004041424344454647", 12);
	test_unhex(ad, "50515253c0c1c2c3c4c5c6c7", 12);
	test_unhex(expect, rfc_2_8_2_ct, sizeof(expect));
	assert_int_equal(strlen(sunscreen), SUNSCREEN_LEN);

	assert_int_equal(aead_seal_ietf(key, nonce, out, (const uint8_t *)sunscreen, SUNSCREEN_LEN,
	                                ad, sizeof(ad)),
	                 0);
	assert_memory_equal(out, expect, sizeof(expect));

	uint8_t back[SUNSCREEN_LEN];
	assert_int_equal(aead_open_ietf(key, nonce, back, out, sizeof(out), ad, sizeof(ad)), 0);
	assert_memory_equal(back, sunscreen, SUNSCREEN_LEN);
}

/* RFC 8439 Appendix A.5: its nonce starts with 4 zero bytes, so it is also a WireGuard nonce with
 * counter 0x0807060504030201. */
#define A5_LEN 265
static const char a5_ct[] = "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
                            "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
                            "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
                            "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
                            "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
                            "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
                            "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
                            "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
                            "a6ad5cb4022b02709b"
                            "eead9d67890cbb22392336fea1851f38";
static const char a5_pt[] =
        "Internet-Drafts are draft documents valid for a maximum of six months and may be "
        "updated, replaced, or obsoleted by other documents at any time. It is inappropriate to "
        "use Internet-Drafts as reference material or to cite them other than as "
        "/\xe2\x80\x9cwork in progress./\xe2\x80\x9d";
#define A5_COUNTER 0x0807060504030201ULL

static void load_a5(uint8_t key[32], uint8_t ad[12], uint8_t ct[A5_LEN + 16])
{
	test_unhex(key, "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", 32);
	test_unhex(ad, "f33388860000000000004e91", 12);
	test_unhex(ct, a5_ct, A5_LEN + 16);
	assert_int_equal(strlen(a5_pt), A5_LEN);
}

static void rfc8439_a5_open(void **state)
{
	(void)state;
	uint8_t key[32], ad[12], ct[A5_LEN + 16], pt[A5_LEN], nonce[12];
	load_a5(key, ad, ct);

	test_unhex(nonce, "000000000102030405060708", 12);
	assert_int_equal(aead_open_ietf(key, nonce, pt, ct, sizeof(ct), ad, sizeof(ad)), 0);
	assert_memory_equal(pt, a5_pt, A5_LEN);

	memset(pt, 0, sizeof(pt));
	assert_int_equal(aead_open_once(key, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), 0);
	assert_memory_equal(pt, a5_pt, A5_LEN);

	struct aead_key k;
	assert_int_equal(aead_key_init(&k, key), 0);
	memset(pt, 0, sizeof(pt));
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), 0);
	assert_memory_equal(pt, a5_pt, A5_LEN);

	/* The sealing direction reproduces the published ciphertext from the plaintext. */
	uint8_t again[A5_LEN + 16];
	assert_int_equal(aead_seal(&k, A5_COUNTER, again, pt, A5_LEN, ad, sizeof(ad)), 0);
	assert_memory_equal(again, ct, sizeof(ct));
	aead_key_clear(&k);
	assert_null(k.stream);
	assert_null(k.mac);
}

static void in_place(void **state)
{
	(void)state;
	uint8_t key[32], ad[12], ct[A5_LEN + 16], buf[A5_LEN + 16];
	load_a5(key, ad, ct);
	struct aead_key k;
	assert_int_equal(aead_key_init(&k, key), 0);

	memcpy(buf, ct, sizeof(ct));
	assert_int_equal(aead_open(&k, A5_COUNTER, buf, buf, sizeof(buf), ad, sizeof(ad)), 0);
	assert_memory_equal(buf, a5_pt, A5_LEN);
	assert_int_equal(aead_seal(&k, A5_COUNTER, buf, buf, A5_LEN, ad, sizeof(ad)), 0);
	assert_memory_equal(buf, ct, sizeof(ct));

	memcpy(buf, ct, sizeof(ct));
	assert_int_equal(aead_open_once(key, A5_COUNTER, buf, buf, sizeof(buf), ad, sizeof(ad)), 0);
	assert_memory_equal(buf, a5_pt, A5_LEN);
	assert_int_equal(aead_seal_once(key, A5_COUNTER, buf, buf, A5_LEN, ad, sizeof(ad)), 0);
	assert_memory_equal(buf, ct, sizeof(ct));
	aead_key_clear(&k);
}

static void tampering_rejected(void **state)
{
	(void)state;
	uint8_t key[32], ad[12], ct[A5_LEN + 16], pt[A5_LEN];
	load_a5(key, ad, ct);
	struct aead_key k;
	assert_int_equal(aead_key_init(&k, key), 0);

	/* Flip one bit in the tag, in the ciphertext, in the AD; use the wrong counter. */
	size_t positions[] = {A5_LEN + 15, A5_LEN, 0, 100};
	for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
		ct[positions[i]] ^= 0x01;
		memset(pt, 0x55, sizeof(pt));
		assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), -1);
		/* No unauthenticated plaintext is released: pt is wiped or untouched. */
		size_t zeros = 0, untouched = 0;
		for (size_t j = 0; j < sizeof(pt); j++) {
			zeros += pt[j] == 0;
			untouched += pt[j] == 0x55;
		}
		assert_true(zeros == sizeof(pt) || untouched == sizeof(pt));
		assert_int_equal(
		        aead_open_once(key, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), -1);
		ct[positions[i]] ^= 0x01;
	}
	ad[3] ^= 0x80;
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), -1);
	ad[3] ^= 0x80;
	assert_int_equal(aead_open(&k, A5_COUNTER + 1, pt, ct, sizeof(ct), ad, sizeof(ad)), -1);
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad) - 1), -1);
	/* Truncation and inputs shorter than a tag. */
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct) - 1, ad, sizeof(ad)), -1);
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, AEAD_TAG_LEN - 1, ad, sizeof(ad)), -1);
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, 0, ad, sizeof(ad)), -1);
	/* After all those failures the same key still opens the genuine packet. */
	assert_int_equal(aead_open(&k, A5_COUNTER, pt, ct, sizeof(ct), ad, sizeof(ad)), 0);
	assert_memory_equal(pt, a5_pt, A5_LEN);
	aead_key_clear(&k);
}

/* The per-packet path resets only the nonce; make sure no state leaks between packets. */
static void key_reuse_matches_one_shot(void **state)
{
	(void)state;
	uint8_t key[32];
	fill_key_80(key);
	struct aead_key k;
	assert_int_equal(aead_key_init(&k, key), 0);

	uint8_t msg[1500], a[1516], b[1516], back[1500];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	const size_t lens[] = {0, 1, 15, 16, 17, 63, 64, 65, 1420, 1500, 32, 0};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t counter = i * 0x0101010101ULL;
		size_t ad_len = i % 3 == 0 ? 0 : i;
		assert_int_equal(aead_seal(&k, counter, a, msg, lens[i], msg + 1, ad_len), 0);
		assert_int_equal(aead_seal_once(key, counter, b, msg, lens[i], msg + 1, ad_len), 0);
		assert_memory_equal(a, b, lens[i] + AEAD_TAG_LEN);
		assert_int_equal(
		        aead_open(&k, counter, back, a, lens[i] + AEAD_TAG_LEN, msg + 1, ad_len),
		        0);
		if (lens[i] > 0)
			assert_memory_equal(back, msg, lens[i]);
	}
	/* Counter bytes land little-endian after 4 zero bytes: compare with the IETF form. */
	uint8_t nonce[12] = {0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
	assert_int_equal(aead_seal(&k, 0x0102030405060708ULL, a, msg, 64, NULL, 0), 0);
	assert_int_equal(aead_seal_ietf(key, nonce, b, msg, 64, NULL, 0), 0);
	assert_memory_equal(a, b, 64 + AEAD_TAG_LEN);
	aead_key_clear(&k);
	aead_key_clear(&k); /* clearing twice is harmless */
}

/* OpenSSL's own ChaCha20-Poly1305 cipher, the reference aead.c's composition must agree with. */
static void openssl_aead_seal(const uint8_t key[32], const uint8_t nonce[12], uint8_t *dst,
                              const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, key, nonce), 1);
	if (ad_len > 0)
		assert_int_equal(EVP_EncryptUpdate(c, NULL, &outl, ad, (int)ad_len), 1);
	if (len > 0)
		assert_int_equal(EVP_EncryptUpdate(c, dst, &outl, src, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, dst + len, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, dst + len), 1);
	EVP_CIPHER_CTX_free(c);
}

/* Every length around ChaCha20's block and aead.c's scratch boundaries (2,048 data bytes, then
 * block-aligned chunks), with AD of every padding class, sealed and opened in place and out of
 * place: byte for byte what OpenSSL's AEAD gives. */
static void agrees_with_openssl_aead(void **state)
{
	(void)state;
	enum { MAX = 3 * 2048 + 200 };
	static uint8_t msg[MAX], want[MAX + 16], got[MAX + 16], inplace[MAX + 16];
	uint8_t key[32], nonce[12] = {0}, ad[40];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 29 + 1);
	for (size_t i = 0; i < sizeof(ad); i++)
		ad[i] = (uint8_t)(i * 13 + 5);
	for (size_t i = 0; i < MAX; i++)
		msg[i] = (uint8_t)(i * 131 + (i >> 8));
	struct aead_key k;
	assert_int_equal(aead_key_init(&k, key), 0);

	const size_t lens[] = {0,    1,    12,   63,   64,   65,   511,  513,  1408,
	                       1420, 1472, 1983, 1984, 1985, 2047, 2048, 2049, 2111,
	                       2112, 4095, 4096, 4097, 4160, 6143, 6144, 6145, MAX};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], ad_len = (i * 7) % sizeof(ad);
		uint64_t counter = 0x0123456789abcdefULL + i;
		for (int b = 0; b < 8; b++)
			nonce[4 + b] = (uint8_t)(counter >> (8 * b));
		openssl_aead_seal(key, nonce, want, msg, len, ad, ad_len);

		assert_int_equal(aead_seal(&k, counter, got, msg, len, ad, ad_len), 0);
		assert_memory_equal(got, want, len + 16);
		memcpy(inplace, msg, len);
		assert_int_equal(aead_seal(&k, counter, inplace, inplace, len, ad, ad_len), 0);
		assert_memory_equal(inplace, want, len + 16);

		assert_int_equal(aead_open(&k, counter, got, want, len + 16, ad, ad_len), 0);
		assert_memory_equal(got, msg, len);
		assert_int_equal(aead_open(&k, counter, inplace, inplace, len + 16, ad, ad_len), 0);
		assert_memory_equal(inplace, msg, len);

		/* A flipped last ciphertext bit (past the scratch buffer on the long ones) is
		 * refused before any plaintext is written. */
		if (len > 0) {
			want[len - 1] ^= 0x80;
			memset(got, 0x55, len);
			assert_int_equal(aead_open(&k, counter, got, want, len + 16, ad, ad_len),
			                 -1);
			for (size_t j = 0; j < len; j++)
				assert_int_equal(got[j], 0x55);
		}
	}
	aead_key_clear(&k);
}

static void cleared_key_fails(void **state)
{
	(void)state;
	struct aead_key k = {0};
	uint8_t buf[32] = {0};
	assert_int_equal(aead_seal(&k, 0, buf, buf, 0, NULL, 0), -1);
	assert_int_equal(aead_open(&k, 0, buf, buf, 16, NULL, 0), -1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8439_2_8_2_seal),
        cmocka_unit_test(rfc8439_a5_open),
        cmocka_unit_test(in_place),
        cmocka_unit_test(tampering_rejected),
        cmocka_unit_test(key_reuse_matches_one_shot),
        cmocka_unit_test(agrees_with_openssl_aead),
        cmocka_unit_test(cleared_key_fails),
};

HWG_TEST_MAIN(tests, NULL, NULL)
