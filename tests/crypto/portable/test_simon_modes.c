/* SKE (SIMON-CBC + ISO/IEC 7816-4 padding) and PRF (length/counter-prefixed SIMON-CBC-MAC):
 * known answers from gen_vectors.py (an independent Python model), round trips, malformed input and
 * the PRF's structural properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/simon_modes.h"
#include "simon_modes_vectors.h"
#include "support/test_main.h"

static const enum simon_variant all_variants[] = {SIMON_64_96, SIMON_64_128, SIMON_128_128,
                                                  SIMON_128_192, SIMON_128_256};
static const enum simon_variant protocol_variants[] = {SIMON_64_128, SIMON_128_128};

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

struct ske_kat {
	enum simon_variant v;
	const uint8_t *iv;
	size_t pt_len;
	const uint8_t *ct;
	size_t ct_len;
};

#define SKE_KAT(var, tag, len)                                                                     \
	{                                                                                          \
		var, vec_iv_##tag, len, ske_##tag##_len##len, sizeof(ske_##tag##_len##len)         \
	}

static const struct ske_kat ske_kats[] = {
        SKE_KAT(SIMON_64_128, s64, 0),    SKE_KAT(SIMON_64_128, s64, 1),
        SKE_KAT(SIMON_64_128, s64, 7),    SKE_KAT(SIMON_64_128, s64, 8),
        SKE_KAT(SIMON_64_128, s64, 9),    SKE_KAT(SIMON_64_128, s64, 40),
        SKE_KAT(SIMON_128_128, s128, 0),  SKE_KAT(SIMON_128_128, s128, 1),
        SKE_KAT(SIMON_128_128, s128, 15), SKE_KAT(SIMON_128_128, s128, 16),
        SKE_KAT(SIMON_128_128, s128, 17), SKE_KAT(SIMON_128_128, s128, 40),
};

static void test_ske_known_answers(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(ske_kats) / sizeof(ske_kats[0]); t++) {
		const struct ske_kat *k = &ske_kats[t];
		uint8_t ct[64], pt[64];

		assert_int_equal(ske_ciphertext_len(k->v, k->pt_len), k->ct_len);
		assert_int_equal(
		        ske_encrypt(k->v, vec_key16, k->iv, vec_msg, k->pt_len, ct, sizeof(ct)), 0);
		assert_memory_equal(ct, k->ct, k->ct_len);
		assert_int_equal(ske_decrypt(k->v, vec_key16, k->ct, k->ct_len, pt, sizeof(pt)),
		                 (long)k->pt_len);
		assert_memory_equal(pt, vec_msg, k->pt_len);
		/* Exactly enough room is enough; one byte less is refused. */
		assert_int_equal(
		        ske_encrypt(k->v, vec_key16, k->iv, vec_msg, k->pt_len, ct, k->ct_len), 0);
		assert_int_equal(
		        ske_encrypt(k->v, vec_key16, k->iv, vec_msg, k->pt_len, ct, k->ct_len - 1),
		        -1);
		assert_int_equal(ske_decrypt(k->v, vec_key16, k->ct, k->ct_len, pt, k->pt_len),
		                 (long)k->pt_len);
		if (k->pt_len > 0)
			assert_int_equal(
			        ske_decrypt(k->v, vec_key16, k->ct, k->ct_len, pt, k->pt_len - 1),
			        -1);
	}
}

static void test_ske_round_trip_all_lengths(void **state)
{
	(void)state;
	for (size_t t = 0; t < 5; t++) {
		enum simon_variant v = all_variants[t];
		size_t b = simon_block_len(v);
		for (size_t len = 0; len <= 100; len++) {
			uint8_t key[32], iv[16], msg[100], ct[16 + 112], pt[100 + 16];
			fill_random(key, sizeof(key));
			fill_random(iv, sizeof(iv));
			fill_random(msg, sizeof(msg));
			/* Data that looks like padding must survive too. */
			if (len % 3 == 1)
				msg[len - 1] = 0x80;
			if (len % 3 == 2)
				msg[len - 1] = 0x00;
			size_t ct_len = ske_ciphertext_len(v, len);
			assert_int_equal(ct_len, b + (len / b + 1) * b);
			assert_int_equal(ske_encrypt(v, key, iv, msg, len, ct, sizeof(ct)), 0);
			assert_memory_equal(ct, iv, b);
			memset(pt, 0xEE, sizeof(pt));
			assert_int_equal(ske_decrypt(v, key, ct, ct_len, pt, sizeof(pt)),
			                 (long)len);
			if (len)
				assert_memory_equal(pt, msg, len);
			assert_int_equal(pt[len], 0xEE); /* nothing written past the plaintext */
			/* A different key must not give back the message. */
			key[0] ^= 1;
			long r = ske_decrypt(v, key, ct, ct_len, pt, sizeof(pt));
			assert_true(r != (long)len || len == 0 || memcmp(pt, msg, len) != 0);
		}
	}
}

