#include "puf/trng.h"

#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"

/* One health-tested sample, or -1. Every 32 raw bytes (8 words) give 32 samples: sample b is the
 * XOR of bit b of the 8 words, i.e. 8 cells of one bit lane. Lanes rather than the 8 bits of a
 * byte: a byte's parity is fixed by a byte-wide power-up pattern (0xAA has even parity), a lane's
 * cells come from 8 different words. */
static int next_bit(struct sram_trng *t)
{
	if (t->lane == 32) {
		if (t->noise_len - t->pos < 32)
			return -1;
		uint32_t w = 0;
		for (int i = 0; i < 32; i += 4) {
			const uint8_t *p = t->noise + t->pos + i;
			w ^= load_le32(p);
		}
		t->pos += 32;
		t->lanes = w;
		t->lane = 0;
	}
	unsigned bit = (t->lanes >> t->lane++) & 1;
	if (health_feed(&t->health, bit))
		return -1;
	return (int)bit;
}

static int next_byte(struct sram_trng *t)
{
	int v = 0;
	for (int b = 0; b < 8; b++) {
		int bit = next_bit(t);
		if (bit < 0)
			return -1;
		v |= bit << b;
	}
	return v;
}

static int refill_pool(struct sram_trng *t)
{
	static const uint8_t key[16] = {'h', 'w', 'g', 'u', 'a', 'r', 'd', ' ',
	                                't', 'r', 'n', 'g', ' ', 'c', 'n', 'd'};
	uint8_t samples[SRAM_TRNG_COND_SAMPLES / 8];
	for (size_t i = 0; i < sizeof(samples); i++) {
		int v = next_byte(t);
		if (v < 0) {
			secure_wipe(samples, sizeof(samples));
			return -1;
		}
		samples[i] = (uint8_t)v;
	}
	simon_prf(SIMON_128_128, key, samples, sizeof(samples), t->pool, sizeof(t->pool));
	secure_wipe(samples, sizeof(samples));
	t->pool_left = sizeof(t->pool);
	return 0;
}

static int trng_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	struct sram_trng *t = (struct sram_trng *)src;

	while (t->health.cfg.startup_samples) {
		if (next_bit(t) < 0)
			goto fail;
		t->health.cfg.startup_samples--;
	}
	for (size_t i = 0; i < len; i++) {
		if (t->conditioned) {
			if (!t->pool_left && refill_pool(t))
				goto fail;
			out[i] = t->pool[sizeof(t->pool) - t->pool_left--];
			continue;
		}
		int v = next_byte(t);
		if (v < 0)
			goto fail;
		out[i] = (uint8_t)v;
	}
	return 0;
fail:
	secure_wipe(out, len);
	return -1;
}

void sram_trng_init(struct sram_trng *t, const uint8_t *noise, size_t noise_len,
                    const struct health_config *cfg)
{
	t->base.fill = trng_fill;
	t->noise = noise;
	t->noise_len = noise_len;
	t->pos = 0;
	t->lane = 32;
	t->lanes = 0;
	t->conditioned = 0;
	t->pool_left = 0;
	health_init(&t->health, cfg);
}

void sram_trng_init_conditioned(struct sram_trng *t, const uint8_t *noise, size_t noise_len,
                                const struct health_config *cfg)
{
	sram_trng_init(t, noise, noise_len, cfg);
	t->conditioned = 1;
}

size_t sram_trng_available(const struct sram_trng *t)
{
	size_t plain = (t->noise_len - t->pos) / 32 * 4 + (32 - t->lane) / 8;
	if (!t->conditioned)
		return plain;
	return t->pool_left + plain / (SRAM_TRNG_COND_SAMPLES / 8) * sizeof(t->pool);
}

static int drbg_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	struct sram_drbg *d = (struct sram_drbg *)src;
	uint8_t in[5], next[sizeof(d->key)];

	if (!d->seeded) {
		secure_wipe(out, len);
		return -1;
	}
	in[0] = (uint8_t)d->counter;
	in[1] = (uint8_t)(d->counter >> 8);
	in[2] = (uint8_t)(d->counter >> 16);
	in[3] = (uint8_t)(d->counter >> 24);
	in[4] = 'o';
	simon_prf(SIMON_128_128, d->key, in, sizeof(in), out, len);
	in[4] = 'k';
	simon_prf(SIMON_128_128, d->key, in, sizeof(in), next, sizeof(next));
	memcpy(d->key, next, sizeof(next));
	secure_wipe(next, sizeof(next));
	d->counter++;
	return 0;
}

int sram_drbg_seed(struct sram_drbg *d, const uint8_t *noise, size_t noise_len,
                   const struct health_config *cfg)
{
	static const uint8_t instantiate[16] = {'h', 'w', 'g', 'u', 'a', 'r', 'd', ' ',
	                                        'd', 'r', 'b', 'g', ' ', 'i', 'n', 's'};
	uint8_t seed[SRAM_DRBG_SEED_SAMPLES / SRAM_TRNG_COND_SAMPLES * 16];
	struct health_config tested = *cfg;
	struct sram_trng t;
	int ret = -1;

	memset(d, 0, sizeof(*d));
	d->base.fill = drbg_fill;
	if (noise_len < SRAM_DRBG_NOISE_BYTES || cfg->startup_samples > SRAM_DRBG_SEED_SAMPLES)
		return -1;
	/* the seed's own samples are the start-up test: none is discarded, none is used unless all
	 * of them pass (fill() fails as a whole otherwise) */
	tested.startup_samples = 0;
	sram_trng_init_conditioned(&t, noise, SRAM_DRBG_NOISE_BYTES, &tested);
	if (t.base.fill(&t.base, seed, sizeof(seed)) == 0) {
		simon_prf(SIMON_128_128, instantiate, seed, sizeof(seed), d->key, sizeof(d->key));
		d->seeded = 1;
		ret = 0;
	}
	secure_wipe(seed, sizeof(seed));
	secure_wipe(&t, sizeof(t));
	return ret;
}

void sram_drbg_wipe(struct sram_drbg *d)
{
	secure_wipe(d->key, sizeof(d->key));
	d->counter = 0;
	d->seeded = 0;
}
