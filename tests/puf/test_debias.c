/* Debiasing: exact outputs on known words, and the measured effect on biased bits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "puf/debias.h"
#include "puf/host/debias_enroll.h"
#include "puf/host/puf_stats.h"
#include "puf/host/sram_sim.h"
#include "puf/xoshiro.h"
#include "support/test_main.h"

static void test_xor_halves_known(void **state)
{
	(void)state;
	/* words 0xAAAA1234 and 0x0000FFFF, little-endian */
	const uint8_t raw[8] = {0x34, 0x12, 0xaa, 0xaa, 0xff, 0xff, 0x00, 0x00};
	uint8_t out[4];
	debias_xor_halves(raw, sizeof(raw), out);
	const uint8_t want[4] = {0x34 ^ 0xaa, 0x12 ^ 0xaa, 0xff, 0xff};
	assert_memory_equal(out, want, 4);
	/* k = 2 is the same transform */
	uint8_t out2[4];
	assert_int_equal(debias_xor_k(raw, sizeof(raw), 2, out2), 0);
	assert_memory_equal(out, out2, 4);
	/* k = 4: one 16-bit result from 8 bytes */
	assert_int_equal(debias_xor_k(raw, sizeof(raw), 4, out2), 0);
	assert_int_equal(out2[0], 0x34 ^ 0xaa ^ 0xff ^ 0x00);
	assert_int_equal(out2[1], 0x12 ^ 0xaa ^ 0xff ^ 0x00);
	assert_int_equal(debias_xor_k(raw, 6, 2, out2), -1);
	assert_int_equal(debias_xor_k(raw, 8, 0, out2), -1);
}

static void test_von_neumann_known(void **state)
{
	(void)state;
	/* pairs (bit0,bit1): 0x2d = 0b00101101 -> (1,0) (1,1) (0,1) (0,0) -> outputs 1, 0 */
	const uint8_t raw[1] = {0x2d};
	uint8_t out[1];
	assert_int_equal(debias_von_neumann(raw, 1, out, 8), 2);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(debias_von_neumann(raw, 1, out, 1), 1); /* capped */
}

/* i.i.d. bits with P(1) = 0.8: XOR of halves brings it to 0.32, XOR of 4 to 0.4352, von Neumann
 * to 0.5 (measured within a few standard deviations). */
static void test_measured_effect(void **state)
{
	(void)state;
	enum { N = 1 << 16 };
	static uint8_t raw[N], out[N];
	struct xoshiro x;
	xoshiro_seed(&x, 9);
	for (size_t i = 0; i < N; i++) {
		uint8_t v = 0;
		for (int b = 0; b < 8; b++)
			v |= (uint8_t)((xoshiro_uniform(&x) < 0.8) << b);
		raw[i] = v;
	}
	double hw = (double)stats_weight(raw, N) / (N * 8.0);
	assert_true(hw > 0.79 && hw < 0.81);
	debias_xor_halves(raw, N, out);
	hw = (double)stats_weight(out, N / 2) / (N * 4.0);
	assert_true(hw > 0.31 && hw < 0.33);
	debias_xor_k(raw, N, 4, out);
	hw = (double)stats_weight(out, N / 4) / (N * 2.0);
	assert_true(hw > 0.425 && hw < 0.445);
	size_t bits = debias_von_neumann(raw, N, out, N * 8);
	assert_true(bits > N * 4 * 0.30 && bits < N * 4 * 0.34); /* 2 p (1 - p) = 0.32 per pair */
	hw = (double)stats_weight(out, bits / 8) / (double)(bits / 8 * 8);
	assert_true(hw > 0.49 && hw < 0.51);
}

/* ---- word-polarity Peres debiasing ---- */

/* A raw word one of whose halves is the 0xAA pattern and the other `ones` ones (the low ones), so
 * that `ones` of the 16 copies of its lean read 1; patterned_low puts the pattern in the low half.
 */
static void make_word(uint8_t *w, unsigned ones, int patterned_low)
{
	unsigned v = ones >= 16 ? 0xffffu : (1u << ones) - 1;
	uint8_t lo[2] = {(uint8_t)v, (uint8_t)(v >> 8)}, pat[2] = {0xaa, 0xaa};
	const uint8_t *a = patterned_low ? pat : lo, *b = patterned_low ? lo : pat;

	w[0] = a[0], w[1] = a[1], w[2] = b[0], w[3] = b[1];
}

