#include "puf/host/fe_model.h"

#include <string.h>

#include "crypto/portable/bch63.h"

static int popcount64(uint64_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

static int is_codeword(uint64_t w)
{
	return bch63_encode(bch63_message(w)) == w;
}

/* Mirrors fe.c's decode_layer: e holds each block's current error pattern. */
static int decode_layer(uint64_t *e, unsigned blocks, int *changed)
{
	int all = 1;
	for (unsigned b = 0; b < blocks; b++) {
		if (!e[b] || is_codeword(e[b]))
			continue;
		if (popcount64(e[b]) <= BCH63_T) {
			e[b] = 0;
		} else {
			uint64_t y = e[b];
			if (bch63_decode(&y) < 0) {
				all = 0;
				continue;
			}
			e[b] = y; /* the nearest codeword: 0 or a miscorrection */
		}
		*changed = 1;
	}
	return all;
}

static void interleave(const uint64_t *w1, unsigned blocks, uint64_t *w2)
{
	for (unsigned j = 0; j < blocks; j++) {
		uint64_t v = 0;
		for (unsigned k = 0; k < BCH63_N; k++) {
			unsigned i = j + blocks * k;
			v |= ((w1[i / BCH63_N] >> (i % BCH63_N)) & 1) << k;
		}
		w2[j] = v;
	}
}

static void deinterleave(const uint64_t *w2, unsigned blocks, uint64_t *w1)
{
	memset(w1, 0, blocks * sizeof(*w1));
	for (unsigned j = 0; j < blocks; j++)
		for (uint64_t v = w2[j]; v; v &= v - 1) {
			unsigned k = 0;
			while (!((v >> k) & 1))
				k++;
			unsigned i = j + blocks * k;
			w1[i / BCH63_N] |= UINT64_C(1) << (i % BCH63_N);
		}
}

static enum fe_model_result outcome(const uint64_t *e, unsigned blocks)
{
	for (unsigned b = 0; b < blocks; b++)
		if (e[b])
			return FE_MODEL_WRONG_KEY;
	return FE_MODEL_OK;
}

enum fe_model_result fe_model_decode(const struct fe_params *p, uint64_t *e)
{
	uint64_t e2[FE_MAX_BLOCKS];
	unsigned blocks = p->blocks;

	if (p->layers == 1) {
		int changed = 0;
		return decode_layer(e, blocks, &changed) ? outcome(e, blocks) : FE_MODEL_FAILURE;
	}
	for (int iter = 1; iter <= FE_MAX_ITERATIONS; iter++) {
		int changed = 0;
		decode_layer(e, blocks, &changed);
		interleave(e, blocks, e2);
		int ok2 = decode_layer(e2, blocks, &changed);
		deinterleave(e2, blocks, e);
		int ok1 = 1;
		for (unsigned b = 0; b < blocks && ok1; b++)
			ok1 = !e[b] || is_codeword(e[b]);
		if (ok2 && ok1)
			return outcome(e, blocks);
		if (!changed)
			break;
	}
	return FE_MODEL_FAILURE;
}
