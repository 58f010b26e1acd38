/* pufauth fe-sim: Monte-Carlo failure rate of the fuzzy extractor at an i.i.d. bit-error rate.
 * Each trial draws a fresh response, runs FE.Gen on it, flips every bit with probability P (the
 * server's reference versus the device's fresh reading) and runs FE.Rec; a trial fails when Rec
 * reports failure or returns another key. --fast runs puf/host/fe_model.h (the same decoding
 * schedule on the error pattern alone; identical outcome per trial, as the same seed draws the same
 * errors in both modes) instead of the real Gen/Rec with the extractor. With --tilt Q the errors
 * are drawn at rate Q and every trial weighted by the likelihood ratio, an unbiased
 * importance-sampling estimate of rare rates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crypto/portable/bch63.h"
#include "puf/debias.h"
#include "puf/fe.h"
#include "puf/host/fe_bound.h"
#include "puf/host/fe_model.h"
#include "puf/proto/suite.h"
#include "puf/host/sram_sim.h"
#include "puf/xoshiro.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth fe-sim --noise P --trials N [--layers 1|2] [--seed S]\n"
	        "                      [--security 128|64] [--blocks B] [--tilt Q] [--fast]\n"
	        "       pufauth fe-sim --suite NAME [--trials N] [--devices D] [--seed S]\n\n"
	        "Simulates FE.Gen/FE.Rec on fresh random responses with i.i.d. bit errors at rate "
	        "P\n"
	        "and ends with the line 'failures F of N'.\n\n"
	        "With --suite (debiased-128, report-128, report-64, default): the suite's residual "
	        "min-entropy\n"
	        "bound, its failure probability computed exactly on the calibrated simulator's "
	        "model\n"
	        "(debiased-128), and N authentications of D simulated prototype devices (default "
	        "10^6\n"
	        "over 100); ends with 'residual_min_entropy_bits X failure_rate Y trials N' "
	        "(docs/puf.md\n"
	        "section 9).\n\n"
	        "  --noise P       bit-error rate between Gen's and Rec's reading, 0 <= P < 0.5\n"
	        "  --trials N      number of Gen/Rec pairs (1 .. 10^10)\n"
	        "  --layers L      1: code-offset only; 2 (default): plus the interleaved layer\n"
	        "  --seed S        PRNG seed (default 1)\n"
	        "  --security K    128 (default, 8 blocks) or 64 (4 blocks)\n"
	        "  --blocks B      override the number of 63-bit blocks (1 .. %d)\n"
	        "  --tilt Q        importance sampling: draw errors at rate Q > P, weight each "
	        "trial\n"
	        "  --fast          decode the error pattern only (fe_model.h): same outcome "
	        "per\n"
	        "                  trial as the full Gen/Rec, without the extractor; for 10^7+ "
	        "trials\n"
	        "  --suite NAME    a protocol suite on the simulated SRAM, as above\n"
	        "  --devices D     simulated devices for --suite (1 .. 10^4, default 100)\n"
	        "  --help          this text\n",
	        FE_MAX_BLOCKS);
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v < hi)) {
		fprintf(stderr, "pufauth fe-sim: %s needs a number in [%g, %g), got '%s'\n", opt,
		        lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_u64(const char *opt, const char *s, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '+') {
		fprintf(stderr, "pufauth fe-sim: %s needs an unsigned integer, got '%s'\n", opt, s);
		return -1;
	}
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "pufauth fe-sim: %s needs an integer in [%llu, %llu], got '%s'\n",
		        opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* P[Binomial(n, p) > t] */
static double binomial_tail(int n, double p, int t)
{
	double sum = 0;
	for (int k = t + 1; k <= n; k++)
		sum += exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) +
		           (n - k) * log1p(-p));
	return sum;
}

/* Error pattern: each of blocks * 63 bits set with probability p, as 63-bit blocks; returns the
 * weight. Geometric skips keep the cost proportional to the number of errors. */
static unsigned draw_errors(struct xoshiro *x, uint64_t *e, unsigned blocks, double lq)
{
	unsigned count = 0, nbits = blocks * BCH63_N;
	memset(e, 0, blocks * sizeof(*e));
	for (double pos = -1;;) {
		double u = 1.0 - xoshiro_uniform(x); /* (0, 1] */
		pos += 1 + floor(log(u) / lq);
		if (pos >= nbits)
			break;
		unsigned i = (unsigned)pos;
		e[i / BCH63_N] |= UINT64_C(1) << (i % BCH63_N);
		count++;
	}
	return count;
}

