/* Failure probability of the debiased-128 front end and code (docs/puf.md §9.5), two ways, for
 * the calibrated SRAM simulator (host side; uses libm):
 *
 *  - exact: the prototype calibration's cell model integrated numerically (a cell's mismatch M is
 *    N(mu, 1) around its half-word's lean or the 0xAA pattern, a reading is against it with
 *    probability Phi(-M / lambda1)); 16-fold convolution to a word's polarity outcome for the
 *    enrolment majority, the device's reading and the server's reference jointly; every
 *    combination of four words and their polarities run through debias_pp_case() /
 *    debias_pp_group() (the device's own code) to the wrong-bit law of each case; the worst
 *    composition of a 63-bit block from those groups (straddling groups counted whole) gives an
 *    upper bound on a block's decoding failure (more than 11 errors), and the union over the
 *    blocks one on an authentication's.
 *  - simulated: real simulated devices (sram_sim), enrolled through debias_pp_enroll(); each
 *    word's polarity law for one reading computed exactly from its cells; per trial, the device's
 *    and the server's readings drawn word by word from those laws (Poisson-split sampling: only
 *    the words that leave their most likely outcome cost anything), the affected groups re-run
 *    through debias_pp_group() with random fill, and the 9 blocks' error pattern decoded by
 *    fe_model_decode() (bch63_decode on heavy blocks). */
#ifndef HWG_PUF_FE_BOUND_H
#define HWG_PUF_FE_BOUND_H

#include <stdint.h>

#include "puf/host/sram_sim.h"

/* A word's polarity outcome: as enrolled (0), flipped (1), or tied 8 to 8 (2). */
enum { FE_BOUND_SAME = 0, FE_BOUND_FLIP = 1, FE_BOUND_TIE = 2 };

struct fe_bound_config {
	const struct sram_sim_params *sim; /* a calibration with pattern_shift > 0 (prototype) */
	double word_bias;                  /* the device's half-word lean (mismatch mean) */
	unsigned enroll_readings;          /* K, odd: case maps from the majority of K readings */
	int ref_is_enrolment; /* 1: the server's reference is the enrolment reading (first run);
	                       * 0: one fresh reading (every later run on an MCU) */
	double iid_noise; /* > 0: stress test: the device's reading is the reference's with every
	                   * processed bit flipped independently at this rate, instead of the
	                   * model's own noise */
	unsigned blocks;  /* BCH blocks per response (9) */
};

struct fe_bound_result {
	/* joint law of a word's outcome in (enrolment, device, reference), relative to the word's
	 * polarity at enrolment when that was decided */
	double word[3][3][3];
	double case_prob[4]; /* enum debias_pp_case */
	double wrong[4][3]; /* P(w of the case's bits differ between device and reference | case) */
	double bits_per_group;       /* mean output bits of a group */
	double bit_error;            /* mean probability that an output bit differs */
	double block_failure;        /* upper bound: P(> 11 errors in a block), worst composition */
	double auth_failure;         /* upper bound: blocks * block_failure */
	double polarity_min_entropy; /* per word, of an enrolment polarity, for the
	                              * report-compatible comparison: -log2 of the likeliest 16-bit
	                              * processed word */
};

/* Returns 0, or -1 for a configuration the model does not cover. Takes about a second. */
int fe_bound_exact(const struct fe_bound_config *c, struct fe_bound_result *r);

struct fe_bound_sim_config {
	const struct sram_sim_params *sim;
	unsigned devices; /* simulated devices (seeds seed + 1 .. seed + devices) */
	uint64_t trials;  /* authentications per device */
	uint64_t seed;
	unsigned enroll_readings;
	int ref_is_enrolment;
	unsigned groups; /* groups of 4 words per challenge (400) */
	unsigned blocks; /* 9 */
};

struct fe_bound_sim_result {
	uint64_t trials, failures, wrong_keys;
	uint64_t bit_errors;    /* output bits that differed, over all trials */
	uint64_t refilled;      /* groups (device or reference) that took random bits */
	unsigned short_devices; /* devices whose block 0 yielded too few bits (not simulated) */
	double mean_yield;      /* output bits per block, over the devices */
};

/* Returns 0, or -1 (bad configuration, out of memory). */
int fe_bound_simulate(const struct fe_bound_sim_config *c, struct fe_bound_sim_result *r);

#endif
