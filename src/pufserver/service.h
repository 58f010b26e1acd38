/* The authentication service: datagram in, datagram out, with no socket in sight (the UDP loop is
 * in udp.c). It issues challenges (HELLO -> CHALLENGE), keeps each issued (session, n_S) for a
 * bounded time and a single use, searches RESPONSEs over the snapshot, commits the update to SQLite
 * BEFORE the reply exists, mirrors it into the snapshot, and answers CONFIRM: t4 on a match, random
 * bytes of the same length otherwise. */
#ifndef HWG_PUFSERVER_SERVICE_H
#define HWG_PUFSERVER_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/wire.h"
#include "pufserver/snapshot.h"
#include "pufserver/store.h"

/* Outstanding challenges: a fixed table (bounded memory); a new challenge reuses the oldest slot.
 */
#define PUFSERVICE_PENDING      4096
#define PUFSERVICE_CHALLENGE_MS 30000

struct pufservice_pending {
	uint8_t session[PUFPROTO_SESSION_LEN];
	uint8_t n_s[PUFPROTO_CHALLENGE_LEN];
	uint8_t suite;
	uint8_t in_use;
	uint64_t expires_ms;
};

struct pufservice_stats {
	uint64_t challenges, responses, matches, rejects, dropped, store_errors;
	size_t last_full_runs; /* candidates that passed the quick stage in the last search */
	int64_t last_match_id; /* store id of the last matched device (0: the last search failed) */
	uint64_t last_search_ns; /* duration of the last search */
};

struct pufservice {
	struct pufstore *store;
	struct pufsnap snap;
	unsigned threads;
	int64_t data_version;
	uint32_t next_slot;
	struct pufservice_pending pending[PUFSERVICE_PENDING];
	struct pufservice_stats stats;
	/* Test hook: called after the store committed an update and before the reply is built. */
	void (*after_commit)(void *arg);
	void *after_commit_arg;
};

/* Loads the snapshot from store (which the service then uses but does not own). threads 0: all
 * CPUs. Returns 0, or -1 with a message in err. */
int pufservice_init(struct pufservice *svc, struct pufstore *store, unsigned threads, char *err,
                    size_t err_len);
void pufservice_free(struct pufservice *svc);

/* Handles one datagram. Returns the reply length (> 0), 0 when nothing is to be sent (malformed,
 * unknown or expired session, store failure), or -1 on an internal error. */
long pufservice_handle(struct pufservice *svc, const uint8_t *msg, size_t len, uint64_t now_ms,
                       uint8_t *reply, size_t cap);

#endif
