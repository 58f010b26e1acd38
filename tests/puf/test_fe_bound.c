/* The failure bound of debiased-128 (puf/host/fe_bound.h): the exact model against the simulator it
 * models, the fast simulation against the device's real reading path, and the figures the suite
 * relies on (docs/puf.md §9.5). Noisier variants of the prototype calibration make the rare events
 * of the real one common enough to compare frequencies. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "puf/debias.h"
#include "puf/host/debias_enroll.h"
#include "puf/host/fe_bound.h"
#include "puf/host/sram_sim.h"
#include "puf/xoshiro.h"
#include "support/test_main.h"
#include "support/test_rng.h"

#define GROUPS 400
#define BITS   567

static struct sram_sim sim;

static void test_default_suite_figures(void **state)
{
	(void)state;
	struct fe_bound_config c = {.sim = &SRAM_SIM_PROTOTYPE,
	                            .word_bias = SRAM_SIM_PROTOTYPE.word_bias_min,
	                            .enroll_readings = 11,
	                            .blocks = 9};
	struct fe_bound_result r, best;
	assert_int_equal(fe_bound_exact(&c, &r), 0);
	/* the uniform polarities of the model give Peres' case frequencies */
	assert_true(fabs(r.case_prob[DEBIAS_PP_BOTH] - 0.25) < 1e-3);
	assert_true(fabs(r.case_prob[DEBIAS_PP_ONE] - 0.5) < 1e-3);
	assert_true(fabs(r.case_prob[DEBIAS_PP_CROSS] - 0.125) < 1e-3);
	assert_true(fabs(r.bits_per_group - 1.625) < 2e-3);
	/* a few errors in 10^4 bits; far below 10^-6 per authentication */
	assert_true(r.bit_error > 1e-4 && r.bit_error < 1e-3);
	assert_true(r.auth_failure > 0 && r.auth_failure < 1e-12);
	/* a stronger lean is more reliable */
	c.word_bias = SRAM_SIM_PROTOTYPE.word_bias_max;
	assert_int_equal(fe_bound_exact(&c, &best), 0);
	assert_true(best.bit_error < r.bit_error && best.auth_failure < r.auth_failure);
	/* stress: 10 % of the processed bits flipped independently still meets 10^-6 */
	c.word_bias = SRAM_SIM_PROTOTYPE.word_bias_min;
	c.iid_noise = 0.10;
	assert_int_equal(fe_bound_exact(&c, &r), 0);
	assert_true(r.auth_failure < 1e-6);
	assert_true(r.bit_error > 5e-3);
	/* the report's processed words carry ~3.8 bits of min-entropy per 16 (docs/puf.md §5.3) */
	assert_true(r.polarity_min_entropy > 3.3 && r.polarity_min_entropy < 4.3);
}

/* Word outcomes of the model against simulated words, on a noisy calibration: one reading's ties,
 * and disagreements between two readings. Neither needs the word's lean, which the simulator
 * keeps to itself. */
