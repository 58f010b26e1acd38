/* What the two-layer helper data reveals (docs/puf.md "Helper-data leakage"). Layer 1 publishes
 * s1 = z + c1 (c1 in C^8), layer 2 s2 = pi(z) + c2. Then s1 + pi^-1(s2) = c1 + pi^-1(c2): a linear
 * system in the 2 x 128 message bits whose solutions form a coset of C^8 ∩ pi^-1(C^8). Its
 * dimension k* is all the uncertainty left about z, whatever the PUF's entropy. This test computes
 * k* for the parameter sets and runs the attack: from the helper data alone it recovers the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/portable/bch63.h"
#include "puf/fe.h"
#include "puf/xoshiro.h"

#define MAXB  FE_MAX_BLOCKS
#define NBITS (MAXB * 63)
#define VW    ((NBITS + 63) / 64)   /* words of a response-length vector */
#define UNK   (2 * MAXB * 16)       /* unknown message bits */
#define UW    ((UNK + 63) / 64 + 1) /* words of a row: unknowns + right-hand side */

static int getb(const uint64_t *v, size_t i)
{
	return (v[i / 64] >> (i % 64)) & 1;
}

static void setb(uint64_t *v, size_t i)
{
	v[i / 64] |= UINT64_C(1) << (i % 64);
}

static int helper_bit(const uint8_t *s, size_t i)
{
	return (s[i / 8] >> (i % 8)) & 1;
}

/* The system's rows: one per response bit i; unknowns are layer-1 then layer-2 message bits. */
struct system {
	unsigned blocks, unknowns, rank;
	uint64_t row[NBITS][UW];
	int pivot_col[NBITS];
};

static void build(struct system *s, unsigned blocks, const uint8_t *helper)
{
	size_t n = blocks * 63u, slen = (n + 7) / 8;
	memset(s, 0, sizeof(*s));
	s->blocks = blocks;
	s->unknowns = 2 * blocks * 16;
	for (unsigned layer = 0; layer < 2; layer++)
		for (unsigned b = 0; b < blocks; b++)
			for (unsigned t = 0; t < 16; t++) {
				uint64_t cw = bch63_encode((uint16_t)(1u << t));
				size_t col = (layer * blocks + b) * 16 + t;
				for (unsigned k = 0; k < 63; k++)
					if ((cw >> k) & 1) {
						size_t i =
						        layer ? b + (size_t)blocks * k : 63 * b + k;
						setb(s->row[i], col);
					}
			}
	/* right-hand side: s1 + pi^-1(s2) */
	for (size_t i = 0; i < n; i++) {
		unsigned j = (unsigned)(i % blocks), k = (unsigned)(i / blocks);
		int rhs = helper_bit(helper, i) ^ helper_bit(helper + slen, (size_t)j * 63 + k);
		if (rhs)
			setb(s->row[i], UNK);
	}
}

/* Gauss-Jordan elimination; returns 0, or -1 if inconsistent. */
static int reduce(struct system *s)
{
	size_t n = s->blocks * 63u, r = 0;
	for (unsigned c = 0; c < s->unknowns && r < n; c++) {
		size_t p = r;
		while (p < n && !getb(s->row[p], c))
			p++;
		if (p == n)
			continue;
		uint64_t tmp[UW];
		memcpy(tmp, s->row[p], sizeof(tmp));
		memcpy(s->row[p], s->row[r], sizeof(tmp));
		memcpy(s->row[r], tmp, sizeof(tmp));
		for (size_t q = 0; q < n; q++)
			if (q != r && getb(s->row[q], c))
				for (size_t w = 0; w < UW; w++)
					s->row[q][w] ^= s->row[r][w];
		s->pivot_col[r++] = (int)c;
	}
	s->rank = (unsigned)r;
	for (size_t q = r; q < n; q++)
		if (getb(s->row[q], UNK))
			return -1;
	return 0;
}

static struct system sys;

static unsigned intersection_dimension(const struct fe_params *p)
{
	uint8_t helper[2 * ((MAXB * 63 + 7) / 8) + 32] = {0};
	build(&sys, p->blocks, helper);
	assert_int_equal(reduce(&sys), 0);
	return sys.unknowns - sys.rank;
}

