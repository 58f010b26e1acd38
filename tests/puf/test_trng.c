/* SRAM TRNG and SP 800-90B health tests: cutoffs recomputed from their definition, failures latch
 * and stop output, the XOR-of-8 lane layout, conditioning. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "puf/health.h"
#include "puf/host/rng_linux.h"
#include "puf/trng.h"
#include "puf/xoshiro.h"
#include "support/test_main.h"

/* 1 + CRITBINOM(W, 2^-H, 1 - 2^-20), from the binomial distribution directly. */
static unsigned apt_cutoff(unsigned w, double h)
{
	double p = pow(2, -h), cdf = 0;
	for (unsigned k = 0; k <= w; k++) {
		cdf += exp(lgamma(w + 1.0) - lgamma(k + 1.0) - lgamma(w - k + 1.0) + k * log(p) +
		           (w - k) * log1p(-p));
		if (cdf >= 1 - pow(2, -20))
			return k + 1;
	}
	return w + 1;
}

static void test_cutoffs(void **state)
{
	(void)state;
	assert_int_equal(HEALTH_CONFIG_H1.rct_cutoff, 1 + (unsigned)ceil(20 / 1.0));
	assert_int_equal(HEALTH_CONFIG_H025.rct_cutoff, 1 + (unsigned)ceil(20 / 0.25));
	assert_int_equal(HEALTH_CONFIG_H1.apt_cutoff, apt_cutoff(1024, 1.0));
	assert_int_equal(HEALTH_CONFIG_H1.apt_cutoff, 589); /* SP 800-90B Table 2 */
	assert_int_equal(HEALTH_CONFIG_H025.apt_cutoff, apt_cutoff(1024, 0.25));
}

static void test_rct_latches(void **state)
{
	(void)state;
	struct health h;
	health_init(&h, &HEALTH_CONFIG_H1);
	for (int i = 0; i < 20; i++) /* a run of 20 is allowed */
		assert_int_equal(health_feed(&h, 1), 0);
	assert_int_equal(health_feed(&h, 1), -1); /* the 21st identical sample fails */
	assert_int_equal(health_feed(&h, 0), -1); /* and the failure latches */
}

static void test_apt_fails_on_bias(void **state)
{
	(void)state;
	struct health h;
	struct xoshiro x;
	xoshiro_seed(&x, 11);
	health_init(&h, &HEALTH_CONFIG_H1);
	int failed_at = -1;
	/* P(1) = 0.7 with runs broken up: RCT stays quiet, APT counts ~717 of 1024 > 589 */
	for (int i = 0; i < 2048 && failed_at < 0; i++)
		if (health_feed(&h, xoshiro_uniform(&x) < 0.7))
			failed_at = i;
	assert_true(failed_at > 0 && failed_at < 1024 + 1024);
	/* unbiased samples pass (a false alarm has probability ~2^-20 per sample: ~1 % in 10^4) */
	health_init(&h, &HEALTH_CONFIG_H1);
	xoshiro_seed(&x, 14);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(health_feed(&h, (unsigned)xoshiro_next(&x) & 1), 0);
}

static void test_trng_output_and_refusal(void **state)
{
	(void)state;
	static uint8_t noise[4096];
	struct xoshiro x;
	xoshiro_seed(&x, 12);
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)xoshiro_next(&x);
	struct health_config cfg = HEALTH_CONFIG_H1;
	cfg.startup_samples = 0;
	struct sram_trng t;
	sram_trng_init(&t, noise, sizeof(noise), &cfg);
	assert_int_equal(sram_trng_available(&t), sizeof(noise) / 8);
	uint8_t out[8];
	assert_int_equal(t.base.fill(&t.base, out, 4), 0);
	/* output bit b of the first 4 bytes = XOR of bit b of the first 8 words */
	uint32_t w = 0;
	for (int i = 0; i < 8; i++)
		w ^= (uint32_t)noise[4 * i] | (uint32_t)noise[4 * i + 1] << 8 |
		     (uint32_t)noise[4 * i + 2] << 16 | (uint32_t)noise[4 * i + 3] << 24;
	assert_int_equal(out[0] | out[1] << 8 | out[2] << 16 | (uint32_t)out[3] << 24, w);
	/* running out of power-up data is a refusal, and the buffer is wiped */
	uint8_t big[600];
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(t.base.fill(&t.base, big, sizeof(big)), -1);
	for (size_t i = 0; i < sizeof(big); i++)
		assert_int_equal(big[i], 0);

	/* a stuck SRAM (all zero) trips the repetition count test during start-up */
	static uint8_t stuck[4096];
	sram_trng_init(&t, stuck, sizeof(stuck), &HEALTH_CONFIG_H025);
	assert_int_equal(t.base.fill(&t.base, out, 1), -1);
	assert_int_equal(t.base.fill(&t.base, out, 1), -1); /* stays refused */
}

static void test_trng_conditioned(void **state)
{
	(void)state;
	static uint8_t noise[1024 + 2 * 512]; /* start-up + two blocks, one raw byte per sample */
	struct xoshiro x;
	xoshiro_seed(&x, 13);
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)xoshiro_next(&x);
	struct sram_trng t, plain;
	sram_trng_init_conditioned(&t, noise, sizeof(noise), &HEALTH_CONFIG_H025);
	uint8_t a[32], b[16];
	assert_int_equal(t.base.fill(&t.base, a, 32), 0); /* start-up + two 512-sample blocks */
	assert_int_not_equal(memcmp(a, a + 16, 16), 0);
	assert_int_equal(t.base.fill(&t.base, b, 1), -1); /* exhausted */
	/* the conditioned output differs from the plain samples it compresses */
	sram_trng_init(&plain, noise, sizeof(noise), &HEALTH_CONFIG_H025);
	assert_int_equal(plain.base.fill(&plain.base, b, 16), 0);
	assert_int_not_equal(memcmp(a, b, 16), 0);
}

static void test_linux_rng(void **state)
{
	(void)state;
	struct rng_source *r = rng_linux();
	uint8_t a[32] = {0}, b[32] = {0};
	assert_int_equal(r->fill(r, a, sizeof(a)), 0);
	assert_int_equal(r->fill(r, b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cutoffs),           cmocka_unit_test(test_rct_latches),
        cmocka_unit_test(test_apt_fails_on_bias), cmocka_unit_test(test_trng_output_and_refusal),
        cmocka_unit_test(test_trng_conditioned),  cmocka_unit_test(test_linux_rng),
};

HWG_TEST_MAIN(tests, NULL, NULL)
