/* SIMON block ciphers (Beaulieu et al., ePrint 2013/404): 64/96, 64/128, 128/128, 128/192, 128/256.
 * Portable C, no malloc, no OS. Byte convention: the NSA Implementation Guide's (little-endian
 * bytes and words, word 0 = the right word y); see docs/puf-crypto.md for the mapping to the
 * paper's word order. Constant time: no tables, no data-dependent branches. */
#ifndef HWG_CRYPTO_SIMON_H
#define HWG_CRYPTO_SIMON_H

#include <stddef.h>
#include <stdint.h>

enum simon_variant {
	SIMON_64_96,
	SIMON_64_128,
	SIMON_128_128,
	SIMON_128_192,
	SIMON_128_256,
};

#define SIMON_MAX_ROUNDS 72
#define SIMON_MAX_BLOCK  16

/* Expanded key schedule; round keys are stored as 64-bit words for both block sizes. */
struct simon_ctx {
	uint64_t rk[SIMON_MAX_ROUNDS];
	uint8_t rounds;
	uint8_t block_len; /* 8 or 16 bytes */
	uint8_t word_bits; /* 32 or 64 */
};

/* HWG_SIMON_128_128_ONLY: a device image whose suites use SIMON-128/128 alone (the default suite,
 * firmware/image.sh) may define it: the other variants are then unknown (simon_init() fails,
 * simon_block_len() is 0, so a suite on them is refused) and the word size is a constant, which
 * halves the code and spares the 64-bit shift calls of a generic word size on a Cortex-M0. Host
 * builds never define it. */

/* key holds 12, 16, 24 or 32 bytes as the variant demands. Returns 0, or -1 for an unknown variant
 * (ctx is then zeroed: rounds = 0). The block functions accept out == in. */
int simon_init(struct simon_ctx *ctx, enum simon_variant v, const uint8_t *key);
void simon_encrypt_block(const struct simon_ctx *ctx, uint8_t *out, const uint8_t *in);
void simon_decrypt_block(const struct simon_ctx *ctx, uint8_t *out, const uint8_t *in);
/* Key length in bytes for a variant (12..32), block length (8 or 16); 0 for an unknown variant. */
size_t simon_key_len(enum simon_variant v);
size_t simon_block_len(enum simon_variant v);
/* Wipes the round keys. */
void simon_clear(struct simon_ctx *ctx);

#endif
