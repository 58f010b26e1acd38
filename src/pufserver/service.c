/* Challenge table, queue, batched search, durable update, replies. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "puf/proto/server_core.h"
#include "puf/host/rng_linux.h"
#include "pufserver/service.h"

static void log_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "pufauth serve: %s\n", msg);
}

__attribute__((format(printf, 2, 3))) static void say(struct pufservice *svc, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	svc->log(svc->log_arg, msg);
}

int pufservice_init(struct pufservice *svc, struct pufstore *store, unsigned threads, char *err,
                    size_t err_len)
{
	memset(svc, 0, sizeof(*svc));
	svc->store = store;
	svc->threads = threads;
	svc->log = log_stderr;
	pufsnap_init(&svc->snap);
	if (pufstore_check_writable(store)) {
		snprintf(err, err_len, "%s: cannot write to the store: %s", pufstore_where(store),
		         pufstore_error(store));
		return -1;
	}
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
	secure_wipe(svc->queue, sizeof(svc->queue));
	secure_wipe(svc->batch, sizeof(svc->batch));
}

int pufservice_refresh(struct pufservice *svc)
{
	/* told once when it starts failing and once when it works again, not at every scan */
	if (pufsnap_refresh(&svc->snap, svc->store) == 0) {
		if (svc->refresh_failing)
			say(svc, "following the store's changes again");
		svc->refresh_failing = 0;
		return 0;
	}
	if (!svc->refresh_failing)
		say(svc, "cannot follow the store's changes (%s); searching the last known devices",
		    pufstore_error(svc->store));
	svc->refresh_failing = 1;
	return -1;
}

