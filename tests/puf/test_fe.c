/* Fuzzy extractor: round trips, the 11-errors-per-block limit, patterns that only the second layer
 * fixes, failure on hopeless inputs, helper-data layout and tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/bch63.h"
#include "puf/fe.h"
#include "puf/host/fe_model.h"
#include "puf/xoshiro.h"
#include "support/test_main.h"

#define MAX_RESP   ((FE_MAX_BLOCKS * 63 + 7) / 8)
#define MAX_HELPER (2 * MAX_RESP + 32)
#define MAX_RANDOM (FE_MAX_BLOCKS * 4 + 32)

struct run {
	const struct fe_params *p;
	uint8_t z[MAX_RESP], z2[MAX_RESP], rnd[MAX_RANDOM], helper[MAX_HELPER];
	uint8_t key[16], key2[16];
};

static void fill(struct xoshiro *x, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)xoshiro_next(x);
}

static void flip(uint8_t *b, size_t bit)
{
	b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static int get(const uint8_t *b, size_t bit)
{
	return (b[bit / 8] >> (bit % 8)) & 1;
}

static void gen(struct run *r, const struct fe_params *p, struct xoshiro *x)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	fill(x, r->z, fe_response_len(p));
	fill(x, r->rnd, fe_gen_random_len(p));
	assert_int_equal(fe_gen(p, r->z, r->rnd, r->key, r->helper), 0);
	memcpy(r->z2, r->z, sizeof(r->z));
}

/* Flips `count` distinct bits among the given string positions of z2. */
static void flip_distinct(struct run *r, struct xoshiro *x, size_t first, size_t span,
                          size_t stride, unsigned count)
{
	uint8_t used[64] = {0};
	for (unsigned n = 0; n < count;) {
		size_t k = xoshiro_next(x) % span;
		if (used[k])
			continue;
		used[k] = 1;
		flip(r->z2, first + k * stride);
		n++;
	}
}

/* `count` errors in each of the first `blocks` 63-bit blocks of z2. */
static void errors_in_every_block(struct run *r, struct xoshiro *x, unsigned blocks, unsigned count)
{
	for (unsigned b = 0; b < blocks; b++)
		flip_distinct(r, x, 63 * b, 63, 1, count);
}

static int rec_matches(struct run *r)
{
	memset(r->key2, 0xee, sizeof(r->key2));
	if (fe_rec(r->p, r->z2, r->helper, r->key2))
		return 0;
	return memcmp(r->key, r->key2, fe_key_len(r->p)) == 0 ? 1 : -1;
}

static const struct fe_params ONE_LAYER_128 = {128, 8, 1};
static const struct fe_params ONE_LAYER_64 = {64, 4, 1};

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(fe_response_len(&FE_PARAMS_128), 63);
	assert_int_equal(fe_helper_len(&FE_PARAMS_128), 63 + 63 + 32);
	assert_int_equal(fe_key_len(&FE_PARAMS_128), 16);
	assert_int_equal(fe_gen_random_len(&FE_PARAMS_128), 8 * 2 * 2 + 32);
	assert_int_equal(fe_response_len(&FE_PARAMS_64), 32);
	assert_int_equal(fe_helper_len(&FE_PARAMS_64), 32 + 32 + 16);
	assert_int_equal(fe_key_len(&FE_PARAMS_64), 8);
	assert_int_equal(fe_helper_len(&ONE_LAYER_128), 63 + 32);
	assert_int_equal(fe_response_len(&FE_PARAMS_128_CONSERVATIVE), (18 * 63 + 7) / 8);
	/* the textbook bound of the conservative set at h = 0.862 */
	assert_true(18 * (63 * 0.862 - 47) >= 128);
}

static void test_bad_params(void **state)
{
	(void)state;
	uint8_t buf[MAX_HELPER] = {0}, key[16];
	const struct fe_params bad[] = {
	        {100, 8, 2}, {128, 0, 2}, {128, FE_MAX_BLOCKS + 1, 2}, {128, 8, 3}, {128, 8, 0}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(fe_params_valid(&bad[i]));
		assert_int_equal(fe_gen(&bad[i], buf, buf, key, buf), -1);
		assert_int_equal(fe_rec(&bad[i], buf, buf, key), -1);
	}
	assert_int_equal(fe_rec(NULL, buf, buf, key), -1);
}

