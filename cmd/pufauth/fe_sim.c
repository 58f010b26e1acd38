/* pufauth fe-sim: Monte-Carlo failure rate of the fuzzy extractor at an i.i.d. bit-error rate.
 * Each trial draws a fresh response, runs FE.Gen on it, flips every bit with probability P (the
 * server's reference versus the device's fresh reading) and runs FE.Rec; a trial fails when Rec
 * reports failure or returns another key. --fast runs puf/fe_model.h (the same decoding schedule on
 * the error pattern alone; identical outcome per trial, as the same seed draws the same errors in
 * both modes) instead of the real Gen/Rec with the extractor. With --tilt Q the errors are drawn at
 * rate Q and every trial weighted by the likelihood ratio, an unbiased importance-sampling estimate
 * of rare rates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crypto/portable/bch63.h"
#include "puf/fe.h"
#include "puf/fe_model.h"
#include "puf/xoshiro.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth fe-sim --noise P --trials N [--layers 1|2] [--seed S]\n"
	        "                      [--security 128|64] [--blocks B] [--tilt Q] [--fast]\n\n"
	        "Simulates FE.Gen/FE.Rec on fresh random responses with i.i.d. bit errors at rate "
	        "P\n"
	        "and ends with the line 'failures F of N'.\n\n"
	        "  --noise P       bit-error rate between Gen's and Rec's reading, 0 <= P < 0.5\n"
	        "  --trials N      number of Gen/Rec pairs (1 .. 10^10)\n"
	        "  --layers L      1: code-offset only; 2 (default): plus the interleaved layer\n"
	        "  --seed S        PRNG seed (default 1)\n"
	        "  --security K    128 (default, 8 blocks) or 64 (4 blocks)\n"
	        "  --blocks B      override the number of 63-bit blocks (1 .. %d)\n"
	        "  --tilt Q        importance sampling: draw errors at rate Q > P, weight each "
	        "trial\n"
	        "  --fast          decode the error pattern only (puf/fe_model.h): same outcome "
	        "per\n"
	        "                  trial as the full Gen/Rec, without the extractor; for 10^7+ "
	        "trials\n"
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

int cmd_fe_sim(int argc, char **argv)
{
	double noise = -1, tilt = -1;
	unsigned long long trials = 0, seed = 1, layers = 2, security = 128, blocks = 0;
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
		if (i + 1 >= argc) {
			fprintf(stderr, "pufauth fe-sim: unknown option or missing value: '%s'\n",
			        a);
			usage(stderr);
			return 2;
		}
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
		else {
			fprintf(stderr, "pufauth fe-sim: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (rc)
			return 2;
	}
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
