#include <string.h>

#include "sim_device.h"

static int rng_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	struct test_rng *r = (struct test_rng *)src;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(xoshiro_next(&r->x) >> 56);
	return 0;
}

void test_rng_init(struct test_rng *r, uint64_t seed)
{
	r->base.fill = rng_fill;
	xoshiro_seed(&r->x, seed);
}

void sim_device_enroll(struct sim_device *d, uint8_t suite, uint64_t seed)
{
	struct pufproto_device_nv nv;

	memset(d, 0, sizeof(*d));
	pufproto_suite_get(suite, &d->suite);
	sram_sim_init(&d->sim, &SRAM_SIM_PROTOTYPE, seed, SIM_SRAM_BYTES);
	test_rng_init(&d->rng, seed ^ 0x5eed5eed5eedULL);
	d->cfg.challenge_space = SIM_SRAM_BYTES / (2 * (uint32_t)d->suite.read_len);
	d->cfg.reference_readings = 5;
	nv.suite = suite;
	d->rng.base.fill(&d->rng.base, nv.sk, sizeof(nv.sk));
	nv.challenge = (uint32_t)(xoshiro_next(&d->rng.x) % d->cfg.challenge_space);
	pufproto_read_reference(&d->sim.base, &d->suite, nv.challenge, 11, d->enrolled_ref);
	memcpy(d->enrolled_key, nv.sk, sizeof(nv.sk));
	pufproto_device_init(&d->dev, &nv);
}

static int mem_commit(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv)
{
	struct mem_nv *m = (struct mem_nv *)st;

	if (m->fail)
		return -1;
	m->nv = *nv;
	m->commits++;
	return 0;
}

void mem_nv_init(struct mem_nv *m)
{
	memset(m, 0, sizeof(*m));
	m->base.commit = mem_commit;
}
