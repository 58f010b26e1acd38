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

#endif