/* A word of polarity pol (1, 0, -1 for a tie). */
static void pol_word(uint8_t *w, int pol)
{
	make_word(w, pol < 0 ? 8 : pol ? 16 : 0, 0);
}

static void test_word_polarity(void **state)
{
	(void)state;
	uint8_t w[4];
	for (unsigned ones = 0; ones <= 16; ones++)
		for (int low = 0; low < 2; low++) {
			make_word(w, ones, low);
			assert_int_equal(debias_word_polarity(w), ones > 8 ? 1 : ones < 8 ? 0 : -1);
		}
	/* the prototype's two layouts of a word leaning to 0: 0x0000 with 0xAAAA either side */
	const uint8_t a[4] = {0x00, 0x00, 0xaa, 0xaa}, b[4] = {0xaa, 0xaa, 0x00, 0x00};
	const uint8_t c[4] = {0xff, 0xff, 0xaa, 0xaa}, d[4] = {0x55, 0x55, 0x00, 0x00};
	assert_int_equal(debias_word_polarity(a), 0);
	assert_int_equal(debias_word_polarity(b), 0);
	assert_int_equal(debias_word_polarity(c), 1);
	assert_int_equal(debias_word_polarity(d), 1); /* 0x55 ^ 0x00 ^ 0xaa = 0xff */
}

/* Reference implementation of the cases, written from the definition (docs/puf.md §9.1). */
static unsigned ref_case(const int *p)
{
	for (int i = 0; i < 4; i++)
		if (p[i] < 0)
			return DEBIAS_PP_SKIP;
	int d0 = p[0] != p[1], d1 = p[2] != p[3];
	if (d0 && d1)
		return DEBIAS_PP_BOTH;
	if (d0 != d1)
		return DEBIAS_PP_ONE;
	return p[0] != p[2] ? DEBIAS_PP_CROSS : DEBIAS_PP_SKIP;
}

static int ref_value(unsigned kase, const int *p, unsigned *v)
{
	if (ref_case(p) != kase)
		return 0;
	if (kase == DEBIAS_PP_BOTH)
		*v = (unsigned)p[0] | (unsigned)p[2] << 1;
	else if (kase == DEBIAS_PP_ONE)
		*v = p[2] != p[3] ? 1u | (unsigned)p[2] << 1 : 0u | (unsigned)p[0] << 1;
	else if (kase == DEBIAS_PP_CROSS)
		*v = (unsigned)p[0];
	else
		return 0;
	return 1;
}

static void test_pp_cases_exhaustive(void **state)
{
	(void)state;
	for (int t = 0; t < 81; t++) {
		int p[4] = {t % 3 - 1, t / 3 % 3 - 1, t / 9 % 3 - 1, t / 27 % 3 - 1};
		assert_int_equal(debias_pp_case(p), ref_case(p));
		for (unsigned k = 0; k < 4; k++) {
			unsigned v = 99, w = 98;
			int fits = debias_pp_group(k, p, &v);
			assert_int_equal(fits, ref_value(k, p, &w));
			if (fits)
				assert_int_equal(v, w);
		}
	}
	assert_int_equal(debias_pp_case_bits(DEBIAS_PP_SKIP), 0);
	assert_int_equal(debias_pp_case_bits(DEBIAS_PP_BOTH), 2);
	assert_int_equal(debias_pp_case_bits(DEBIAS_PP_ONE), 2);
	assert_int_equal(debias_pp_case_bits(DEBIAS_PP_CROSS), 1);
}

/* The proof's combinatorial core (docs/puf.md §9.3), checked over all patterns: the cases are
 * invariant under the 8 permutations generated by swapping the words of a pair and swapping the
 * pairs, and for every case and every mask m there is one of them that maps every pattern of the
 * case to a pattern of the case whose value is XORed with m. */