static long accept_hello(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                         uint8_t *reply, size_t cap)
{
	struct pufproto_challenge ch;
	struct pufservice_pending *p;
	uint32_t slot;
	long n;

	if (pufproto_parse_hello(msg, len, &ch.suite)) {
		svc->stats.dropped++;
		return 0;
	}
	/* The session's first two bytes name the table slot (O(1) lookup); the rest is random, so
	 * a session cannot be guessed, and none of it says anything about a device. */
	slot = svc->next_slot++ % PUFSERVICE_PENDING;
	p = &svc->pending[slot];
	random_bytes(ch.session, sizeof(ch.session));
	store_be16(ch.session, (uint16_t)slot);
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

static long accept_response(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                            const void *peer, size_t peer_len)
{
	struct pufproto_response m;
	struct pufservice_pending *p;
	struct pufservice_request *q;
	uint32_t slot;

	if (pufproto_parse_response(msg, len, &m) || peer_len > PUFSERVICE_PEER_MAX) {
		svc->stats.dropped++;
		return 0;
	}
	slot = load_be16(m.session) % PUFSERVICE_PENDING;
	p = &svc->pending[slot];
	if (!p->in_use || memcmp(p->session, m.session, PUFPROTO_SESSION_LEN) != 0 ||
	    p->suite != m.suite.id || now_ms > p->expires_ms) {
		svc->stats.dropped++;
		return 0;
	}
	if (svc->queue_len == PUFSERVICE_QUEUE) {
		svc->stats.queue_full++;
		return 0;
	}
	q = &svc->queue[(svc->queue_head + svc->queue_len++) % PUFSERVICE_QUEUE];
	memcpy(q->msg, msg, len);
	q->len = len;
	memcpy(q->n_s, p->n_s, sizeof(q->n_s));
	q->queued_ms = now_ms;
	if (peer_len)
		memcpy(q->peer, peer, peer_len);
	q->peer_len = peer_len;
	/* single use: a replayed RESPONSE finds no challenge */
	secure_wipe(p, sizeof(*p));
	svc->stats.responses++;
	return 0;
}

long pufservice_accept(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       const void *peer, size_t peer_len, uint8_t *reply, size_t cap)
{
	struct pufproto_header h;

	if (pufproto_parse_header(msg, len, &h)) {
		svc->stats.dropped++;
		return 0;
	}
	switch (h.type) {
	case PUFPROTO_MSG_HELLO:
		return accept_hello(svc, msg, len, now_ms, reply, cap);
	case PUFPROTO_MSG_RESPONSE:
		return accept_response(svc, msg, len, now_ms, peer, peer_len);
	default:
		svc->stats.dropped++;
		return 0;
	}
}

size_t pufservice_queued(const struct pufservice *svc)
{
	return svc->queue_len;
}

size_t pufservice_take(struct pufservice *svc, uint64_t now_ms)
{
	svc->batch_len = 0;
	while (svc->queue_len && svc->batch_len < PUFSEARCH_MAX_BATCH) {
		struct pufservice_request *q = &svc->queue[svc->queue_head];

		svc->queue_head = (svc->queue_head + 1) % PUFSERVICE_QUEUE;
		svc->queue_len--;
		if (now_ms > q->queued_ms + PUFSERVICE_MAX_WAIT_MS)
			svc->stats.waited_too_long++;
		else
			svc->batch[svc->batch_len++] = *q;
		secure_wipe(q, sizeof(*q));
	}
	return svc->batch_len;
}

/* Commits the updates of a scan's matches, all in one transaction (one fsync for the lot), and
 * mirrors the applied ones into the snapshot. told[i] = 1 when request i's device may be told:
 * its compare-and-swap applied and is durable. Whatever failed, those devices keep their state
 * and must not see t4. */
static void commit_matches(struct pufservice *svc, const struct pufproto_response *m,
                           const struct pufsearch_request *reqs, size_t n, int *told)
{
	int rc[PUFSEARCH_MAX_BATCH], failed = 0, stale = 0;
	size_t matches = 0;
	int64_t now = (int64_t)time(NULL);
	char why[512] = "";

	for (size_t i = 0; i < n; i++) {
		told[i] = 0;
		rc[i] = 0;
		matches += reqs[i].res.matched != 0;
	}
	if (matches == 0)
		return;
	if (matches > 1 && pufstore_begin(svc->store))
		failed = 1;
	for (size_t i = 0; i < n && !failed; i++) {
		const struct pufsearch_result *res = &reqs[i].res;

		if (!res->matched)
			continue;
		rc[i] = pufstore_update(svc->store, svc->snap.ids[res->entry / 2],
		                        (res->entry & 1) ? PUFSTORE_PREVIOUS : PUFSTORE_CURRENT,
		                        svc->snap.keys + res->entry * PUFPROTO_KEY_LEN,
		                        res->match.next_sk, res->match.z_new,
		                        m[i].suite.response_len, now);
		failed = rc[i] < 0;
	}
	if (matches > 1 && !failed && pufstore_commit(svc->store))
		failed = 1;
	if (failed) {
		/* keep the cause: the rollback's own message would replace it */
		snprintf(why, sizeof(why), "%s", pufstore_error(svc->store));
		if (matches > 1)
			pufstore_rollback(svc->store);
	}
	for (size_t i = 0; i < n; i++) {
		const struct pufsearch_result *res = &reqs[i].res;

		if (!res->matched)
			continue;
		if (failed) {
			svc->stats.store_errors++;
			say(svc,
			    "cannot record the authentication of device #%" PRId64 " (%s); it was "
			    "answered 'not recognised' and keeps its key (%" PRIu64
			    " such failures)",
			    svc->snap.ids[res->entry / 2], why, svc->stats.store_errors);
			stale = 1;
		} else if (rc[i] == 1) {
			pufsnap_apply(&svc->snap, res->entry, res->match.next_sk, res->match.z_new,
			              m[i].suite.response_len);
			told[i] = 1;
		} else {
			/* the row moved on (another server, a revocation) */
			svc->stats.conflicts++;
			stale = 1;
		}
	}
	if (stale)
		pufservice_refresh(svc);
}

int pufservice_process(struct pufservice *svc, pufservice_emit_fn emit, void *arg)
{
	struct pufproto_response m[PUFSEARCH_MAX_BATCH];
	struct pufsearch_request reqs[PUFSEARCH_MAX_BATCH];
	size_t n = 0, from[PUFSEARCH_MAX_BATCH];
	int told[PUFSEARCH_MAX_BATCH];
	struct timespec t0, t1;
	uint64_t scan_ns, cpu_ns;
	int ret = 0;

	if (svc->batch_len == 0)
		return 0;
	pufservice_refresh(svc);
	for (size_t i = 0; i < svc->batch_len; i++) {
		/* accepted, so it parses */
		if (pufproto_parse_response(svc->batch[i].msg, svc->batch[i].len, &m[n]))
			continue;
		reqs[n].m = &m[n];
		reqs[n].n_s = svc->batch[i].n_s;
		from[n++] = i;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pufsearch_run(&svc->snap, svc->threads, reqs, n, &cpu_ns)) {
		say(svc, "cannot start the search threads");
		ret = -1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	scan_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	          (uint64_t)t0.tv_nsec;
	svc->stats.scans++;
	svc->stats.last_search_ns = scan_ns;
	svc->stats.last_search_cpu_ns = cpu_ns;
	if (n > svc->stats.largest_batch)
		svc->stats.largest_batch = n;
	commit_matches(svc, m, reqs, n, told);
	for (size_t i = 0; i < n; i++) {
		const struct pufsearch_result *res = &reqs[i].res;
		const struct pufservice_request *q = &svc->batch[from[i]];
		int64_t matched_id = 0;
		uint8_t reply[PUFPROTO_MAX_MESSAGE];
		long len;

		if (told[i]) {
			matched_id = svc->snap.ids[res->entry / 2];
			svc->stats.matches++;
			if (svc->after_commit)
				svc->after_commit(svc->after_commit_arg);
		} else {
			svc->stats.rejects++;
		}
		svc->stats.last_full_runs = res->full_runs;
		svc->stats.last_match_id = matched_id;
		len = pufproto_server_reply(&m[i], matched_id ? &res->match : NULL, rng_linux(),
		                            reply, sizeof(reply));
		/* the observer hears of the outcome before the device does */
		if (svc->on_result)
			svc->on_result(svc->on_result_arg, m[i].session, matched_id, res->full_runs,
			               scan_ns, cpu_ns, n);
		if (len > 0)
			emit(arg, q->peer, q->peer_len, reply, (size_t)len);
		else
			ret = -1;
		secure_wipe(reply, sizeof(reply));
	}
out:
	for (size_t i = 0; i < n; i++)
		secure_wipe(&reqs[i].res, sizeof(reqs[i].res));
	secure_wipe(svc->batch, svc->batch_len * sizeof(svc->batch[0]));
	svc->batch_len = 0;
	return ret;
}

struct reply_buf {
	uint8_t *out;
	size_t cap;
	long len;
};

static void keep_reply(void *arg, const uint8_t *peer, size_t peer_len, const uint8_t *reply,
                       size_t len)
{
	struct reply_buf *b = arg;

	(void)peer;
	(void)peer_len;
	if (len <= b->cap) {
		memcpy(b->out, reply, len);
		b->len = (long)len;
	}
}

long pufservice_handle(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       uint8_t *reply, size_t cap)
{
	struct reply_buf b = {reply, cap, 0};
	size_t before = svc->queue_len;
	long n = pufservice_accept(svc, msg, len, now_ms, NULL, 0, reply, cap);

	if (n != 0 || svc->queue_len == before)
		return n;
	while (pufservice_take(svc, now_ms))
		if (pufservice_process(svc, keep_reply, &b))
			return -1;
	return b.len;
}
