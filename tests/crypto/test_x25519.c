/* X25519 known answers from RFC 7748 §5.2 and §6.1, and the low-order point rejection WireGuard
 * relies on (an all-zero shared secret must fail the handshake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/x25519.h"
#include "support/hex.h"
#include "support/rfc7748.h"
#include "support/test_main.h"

static void check_x25519(const char *scalar_hex, const char *u_hex, const char *expect_hex)
{
	uint8_t scalar[32], u[32], expect[32], out[32];
	test_unhex(scalar, scalar_hex, 32);
	test_unhex(u, u_hex, 32);
	test_unhex(expect, expect_hex, 32);
	assert_int_equal(x25519(out, scalar, u), 0);
	assert_memory_equal(out, expect, 32);
}

static void rfc7748_5_2_vectors(void **state)
{
	(void)state;
	check_x25519("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	             "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	             "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* u has its top bit set: it must be masked off, as RFC 7748 §5 requires. */
	check_x25519("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	             "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	             "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

static void rfc7748_5_2_iterations(void **state)
{
	(void)state;
	uint8_t k[32] = {9}, u[32] = {9}, r[32], expect1[32], expect1000[32];
	test_unhex(expect1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", 32);
	test_unhex(expect1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
	           32);
	for (int i = 1; i <= 1000; i++) {
		assert_int_equal(x25519(r, k, u), 0);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1)
			assert_memory_equal(k, expect1, 32);
	}
	assert_memory_equal(k, expect1000, 32);
}

static void rfc7748_6_1_diffie_hellman(void **state)
{
	(void)state;
	const struct rfc7748_vectors *v = &rfc7748;
	uint8_t k1[32], k2[32], out[32];

	assert_int_equal(x25519_public_key(out, v->alice_priv), 0);
	assert_memory_equal(out, v->alice_pub, 32);
	assert_int_equal(x25519_public_key(out, v->bob_priv), 0);
	assert_memory_equal(out, v->bob_pub, 32);
	assert_int_equal(x25519(k1, v->alice_priv, v->bob_pub), 0);
	assert_int_equal(x25519(k2, v->bob_priv, v->alice_pub), 0);
	assert_memory_equal(k1, v->shared, 32);
	assert_memory_equal(k2, v->shared, 32);
}

static void clamp_matches_rfc(void **state)
{
	(void)state;
	uint8_t k[32];
	memset(k, 0xff, sizeof(k));
	x25519_clamp(k);
	assert_int_equal(k[0], 0xf8);
	assert_int_equal(k[31], 0x7f);
	for (int i = 1; i < 31; i++)
		assert_int_equal(k[i], 0xff);
	memset(k, 0, sizeof(k));
	x25519_clamp(k);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[31], 0x40);
}

static void low_order_points_rejected(void **state)
{
	(void)state;
	/* Points of order 1, 2, 4 and 8 (and their non-canonical encodings) give an all-zero
	 * result. */
	static const char *const low_order[] = {
	        "0000000000000000000000000000000000000000000000000000000000000000",
	        "0100000000000000000000000000000000000000000000000000000000000000",
	        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t priv[32], pub[32], out[32];
	assert_int_equal(x25519_generate(priv, pub), 0);
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		uint8_t point[32];
		test_unhex(point, low_order[i], 32);
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(x25519(out, priv, point), -1);
		/* A failed exchange must not leave anything usable behind. */
		for (int j = 0; j < 32; j++)
			assert_int_equal(out[j], 0);
	}
}

static void generated_keys_agree(void **state)
{
	(void)state;
	uint8_t a[32], a_pub[32], b[32], b_pub[32], k1[32], k2[32], again[32];
	assert_int_equal(x25519_generate(a, a_pub), 0);
	assert_int_equal(x25519_generate(b, b_pub), 0);
	/* Generated private keys come out clamped. */
	assert_int_equal(a[0] & 7, 0);
	assert_int_equal(a[31] & 0xc0, 0x40);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(x25519_public_key(again, a), 0);
	assert_memory_equal(again, a_pub, 32);
	assert_int_equal(x25519(k1, a, b_pub), 0);
	assert_int_equal(x25519(k2, b, a_pub), 0);
	assert_memory_equal(k1, k2, 32);
}

static void prepared_key_matches(void **state)
{
	(void)state;
	const uint8_t *a = rfc7748.alice_priv, *a_pub = rfc7748.alice_pub, *b_pub = rfc7748.bob_pub,
	              *expect = rfc7748.shared;
	uint8_t out[32];

	struct x25519_key k;
	assert_int_equal(x25519_key_init(&k, a), 0);
	assert_int_equal(x25519_key_public(&k, out), 0);
	assert_memory_equal(out, a_pub, 32);
	/* The same loaded key serves several exchanges. */
	for (int i = 0; i < 3; i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(x25519_key_exchange(out, &k, b_pub), 0);
		assert_memory_equal(out, expect, 32);
	}
	uint8_t order8[32];
	test_unhex(order8, "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", 32);
	assert_int_equal(x25519_key_exchange(out, &k, order8), -1);
	assert_int_equal(x25519_key_exchange(out, &k, b_pub), 0);
	assert_memory_equal(out, expect, 32);

	x25519_key_clear(&k);
	assert_null(k.pkey);
	assert_int_equal(x25519_key_exchange(out, &k, b_pub), -1);
	assert_int_equal(x25519_key_public(&k, out), -1);
	x25519_key_clear(&k);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7748_5_2_vectors),        cmocka_unit_test(rfc7748_5_2_iterations),
        cmocka_unit_test(rfc7748_6_1_diffie_hellman), cmocka_unit_test(clamp_matches_rfc),
        cmocka_unit_test(low_order_points_rejected),  cmocka_unit_test(generated_keys_agree),
        cmocka_unit_test(prepared_key_matches),
};

HWG_TEST_MAIN(tests, NULL, NULL)
