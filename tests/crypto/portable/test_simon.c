/* SIMON: the designers' test vectors (ePrint 2013/404 Appendix B) in both conventions, round keys
 * from the Implementation Guide, and round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/simon.h"
#include "support/hex.h"
#include "support/test_main.h"

struct paper_vector {
	enum simon_variant v;
	unsigned word_bytes, key_words;
	uint64_t key[4]; /* most significant word first, as printed: k_{m-1} ... k_0 */
	uint64_t pt[2];  /* (x, y) */
	uint64_t ct[2];
};

static const struct paper_vector paper[] = {
        {SIMON_64_96,
         4,
         3,
         {0x13121110, 0x0b0a0908, 0x03020100},
         {0x6f722067, 0x6e696c63},
         {0x5ca2e27f, 0x111a8fc8}},
        {SIMON_64_128,
         4,
         4,
         {0x1b1a1918, 0x13121110, 0x0b0a0908, 0x03020100},
         {0x656b696c, 0x20646e75},
         {0x44c8fc20, 0xb9dfa07a}},
        {SIMON_128_128,
         8,
         2,
         {0x0f0e0d0c0b0a0908, 0x0706050403020100},
         {0x6373656420737265, 0x6c6c657661727420},
         {0x49681b1e1e54fe3f, 0x65aa832af84e0bbc}},
        {SIMON_128_192,
         8,
         3,
         {0x1716151413121110, 0x0f0e0d0c0b0a0908, 0x0706050403020100},
         {0x206572656874206e, 0x6568772065626972},
         {0xc4ac61effcdc0d4f, 0x6c9c8d6e2597b85b}},
        {SIMON_128_256,
         8,
         4,
         {0x1f1e1d1c1b1a1918, 0x1716151413121110, 0x0f0e0d0c0b0a0908, 0x0706050403020100},
         {0x74206e69206d6f6f, 0x6d69732061207369},
         {0x8d2b5579afc8a3a0, 0x3bf72a87efe7b868}},
};

/* The Guide's mapping: words become little-endian bytes, least significant word (k_0, y) first. */
static void paper_to_bytes(const uint64_t *msw_first, unsigned nwords, unsigned word_bytes,
                           uint8_t *out)
{
	for (unsigned w = 0; w < nwords; w++) {
		uint64_t word = msw_first[nwords - 1 - w];
		for (unsigned i = 0; i < word_bytes; i++)
			out[w * word_bytes + i] = (uint8_t)(word >> (8 * i));
	}
}

static void test_paper_word_order(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(paper) / sizeof(paper[0]); t++) {
		const struct paper_vector *p = &paper[t];
		uint8_t key[32], pt[16], ct[16], out[16];
		struct simon_ctx ctx;

		paper_to_bytes(p->key, p->key_words, p->word_bytes, key);
		paper_to_bytes(p->pt, 2, p->word_bytes, pt);
		paper_to_bytes(p->ct, 2, p->word_bytes, ct);
		assert_int_equal(simon_key_len(p->v), p->key_words * p->word_bytes);
		assert_int_equal(simon_block_len(p->v), 2 * p->word_bytes);
		assert_int_equal(simon_init(&ctx, p->v, key), 0);
		simon_encrypt_block(&ctx, out, pt);
		assert_memory_equal(out, ct, 2 * p->word_bytes);
		simon_decrypt_block(&ctx, out, ct);
		assert_memory_equal(out, pt, 2 * p->word_bytes);
		/* The key words are the first round keys, k_0 first. */
		for (unsigned i = 0; i < p->key_words; i++)
			assert_true(ctx.rk[i] == p->key[p->key_words - 1 - i]);
		simon_clear(&ctx);
	}
}

struct byte_vector {
	enum simon_variant v;
	const char *key, *pt, *ct;
};

/* The NSA Implementation Guide's byte strings for the same vectors. */
static const struct byte_vector bytes_vectors[] = {
        {SIMON_64_96, "0001020308090a0b10111213", "636c696e6720726f", "c88f1a117fe2a25c"},
        {SIMON_64_128, "0001020308090a0b1011121318191a1b", "756e64206c696b65", "7aa0dfb920fcc844"},
        {SIMON_128_128, "000102030405060708090a0b0c0d0e0f", "2074726176656c6c6572732064657363",
         "bc0b4ef82a83aa653ffe541e1e1b6849"},
        {SIMON_128_192, "000102030405060708090a0b0c0d0e0f1011121314151617",
         "72696265207768656e20746865726520", "5bb897256e8d9c6c4f0ddcfcef61acc4"},
        {SIMON_128_256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "697320612073696d6f6f6d20696e2074", "68b8e7ef872af73ba0a3c8af79552b8d"},
};

