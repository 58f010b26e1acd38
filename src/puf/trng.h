/* TRNG from SRAM power-up noise (shared/specs/puf-auth-protocol.md §2): each output bit is the XOR
 * of 8 raw cells, bit b of 8 consecutive 32-bit words (1,024 raw bits -> 128 output bits), checked
 * by the SP 800-90B continuous health tests; on a failure or when the power-up data runs out it
 * refuses to output. For MCUs only: on Linux the rng_source is getrandom() (puf/rng_linux.h).
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_TRNG_H
#define HWG_PUF_TRNG_H

#include <stddef.h>
#include <stdint.h>

#include "puf/health.h"
#include "puf/puf.h"

struct sram_trng {
	struct rng_source base;
	const uint8_t
	        *noise; /* raw power-up bytes reserved for the TRNG (not a PUF challenge block) */
	size_t noise_len;
	size_t pos;
	uint32_t lanes; /* the current 32 samples */
	unsigned lane;  /* next sample in lanes; 32: none left */
	struct health health;
	uint8_t conditioned; /* 1: compress through SIMON-PRF (sram_trng_init_conditioned) */
	uint8_t pool_left;
	uint8_t pool[16];
};

/* Samples per 16 conditioned output bytes: 512 samples (4,096 raw bits) per 128 bits, so that a
 * noise min-entropy of 0.25 bit per sample still gives 128 bits (docs/puf.md "TRNG"). */
#define SRAM_TRNG_COND_SAMPLES 512

/* The raw bytes must stay valid while the TRNG is used; they are consumed once, never reused. */
void sram_trng_init(struct sram_trng *t, const uint8_t *noise, size_t noise_len,
                    const struct health_config *cfg);
/* As sram_trng_init, but every 512 health-tested samples are compressed into 16 output bytes with
 * simon_prf (SIMON-128/128 CBC-MAC under a fixed public key: a non-vetted SP 800-90B conditioner).
 * Needed where the power-up pattern shows through the plain XOR-of-8 (the prototype model). */
void sram_trng_init_conditioned(struct sram_trng *t, const uint8_t *noise, size_t noise_len,
                                const struct health_config *cfg);
/* Output bytes still available (ignoring the start-up samples). */
size_t sram_trng_available(const struct sram_trng *t);

/* A generator seeded once from the power-up noise, for MCUs whose RAM cannot keep the raw noise
 * until the protocol asks for random bytes (firmware/README.md "RAM plan"): at boot the noise
 * region is consumed into a 128-bit key, and the region is reused for the stack.
 *
 * Seeding health-tests SRAM_DRBG_SEED_SAMPLES samples (XOR-of-8 lanes, as above) from
 * SRAM_DRBG_NOISE_BYTES raw bytes; they are the SP 800-90B start-up test as well (cfg's
 * startup_samples must not exceed them), conditioned as sram_trng_init_conditioned does (512
 * samples -> 16 bytes) and only used once every one of them has passed: the standard asks that
 * output be inhibited until the start-up tests pass, not that the tested samples be discarded.
 * The 32 conditioned bytes (256 bits at the claimed H = 0.25 per sample) are compressed into the
 * key K = SIMON-PRF(fixed public key, seed). Each fill(n) then outputs SIMON-PRF(K, ctr || 'o', n)
 * and replaces K with SIMON-PRF(K, ctr || 'k', 16): a counter-mode generator with key erasure
 * (earlier outputs cannot be recomputed from a later state). Nothing reseeds it: one power-up,
 * one run. */
#define SRAM_DRBG_SEED_SAMPLES 1024
#define SRAM_DRBG_NOISE_BYTES  SRAM_DRBG_SEED_SAMPLES /* 8 raw cells, one byte, per sample */

struct sram_drbg {
	struct rng_source base; /* fill() fails (-1) until seeded */
	uint8_t key[16];
	uint32_t counter;
	uint8_t seeded;
};

/* Seeds d from noise (at least SRAM_DRBG_NOISE_BYTES raw power-up bytes; the rest is not read).
 * Returns 0, or -1 when a health test failed, the noise is too short or cfg's start-up test needs
 * more samples than the seed uses; d then stays unseeded. */
int sram_drbg_seed(struct sram_drbg *d, const uint8_t *noise, size_t noise_len,
                   const struct health_config *cfg);
/* Wipes the key; fill() fails from then on. */
void sram_drbg_wipe(struct sram_drbg *d);

#endif