static void apply_errors(uint8_t *buf, const uint64_t *e, unsigned blocks)
{
	for (unsigned b = 0; b < blocks; b++)
		for (uint64_t v = e[b]; v; v &= v - 1) {
			unsigned k = (unsigned)__builtin_ctzll(v), i = b * BCH63_N + k;
			buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		}
}

/* ---- --suite: the protocol suites on the calibrated simulator ---- */

static void print_exact(const char *what, const struct fe_bound_result *r)
{
	double flip = 0, tie = 0;
	for (int e = 0; e < 3; e++)
		for (int f = 0; f < 3; f++) {
			flip += r->word[e][FE_BOUND_FLIP][f];
			tie += r->word[e][FE_BOUND_TIE][f];
		}
	printf("  %-44s bit error %.3g, block failure <= %.3g, authentication failure <= "
	       "%.3g\n",
	       what, r->bit_error, r->block_failure, r->auth_failure);
	printf("  %-44s (device's word flipped %.3g, tied %.3g; cases BOTH %.3f ONE %.3f CROSS "
	       "%.3f)\n",
	       "", flip, tie, r->case_prob[DEBIAS_PP_BOTH], r->case_prob[DEBIAS_PP_ONE],
	       r->case_prob[DEBIAS_PP_CROSS]);
}

/* Worst of the calibration's range of half-word leans; *best_bit_error: the other end's. */
static int exact_worst(struct fe_bound_config *c, struct fe_bound_result *r, double *best_bit_error)
{
	struct fe_bound_result other;
	c->word_bias = c->sim->word_bias_min;
	if (fe_bound_exact(c, r))
		return -1;
	c->word_bias = c->sim->word_bias_max;
	if (fe_bound_exact(c, &other))
		return -1;
	*best_bit_error = other.bit_error;
	if (other.auth_failure > r->auth_failure) {
		*best_bit_error = r->bit_error;
		*r = other;
	}
	return 0;
}

static int suite_debiased(const struct pufproto_suite *s, unsigned long long trials,
                          unsigned long long devices, unsigned long long seed)
{
	const struct sram_sim_params *sim = &SRAM_SIM_PROTOTYPE;
	unsigned blocks = s->fe->blocks, n = blocks * BCH63_N;
	int residual; /* n uniform bits minus n - k per block */
	struct fe_bound_config ec = {.sim = sim, .enroll_readings = 11, .blocks = blocks};
	struct fe_bound_result one, first, stress;
	double one_best, unused;

	residual = (int)n - (int)(blocks * (BCH63_N - BCH63_K));
	printf("fe-bound: suite %s: word-polarity Peres debiasing of %zu raw SRAM bytes per "
	       "challenge, then %u x BCH(63,%d,23) code-offset, one layer\n",
	       pufproto_suite_name(s->id), s->raw_block_len, blocks, BCH63_K);
	printf("public: the challenge's case map (%zu bytes, device memory), the sketch (%u bits), "
	       "the extractor seed (%zu bytes)\n",
	       s->map_len, n, fe_seed_len(s->fe));
	printf("residual min-entropy: %u exactly uniform bits given the case map - %u x %d "
	       "leaked by the sketch = %d bits (textbook bound, docs/puf.md section 9.3)\n",
	       n, blocks, BCH63_N - BCH63_K, residual);
	printf("exact, %s calibration (worst half-word lean of %.3f..%.3f), case maps from the "
	       "majority of %u readings:\n",
	       sim->name, sim->word_bias_min, sim->word_bias_max, ec.enroll_readings);
	ec.ref_is_enrolment = 0;
	if (exact_worst(&ec, &one, &one_best))
		return 1;
	print_exact("reference = one reading (every later run):", &one);
	ec.ref_is_enrolment = 1;
	if (exact_worst(&ec, &first, &unused))
		return 1;
	print_exact("reference = enrolment (first run):", &first);
	ec.ref_is_enrolment = 0;
	ec.iid_noise = 0.10;
	if (exact_worst(&ec, &stress, &unused))
		return 1;
	print_exact("stress: 10 % of processed bits flipped i.i.d.:", &stress);
	printf("  mean output bits per group %.4f, per challenge %.1f (%u needed)\n",
	       one.bits_per_group, one.bits_per_group * s->pp_groups, n);

	struct fe_bound_sim_config sc = {.sim = sim,
	                                 .devices = (unsigned)devices,
	                                 .trials = (trials + devices - 1) / devices,
	                                 .seed = seed,
	                                 .enroll_readings = 11,
	                                 .ref_is_enrolment = 0,
	                                 .groups = (unsigned)s->pp_groups,
	                                 .blocks = blocks};
	struct fe_bound_sim_result sr;
	if (fe_bound_simulate(&sc, &sr)) {
		fprintf(stderr, "pufauth fe-sim: simulation failed\n");
		return 1;
	}
	double nt = (double)sr.trials;
	printf("simulated: %llu prototype devices x %llu authentications, reference = one "
	       "reading:\n",
	       devices, (unsigned long long)sc.trials);
	printf("  yield %.1f bits per challenge; %u devices short of %u bits\n", sr.mean_yield,
	       sr.short_devices, n);
	printf("  bit error %.3g (exact, over the calibration's leans: %.3g..%.3g); groups "
	       "refilled at random %.3g per run\n",
	       nt > 0 ? (double)sr.bit_errors / (nt * n) : 0, one_best, one.bit_error,
	       nt > 0 ? (double)sr.refilled / nt : 0);
	printf("  failures %llu of %llu", (unsigned long long)sr.failures,
	       (unsigned long long)sr.trials);
	if (sr.failures == 0 && nt > 0)
		printf(" (< %.2g at 95 %% confidence)", 3 / nt);
	if (sr.wrong_keys)
		printf(", %llu wrong keys", (unsigned long long)sr.wrong_keys);
	printf("\n");
	printf("residual_min_entropy_bits %d failure_rate %.3g trials %llu\n", residual,
	       nt > 0 ? (double)sr.failures / nt : 1.0, (unsigned long long)sr.trials);
	return 0;
}

