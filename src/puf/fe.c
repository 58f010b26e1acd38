/* Fuzzy extractor (docs/puf.md "Fuzzy extractor"): code-offset over BCH(63,16,23) blocks, an
 * optional second layer over the interleaved response, and SIMON-PRF as the extractor.
 *
 * Bit i of a byte string is bit i % 8 of byte i / 8. A response of B blocks is B * 63 bits; layer-1
 * block b holds bits 63b .. 63b + 62 (bit k of the block is codeword bit k); layer-2 block j holds
 * bits j, j + B, j + 2B, ..., j + 62B. Helper data: sketch1 || sketch2 (two layers only) || seed,
 * where sketchL is the B * 63-bit string of layer-L blocks XOR fresh codewords, zero-padded to
 * whole bytes. Key: simon_prf(seed[0..15], seed[16..] || response) with SIMON-128/128 (64/128 at
 * 64-bit security). */
#include "puf/fe.h"

#include <string.h>

#include "crypto/portable/bch63.h"
#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"

#define BLOCK_MASK ((UINT64_C(1) << BCH63_N) - 1)
#ifdef HWG_DEVICE_DEBIASED_ONLY
#define TWO_LAYERS 0
#else
#define TWO_LAYERS 1
#endif
#define PRF_KEY_LEN 16

const struct fe_params FE_PARAMS_128 = {.security_bits = 128, .blocks = 8, .layers = 2};
const struct fe_params FE_PARAMS_64 = {.security_bits = 64, .blocks = 4, .layers = 2};
const struct fe_params FE_PARAMS_128_CONSERVATIVE = {
        .security_bits = 128, .blocks = 18, .layers = 1};
const struct fe_params FE_PARAMS_128_DEBIASED = {.security_bits = 128, .blocks = 9, .layers = 1};

int fe_params_valid(const struct fe_params *p)
{
	return p && (p->security_bits == 128 || p->security_bits == 64) && p->blocks >= 1 &&
	       p->blocks <= FE_MAX_BLOCKS && (p->layers == 1 || (p->layers == 2 && TWO_LAYERS));
}

size_t fe_response_len(const struct fe_params *p)
{
	return ((size_t)p->blocks * BCH63_N + 7) / 8;
}

size_t fe_sketch_len(const struct fe_params *p)
{
	return fe_response_len(p);
}

size_t fe_seed_len(const struct fe_params *p)
{
	return 2 * (size_t)p->security_bits / 8;
}

size_t fe_helper_len(const struct fe_params *p)
{
	return p->layers * fe_sketch_len(p) + fe_seed_len(p);
}

size_t fe_key_len(const struct fe_params *p)
{
	return (size_t)p->security_bits / 8;
}

size_t fe_gen_random_len(const struct fe_params *p)
{
	return (size_t)p->blocks * p->layers * 2 + fe_seed_len(p);
}

/* Layer-1 view: block b is bits 63b.. of the string. */
static void unpack_blocks(const uint8_t *bytes, unsigned blocks, uint64_t *w)
{
	for (unsigned b = 0; b < blocks; b++) {
		uint64_t v = 0;
		for (unsigned k = 0; k < BCH63_N; k++) {
			size_t i = (size_t)b * BCH63_N + k;
			v |= (uint64_t)((bytes[i / 8] >> (i % 8)) & 1) << k;
		}
		w[b] = v;
	}
}

static void pack_blocks(const uint64_t *w, unsigned blocks, uint8_t *bytes, size_t len)
{
	memset(bytes, 0, len);
	for (unsigned b = 0; b < blocks; b++)
		for (unsigned k = 0; k < BCH63_N; k++) {
			size_t i = (size_t)b * BCH63_N + k;
			bytes[i / 8] |= (uint8_t)(((w[b] >> k) & 1) << (i % 8));
		}
}

/* Layer-2 view of the layer-1 blocks: bit k of block j is string bit j + blocks * k. */
static void interleave(const uint64_t *w1, unsigned blocks, uint64_t *w2)
{
	for (unsigned j = 0; j < blocks; j++) {
		uint64_t v = 0;
		for (unsigned k = 0; k < BCH63_N; k++) {
			size_t i = j + (size_t)blocks * k;
			v |= ((w1[i / BCH63_N] >> (i % BCH63_N)) & 1) << k;
		}
		w2[j] = v;
	}
}

static void deinterleave(const uint64_t *w2, unsigned blocks, uint64_t *w1)
{
	memset(w1, 0, blocks * sizeof(*w1));
	for (unsigned j = 0; j < blocks; j++)
		for (unsigned k = 0; k < BCH63_N; k++) {
			size_t i = j + (size_t)blocks * k;
			w1[i / BCH63_N] |= ((w2[j] >> k) & 1) << (i % BCH63_N);
		}
}

static int is_codeword(uint64_t w)
{
	return bch63_encode(bch63_message(w)) == w;
}

/* The padding bits after blocks * 63 in the last byte of a sketch must be zero: anything else is
 * not a helper string that Gen wrote. */
static int padding_clear(const uint8_t *sketch, const struct fe_params *p)
{
	unsigned used = (unsigned)(((size_t)p->blocks * BCH63_N) % 8);
	if (used == 0)
		return 1;
	return (sketch[fe_sketch_len(p) - 1] >> used) == 0;
}