static void test_ske_rejects_bad_lengths(void **state)
{
	uint8_t ct[64], pt[64];
	(void)state;

	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		size_t b = simon_block_len(v);
		uint8_t iv[16] = {0};
		assert_int_equal(ske_encrypt(v, vec_key16, iv, vec_msg, 20, ct, sizeof(ct)), 0);
		size_t ct_len = ske_ciphertext_len(v, 20);
		for (size_t len = 0; len <= ct_len + b; len++) {
			long r = ske_decrypt(v, vec_key16, ct, len, pt, sizeof(pt));
			if (len < 2 * b || len % b != 0)
				assert_int_equal(r, -1);
			if (len == ct_len)
				assert_int_equal(r, 20);
		}
	}
	assert_int_equal(ske_decrypt((enum simon_variant)9, vec_key16, ct, 32, pt, sizeof(pt)), -1);
	assert_int_equal(ske_encrypt((enum simon_variant)9, vec_key16, ct, pt, 1, ct, sizeof(ct)),
	                 -1);
	assert_int_equal(ske_ciphertext_len((enum simon_variant)9, 1), 0);
	assert_int_equal(ske_ciphertext_len(SIMON_128_128, SIZE_MAX), 0);
}

/* Builds iv || E(block ^ iv): a one-block ciphertext whose plaintext we choose freely. */
static void raw_one_block(enum simon_variant v, const uint8_t *plain, uint8_t *out)
{
	struct simon_ctx ctx;
	size_t b = simon_block_len(v);
	uint8_t x[16];

	assert_int_equal(simon_init(&ctx, v, vec_key16), 0);
	for (size_t i = 0; i < b; i++) {
		out[i] = (uint8_t)(0x30 + i);
		x[i] = (uint8_t)(plain[i] ^ out[i]);
	}
	simon_encrypt_block(&ctx, out + b, x);
	simon_clear(&ctx);
}

static void test_ske_rejects_bad_padding(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		size_t b = simon_block_len(v);
		uint8_t plain[16], ct[32], pt[16];

		/* All zero: no marker. */
		memset(plain, 0, sizeof(plain));
		raw_one_block(v, plain, ct);
		assert_int_equal(ske_decrypt(v, vec_key16, ct, 2 * b, pt, sizeof(pt)), -1);
		/* Marker followed by a nonzero byte. */
		plain[2] = 0x80;
		plain[b - 1] = 0x01;
		raw_one_block(v, plain, ct);
		assert_int_equal(ske_decrypt(v, vec_key16, ct, 2 * b, pt, sizeof(pt)), -1);
		/* Last nonzero byte is not the marker (PKCS#7-style padding). */
		memset(plain, (int)b, sizeof(plain));
		raw_one_block(v, plain, ct);
		assert_int_equal(ske_decrypt(v, vec_key16, ct, 2 * b, pt, sizeof(pt)), -1);
		/* The valid neighbours: marker at each position, zeros after. */
		for (size_t pos = 0; pos < b; pos++) {
			memset(plain, 0x5A, sizeof(plain));
			plain[pos] = 0x80;
			memset(plain + pos + 1, 0, b - pos - 1);
			raw_one_block(v, plain, ct);
			assert_int_equal(ske_decrypt(v, vec_key16, ct, 2 * b, pt, sizeof(pt)),
			                 (long)pos);
			assert_memory_equal(pt, plain, pos);
		}
	}
}

/* CBC alone gives no integrity (the protocol's MAC v1 covers c); what it must do is never hand back
 * the original plaintext for a modified or truncated ciphertext, and reject most such inputs. */
