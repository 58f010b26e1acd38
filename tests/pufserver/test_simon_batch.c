/* The quick stage's lane kernels (src/pufserver/simon_batch.c): every kernel this CPU runs gives
 * exactly the answers of the general SIMON (crypto/portable/simon.c) and the designers' vectors,
 * for every lane position, group tails, and 1..32 queries at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/portable/simon.h"
#include "puf/xoshiro.h"
#include "pufserver/simon_batch.h"
#include "support/test_main.h"
#include "support/test_rng.h"

/* The designers' vectors (ePrint 2013/404, Appendix B) as Implementation Guide byte strings. */
static const uint8_t key128[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t ct128[16] = {0xbc, 0x0b, 0x4e, 0xf8, 0x2a, 0x83, 0xaa, 0x65,
                                  0x3f, 0xfe, 0x54, 0x1e, 0x1e, 0x1b, 0x68, 0x49};
static const uint8_t pt128[16] = {0x20, 0x74, 0x72, 0x61, 0x76, 0x65, 0x6c, 0x6c,
                                  0x65, 0x72, 0x73, 0x20, 0x64, 0x65, 0x73, 0x63};
static const uint8_t key64[16] = {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27};
static const uint8_t ct64[8] = {0x7a, 0xa0, 0xdf, 0xb9, 0x20, 0xfc, 0xc8, 0x44};
static const uint8_t pt64[8] = {0x75, 0x6e, 0x64, 0x20, 0x6c, 0x69, 0x6b, 0x65};

static const uint8_t all_ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static int kernels_tested;

/* The designers' key among random ones, at every position of a group and in the tail: only its
 * positions pass, for every kernel. */
static void designers_vectors(void **state)
{
	enum { N = 77 };
	static const size_t at[] = {0, 5, 16, 31, 33, 63, 64, 76};
	struct xoshiro x;
	uint8_t keys[N * 16];
	uint32_t pass[N];

	(void)state;
	xoshiro_seed(&x, 1);
	for (int impl = 0; impl < SIMON_BATCH_IMPLS; impl++) {
		if (!simon_batch_supported((enum simon_batch_impl)impl)) {
			print_message("kernel %s: not supported on this CPU, skipped\n",
			              simon_batch_name((enum simon_batch_impl)impl));
			continue;
		}
		for (int v = 0; v < 2; v++) {
			enum simon_variant var = v ? SIMON_64_128 : SIMON_128_128;
			const uint8_t *key = v ? key64 : key128;
			struct simon_batch_query q;

			simon_batch_query_init(&q, var, v ? ct64 : ct128, v ? pt64 : pt128,
			                       all_ones);
			test_rng_bytes(&x, keys, sizeof(keys));
			for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
				memcpy(keys + at[i] * 16, key, 16);
			memset(pass, 0xaa, sizeof(pass));
			assert_int_equal(simon_batch_filter_with((enum simon_batch_impl)impl, var,
			                                         keys, N, &q, 1, pass),
			                 0);
			for (size_t i = 0, k = 0; i < N; i++) {
				int expect = k < sizeof(at) / sizeof(at[0]) && at[k] == i;

				assert_int_equal(pass[i], (uint32_t)expect);
				k += expect;
			}
		}
		kernels_tested++;
	}
	assert_true(kernels_tested >= 2); /* scalar and vec128 run everywhere */
}

/* Random keys, blocks and patterns against the general SIMON, key by key and query by query.
 * Patterns: the exact plaintext under one chosen key (full mask), and random patterns on a few
 * bits (about one key in 2^bits passes), so that both outcomes occur often. */
static void matches_general_simon(void **state)
{
	enum { N = 1003 };
	static const unsigned queries[] = {1, 3, 8, 32};
	struct xoshiro x;
	uint8_t *keys = malloc(N * 16);
	uint32_t *pass = malloc(N * sizeof(*pass)), *ref = malloc(N * sizeof(*ref));
	long passes = 0;

	(void)state;
	assert_true(keys && pass && ref);
	xoshiro_seed(&x, 2);
	for (int round = 0; round < 6; round++) {
		enum simon_variant var = round & 1 ? SIMON_64_128 : SIMON_128_128;
		size_t b = simon_block_len(var);
		unsigned nq = queries[round % 4];
		struct simon_batch_query q[SIMON_BATCH_MAX_QUERIES];
		uint8_t in[SIMON_BATCH_MAX_QUERIES][16], want[SIMON_BATCH_MAX_QUERIES][16];
		uint8_t mask[SIMON_BATCH_MAX_QUERIES][16];
		struct simon_ctx ctx;

		test_rng_bytes(&x, keys, N * 16);
		for (unsigned k = 0; k < nq; k++) {
			test_rng_bytes(&x, in[k], b);
			if (k % 2 == 0) {
				/* the plaintext under a chosen key */
				size_t who = xoshiro_next(&x) % N;

				assert_int_equal(simon_init(&ctx, var, keys + who * 16), 0);
				simon_decrypt_block(&ctx, want[k], in[k]);
				memcpy(mask[k], all_ones, b);
			} else {
				/* a random pattern on 5 to 9 bits */
				unsigned bits = 5 + (unsigned)(xoshiro_next(&x) % 5);

				test_rng_bytes(&x, want[k], b);
				memset(mask[k], 0, b);
				for (unsigned i = 0; i < bits; i++) {
					unsigned bit = (unsigned)(xoshiro_next(&x) % (8 * b));

					mask[k][bit / 8] |= (uint8_t)(1u << (bit % 8));
				}
			}
			simon_batch_query_init(&q[k], var, in[k], want[k], mask[k]);
		}
		for (size_t i = 0; i < N; i++) {
			ref[i] = 0;
			assert_int_equal(simon_init(&ctx, var, keys + i * 16), 0);
			for (unsigned k = 0; k < nq; k++) {
				uint8_t out[16], diff = 0;

				simon_decrypt_block(&ctx, out, in[k]);
				for (size_t j = 0; j < b; j++)
					diff |= (uint8_t)((out[j] ^ want[k][j]) & mask[k][j]);
				ref[i] |= (uint32_t)(diff == 0) << k;
			}
			passes += ref[i] != 0;
		}
		for (int impl = 0; impl < SIMON_BATCH_IMPLS; impl++) {
			if (!simon_batch_supported((enum simon_batch_impl)impl))
				continue;
			/* whole, and cut to lengths that end mid-group */
			static const size_t lengths[] = {N,  N - 1, 333, 100, 33, 17,
			                                 16, 15,    9,   8,   7,  1};

			for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
				size_t n = lengths[l];

				memset(pass, 0x55, N * sizeof(*pass));
				assert_int_equal(
				        simon_batch_filter_with((enum simon_batch_impl)impl, var,
				                                keys, n, q, nq, pass),
				        0);
				assert_memory_equal(pass, ref, n * sizeof(*pass));
			}
		}
	}
	print_message("%ld of %d keys passed some query\n", passes, 6 * N);
	assert_true(passes > 6 * 10);
	free(keys);
	free(pass);
	free(ref);
}

