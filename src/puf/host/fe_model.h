/* A fast model of fe_rec for simulation: fe.c's decoding schedule run on the error pattern alone.
 * By linearity the decoder's behaviour depends only on the error pattern e = z XOR z'; a bounded-
 * distance decoder maps any block of weight <= 11 to zero errors, so only heavier blocks go through
 * bch63_decode (which then fails or miscorrects, as in fe_rec). Same result as fe_rec, trial by
 * trial (tests/puf/test_fe.c checks it), at a fraction of the cost. Host-side tool code. */
#ifndef HWG_PUF_FE_MODEL_H
#define HWG_PUF_FE_MODEL_H

#include <stdint.h>

#include "puf/fe.h"

enum fe_model_result {
	FE_MODEL_OK = 0,         /* the right response (key) */
	FE_MODEL_FAILURE = -1,   /* fe_rec reports failure */
	FE_MODEL_WRONG_KEY = -2, /* fe_rec returns success with another response (miscorrection) */
};

/* err: p->blocks 63-bit error blocks in the layer-1 view (bits 63b..63b+62 of e); modified. */
enum fe_model_result fe_model_decode(const struct fe_params *p, uint64_t *err);

#endif