static void test_round_trip_no_errors(void **state)
{
	(void)state;
	const struct fe_params *sets[] = {&FE_PARAMS_128, &FE_PARAMS_64,
	                                  &FE_PARAMS_128_CONSERVATIVE, &ONE_LAYER_128,
	                                  &ONE_LAYER_64};
	struct xoshiro x;
	struct run r, r2;
	xoshiro_seed(&x, 1);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		gen(&r, sets[i], &x);
		assert_int_equal(rec_matches(&r), 1);
		/* Gen is deterministic in its inputs; another seed gives another key */
		r2 = r;
		assert_int_equal(fe_gen(sets[i], r.z, r.rnd, r2.key, r2.helper), 0);
		assert_memory_equal(r.key, r2.key, fe_key_len(sets[i]));
		assert_memory_equal(r.helper, r2.helper, fe_helper_len(sets[i]));
		r2.rnd[fe_gen_random_len(sets[i]) - 1] ^= 1;
		assert_int_equal(fe_gen(sets[i], r.z, r2.rnd, r2.key, r2.helper), 0);
		assert_memory_not_equal(r.key, r2.key, fe_key_len(sets[i]));
	}
}

static void test_helper_layout(void **state)
{
	(void)state;
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 2);
	gen(&r, &FE_PARAMS_128, &x);
	const uint8_t *s1 = r.helper, *s2 = r.helper + 63, *seed = r.helper + 126;
	for (unsigned b = 0; b < 8; b++) {
		uint64_t c1 = bch63_encode((uint16_t)(r.rnd[2 * b] | r.rnd[2 * b + 1] << 8));
		uint64_t c2 =
		        bch63_encode((uint16_t)(r.rnd[16 + 2 * b] | r.rnd[16 + 2 * b + 1] << 8));
		for (unsigned k = 0; k < 63; k++) {
			size_t i = 63 * b + k;
			assert_int_equal(get(s1, i), get(r.z, i) ^ (int)((c1 >> k) & 1));
			/* layer-2 block b, bit k is response bit b + 8k */
			assert_int_equal(get(s2, i), get(r.z, b + 8 * k) ^ (int)((c2 >> k) & 1));
		}
	}
	assert_memory_equal(seed, r.rnd + 32, 32);
}

static void test_eleven_errors_per_block(void **state)
{
	(void)state;
	const struct fe_params *sets[] = {&FE_PARAMS_128, &FE_PARAMS_64, &ONE_LAYER_128,
	                                  &FE_PARAMS_128_CONSERVATIVE};
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 3);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		for (int trial = 0; trial < 20; trial++) {
			gen(&r, sets[i], &x);
			errors_in_every_block(&r, &x, sets[i]->blocks, 1 + (unsigned)(trial % 11));
			assert_int_equal(rec_matches(&r), 1);
		}
	/* exactly 11 in every block */
	for (int trial = 0; trial < 20; trial++) {
		gen(&r, &ONE_LAYER_128, &x);
		errors_in_every_block(&r, &x, 8, 11);
		assert_int_equal(rec_matches(&r), 1);
	}
}

static void test_second_layer_fixes_what_the_first_cannot(void **state)
{
	(void)state;
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 4);
	for (int trial = 0; trial < 30; trial++) {
		gen(&r, &FE_PARAMS_128, &x);
		/* 3 blocks with 14..20 errors (beyond t = 11); spread over the interleave they give
		 * each layer-2 block only a few */
		for (unsigned b = 0; b < 3; b++)
			flip_distinct(&r, &x, 63 * (2 * b + 1), 63, 1, 14 + (unsigned)(trial % 7));
		struct run one = r;
		one.p = &ONE_LAYER_128;
		assert_int_equal(fe_gen(&ONE_LAYER_128, one.z, one.rnd, one.key, one.helper), 0);
		assert_int_not_equal(rec_matches(&one), 1); /* a single layer fails */
		assert_int_equal(rec_matches(&r), 1);       /* two layers recover */
	}
	/* a layer-2 block over t whose bits layer 1 then fixes, with another layer-1 block over t:
	 * needs alternation (layer 1, layer 2, layer 1) */
	for (int trial = 0; trial < 10; trial++) {
		gen(&r, &FE_PARAMS_128, &x);
		flip_distinct(&r, &x, 3, 63, 8, 13); /* layer-2 block 3: 13 errors across blocks */
		flip_distinct(&r, &x, 63 * 5, 63, 1, 16); /* layer-1 block 5: 16 errors */
		int ret = rec_matches(&r);
		assert_true(ret == 1 || ret == 0); /* never a wrong key */
		if (ret == 0)
			continue;
		uint8_t recovered[MAX_RESP];
		assert_true(fe_recover(&FE_PARAMS_128, r.z2, r.helper, recovered) >= 1);
		assert_memory_equal(recovered, r.z, 63);
	}
}

