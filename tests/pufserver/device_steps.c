/* Driver for bench/pufauth-device.sh: one enrolment and one authentication at a given security
 * level, with a PUF source that costs almost nothing (a stored response plus 10 % bit flips), so
 * that callgrind's inclusive counts of pufproto_device_begin, fe_gen, pufproto_derive,
 * ske_encrypt, pufproto_mac, pufproto_device_finish, pufproto_candidate_full, fe_rec are the
 * protocol's own instruction counts per step (the server's full stage runs once, on the right
 * candidate; the quick stage over many candidates is measured by search_steps.c). Not a test: it
 * only checks that the run authenticated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "puf/proto/device.h"
#include "puf/proto/server_core.h"
#include "puf/proto/wire.h"
#include "puf/xoshiro.h"
#include "support/test_rng.h"

struct cheap_puf {
	struct puf_source base;
	struct xoshiro x;
};

static int cheap_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	struct cheap_puf *p = (struct cheap_puf *)src;
	struct xoshiro fixed;

	xoshiro_seed(&fixed, 0x1234 + challenge);
	for (size_t i = 0; i < len; i++) {
		uint8_t flips = 0;

		for (int b = 0; b < 8; b++)
			flips |= (uint8_t)((xoshiro_next(&p->x) % 10 == 0) << b);
		out[i] = (uint8_t)(xoshiro_next(&fixed) ^ flips);
	}
	return 0;
}

struct one_row {
	uint8_t suite, key[PUFPROTO_KEY_LEN], ref[PUFPROTO_MAX_RESPONSE];
};

int main(int argc, char **argv)
{
	struct cheap_puf puf;
	static const struct xoshiro rng_state = {{1, 2, 3, 4}}; /* the recorded figures' stream */
	struct test_rng rng;
	struct pufproto_suite s;
	struct pufproto_device_nv nv;
	struct pufproto_device dev;
	struct pufproto_device_config cfg = {1024, 1};
	struct pufproto_challenge ch;
	struct pufproto_response resp;
	struct pufproto_prefilter f;
	struct pufproto_match match;
	struct one_row r;
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	int bits = argc > 1 ? atoi(argv[1]) : 128;
	long n, m;

	if (bits != 128 && bits != 64) {
		fprintf(stderr, "usage: %s [128|64]\n", argv[0]);
		return 2;
	}
	pufproto_suite_get(bits == 128 ? PUFPROTO_SUITE_128 : PUFPROTO_SUITE_64, &s);
	puf.base.read = cheap_read;
	xoshiro_seed(&puf.x, 99);
	nv.suite = s.id;
	test_rng_init_state(&rng, &rng_state);
	rng.base.fill(&rng.base, nv.sk, sizeof(nv.sk));
	nv.challenge = 7;
	r.suite = s.id;
	memcpy(r.key, nv.sk, sizeof(r.key));
	pufproto_read_reference(&puf.base, &s, nv.challenge, 15, r.ref);
	pufproto_device_init(&dev, &nv);

	memset(&ch, 0, sizeof(ch));
	ch.suite = s.id;
	n = pufproto_encode_challenge(&ch, a, sizeof(a));
	n = pufproto_device_begin(&dev, &cfg, a, (size_t)n, &rng.base, &puf.base, b, sizeof(b));
	if (n < 0)
		return 1;
	if (pufproto_parse_response(b, (size_t)n, &resp) || pufproto_prefilter_init(&s, &f) ||
	    !pufproto_candidate_full(&s, &f, r.key, r.ref, ch.n_s, &resp, &match)) {
		fprintf(stderr, "the server did not recognise the device\n");
		return 1;
	}
	m = pufproto_server_reply(&resp, &match, &rng.base, a, sizeof(a));
	if (m < 0 || pufproto_device_finish(&dev, a, (size_t)m) != PUFPROTO_DEVICE_ACCEPT) {
		fprintf(stderr, "authentication failed\n");
		return 1;
	}
	printf("suite %d: response %zu B, helper %zu B, RESPONSE message %ld B, CONFIRM %ld B\n",
	       bits, s.response_len, s.helper_len, n, m);
	return 0;
}