static void test_byte_order(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof(bytes_vectors) / sizeof(bytes_vectors[0]); t++) {
		const struct byte_vector *b = &bytes_vectors[t];
		uint8_t key[32], pt[16], ct[16], out[16];
		struct simon_ctx ctx;

		test_unhex(key, b->key, simon_key_len(b->v));
		test_unhex(pt, b->pt, simon_block_len(b->v));
		test_unhex(ct, b->ct, simon_block_len(b->v));
		assert_int_equal(simon_init(&ctx, b->v, key), 0);
		simon_encrypt_block(&ctx, out, pt);
		assert_memory_equal(out, ct, simon_block_len(b->v));
		simon_decrypt_block(&ctx, out, ct);
		assert_memory_equal(out, pt, simon_block_len(b->v));
		/* In place. */
		memcpy(out, pt, sizeof(pt));
		simon_encrypt_block(&ctx, out, out);
		assert_memory_equal(out, ct, simon_block_len(b->v));
	}
}

static void test_round_keys(void **state)
{
	static const struct {
		enum simon_variant v;
		unsigned first, last;
		uint64_t rk_first, rk_last;
	} rk[] = {
	        {SIMON_64_96, 3, 41, 0xffae9dce, 0xb082bddc},
	        {SIMON_64_128, 4, 43, 0x70a011c3, 0x15df4696},
	        {SIMON_128_128, 2, 67, 0x79e8db8abd2c1f4c, 0x29b0397872648490},
	        {SIMON_128_192, 3, 68, 0xfb6a59083fae9dce, 0x94464fc0475a17c7},
	        {SIMON_128_256, 4, 71, 0x7262d303b0a011c3, 0xc46d2a8df85ca638},
	};
	(void)state;
	for (size_t t = 0; t < sizeof(rk) / sizeof(rk[0]); t++) {
		uint8_t key[32];
		struct simon_ctx ctx;

		paper_to_bytes(paper[t].key, paper[t].key_words, paper[t].word_bytes, key);
		assert_int_equal(simon_init(&ctx, rk[t].v, key), 0);
		assert_int_equal(ctx.rounds, rk[t].last + 1);
		assert_true(ctx.rk[rk[t].first] == rk[t].rk_first);
		assert_true(ctx.rk[rk[t].last] == rk[t].rk_last);
	}
}

/* The Guide's trace: Simon64/96 after round 1 is (x, y) = (8283acb0, 6f722067). */
static void test_first_round_state(void **state)
{
	uint8_t key[12], pt[8], out[8];
	struct simon_ctx ctx;
	(void)state;

	paper_to_bytes(paper[0].key, 3, 4, key);
	paper_to_bytes(paper[0].pt, 2, 4, pt);
	assert_int_equal(simon_init(&ctx, SIMON_64_96, key), 0);
	ctx.rounds = 1;
	simon_encrypt_block(&ctx, out, pt);
	static const uint8_t expect[8] = {0x67, 0x20, 0x72, 0x6f, 0xb0, 0xac, 0x83, 0x82};
	assert_memory_equal(out, expect, 8);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_round_trip_and_diffusion(void **state)
{
	static const enum simon_variant all[] = {SIMON_64_96, SIMON_64_128, SIMON_128_128,
	                                         SIMON_128_192, SIMON_128_256};
	(void)state;
	for (size_t t = 0; t < 5; t++) {
		size_t bl = simon_block_len(all[t]);
		for (int iter = 0; iter < 200; iter++) {
			uint8_t key[32], pt[16], ct[16], ct2[16], back[16];
			struct simon_ctx ctx;
			for (size_t i = 0; i < sizeof(key); i++)
				key[i] = (uint8_t)rng();
			for (size_t i = 0; i < sizeof(pt); i++)
				pt[i] = (uint8_t)rng();
			assert_int_equal(simon_init(&ctx, all[t], key), 0);
			simon_encrypt_block(&ctx, ct, pt);
			simon_decrypt_block(&ctx, back, ct);
			assert_memory_equal(back, pt, bl);
			assert_memory_not_equal(ct, pt, bl);
			/* One flipped plaintext bit changes the ciphertext. */
			pt[iter % bl] ^= (uint8_t)(1u << (iter % 8));
			simon_encrypt_block(&ctx, ct2, pt);
			assert_memory_not_equal(ct, ct2, bl);
		}
	}
}

static void test_bad_variant_and_clear(void **state)
{
	uint8_t key[32] = {1};
	struct simon_ctx ctx;
	(void)state;

	assert_int_equal(simon_init(&ctx, (enum simon_variant)5, key), -1);
	assert_int_equal(simon_init(&ctx, (enum simon_variant) - 1, key), -1);
	assert_int_equal(simon_key_len((enum simon_variant)7), 0);
	assert_int_equal(simon_block_len((enum simon_variant)7), 0);
	assert_int_equal(simon_key_len(SIMON_64_96), 12);
	assert_int_equal(simon_key_len(SIMON_128_256), 32);
	assert_int_equal(simon_init(&ctx, SIMON_128_128, key), 0);
	simon_clear(&ctx);
	for (size_t i = 0; i < SIMON_MAX_ROUNDS; i++)
		assert_true(ctx.rk[i] == 0);
	assert_int_equal(ctx.rounds, 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_word_order),
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_round_keys),
        cmocka_unit_test(test_first_round_state),
        cmocka_unit_test(test_round_trip_and_diffusion),
        cmocka_unit_test(test_bad_variant_and_clear),
};

HWG_TEST_MAIN(tests, NULL, NULL)