static void test_ske_tamper_and_truncation(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		size_t b = simon_block_len(v);
		uint8_t iv[16], ct[64], pt[64];
		size_t ct_len = ske_ciphertext_len(v, 40);
		unsigned rejected = 0, trials = 0;

		fill_random(iv, sizeof(iv));
		assert_int_equal(ske_encrypt(v, vec_key16, iv, vec_msg, 40, ct, sizeof(ct)), 0);
		/* Every single-bit flip in the last two blocks. */
		for (size_t byte = ct_len - 2 * b; byte < ct_len; byte++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				ct[byte] ^= (uint8_t)(1u << bit);
				long r = ske_decrypt(v, vec_key16, ct, ct_len, pt, sizeof(pt));
				assert_true(r != 40 || memcmp(pt, vec_msg, 40) != 0);
				rejected += r < 0;
				trials++;
				ct[byte] ^= (uint8_t)(1u << bit);
			}
		}
		/* Flips in the last block garble the padding block entirely (P ~ 1/b+ of acceptance
		 * each). */
		assert_true(rejected * 10 >= trials * 4);
		/* Dropping trailing whole blocks: the padding check fails or the length is wrong.
		 */
		for (size_t cut = b; cut < ct_len - b; cut += b) {
			long r = ske_decrypt(v, vec_key16, ct, ct_len - cut, pt, sizeof(pt));
			assert_true(r != 40);
		}
		assert_int_equal(ske_decrypt(v, vec_key16, ct, ct_len, pt, sizeof(pt)), 40);
	}
}

/* A rejected ciphertext leaves no plaintext behind and nothing past out_cap is touched. */
static void test_ske_failure_leaves_no_plaintext(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		size_t b = simon_block_len(v);
		uint8_t iv[16] = {7}, ct[64], pt[64];
		size_t ct_len = ske_ciphertext_len(v, 40);

		assert_int_equal(ske_encrypt(v, vec_key16, iv, vec_msg, 40, ct, sizeof(ct)), 0);
		/* Too little room: refused; the full blocks that fitted are zeroed, the rest
		 * untouched. */
		size_t body = ct_len - 2 * b;
		memset(pt, 0xEE, sizeof(pt));
		assert_int_equal(ske_decrypt(v, vec_key16, ct, ct_len, pt, 39), -1);
		for (size_t i = 0; i < sizeof(pt); i++)
			assert_int_equal(pt[i], i < (body < 39 ? body : 39) ? 0 : 0xEE);
		/* Bad padding (a different key garbles the last block): same. */
		uint8_t key2[16];
		memcpy(key2, vec_key16, 16);
		for (int k = 0; k < 256; k++) {
			key2[0] = (uint8_t)k;
			memset(pt, 0xEE, sizeof(pt));
			long r = ske_decrypt(v, key2, ct, ct_len, pt, sizeof(pt));
			if (r >= 0)
				continue; /* a random last block has valid padding now and then */
			for (size_t i = 0; i < sizeof(pt); i++)
				assert_int_equal(pt[i], i < body ? 0 : 0xEE);
		}
	}
}

struct prf_kat {
	enum simon_variant v;
	size_t in_len;
	const uint8_t *out;
	size_t out_len;
};

#define PRF_KAT(var, tag, in, out)                                                                 \
	{                                                                                          \
		var, in, prf_##tag##_in##in##_out##out, out                                        \
	}

static const struct prf_kat prf_kats[] = {
        PRF_KAT(SIMON_64_128, s64, 0, 16),   PRF_KAT(SIMON_64_128, s64, 3, 16),
        PRF_KAT(SIMON_64_128, s64, 16, 40),  PRF_KAT(SIMON_64_128, s64, 40, 5),
        PRF_KAT(SIMON_64_128, s64, 40, 33),  PRF_KAT(SIMON_128_128, s128, 0, 16),
        PRF_KAT(SIMON_128_128, s128, 3, 16), PRF_KAT(SIMON_128_128, s128, 16, 40),
        PRF_KAT(SIMON_128_128, s128, 40, 5), PRF_KAT(SIMON_128_128, s128, 40, 33),
};

static void test_prf_known_answers(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(prf_kats) / sizeof(prf_kats[0]); t++) {
		uint8_t out[64];
		memset(out, 0xEE, sizeof(out));
		simon_prf(prf_kats[t].v, vec_key16, vec_msg, prf_kats[t].in_len, out,
		          prf_kats[t].out_len);
		assert_memory_equal(out, prf_kats[t].out, prf_kats[t].out_len);
		assert_int_equal(out[prf_kats[t].out_len], 0xEE);
	}
}

/* Output of length L is the first L bytes of any longer output (the counter only extends it). */
static void test_prf_output_prefix(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		uint8_t full[100], part[100];
		simon_prf(protocol_variants[t], vec_key16, vec_msg, 40, full, sizeof(full));
		for (size_t len = 0; len <= sizeof(full); len++) {
			memset(part, 0, sizeof(part));
			simon_prf(protocol_variants[t], vec_key16, vec_msg, 40, part, len);
			if (len)
				assert_memory_equal(part, full, len);
		}
		/* Consecutive output blocks differ (the counter is in the encoding). */
		size_t b = simon_block_len(protocol_variants[t]);
		for (size_t i = b; i + b <= sizeof(full); i += b)
			assert_memory_not_equal(full, full + i, b);
	}
}