static void test_hopeless_inputs_fail(void **state)
{
	(void)state;
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 5);
	for (int trial = 0; trial < 50; trial++) {
		gen(&r, trial % 2 ? &FE_PARAMS_128 : &FE_PARAMS_64, &x);
		fill(&x, r.z2, fe_response_len(r.p)); /* an unrelated device */
		assert_int_equal(rec_matches(&r), 0);
	}
	for (int trial = 0; trial < 20; trial++) {
		gen(&r, &FE_PARAMS_128, &x);
		errors_in_every_block(&r, &x, 8, 20);
		assert_int_equal(rec_matches(&r), 0);
	}
}

/* At a high error rate Rec often fails, but whenever it returns a key, it is the right one. */
static void test_never_a_wrong_key(void **state)
{
	(void)state;
	struct xoshiro x;
	struct run r;
	int ok = 0, failed = 0;
	xoshiro_seed(&x, 6);
	for (int trial = 0; trial < 400; trial++) {
		gen(&r, &FE_PARAMS_128, &x);
		for (size_t i = 0; i < 504; i++)
			if (xoshiro_uniform(&x) < 0.21)
				flip(r.z2, i);
		int ret = rec_matches(&r);
		assert_int_not_equal(ret, -1);
		ret ? ok++ : failed++;
	}
	assert_true(ok > 0 && failed > 0); /* the rate really exercised both outcomes */
}

static void test_helper_tampering(void **state)
{
	(void)state;
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 7);
	gen(&r, &FE_PARAMS_128, &x);
	size_t hlen = fe_helper_len(&FE_PARAMS_128);
	uint8_t saved[MAX_HELPER];
	memcpy(saved, r.helper, hlen);
	/* every single-bit flip of the helper: failure or a different key, never the same key
	 * silently from a sketch that Gen did not write... except that flips of sketch bits are
	 * exactly what the decoder is built to absorb, so those may still give the right key; seed
	 * flips must not. */
	for (size_t bit = 0; bit < hlen * 8; bit++) {
		flip(r.helper, bit);
		int ret = rec_matches(&r);
		if (bit >= 126 * 8)
			assert_int_equal(ret, -1);
		else if (bit % (63 * 8) >= 504)
			assert_int_equal(ret, 0); /* padding bit of a sketch */
		memcpy(r.helper, saved, hlen);
	}
	/* random garbage helpers never crash and never give the key */
	for (int trial = 0; trial < 200; trial++) {
		fill(&x, r.helper, hlen);
		assert_int_not_equal(rec_matches(&r), 1);
	}
	memcpy(r.helper, saved, hlen);
	assert_int_equal(rec_matches(&r), 1);
}

/* fe-sim's fast model decides every trial exactly as fe_rec does: same failures, same wrong keys.
 */
static void test_model_matches_fe_rec(void **state)
{
	(void)state;
	const struct fe_params *sets[] = {&FE_PARAMS_128, &ONE_LAYER_128, &FE_PARAMS_64};
	const double rates[] = {0.2, 0.12, 0.2};
	struct xoshiro x;
	struct run r;
	xoshiro_seed(&x, 8);
	for (size_t s = 0; s < 3; s++) {
		int outcomes[3] = {0};
		for (int trial = 0; trial < 700; trial++) {
			gen(&r, sets[s], &x);
			uint64_t e[FE_MAX_BLOCKS] = {0};
			for (size_t i = 0; i < sets[s]->blocks * 63u; i++)
				if (xoshiro_uniform(&x) < rates[s]) {
					flip(r.z2, i);
					e[i / 63] |= UINT64_C(1) << (i % 63);
				}
			int real = rec_matches(&r); /* 1 ok, 0 failure, -1 wrong key */
			enum fe_model_result m = fe_model_decode(sets[s], e);
			int model = m == FE_MODEL_OK ? 1 : m == FE_MODEL_FAILURE ? 0 : -1;
			assert_int_equal(real, model);
			outcomes[real + 1]++;
		}
		assert_true(outcomes[1] > 0 && outcomes[2] > 0); /* both outcomes exercised */
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_round_trip_no_errors),
        cmocka_unit_test(test_helper_layout),
        cmocka_unit_test(test_eleven_errors_per_block),
        cmocka_unit_test(test_second_layer_fixes_what_the_first_cannot),
        cmocka_unit_test(test_hopeless_inputs_fail),
        cmocka_unit_test(test_never_a_wrong_key),
        cmocka_unit_test(test_helper_tampering),
        cmocka_unit_test(test_model_matches_fe_rec),
};

HWG_TEST_MAIN(tests, NULL, NULL)
