/* BLAKE2s hash, keyed 16-byte MAC, HMAC-BLAKE2s and WireGuard's KDF chain.
 * Sources: RFC 7693 Appendix A (BLAKE2s("abc")); BLAKE2 reference blake2s-kat (empty input);
 * wireguard-go device/kdf_test.go (HMAC chains with short and empty keys); the Noise constants from
 * the WireGuard reference (initial chaining key and hash). The keyed-16-byte, HMAC and 32-byte-ck
 * KDF values were computed offline with CPython's hashlib.blake2s (its own BLAKE2 code, not
 * OpenSSL; checked first against the official keyed blake2s-kat) and hmac. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/blake2s.h"
#include "support/hex.h"
#include "support/test_main.h"

static void expect_bytes(const uint8_t *got, const char *hex, size_t len)
{
	uint8_t want[64];
	assert_true(len <= sizeof(want));
	test_unhex(want, hex, len);
	assert_memory_equal(got, want, len);
}

static uint8_t seq[256]; /* 00 01 02 ... ff */

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 256; i++)
		seq[i] = (uint8_t)i;
	return 0;
}

static void hash_vectors(void **state)
{
	(void)state;
	uint8_t out[32];
	blake2s_hash(out, (const uint8_t *)"abc", 3, NULL, 0);
	expect_bytes(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	/* The two-part form is a plain concatenation, wherever the split falls. */
	blake2s_hash(out, NULL, 0, (const uint8_t *)"abc", 3);
	expect_bytes(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	blake2s_hash(out, (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2);
	expect_bytes(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	blake2s_hash(out, NULL, 0, NULL, 0);
	expect_bytes(out, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9", 32);
	blake2s_hash(out, seq, 100, seq + 100, 156);
	expect_bytes(out, "5fdeb59f681d975f52c8e69c5502e02a12a3afcc5836ba58f42784c439228781", 32);
}

static void noise_constants(void **state)
{
	(void)state;
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	uint8_t ck[32], h[32];
	assert_int_equal(strlen(construction), 37);
	assert_int_equal(strlen(identifier), 34);
	blake2s_hash(ck, (const uint8_t *)construction, 37, NULL, 0);
	expect_bytes(ck, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36", 32);
	blake2s_hash(h, ck, 32, (const uint8_t *)identifier, 34);
	expect_bytes(h, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3", 32);
}

static void mac_vectors(void **state)
{
	(void)state;
	uint8_t out[16];
	blake2s_mac(out, seq, 32, NULL, 0);
	expect_bytes(out, "9536f9b267655743dee97b8a670f9f53", 16);
	blake2s_mac(out, seq, 32, seq, 256);
	expect_bytes(out, "d5a40ec316c751a63cd0d91157fa1ebb", 16);
	blake2s_mac(out, seq, 32, seq, 64); /* exactly one block */
	expect_bytes(out, "f1efa90d2547036841ecd3627fafbc36", 16);
	blake2s_mac(out, seq, 16, seq, 64);
	expect_bytes(out, "dd55c51c98f8ab96ed272882941f0b6a", 16);
	blake2s_mac(out, (const uint8_t *)"k", 1, (const uint8_t *)"abc", 3);
	expect_bytes(out, "f335237426ff5582d0c607ef240684b5", 16);
	/* A 16-byte digest is not a truncated 32-byte one: the length is in the parameter block. */
	uint8_t keyed32_prefix[16];
	test_unhex(keyed32_prefix, "48a8997da407876b3d79c0d92325ad3b", 16);
	blake2s_mac(out, seq, 32, NULL, 0);
	assert_memory_not_equal(out, keyed32_prefix, 16);
}

static void hmac_vectors(void **state)
{
	(void)state;
	uint8_t out[32];
	hmac_blake2s(out, seq, 32, seq, 256);
	expect_bytes(out, "66e8260777230a3a870fdec816d6487e9df792ddff3d542dab2d19123acaaa35", 32);
	/* A key longer than the 64-byte block is hashed first (RFC 2104). */
	hmac_blake2s(out, seq, 100, (const uint8_t *)"abc", 3);
	expect_bytes(out, "c1b751501db12b753069a918627b623179be55c8cc7ca5c4e14bdf32274ac656", 32);
}

/* wireguard-go's KDF vectors take keys of any length, so they are replayed on the HMAC chain that
 * wg_kdf is built from. */
static void hmac_chain_wireguard_go(void **state)
{
	(void)state;
	static const struct {
		const char *key, *input, *t0, *t1, *t2;
	} v[] = {
	        {"test-key", "test-input",
	         "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
	         "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
	         "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24"},
	        {"wireguard", "wireguard",
	         "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
	         "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
	         "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160"},
	        {"", "", "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
	         "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
	         "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t prk[32], t[3][33];
		hmac_blake2s(prk, (const uint8_t *)v[i].key, strlen(v[i].key),
		             (const uint8_t *)v[i].input, strlen(v[i].input));
		const uint8_t one = 1;
		hmac_blake2s(t[0], prk, 32, &one, 1);
		t[0][32] = 2;
		hmac_blake2s(t[1], prk, 32, t[0], 33);
		t[1][32] = 3;
		hmac_blake2s(t[2], prk, 32, t[1], 33);
		expect_bytes(t[0], v[i].t0, 32);
		expect_bytes(t[1], v[i].t1, 32);
		expect_bytes(t[2], v[i].t2, 32);
	}
}

static void kdf_vectors(void **state)
{
	(void)state;
	static const char *const with_input[3] = {
	        "6ff66e10ab4a55ac8144a867fcd9f8ee64d4bd6239223338cb3437cf085ab031",
	        "203b22d63d63e35cebb9e40210cf8c1d7f90879428a4c766cda9ef34bb299398",
	        "35a7b2fc3e4f59db341dbe588e3b75897980c463d5bbb855f8ed8134ff40133a",
	};
	static const char *const empty_input[3] = {
	        "bd968725a9177942a8c2e4253d1dde31cf7b19ec001b4a3a3d141cd9d998d3ba",
	        "aab5462b323780fa615bf80ffe469510239ff361575a663968e686a7ae41d693",
	        "ae1e06e0931da10b9971bab8e282b42307522b38c0f4492cdd1bf44298126887",
	};
	uint8_t ck[32], o1[32], o2[32], o3[32];
	blake2s_hash(ck, (const uint8_t *)"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", 37, NULL, 0);

	wg_kdf(o1, o2, o3, ck, seq, 32, 3);
	expect_bytes(o1, with_input[0], 32);
	expect_bytes(o2, with_input[1], 32);
	expect_bytes(o3, with_input[2], 32);

	memset(o2, 0xee, sizeof(o2));
	wg_kdf(o1, o2, NULL, ck, seq, 32, 2);
	expect_bytes(o1, with_input[0], 32);
	expect_bytes(o2, with_input[1], 32);

	memset(o1, 0xee, sizeof(o1));
	wg_kdf(o1, NULL, NULL, ck, seq, 32, 1);
	expect_bytes(o1, with_input[0], 32);

	wg_kdf(o1, o2, o3, ck, NULL, 0, 3);
	expect_bytes(o1, empty_input[0], 32);
	expect_bytes(o2, empty_input[1], 32);
	expect_bytes(o3, empty_input[2], 32);

	/* The Noise code writes the new chaining key over the old one. */
	uint8_t chain[32], input[32];
	memcpy(chain, ck, 32);
	memcpy(input, seq, 32);
	wg_kdf(chain, input, NULL, chain, input, 32, 2);
	expect_bytes(chain, with_input[0], 32);
	expect_bytes(input, with_input[1], 32);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_vectors),
        cmocka_unit_test(noise_constants),
        cmocka_unit_test(mac_vectors),
        cmocka_unit_test(hmac_vectors),
        cmocka_unit_test(hmac_chain_wireguard_go),
        cmocka_unit_test(kdf_vectors),
};

HWG_TEST_MAIN(tests, setup, NULL)
