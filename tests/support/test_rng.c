#include "support/test_rng.h"

void test_rng_bytes(struct xoshiro *x, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(xoshiro_next(x) >> 56);
}

static int fill(struct rng_source *src, uint8_t *out, size_t len)
{
	test_rng_bytes(&((struct test_rng *)src)->x, out, len);
	return 0;
}

void test_rng_init_state(struct test_rng *r, const struct xoshiro *state)
{
	r->base.fill = fill;
	r->x = *state;
}

void test_rng_init(struct test_rng *r, uint64_t seed)
{
	r->base.fill = fill;
	xoshiro_seed(&r->x, seed);
}