static void extract(const struct fe_params *p, const uint8_t *seed, const uint64_t *w, uint8_t *key)
{
	uint8_t in[(FE_MAX_BLOCKS * BCH63_N + 7) / 8 + 2 * 128 / 8];
	size_t seed_rest = fe_seed_len(p) - PRF_KEY_LEN, rlen = fe_response_len(p);

	memcpy(in, seed + PRF_KEY_LEN, seed_rest);
	pack_blocks(w, p->blocks, in + seed_rest, rlen);
	simon_prf(p->security_bits == 128 ? SIMON_128_128 : SIMON_64_128, seed, in,
	          seed_rest + rlen, key, fe_key_len(p));
	secure_wipe(in, sizeof(in));
}

static uint16_t message_at(const uint8_t *random, size_t index)
{
	return (uint16_t)(random[2 * index] | random[2 * index + 1] << 8);
}

int fe_gen(const struct fe_params *p, const uint8_t *response, const uint8_t *random, uint8_t *key,
           uint8_t *helper)
{
	uint64_t z[FE_MAX_BLOCKS], s[FE_MAX_BLOCKS];

	if (!fe_params_valid(p))
		return -1;
	unsigned blocks = p->blocks;
	size_t slen = fe_sketch_len(p);
	const uint8_t *seed = random + (size_t)blocks * p->layers * 2;

	unpack_blocks(response, blocks, z);
	for (unsigned b = 0; b < blocks; b++)
		s[b] = z[b] ^ bch63_encode(message_at(random, b));
	pack_blocks(s, blocks, helper, slen);
	if (TWO_LAYERS && p->layers == 2) {
		interleave(z, blocks, s);
		for (unsigned j = 0; j < blocks; j++)
			s[j] ^= bch63_encode(message_at(random, blocks + j));
		pack_blocks(s, blocks, helper + slen, slen);
	}
	memcpy(helper + p->layers * slen, seed, fe_seed_len(p));
	extract(p, seed, z, key);
	secure_wipe(z, sizeof(z));
	secure_wipe(s, sizeof(s));
	return 0;
}

/* Decodes every block of one layer that is not yet consistent: w holds the current estimate of the
 * response in that layer's view, s the layer's sketch. Returns 1 when all blocks are now codeword
 * offsets, and sets *changed when a block was corrected. */
static int decode_layer(uint64_t *w, const uint64_t *s, unsigned blocks, int *changed)
{
	int all = 1;
	for (unsigned b = 0; b < blocks; b++) {
		uint64_t c = w[b] ^ s[b];
		if (is_codeword(c))
			continue;
		if (bch63_decode(&c) < 0) {
			all = 0;
			continue;
		}
		w[b] = (c ^ s[b]) & BLOCK_MASK;
		*changed = 1;
	}
	return all;
}

static int layer_consistent(const uint64_t *w, const uint64_t *s, unsigned blocks)
{
	for (unsigned b = 0; b < blocks; b++)
		if (!is_codeword(w[b] ^ s[b]))
			return 0;
	return 1;
}

/* Iterative decoding into w (layer-1 view). Returns iterations used, or -1. */
static int recover_blocks(const struct fe_params *p, const uint8_t *response, const uint8_t *helper,
                          uint64_t *w)
{
	uint64_t s1[FE_MAX_BLOCKS], s2[FE_MAX_BLOCKS], w2[FE_MAX_BLOCKS];
	unsigned blocks = p->blocks;
	size_t slen = fe_sketch_len(p);
	int result = -1;

	if (!padding_clear(helper, p) || (p->layers == 2 && !padding_clear(helper + slen, p)))
		return -1;
	unpack_blocks(response, blocks, w);
	unpack_blocks(helper, blocks, s1);
	if (p->layers == 1) {
		int changed = 0;
		return decode_layer(w, s1, blocks, &changed) ? 1 : -1;
	}
	unpack_blocks(helper + slen, blocks, s2);
	for (int iter = 1; iter <= FE_MAX_ITERATIONS; iter++) {
		int changed = 0;
		decode_layer(w, s1, blocks, &changed);
		interleave(w, blocks, w2);
		int ok2 = decode_layer(w2, s2, blocks, &changed);
		deinterleave(w2, blocks, w);
		if (ok2 && layer_consistent(w, s1, blocks)) {
			result = iter;
			break;
		}
		if (!changed) /* stuck: further passes would repeat this one */
			break;
	}
	secure_wipe(w2, sizeof(w2));
	return result;
}

int fe_recover(const struct fe_params *p, const uint8_t *response, const uint8_t *helper,
               uint8_t *recovered)
{
	uint64_t w[FE_MAX_BLOCKS];

	if (!fe_params_valid(p))
		return -1;
	int r = recover_blocks(p, response, helper, w);
	if (r > 0)
		pack_blocks(w, p->blocks, recovered, fe_response_len(p));
	secure_wipe(w, sizeof(w));
	return r;
}

int fe_rec(const struct fe_params *p, const uint8_t *response, const uint8_t *helper, uint8_t *key)
{
	uint64_t w[FE_MAX_BLOCKS];

	if (!fe_params_valid(p))
		return -1;
	int r = recover_blocks(p, response, helper, w);
	if (r > 0)
		extract(p, helper + p->layers * fe_sketch_len(p), w, key);
	secure_wipe(w, sizeof(w));
	return r > 0 ? 0 : -1;
}