static void test_exact_matches_simulated_words(void **state)
{
	(void)state;
	struct sram_sim_params noisy = SRAM_SIM_PROTOTYPE;
	noisy.lambda1 = 1.5;
	noisy.word_bias_min = noisy.word_bias_max = 1.5;
	struct fe_bound_config c = {
	        .sim = &noisy, .word_bias = 1.5, .enroll_readings = 1, .blocks = 9};
	struct fe_bound_result r;
	assert_int_equal(fe_bound_exact(&c, &r), 0);
	double tie = 0, differ = 0;
	for (int e = 0; e < 3; e++)
		for (int d = 0; d < 3; d++)
			for (int f = 0; f < 3; f++) {
				if (d == FE_BOUND_TIE)
					tie += r.word[e][d][f];
				if (d != FE_BOUND_TIE && f != FE_BOUND_TIE && d != f)
					differ += r.word[e][d][f];
			}
	enum { WORDS = SRAM_SIM_RAW_MAX / 4, DEVICES = 8 };
	size_t n = 0, ties = 0, diffs = 0;
	for (unsigned dev = 0; dev < DEVICES; dev++) {
		static uint8_t a[WORDS * 4];
		sram_sim_init(&sim, &noisy, 77 + dev, WORDS * 4);
		for (int rep = 0; rep < 4; rep++) {
			memcpy(a, puf_read_raw(&sim.base, 0, sizeof(a)), sizeof(a));
			const uint8_t *b = puf_read_raw(&sim.base, 0, sizeof(a));
			for (size_t w = 0; w < WORDS; w++) {
				int x = debias_word_polarity(a + 4 * w),
				    y = debias_word_polarity(b + 4 * w);
				n++;
				ties += x < 0;
				diffs += x >= 0 && y >= 0 && x != y;
			}
		}
	}
	double ft = (double)ties / n, fd = (double)diffs / n;
	/* binomial standard errors: a few percent of the value at these counts */
	print_message("tie: model %.4g simulated %.4g; differ: model %.4g simulated %.4g\n", tie,
	              ft, differ, fd);
	assert_true(tie > 0.005 && differ > 0.005);
	assert_true(fabs(ft - tie) < 5 * sqrt(tie / n) + 0.02 * tie);
	assert_true(fabs(fd - differ) < 5 * sqrt(differ / n) + 0.02 * differ);
}

/* fe_bound_simulate() samples words from their laws; the device reads real SRAM through
 * debias_pp_extract(). Same devices, same enrolment: the bit error rates must agree. */
static void test_simulation_matches_real_readings(void **state)
{
	(void)state;
	struct sram_sim_params noisy = SRAM_SIM_PROTOTYPE;
	noisy.lambda1 = 1.1;
	enum { DEVICES = 2, TRIALS = 60 };
	struct fe_bound_sim_config sc = {.sim = &noisy,
	                                 .devices = DEVICES,
	                                 .trials = 5000,
	                                 .seed = 500,
	                                 .enroll_readings = 11,
	                                 .groups = GROUPS,
	                                 .blocks = 9};
	struct fe_bound_sim_result sr;
	assert_int_equal(fe_bound_simulate(&sc, &sr), 0);
	assert_int_equal(sr.short_devices, 0);
	double simulated = (double)sr.bit_errors / ((double)sr.trials * BITS);

	struct test_rng rng;
	test_rng_init(&rng, 3);
	uint8_t map[GROUPS / 4], ref[(BITS + 7) / 8], a[sizeof(ref)], b[sizeof(ref)];
	size_t errors = 0;
	for (unsigned dev = 0; dev < DEVICES; dev++) {
		sram_sim_init(&sim, &noisy, sc.seed + 1 + dev, GROUPS * DEBIAS_PP_GROUP_BYTES);
		assert_true(debias_pp_enroll(&sim.base, 0, GROUPS, 11, map, ref, BITS) >= BITS);
		for (int t = 0; t < TRIALS; t++) {
			const uint8_t *raw =
			        puf_read_raw(&sim.base, 0, GROUPS * DEBIAS_PP_GROUP_BYTES);
			assert_int_equal(debias_pp_extract(raw, GROUPS, map, &rng.base, a, BITS),
			                 0);
			raw = puf_read_raw(&sim.base, 0, GROUPS * DEBIAS_PP_GROUP_BYTES);
			assert_int_equal(debias_pp_extract(raw, GROUPS, map, &rng.base, b, BITS),
			                 0);
			for (size_t i = 0; i < sizeof(a); i++)
				errors += (size_t)__builtin_popcount(a[i] ^ b[i]);
		}
	}
	double real = (double)errors / ((double)DEVICES * TRIALS * BITS);
	print_message("bit error: real readings %.4g, simulated %.4g\n", real, simulated);
	assert_true(real > 1e-3); /* the comparison is meaningful: thousands of errors */
	assert_true(fabs(real - simulated) < 0.15 * real);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_suite_figures),
        cmocka_unit_test(test_exact_matches_simulated_words),
        cmocka_unit_test(test_simulation_matches_real_readings),
};

HWG_TEST_MAIN(tests, NULL, NULL)
