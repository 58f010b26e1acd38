/* Fuzzy extractor: code-offset secure sketch over BCH(63,16,23) in one or two interleaved layers,
 * plus a PRF-based randomness extractor with a public seed (shared/specs/puf-auth-protocol.md §2,
 * §4). Pure and portable: all randomness comes in as arguments; no malloc, no OS. */
#ifndef HWG_PUF_FE_H
#define HWG_PUF_FE_H

#include <stddef.h>
#include <stdint.h>

struct fe_params {
	uint16_t security_bits; /* 128 or 64: key length, and the seed is twice this */
	uint8_t blocks;         /* BCH blocks of 63 bits in the response */
	uint8_t layers;         /* 1, or 2 for the report's interleaved second layer */
};

/* The report's parameter sets: 8 blocks at 128-bit security, 4 blocks at 64-bit, two layers. */
extern const struct fe_params FE_PARAMS_128;
extern const struct fe_params FE_PARAMS_64;
/* Conservative: 18 blocks, ONE layer. The textbook code-offset bound 18 * (63 h - 47) >= 128 holds
 * for a per-bit min-entropy h >= 0.862 (P(1) within 0.45..0.55), where the report's 8 blocks need
 * h = 1. A second layer can never meet the bound: both sketches together leave only
 * dim(C^8 ∩ pi^-1 C^8) = 16 bits of z unknown (10 for 18 blocks), whatever the PUF's entropy
 * (docs/puf.md "Helper-data leakage"; tests/puf/test_fe_leakage.c recovers the key from helper
 * data). Cost: 2.25x the PUF bits, debiasing to h >= 0.862, and a bit-error rate <= ~5 % for <= 1 %
 * failures. */
extern const struct fe_params FE_PARAMS_128_CONSERVATIVE;
/* The default suite's code: 9 blocks, ONE layer, over 567 bits that the word-polarity Peres front
 * end (debias.h) makes exactly uniform. Textbook residual 9 * (63 - 47) = 144 bits >= 128 (docs/
 * puf.md §9). */
extern const struct fe_params FE_PARAMS_128_DEBIASED;

/* HWG_DEVICE_DEBIASED_ONLY: a device image that speaks only the debiased suite (its code offset
 * has one layer) may define it to leave the second layer out of fe_gen(); fe_params_valid() then
 * refuses two layers (docs/puf.md §9.6). Host builds never define it. */

/* Largest blocks value accepted (fixed-size state, no malloc). */
#define FE_MAX_BLOCKS 18
/* Iterations of the two-layer decoder before it gives up. */
#define FE_MAX_ITERATIONS 8

/* 1 when the set is usable: security 64 or 128, 1..FE_MAX_BLOCKS blocks, 1 or 2 layers. */
int fe_params_valid(const struct fe_params *p);

/* Sizes in bytes for a parameter set. */
size_t fe_response_len(const struct fe_params *p); /* ceil(blocks * 63 / 8) */
size_t fe_helper_len(const struct fe_params *p);   /* both sketch layers + extractor seed */
size_t fe_sketch_len(const struct fe_params *p);   /* one layer: ceil(blocks * 63 / 8) */
size_t fe_seed_len(const struct fe_params *p);     /* 2 * security_bits / 8 */
size_t fe_key_len(const struct fe_params *p);      /* security_bits / 8 */
/* Random bytes that fe_gen consumes: the code-offset codewords' messages and the seed. */
size_t fe_gen_random_len(const struct fe_params *p);

/* Gen(z) -> (r, hd). random holds fe_gen_random_len() fresh bytes. Returns 0 or -1 (bad params). */
int fe_gen(const struct fe_params *p, const uint8_t *response, const uint8_t *random, uint8_t *key,
           uint8_t *helper);

/* Rec(z', hd) -> r. Returns 0, or -1 when decoding did not converge: never a wrong key knowingly
 * (the protocol's tags catch the rest). */
int fe_rec(const struct fe_params *p, const uint8_t *response, const uint8_t *helper, uint8_t *key);

/* The secure-sketch half of Rec: recovers Gen's response into recovered (fe_response_len bytes)
 * without running the extractor. Returns the number of decoder iterations used (>= 1), or -1 as
 * fe_rec. fe_rec is this plus the extractor; fe-sim uses it to count failures quickly. */
int fe_recover(const struct fe_params *p, const uint8_t *response, const uint8_t *helper,
               uint8_t *recovered);

#endif