/* The report's suites: the response is the XOR of halves of 2 * read_len raw bytes. */
static int suite_report(const struct pufproto_suite *s, unsigned long long trials,
                        unsigned long long devices, unsigned long long seed)
{
	const struct sram_sim_params *sim = &SRAM_SIM_PROTOTYPE;
	const struct fe_params *p = s->fe;
	struct fe_bound_config ec = {.sim = sim, .enroll_readings = 1, .blocks = p->blocks};
	struct fe_bound_result er;
	size_t raw_len = 2 * s->read_len, nbits = (size_t)p->blocks * BCH63_N;

	ec.word_bias = sim->word_bias_min;
	if (fe_bound_exact(&ec, &er))
		return 1;
	double hmin = nbits / 16.0 * er.polarity_min_entropy;
	int residual = (int)floor(hmin) - (int)(p->layers * p->blocks * (BCH63_N - BCH63_K));
	printf("fe-bound: suite %s (report-compatible, LEAKS): %u x BCH(63,%d,23) in %u "
	       "interleaved layers over the XOR of halves of %zu raw bytes\n",
	       pufproto_suite_name(s->id), p->blocks, BCH63_K, p->layers, raw_len);
	printf("residual min-entropy: the %zu processed bits carry %.1f bits (a 16-bit processed "
	       "word: %.2f bits, calibrated model); textbook %.1f - %u x %d = %d bits: no "
	       "guarantee.\n",
	       nbits, hmin, er.polarity_min_entropy, hmin, p->layers * p->blocks, BCH63_N - BCH63_K,
	       residual);
	printf("Worse: the two layers fix the response up to 2^16 candidates whatever the PUF "
	       "(docs/puf.md section 6; test_puf_fe_leakage recovers the key from helper data "
	       "alone).\n");

	uint64_t per = (trials + devices - 1) / devices, failures = 0, done = 0, bit_err = 0;
	double *p1 = malloc(raw_len * 8 * sizeof(double));
	uint8_t *a = malloc(raw_len), *b = malloc(raw_len);
	struct sram_sim *sm = malloc(sizeof(*sm));
	if (!p1 || !a || !b || !sm) {
		free(p1), free(a), free(b), free(sm);
		return 1;
	}
	for (unsigned long long d = 0; d < devices; d++) {
		sram_sim_init(sm, sim, seed + 1 + d, (uint32_t)raw_len);
		for (size_t c = 0; c < raw_len * 8; c++)
			p1[c] = sram_sim_cell_p1(sm, (uint32_t)c);
		for (uint64_t t = 0; t < per; t++) {
			uint8_t za[PUFPROTO_MAX_RESPONSE], zb[PUFPROTO_MAX_RESPONSE];
			uint64_t e[FE_MAX_BLOCKS] = {0};
			sram_sim_powerup_cached(sm, 2 * t, 0, p1, a, raw_len);
			sram_sim_powerup_cached(sm, 2 * t + 1, 0, p1, b, raw_len);
			debias_xor_halves(a, raw_len, za);
			debias_xor_halves(b, raw_len, zb);
			for (size_t i = 0; i < nbits; i++)
				if ((za[i / 8] ^ zb[i / 8]) >> (i % 8) & 1) {
					e[i / BCH63_N] |= UINT64_C(1) << (i % BCH63_N);
					bit_err++;
				}
			failures += fe_model_decode(p, e) != FE_MODEL_OK;
			done++;
		}
	}
	free(p1), free(a), free(b), free(sm);
	printf("simulated: %llu prototype devices x %llu authentications (two single readings): "
	       "bit error %.4f, failures %llu of %llu\n",
	       devices, (unsigned long long)per, (double)bit_err / ((double)done * nbits),
	       (unsigned long long)failures, (unsigned long long)done);
	printf("residual_min_entropy_bits %d failure_rate %.3g trials %llu\n", residual,
	       done ? (double)failures / (double)done : 1.0, (unsigned long long)done);
	return 0;
}

