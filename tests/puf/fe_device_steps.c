/* Driver for bench/fe-device.sh: one authentication of a simulated prototype device in a given
 * suite, the device reading its PUF from a RAM copy of one power-up (as an MCU reads its SRAM in
 * place), so that callgrind's inclusive counts of pufproto_device_begin and its callees are the
 * device's own work: for debiased-128 the debiasing walk (debias_pp_extract) over 6,400 raw bytes,
 * for the report's suites the XOR of halves. Checks that the server side accepts the response
 * (pufproto_candidate_full). Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "puf/debias.h"
#include "puf/host/debias_enroll.h"
#include "puf/proto/device.h"
#include "puf/proto/device_state.h"
#include "puf/proto/server_core.h"
#include "puf/proto/wire.h"
#include "puf/host/sram_sim.h"
#include "puf/xoshiro.h"
#include "support/test_rng.h"

#define SRAM_BYTES 6400

struct ram_puf {
	struct puf_source base;
	uint8_t ram[SRAM_BYTES];
};

static int ram_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	struct ram_puf *p = (struct ram_puf *)src;
	if ((challenge + 1) * 2 * len > sizeof(p->ram))
		return -1;
	debias_xor_halves(p->ram + challenge * 2 * len, 2 * len, out);
	return 0;
}

static const uint8_t *ram_read_raw(struct puf_source *src, size_t offset, size_t len)
{
	struct ram_puf *p = (struct ram_puf *)src;
	return offset + len <= sizeof(p->ram) ? p->ram + offset : NULL;
}

static struct sram_sim sim;
static struct ram_puf puf = {{ram_read, ram_read_raw}, {0}};

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "debiased-128";
	static const struct xoshiro rng_state = {{1, 2, 3, 4}}; /* the recorded figures' stream */
	struct test_rng rng;
	struct pufproto_suite s;
	struct pufproto_device_nv nv;
	struct pufproto_device dev;
	struct pufproto_device_config cfg = {1, 1};
	struct pufproto_challenge ch;
	struct pufproto_response m;
	struct pufproto_prefilter f;
	struct pufproto_match match;
	uint8_t maps[PUFPROTO_STATE_MAX_HELPER], ref[PUFPROTO_MAX_RESPONSE];
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	long n;

	if (pufproto_suite_get(pufproto_suite_by_name(name), &s)) {
		fprintf(stderr, "usage: %s [debiased-128|report-128|report-64]\n", argv[0]);
		return 2;
	}
	memset(&nv, 0, sizeof(nv));
	nv.suite = s.id;
	test_rng_init_state(&rng, &rng_state);
	rng.base.fill(&rng.base, nv.sk, sizeof(nv.sk));
	sram_sim_init(&sim, &SRAM_SIM_PROTOTYPE, 42, SRAM_BYTES);
	/* enrolment on the host: case map and reference from 11 readings */
	if (s.map_len) {
		if (debias_pp_enroll_blocks(&sim.base, s.pp_groups, 1, 11, s.pp_bits, maps, ref) !=
		    1)
			return 1;
		nv.helper = maps;
		nv.helper_len = s.map_len;
	}
	/* the device's power-up: one fresh reading, in RAM */
	memcpy(puf.ram, sim.base.read_raw(&sim.base, 0, SRAM_BYTES), SRAM_BYTES);
	if (!s.map_len && pufproto_read_reference(&sim.base, &s, 0, 11, ref))
		return 1;
	if (pufproto_device_init(&dev, &nv))
		return 1;
	memset(&ch, 0, sizeof(ch));
	ch.suite = s.id;
	n = pufproto_encode_challenge(&ch, a, sizeof(a));
	n = pufproto_device_begin(&dev, &cfg, a, (size_t)n, &rng.base, &puf.base, b, sizeof(b));
	if (n < 0 || pufproto_parse_response(b, (size_t)n, &m) || pufproto_prefilter_init(&s, &f) ||
	    !pufproto_candidate_full(&s, &f, nv.sk, ref, ch.n_s, &m, &match)) {
		fprintf(stderr, "authentication failed\n");
		return 1;
	}
	printf("suite %s: response %zu B, helper %zu B, RESPONSE %ld B\n", name, s.response_len,
	       s.helper_len, n);
	return 0;
}