static void test_intersection_dimension(void **state)
{
	(void)state;
	/* k* for 8 blocks: 16 bits left of the 128 the report counts on */
	assert_int_equal(intersection_dimension(&FE_PARAMS_128), 16);
	assert_int_equal(intersection_dimension(&FE_PARAMS_64), 16);
	const struct fe_params two18 = {128, 18, 2};
	assert_int_equal(intersection_dimension(&two18), 10);
}

/* The attack: enumerate the 2^k* solutions, rebuild z = s1 + c1, derive the key with the public
 * seed, compare with the device's key. */
static void test_key_from_helper_alone(void **state)
{
	(void)state;
	const struct fe_params *sets[] = {&FE_PARAMS_128, &FE_PARAMS_64};
	struct xoshiro x;
	xoshiro_seed(&x, 21);
	for (size_t si = 0; si < 2; si++) {
		const struct fe_params *p = sets[si];
		uint8_t z[(MAXB * 63 + 7) / 8], rnd[MAXB * 4 + 32], helper[2 * sizeof(z) + 32],
		        key[16];
		size_t rlen = fe_response_len(p), slen = fe_sketch_len(p);
		for (size_t i = 0; i < rlen; i++)
			z[i] = (uint8_t)xoshiro_next(&x);
		if ((p->blocks * 63) % 8)
			z[rlen - 1] &= (uint8_t)((1u << ((p->blocks * 63) % 8)) - 1);
		for (size_t i = 0; i < fe_gen_random_len(p); i++)
			rnd[i] = (uint8_t)xoshiro_next(&x);
		assert_int_equal(fe_gen(p, z, rnd, key, helper), 0);

		build(&sys, p->blocks, helper);
		assert_int_equal(reduce(&sys), 0);
		unsigned kstar = sys.unknowns - sys.rank;
		assert_true(kstar <= 16);
		/* free columns */
		int is_pivot[UNK] = {0};
		unsigned free_cols[UNK], nfree = 0;
		for (unsigned r = 0; r < sys.rank; r++)
			is_pivot[sys.pivot_col[r]] = 1;
		for (unsigned c = 0; c < sys.unknowns; c++)
			if (!is_pivot[c])
				free_cols[nfree++] = c;
		assert_int_equal(nfree, kstar);

		const uint8_t *seed = helper + 2 * slen;
		uint8_t guess_rnd[MAXB * 4 + 32] = {0}, guess_key[16], guess_helper[sizeof(helper)];
		memcpy(guess_rnd + p->blocks * 4, seed, fe_seed_len(p));
		int found = 0;
		for (uint32_t a = 0; a < (1u << kstar) && !found; a++) {
			uint64_t m[UW] = {0};
			for (unsigned f = 0; f < nfree; f++)
				if ((a >> f) & 1)
					setb(m, free_cols[f]);
			for (unsigned r = 0; r < sys.rank; r++) {
				int v = getb(sys.row[r], UNK);
				for (unsigned f = 0; f < nfree; f++)
					v ^= getb(sys.row[r], free_cols[f]) & getb(m, free_cols[f]);
				if (v)
					setb(m, (size_t)sys.pivot_col[r]);
			}
			/* z = s1 + c1(m) */
			uint8_t zg[sizeof(z)];
			memcpy(zg, helper, rlen);
			for (unsigned b = 0; b < p->blocks; b++) {
				uint16_t msg = 0;
				for (unsigned t = 0; t < 16; t++)
					msg |= (uint16_t)(getb(m, b * 16 + t) << t);
				uint64_t cw = bch63_encode(msg);
				for (unsigned k = 0; k < 63; k++)
					if ((cw >> k) & 1) {
						size_t i = 63 * b + k;
						zg[i / 8] ^= (uint8_t)(1u << (i % 8));
					}
			}
			assert_int_equal(fe_gen(p, zg, guess_rnd, guess_key, guess_helper), 0);
			found = !memcmp(guess_key, key, fe_key_len(p));
			if (found)
				assert_memory_equal(zg, z, rlen);
		}
		assert_true(found);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_intersection_dimension),
	        cmocka_unit_test(test_key_from_helper_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