static int suite_mode(const char *name, unsigned long long trials, unsigned long long devices,
                      unsigned long long seed)
{
	struct pufproto_suite s;
	uint8_t id =
	        strcmp(name, "default") ? pufproto_suite_by_name(name) : PUFPROTO_SUITE_DEFAULT;

	if (!id || pufproto_suite_get(id, &s)) {
		fprintf(stderr,
		        "pufauth fe-sim: unknown --suite '%s' (debiased-128, report-128, "
		        "report-64)\n",
		        name);
		return 2;
	}
	if (devices > trials)
		devices = trials;
	return s.map_len ? suite_debiased(&s, trials, devices, seed)
	                 : suite_report(&s, trials, devices, seed);
}

int cmd_fe_sim(int argc, char **argv)
{
	double noise = -1, tilt = -1;
	unsigned long long trials = 0, seed = 1, layers = 2, security = 128, blocks = 0;
	unsigned long long devices = 100;
	const char *suite = NULL;
	int fast = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--fast")) {
			fast = 1;
			continue;
		}
		if (i + 1 >= argc)
			return cli_argument_error("fe-sim", "unknown option or missing value:", a,
			                          usage);
		const char *v = argv[++i];
		int rc;
		if (!strcmp(a, "--noise"))
			rc = parse_double(a, v, 0, 0.5, &noise);
		else if (!strcmp(a, "--tilt"))
			rc = parse_double(a, v, 0, 0.5, &tilt);
		else if (!strcmp(a, "--trials"))
			rc = parse_u64(a, v, 1, 10000000000ULL, &trials);
		else if (!strcmp(a, "--seed"))
			rc = parse_u64(a, v, 0, UINT64_MAX, &seed);
		else if (!strcmp(a, "--layers"))
			rc = parse_u64(a, v, 1, 2, &layers);
		else if (!strcmp(a, "--security"))
			rc = parse_u64(a, v, 64, 128, &security);
		else if (!strcmp(a, "--blocks"))
			rc = parse_u64(a, v, 1, FE_MAX_BLOCKS, &blocks);
		else if (!strcmp(a, "--devices"))
			rc = parse_u64(a, v, 1, 10000, &devices);
		else if (!strcmp(a, "--suite")) {
			suite = v;
			rc = 0;
		} else {
			return cli_argument_error("fe-sim", "unknown option", a, usage);
		}
		if (rc)
			return 2;
	}
	if (suite)
		return suite_mode(suite, trials ? trials : 1000000, devices, seed);
	if (noise < 0 || trials == 0) {
		fprintf(stderr, "pufauth fe-sim: --noise and --trials are required\n");
		usage(stderr);
		return 2;
	}
	if (security != 128 && security != 64) {
		fprintf(stderr, "pufauth fe-sim: --security must be 128 or 64\n");
		return 2;
	}
	if (tilt >= 0 && tilt <= noise) {
		fprintf(stderr, "pufauth fe-sim: --tilt must exceed --noise\n");
		return 2;
	}
	struct fe_params p = security == 128 ? FE_PARAMS_128 : FE_PARAMS_64;
	p.layers = (uint8_t)layers;
	if (blocks)
		p.blocks = (uint8_t)blocks;

	unsigned nbits = p.blocks * BCH63_N;
	uint64_t e[FE_MAX_BLOCKS];
	size_t rlen = fe_response_len(&p), klen = fe_key_len(&p);
	uint8_t z[(FE_MAX_BLOCKS * 63 + 7) / 8], z2[sizeof(z)], rnd[FE_MAX_BLOCKS * 4 + 32];
	uint8_t helper[2 * sizeof(z) + 32], key[16], key2[16];
	struct xoshiro x, xe; /* data, and errors: both modes draw the same error patterns */
	xoshiro_seed(&x, seed);
	xoshiro_seed(&xe, mix64(seed ^ 0x6572726f72730000ULL));

	double rate = tilt >= 0 ? tilt : noise;
	double lw1 = 0, lw0 = 0;
	if (tilt >= 0) {
		lw1 = log(noise / tilt);
		lw0 = log1p(-noise) - log1p(-tilt);
	}
	unsigned long long failures = 0, wrong = 0, block_fail = 0;
	double wsum = 0, wsum2 = 0;
	double lq = log1p(-(rate > 0 ? rate : 1e-300));
	for (unsigned long long t = 0; t < trials; t++) {
		unsigned w = rate > 0 ? draw_errors(&xe, e, p.blocks, lq) : 0;
		if (rate <= 0)
			memset(e, 0, sizeof(e));
		if (p.layers == 1) /* per-block statistics for the single layer */
			for (unsigned b = 0; b < p.blocks; b++) {
				uint64_t y = e[b];
				block_fail +=
				        __builtin_popcountll(y) > BCH63_T && bch63_decode(&y) < 0;
			}
		int fail;
		if (fast) {
			enum fe_model_result r = fe_model_decode(&p, e);
			fail = r != FE_MODEL_OK;
			wrong += r == FE_MODEL_WRONG_KEY;
		} else {
			for (size_t i = 0; i < rlen; i++)
				z[i] = (uint8_t)xoshiro_next(&x);
			for (size_t i = 0; i < fe_gen_random_len(&p); i++)
				rnd[i] = (uint8_t)xoshiro_next(&x);
			fe_gen(&p, z, rnd, key, helper);
			memcpy(z2, z, rlen);
			apply_errors(z2, e, p.blocks);
			fail = fe_rec(&p, z2, helper, key2) != 0;
			if (!fail && memcmp(key, key2, klen)) {
				fail = 1;
				wrong++;
			}
		}
		if (fail) {
			failures++;
			if (tilt >= 0) {
				double wt = exp(w * lw1 + (nbits - w) * lw0);
				wsum += wt;
				wsum2 += wt * wt;
			}
		}
	}

	double n = (double)trials;
	double pb = binomial_tail(63, noise, BCH63_T);
	printf("fe-sim: %u-bit security, %u blocks x 63 bits, %u layer%s, i.i.d. BER %.4f, seed "
	       "%llu, %s\n",
	       p.security_bits, p.blocks, p.layers, p.layers == 2 ? "s" : "", noise, seed,
	       fast ? "error-pattern model (--fast)" : "full Gen/Rec");
	printf("exact binomial: P(block > 11 errors) = %.4g, all %u blocks decode = %.4f%%\n", pb,
	       p.blocks, 100 * pow(1 - pb, p.blocks));
	if (p.layers == 1)
		printf("measured: block failure rate %.4g (%llu of %llu blocks)\n",
		       block_fail / (n * p.blocks), block_fail, trials * p.blocks);
	if (tilt >= 0) {
		double mean = wsum / n, var = wsum2 / n - mean * mean;
		printf("importance sampling at rate %.4f: failure probability %.4g (standard error "
		       "%.2g)\n",
		       tilt, mean, sqrt(var > 0 ? var / n : 0));
	} else {
		/* Wilson-free summary: the rule of three when nothing failed */
		printf("measured: success %.6f%%, failure rate %.4g", 100 * (1 - failures / n),
		       failures / n);
		if (failures == 0)
			printf(" (< %.2g at 95 %% confidence)", 3 / n);
		printf("\n");
	}
	if (wrong)
		printf("wrong keys returned as success: %llu\n", wrong);
	printf("failures %llu of %llu\n", failures, trials);
	return 0;
}
