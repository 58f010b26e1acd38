/* Driver for bench/pufauth-device.sh: the server's per-candidate cost. Builds a snapshot of ENTRIES
 * live entries (random keys, as every wrong candidate looks) plus one real simulated device, and
 * runs SEARCHES scans of BATCH RESPONSEs each on one thread with the given quick-stage kernel, so
 * that callgrind's inclusive count of simon_batch_filter divided by ENTRIES x SEARCHES is the quick
 * stage's instructions per candidate (per scan; divide by BATCH for one request's share). Not a
 * test: it only checks that the real device is found every time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pufserver/search.h"
#include "pufserver/simon_batch.h"
#include "sim_device.h"

int main(int argc, char **argv)
{
	size_t entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	long searches = argc > 2 ? atol(argv[2]) : 4;
	size_t batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
	const char *kernel = argc > 4 ? argv[4] : "auto";
	static struct sim_device devs[PUFSEARCH_MAX_BATCH];
	struct pufsearch_request reqs[PUFSEARCH_MAX_BATCH];
	struct pufproto_response m[PUFSEARCH_MAX_BATCH];
	uint8_t msg[PUFSEARCH_MAX_BATCH][PUFPROTO_MAX_MESSAGE], n_s[PUFPROTO_CHALLENGE_LEN] = {0};
	struct pufsnap snap;
	struct test_rng rng;
	long found = 0;

	if (entries < 2 || searches < 1 || batch < 1 || batch > PUFSEARCH_MAX_BATCH) {
		fprintf(stderr, "usage: %s [ENTRIES] [SEARCHES] [BATCH 1..%d] [KERNEL]\n", argv[0],
		        PUFSEARCH_MAX_BATCH);
		return 2;
	}
	if (simon_batch_use(kernel)) {
		fprintf(stderr, "kernel %s: not supported here\n", kernel);
		return 3;
	}
	pufsnap_init(&snap);
	test_rng_init(&rng, 7);
	for (size_t d = 0; d < batch; d++) {
		sim_device_enroll(&devs[d], PUFPROTO_SUITE_128, 100 + d);
		pufsnap_add(&snap, (int64_t)d + 1, PUFPROTO_SUITE_128, devs[d].enrolled_key,
		            devs[d].enrolled_ref, devs[d].suite.response_len);
	}
	while (pufsnap_entries(&snap) < entries) {
		uint8_t key[PUFPROTO_KEY_LEN], ref[PUFPROTO_MAX_RESPONSE];
		size_t e = pufsnap_entries(&snap);

		rng.base.fill(&rng.base, key, sizeof(key));
		rng.base.fill(&rng.base, ref, sizeof(ref));
		pufsnap_add(&snap, (int64_t)e + 1000, PUFPROTO_SUITE_128, key, ref, 63);
		/* the steady state: a live previous entry too */
		rng.base.fill(&rng.base, snap.keys + (e + 1) * PUFPROTO_KEY_LEN, PUFPROTO_KEY_LEN);
		snap.live[e + 1] = 1;
	}
	for (long s = 0; s < searches; s++) {
		for (size_t d = 0; d < batch; d++) {
			struct pufproto_challenge ch = {PUFPROTO_SUITE_128, {0}, {0}};
			uint8_t c[PUFPROTO_MAX_MESSAGE];
			long n = pufproto_encode_challenge(&ch, c, sizeof(c));

			n = pufproto_device_begin(&devs[d].dev, &devs[d].cfg, c, (size_t)n,
			                          &devs[d].rng.base, &devs[d].sim.base, msg[d],
			                          sizeof(msg[d]));
			if (n < 0 || pufproto_parse_response(msg[d], (size_t)n, &m[d]))
				return 1;
			reqs[d].m = &m[d];
			reqs[d].n_s = n_s;
		}
		if (pufsearch_run(&snap, 1, reqs, batch, NULL))
			return 1;
		for (size_t d = 0; d < batch; d++) {
			found += reqs[d].res.matched && reqs[d].res.entry == 2 * d;
			pufproto_device_abort(&devs[d].dev);
		}
	}
	printf("kernel %s, %zu entries, %ld scans of %zu requests, found %ld of %ld\n",
	       simon_batch_name(simon_batch_current()), pufsnap_entries(&snap), searches, batch,
	       found, searches * (long)batch);
	pufsnap_free(&snap);
	return found == searches * (long)batch ? 0 : 1;
}
