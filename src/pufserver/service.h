/* The authentication service: datagrams in, datagrams out, with no socket in sight (the UDP loop is
 * in udp.c). It issues challenges (HELLO -> CHALLENGE) and keeps each issued (session, n_S) for a
 * bounded time and a single use. RESPONSEs to issued challenges wait in a bounded queue; one scan
 * then searches every waiting RESPONSE at once (search.h), commits each match to the store BEFORE
 * its reply exists, mirrors it into the snapshot, and answers CONFIRM: t4 on a match, random bytes
 * of the same length otherwise (also when the store cannot commit: the cause is logged and
 * counted).
 *
 * Threads: pufservice_accept() and pufservice_take() touch the challenge table and the queue;
 * pufservice_process() and pufservice_refresh() touch the snapshot and the store. A server may run
 * the two halves on two threads (one receiving, one scanning) if it serialises the first pair with
 * a lock of its own; RESPONSEs that arrive during a scan then join the next one. */
#ifndef HWG_PUFSERVER_SERVICE_H
#define HWG_PUFSERVER_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/wire.h"
#include "pufserver/search.h"
#include "pufserver/snapshot.h"
#include "pufserver/store.h"

/* Outstanding challenges: a fixed table (bounded memory); a new challenge reuses the oldest slot.
 */
#define PUFSERVICE_PENDING      4096
#define PUFSERVICE_CHALLENGE_MS 30000
/* RESPONSEs waiting for a scan. One scan takes up to PUFSEARCH_MAX_BATCH of them; a RESPONSE that
 * finds the queue full, or has waited PUFSERVICE_MAX_WAIT_MS, is dropped unanswered (the device
 * times out and tries again), so the wait a device sees is bounded. */
#define PUFSERVICE_QUEUE       256
#define PUFSERVICE_MAX_WAIT_MS 3000
/* Room for a peer address (struct sockaddr_storage) carried with a queued RESPONSE. */
#define PUFSERVICE_PEER_MAX 128

struct pufservice_pending {
	uint8_t session[PUFPROTO_SESSION_LEN];
	uint8_t n_s[PUFPROTO_CHALLENGE_LEN];
	uint8_t suite;
	uint8_t in_use;
	uint64_t expires_ms;
};

/* A RESPONSE that waits for, or is in, a scan. */
struct pufservice_request {
	uint8_t msg[PUFPROTO_MAX_MESSAGE];
	size_t len;
	uint8_t n_s[PUFPROTO_CHALLENGE_LEN];
	uint64_t queued_ms;
	uint8_t peer[PUFSERVICE_PEER_MAX];
	size_t peer_len;
};

struct pufservice_stats {
	/* receiving side */
	uint64_t challenges, responses, dropped, queue_full, waited_too_long;
	/* scanning side */
	uint64_t scans, matches, rejects, store_errors, conflicts;
	size_t largest_batch;
	size_t last_full_runs;   /* candidates that passed the quick stage in the last search */
	int64_t last_match_id;   /* store id of the last matched device (0: the last one failed) */
	uint64_t last_search_ns; /* duration of the last scan */
	uint64_t last_search_cpu_ns; /* CPU time of the last scan, all its threads together */
};

/* Passes one reply out: to the peer the request came from. */
typedef void (*pufservice_emit_fn)(void *arg, const uint8_t *peer, size_t peer_len,
                                   const uint8_t *reply, size_t len);

struct pufservice {
	struct pufstore *store;
	struct pufsnap snap;
	unsigned threads;
	uint32_t next_slot;
	struct pufservice_pending pending[PUFSERVICE_PENDING];
	struct pufservice_request queue[PUFSERVICE_QUEUE];
	size_t queue_head, queue_len;
	struct pufservice_request batch[PUFSEARCH_MAX_BATCH];
	size_t batch_len;
	int refresh_failing; /* the last refresh failed (logged once) */
	struct pufservice_stats stats;
	/* Test hook: called after the store committed an update and before the reply is built. */
	void (*after_commit)(void *arg);
	void *after_commit_arg;
	/* Observer of every answered RESPONSE (benchmarks, tests): its session, the matched store
	 * id (0: none), the candidates that reached the full stage, the scan's wall and CPU time
	 * and its size (RESPONSEs). Called before the reply leaves. */
	void (*on_result)(void *arg, const uint8_t *session, int64_t matched_id, size_t full_runs,
	                  uint64_t scan_ns, uint64_t scan_cpu_ns, size_t batch);
	void *on_result_arg;
	/* Where problems are told (a store that cannot commit, a lost database); default stderr. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/* Loads the snapshot from store (which the service then uses but does not own) and checks that
 * the store can be written. threads 0: all CPUs. Returns 0, or -1 with a message in err. */
int pufservice_init(struct pufservice *svc, struct pufstore *store, unsigned threads, char *err,
                    size_t err_len);
void pufservice_free(struct pufservice *svc);

/* Receiving side. Handles one datagram from peer: a HELLO is answered at once (the CHALLENGE in
 * reply, returns its length); a RESPONSE to an issued, unexpired, unused challenge joins the queue
 * (returns 0); anything else is dropped (returns 0). -1 on an internal error. */
long pufservice_accept(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       const void *peer, size_t peer_len, uint8_t *reply, size_t cap);

/* RESPONSEs waiting for a scan. */
size_t pufservice_queued(const struct pufservice *svc);

/* Moves up to PUFSEARCH_MAX_BATCH waiting RESPONSEs into the next scan (oldest first; those that
 * waited too long are dropped). Returns how many. */
size_t pufservice_take(struct pufservice *svc, uint64_t now_ms);

/* Scanning side. Searches every RESPONSE taken, commits the matches, and emits one CONFIRM per
 * RESPONSE. Returns 0, or -1 on an internal error (no replies). */
int pufservice_process(struct pufservice *svc, pufservice_emit_fn emit, void *arg);

/* Brings the snapshot up to date with the store (the scan does it too; a server also calls it
 * when idle, to keep up with other servers). Returns 0 or -1 (logged). */
int pufservice_refresh(struct pufservice *svc);

/* Both sides at once, for one datagram (tests, fuzzing, single-threaded callers). Returns the reply
 * length (> 0), 0 when nothing is to be sent (malformed, unknown or expired session), or -1. */
long pufservice_handle(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       uint8_t *reply, size_t cap);

#endif