/* Inputs that differ only by trailing zero bytes, or that are prefixes of each other, map to
 * different outputs: the encoded length makes the zero padding unambiguous. */
static void test_prf_distinct_inputs(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		uint8_t zeros[40] = {0};
		uint8_t outs[2][41][16];
		for (size_t len = 0; len <= 40; len++) {
			simon_prf(v, vec_key16, vec_msg, len, outs[0][len], 16);
			simon_prf(v, vec_key16, zeros, len, outs[1][len], 16);
		}
		/* outs[1][0] is the empty input again, so it is left out. */
		for (size_t a = 0; a < 2 * 41; a++)
			for (size_t c = a + 1; c < 2 * 41; c++)
				if (c != 41)
					assert_memory_not_equal(outs[a / 41][a % 41],
					                        outs[c / 41][c % 41], 16);
		/* And a different key gives a different function. */
		uint8_t key2[16], o2[16];
		memcpy(key2, vec_key16, 16);
		key2[15] ^= 0x80;
		simon_prf(v, key2, vec_msg, 40, o2, 16);
		assert_memory_not_equal(o2, outs[0][40], 16);
		assert_memory_equal(outs[0][0], outs[1][0], 16);
	}
}

/* Plain CBC-MAC is not a PRF on variable-length input: from T = MAC(X) one predicts
 * MAC(X || (Y1 ^ T) || Y2..) = MAC(Y). The test shows the splice working against bare CBC-MAC
 * (with the same counter block up front) and failing against simon_prf. */
static void cbc_mac(const struct simon_ctx *ctx, const uint8_t *data, size_t len, uint8_t *tag)
{
	size_t b = ctx->block_len;
	memset(tag, 0, b);
	for (size_t off = 0; off < len; off += b) {
		for (size_t j = 0; j < b; j++)
			tag[j] ^= data[off + j];
		simon_encrypt_block(ctx, tag, tag);
	}
}

static void test_prf_resists_cbc_mac_splice(void **state)
{
	(void)state;
	for (size_t t = 0; t < 2; t++) {
		enum simon_variant v = protocol_variants[t];
		struct simon_ctx ctx;
		size_t b = simon_block_len(v);
		uint8_t x[16], y[32], spliced[64], t_x[16], t_y[16], t_s[16];

		assert_int_equal(simon_init(&ctx, v, vec_key16), 0);
		memcpy(x, vec_msg, b);
		memcpy(y, vec_msg + 8, 2 * b);
		/* Bare CBC-MAC: splice x || (y1 ^ T(x)) || y2 forges the tag of y. */
		cbc_mac(&ctx, x, b, t_x);
		cbc_mac(&ctx, y, 2 * b, t_y);
		memcpy(spliced, x, b);
		for (size_t j = 0; j < b; j++)
			spliced[b + j] = (uint8_t)(y[j] ^ t_x[j]);
		memcpy(spliced + 2 * b, y + b, b);
		cbc_mac(&ctx, spliced, 3 * b, t_s);
		assert_memory_equal(t_s, t_y, b);
		/* The same splice against the PRF, with the PRF's own tag of x. */
		simon_prf(v, vec_key16, x, b, t_x, b);
		simon_prf(v, vec_key16, y, 2 * b, t_y, b);
		memcpy(spliced, x, b);
		for (size_t j = 0; j < b; j++)
			spliced[b + j] = (uint8_t)(y[j] ^ t_x[j]);
		memcpy(spliced + 2 * b, y + b, b);
		simon_prf(v, vec_key16, spliced, 3 * b, t_s, b);
		assert_memory_not_equal(t_s, t_y, b);
		simon_clear(&ctx);
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ske_known_answers),
        cmocka_unit_test(test_ske_round_trip_all_lengths),
        cmocka_unit_test(test_ske_rejects_bad_lengths),
        cmocka_unit_test(test_ske_rejects_bad_padding),
        cmocka_unit_test(test_ske_tamper_and_truncation),
        cmocka_unit_test(test_ske_failure_leaves_no_plaintext),
        cmocka_unit_test(test_prf_known_answers),
        cmocka_unit_test(test_prf_output_prefix),
        cmocka_unit_test(test_prf_distinct_inputs),
        cmocka_unit_test(test_prf_resists_cbc_mac_splice),
};

HWG_TEST_MAIN(tests, NULL, NULL)