static void test_pp_symmetry(void **state)
{
	(void)state;
	static const int perms[8][4] = {{0, 1, 2, 3}, {1, 0, 2, 3}, {0, 1, 3, 2}, {1, 0, 3, 2},
	                                {2, 3, 0, 1}, {3, 2, 0, 1}, {2, 3, 1, 0}, {3, 2, 1, 0}};
	for (int pat = 0; pat < 16; pat++) {
		int p[4] = {pat & 1, pat >> 1 & 1, pat >> 2 & 1, pat >> 3 & 1};
		for (int g = 0; g < 8; g++) {
			int q[4];
			for (int i = 0; i < 4; i++)
				q[i] = p[perms[g][i]];
			assert_int_equal(debias_pp_case(q), debias_pp_case(p));
		}
	}
	for (unsigned k = DEBIAS_PP_BOTH; k <= DEBIAS_PP_CROSS; k++) {
		unsigned bits = debias_pp_case_bits(k), members = 0;
		for (unsigned m = 0; m < (1u << bits); m++) {
			int found = 0;
			for (int g = 0; g < 8 && !found; g++) {
				int ok = 1;
				members = 0;
				for (int pat = 0; pat < 16 && ok; pat++) {
					int p[4] = {pat & 1, pat >> 1 & 1, pat >> 2 & 1,
					            pat >> 3 & 1},
					    q[4];
					unsigned v, w;
					if (!debias_pp_group(k, p, &v))
						continue;
					members++;
					for (int i = 0; i < 4; i++)
						q[i] = p[perms[g][i]];
					ok = debias_pp_group(k, q, &w) && w == (v ^ m);
				}
				found = ok;
			}
			assert_true(found);
		}
		/* the fitting patterns are exactly the enrolment patterns of the case */
		assert_int_equal(members, k == DEBIAS_PP_CROSS ? 2 : k == DEBIAS_PP_BOTH ? 4 : 8);
	}
}

static int failing_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src, (void)out, (void)len;
	return -1;
}

struct counting_rng {
	struct rng_source base;
	unsigned calls;
	uint8_t value;
};

static int counting_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	struct counting_rng *r = (struct counting_rng *)src;
	r->calls++;
	memset(out, r->value, len);
	return 0;
}

static void test_pp_select_extract(void **state)
{
	(void)state;
	/* groups: BOTH (1010 -> c0=1, c2=1), ONE (0001: pair 1 differs -> j=1, c2=0), CROSS (1100),
	 * SKIP (1111), SKIP (tie), ONE (1011: pair 0 differs, j=0, c0=1) */
	static const int pols[6][4] = {{1, 0, 1, 0}, {0, 0, 0, 1},  {1, 1, 0, 0},
	                               {1, 1, 1, 1}, {1, -1, 0, 1}, {1, 0, 1, 1}};
	uint8_t raw[6 * DEBIAS_PP_GROUP_BYTES], map[2], out[2], again[2];
	for (int g = 0; g < 6; g++)
		for (int i = 0; i < 4; i++)
			pol_word(raw + DEBIAS_PP_GROUP_BYTES * g + 4 * i, pols[g][i]);
	assert_int_equal(debias_pp_select(raw, 6, map, out, 7), 7);
	assert_int_equal(debias_pp_yield(map, 6), 7);
	/* cases, 2 bits each LSB-first: 1, 2, 3, 0 | 0, 2 */
	assert_int_equal(map[0], 1 | 2 << 2 | 3 << 4 | 0 << 6);
	assert_int_equal(map[1], 0 | 2 << 2);
	/* bits: BOTH 1,1; ONE 1,0; CROSS 1; ONE 0,1 -> 1 1 1 0 1 0 1 */
	assert_int_equal(out[0], 0x57);
	struct rng_source none = {failing_fill};
	assert_int_equal(debias_pp_extract(raw, 6, map, &none, again, 7), 0);
	assert_memory_equal(again, out, 1);
	/* a word flips in the BOTH group: that group's bits come from the rng, no other */
	pol_word(raw + 4, 1);
	struct counting_rng cr = {{counting_fill}, 0, 0x00};
	assert_int_equal(debias_pp_extract(raw, 6, map, &cr.base, again, 7), 0);
	assert_int_equal(cr.calls, 1);
	assert_int_equal(again[0], 0x57 & ~0x03);
	/* a tie anywhere in a group is refilled too */
	pol_word(raw + 4, -1);
	cr.calls = 0;
	cr.value = 0xff;
	assert_int_equal(debias_pp_extract(raw, 6, map, &cr.base, again, 7), 0);
	assert_int_equal(cr.calls, 1);
	assert_int_equal(again[0], 0x57);
	/* asking for more bits than the map yields, or a failing rng, is refused and wipes out */
	memset(again, 0x5a, sizeof(again));
	assert_int_equal(debias_pp_extract(raw, 6, map, &cr.base, again, 8), -1);
	assert_int_equal(again[0], 0);
	assert_int_equal(debias_pp_extract(raw, 6, map, &none, again, 7), -1);
	assert_int_equal(again[0], 0);
}

