/* A deterministic rng_source for tests and step-counting drivers: the top byte of each xoshiro256**
 * output, so a run repeats exactly from its seed. */
#ifndef HWG_TESTS_SUPPORT_TEST_RNG_H
#define HWG_TESTS_SUPPORT_TEST_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"
#include "puf/xoshiro.h"

struct test_rng {
	struct rng_source base;
	struct xoshiro x;
};

void test_rng_init(struct test_rng *r, uint64_t seed);

/* The same stream from a given generator state (drivers whose recorded figures used one). */
void test_rng_init_state(struct test_rng *r, const struct xoshiro *state);

/* len bytes of x's stream, as the rng_source draws them. */
void test_rng_bytes(struct xoshiro *x, uint8_t *out, size_t len);

#endif
