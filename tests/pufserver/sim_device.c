#include <string.h>

#include "puf/host/debias_enroll.h"
#include "sim_device.h"

void sim_device_enroll(struct sim_device *d, uint8_t suite, uint64_t seed)
{
	struct pufproto_device_nv nv;

	memset(d, 0, sizeof(*d));
	pufproto_suite_get(suite, &d->suite);
	sram_sim_init(&d->sim, &SRAM_SIM_PROTOTYPE, seed, SIM_SRAM_BYTES);
	test_rng_init(&d->rng, seed ^ 0x5eed5eed5eedULL);
	/* a debiased suite is meant to work from one reading, as on an MCU (docs/puf.md §9.5) */
	d->cfg.reference_readings = d->suite.map_len ? 1 : 5;
	memset(&nv, 0, sizeof(nv));
	nv.suite = suite;
	d->rng.base.fill(&d->rng.base, nv.sk, sizeof(nv.sk));
	if (d->suite.map_len) {
		static uint8_t refs[PUFPROTO_STATE_MAX_MAPS * PUFPROTO_MAX_RESPONSE];
		uint32_t blocks = SIM_SRAM_BYTES / (uint32_t)d->suite.raw_block_len;
		/* 5 enrolment readings instead of pufauth enroll's 11: the simulator's reads are
		 * these tests' main cost, and the maps only get slightly noisier */
		long n = debias_pp_enroll_blocks(&d->sim.base, d->suite.pp_groups, blocks, 5,
		                                 d->suite.pp_bits, d->helper, refs);
		d->cfg.challenge_space = n > 0 ? (uint32_t)n : 1;
		nv.helper = d->helper;
		nv.helper_len = d->cfg.challenge_space * d->suite.map_len;
		nv.challenge = (uint32_t)(xoshiro_next(&d->rng.x) % d->cfg.challenge_space);
		memcpy(d->enrolled_ref, refs + nv.challenge * d->suite.response_len,
		       d->suite.response_len);
	} else {
		d->cfg.challenge_space = SIM_SRAM_BYTES / (2 * (uint32_t)d->suite.read_len);
		nv.challenge = (uint32_t)(xoshiro_next(&d->rng.x) % d->cfg.challenge_space);
		pufproto_read_reference(&d->sim.base, &d->suite, nv.challenge, 11, d->enrolled_ref);
	}
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