/* The case map makes biased polarities uniform: i.i.d. words with P(polarity 1) = 0.8. */
static void test_pp_removes_bias(void **state)
{
	(void)state;
	enum { G = 20000 };
	static uint8_t raw[G * DEBIAS_PP_GROUP_BYTES], map[G / 4], out[G / 4];
	struct xoshiro x;
	xoshiro_seed(&x, 12);
	size_t ones = 0;
	for (size_t w = 0; w < 4 * (size_t)G; w++) {
		int pol = xoshiro_uniform(&x) < 0.8;
		ones += (size_t)pol;
		pol_word(raw + 4 * w, pol);
	}
	assert_true(ones > 0.79 * 4 * G && ones < 0.81 * 4 * G);
	size_t yield = debias_pp_select(raw, G, map, out, 2 * G);
	/* expected bits per group at p = 0.8: BOTH 2 (probability 4 p^2 q^2), ONE 2 (4pq (p^2 +
	 * q^2)), CROSS 1 (2 p^2 q^2) */
	double p = 0.8, q = 0.2;
	double want = 2 * 4 * p * p * q * q + 2 * 4 * p * q * (p * p + q * q) + 2 * p * p * q * q;
	assert_true(yield > 0.97 * want * G && yield < 1.03 * want * G);
	double hw = (double)stats_weight(out, yield / 8) / (double)(yield / 8 * 8);
	assert_true(hw > 0.49 && hw < 0.51);
}

/* On the calibrated prototype simulator: every output position is unbiased over devices, given
 * its case and its place in the group, in the enrolment reference and in a fresh reading. */
static void test_pp_uniform_on_simulator(void **state)
{
	(void)state;
	enum { DEVICES = 16, GROUPS = 400, BITS = 567 };
	static struct sram_sim sim;
	uint8_t map[GROUPS / 4], ref[(BITS + 7) / 8], fresh[sizeof(ref)];
	size_t n[4][2] = {{0}}, ones[4][2] = {{0}}, agree = 0, total = 0;
	struct counting_rng cr = {{counting_fill}, 0, 0x5a};
	for (unsigned d = 0; d < DEVICES; d++) {
		sram_sim_init(&sim, &SRAM_SIM_PROTOTYPE, 1000 + d, GROUPS * DEBIAS_PP_GROUP_BYTES);
		long yield = debias_pp_enroll(&sim.base, 0, GROUPS, 11, map, ref, BITS);
		assert_true(yield >= BITS);
		const uint8_t *raw = puf_read_raw(&sim.base, 0, GROUPS * DEBIAS_PP_GROUP_BYTES);
		assert_non_null(raw);
		assert_int_equal(debias_pp_extract(raw, GROUPS, map, &cr.base, fresh, BITS), 0);
		size_t i = 0;
		for (size_t g = 0; g < GROUPS && i < BITS; g++) {
			unsigned k = (map[g / 4] >> (2 * (g % 4))) & 3;
			for (unsigned b = 0; b < debias_pp_case_bits(k) && i < BITS; b++, i++) {
				int r = (ref[i / 8] >> (i % 8)) & 1,
				    f = (fresh[i / 8] >> (i % 8)) & 1;
				n[k][b]++;
				ones[k][b] += (size_t)r;
				agree += r == f;
				total++;
			}
		}
	}
	for (unsigned k = DEBIAS_PP_BOTH; k <= DEBIAS_PP_CROSS; k++)
		for (unsigned b = 0; b < debias_pp_case_bits(k); b++) {
			double f = (double)ones[k][b] / (double)n[k][b];
			double sd = 0.5 / sqrt((double)n[k][b]);
			assert_true(n[k][b] > 400);
			assert_true(fabs(f - 0.5) < 5 * sd);
		}
	/* and a fresh reading reproduces the reference but for a few bits in 10^3 */
	assert_true(agree > total - total / 500);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_halves_known),        cmocka_unit_test(test_von_neumann_known),
        cmocka_unit_test(test_measured_effect),         cmocka_unit_test(test_word_polarity),
        cmocka_unit_test(test_pp_cases_exhaustive),     cmocka_unit_test(test_pp_symmetry),
        cmocka_unit_test(test_pp_select_extract),       cmocka_unit_test(test_pp_removes_bias),
        cmocka_unit_test(test_pp_uniform_on_simulator),
};

HWG_TEST_MAIN(tests, NULL, NULL)
