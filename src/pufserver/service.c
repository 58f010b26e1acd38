/* Challenge table, search, durable update, reply. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "puf/proto/server_core.h"
#include "pufserver/search.h"
#include "pufserver/service.h"

static int os_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src;
	random_bytes(out, len);
	return 0;
}

static struct rng_source os_rng = {os_fill};

int pufservice_init(struct pufservice *svc, struct pufstore *store, unsigned threads, char *err,
                    size_t err_len)
{
	memset(svc, 0, sizeof(*svc));
	svc->store = store;
	svc->threads = threads;
	pufsnap_init(&svc->snap);
	svc->data_version = pufstore_data_version(store);
	if (pufsnap_load(&svc->snap, store)) {
		snprintf(err, err_len, "loading the device table: %s", pufstore_error(store));
		return -1;
	}
	return 0;
}

void pufservice_free(struct pufservice *svc)
{
	pufsnap_free(&svc->snap);
	secure_wipe(svc->pending, sizeof(svc->pending));
}

/* Another connection (pufauth enroll/revoke) changed the database: reload the snapshot. */
static void refresh(struct pufservice *svc)
{
	int64_t v = pufstore_data_version(svc->store);

	if (v >= 0 && v != svc->data_version && pufsnap_load(&svc->snap, svc->store) == 0)
		svc->data_version = v;
}

static long handle_hello(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                         uint8_t *reply, size_t cap)
{
	struct pufproto_challenge ch;
	struct pufservice_pending *p;
	uint32_t slot;
	long n;

	if (pufproto_parse_hello(msg, len, &ch.suite))
		return 0;
	/* The session's first two bytes name the table slot (O(1) lookup); the rest is random, so
	 * a session cannot be guessed, and none of it says anything about a device. */
	slot = svc->next_slot++ % PUFSERVICE_PENDING;
	p = &svc->pending[slot];
	random_bytes(ch.session, sizeof(ch.session));
	ch.session[0] = (uint8_t)(slot >> 8);
	ch.session[1] = (uint8_t)slot;
	random_bytes(ch.n_s, sizeof(ch.n_s));
	memcpy(p->session, ch.session, sizeof(p->session));
	memcpy(p->n_s, ch.n_s, sizeof(p->n_s));
	p->suite = ch.suite;
	p->in_use = 1;
	p->expires_ms = now_ms + PUFSERVICE_CHALLENGE_MS;
	n = pufproto_encode_challenge(&ch, reply, cap);
	svc->stats.challenges++;
	return n < 0 ? -1 : n;
}

static long handle_response(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                            uint8_t *reply, size_t cap)
{
	struct pufproto_response m;
	struct pufproto_prefilter f;
	struct pufproto_server_result out;
	struct pufsearch_result res;
	struct pufservice_pending *p;
	uint8_t n_s[PUFPROTO_CHALLENGE_LEN];
	struct timespec t0, t1;
	uint32_t slot;
	long n;

	if (pufproto_parse_response(msg, len, &m))
		return 0;
	slot = ((uint32_t)m.session[0] << 8 | m.session[1]) % PUFSERVICE_PENDING;
	p = &svc->pending[slot];
	if (!p->in_use || memcmp(p->session, m.session, PUFPROTO_SESSION_LEN) != 0 ||
	    p->suite != m.suite.id || now_ms > p->expires_ms)
		return 0;
	/* single use: a replayed RESPONSE finds no challenge */
	memcpy(n_s, p->n_s, sizeof(n_s));
	secure_wipe(p, sizeof(*p));
	svc->stats.responses++;

	refresh(svc);
	pufproto_prefilter_init(&m.suite, &f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pufsearch_run(&svc->snap, svc->threads, &m, &f, n_s, &res))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	svc->stats.last_search_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
	                            (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	svc->stats.last_full_runs = res.full_runs;
	svc->stats.last_match_id = 0;
	memset(&out, 0, sizeof(out));
	if (res.matched) {
		size_t d = res.entry / 2;
		enum pufstore_slot matched = (res.entry & 1) ? PUFSTORE_PREVIOUS : PUFSTORE_CURRENT;
		const uint8_t *matched_key = svc->snap.keys + res.entry * PUFPROTO_KEY_LEN;
		int rc = pufstore_update(svc->store, svc->snap.ids[d], matched, matched_key,
		                         res.match.next_sk, res.match.z_new, m.suite.response_len,
		                         (int64_t)time(NULL));

		if (rc == 1) {
			pufsnap_apply(&svc->snap, res.entry, res.match.next_sk, res.match.z_new,
			              m.suite.response_len);
			/* our own write moved data_version only if it counts ours; keep in sync */
			svc->data_version = pufstore_data_version(svc->store);
			out.matched = 1;
			out.match = res.match;
			svc->stats.last_match_id = svc->snap.ids[d];
			svc->stats.matches++;
			if (svc->after_commit)
				svc->after_commit(svc->after_commit_arg);
		} else {
			/* not durable, or the row changed under us: the device must keep its state,
			 * so it must not see t4 */
			svc->stats.store_errors++;
			refresh(svc);
		}
	}
	if (!out.matched)
		svc->stats.rejects++;
	n = pufproto_server_reply(&m, &out, &os_rng, reply, cap);
	secure_wipe(&res, sizeof(res));
	secure_wipe(&out, sizeof(out));
	secure_wipe(n_s, sizeof(n_s));
	return n < 0 ? -1 : n;
}

long pufservice_handle(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       uint8_t *reply, size_t cap)
{
	struct pufproto_header h;

	if (pufproto_parse_header(msg, len, &h)) {
		svc->stats.dropped++;
		return 0;
	}
	switch (h.type) {
	case PUFPROTO_MSG_HELLO:
		return handle_hello(svc, msg, len, now_ms, reply, cap);
	case PUFPROTO_MSG_RESPONSE:
		return handle_response(svc, msg, len, now_ms, reply, cap);
	default:
		svc->stats.dropped++;
		return 0;
	}
}