static void choosing_a_kernel(void **state)
{
	struct simon_batch_query q;
	uint32_t pass[1];
	enum simon_batch_impl before = simon_batch_current();

	(void)state;
	assert_int_equal(simon_batch_use("scalar"), 0);
	assert_int_equal(simon_batch_current(), SIMON_BATCH_SCALAR);
	assert_int_equal(simon_batch_use("vec128"), 0);
	assert_int_equal(simon_batch_current(), SIMON_BATCH_VEC128);
	assert_int_equal(simon_batch_use("sse9"), -1);
	assert_int_equal(simon_batch_current(), SIMON_BATCH_VEC128);
	assert_int_equal(simon_batch_use("auto"), 0);
	assert_int_equal(simon_batch_current(), before);
	/* 128-bit keys only; 1..32 queries */
	simon_batch_query_init(&q, SIMON_128_128, ct128, pt128, all_ones);
	assert_int_equal(simon_batch_filter(SIMON_128_256, key128, 1, &q, 1, pass), -1);
	assert_int_equal(simon_batch_filter(SIMON_128_128, key128, 1, &q, 0, pass), -1);
	assert_int_equal(simon_batch_filter(SIMON_128_128, key128, 1, &q, 33, pass), -1);
	assert_int_equal(simon_batch_filter(SIMON_128_128, key128, 1, &q, 1, pass), 0);
	assert_int_equal(pass[0], 1);
	print_message("fastest kernel here: %s\n", simon_batch_name(before));
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(designers_vectors),
        cmocka_unit_test(matches_general_simon),
        cmocka_unit_test(choosing_a_kernel),
};

HWG_TEST_MAIN(tests, NULL, NULL)
