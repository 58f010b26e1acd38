/* The server's store of enrolled devices, behind one interface with two engines:
 *   - SQLite (the embedded default): a file path. One machine; `pufauth list/enroll/revoke` may run
 *     beside the server (WAL journal, synchronous=FULL: a committed update is on disk).
 *   - PostgreSQL: a "postgresql://..." or "postgres://..." URI (libpq). Several `pufauth serve`
 *     processes, on one machine or many, share one fleet (docs/pufauth-protocol.md §6).
 * Each device row holds its current (key, reference) and the previous one, so that a device whose
 * final message was lost (it kept the old key) still authenticates
 * (shared/specs/puf-auth-protocol.md §6, desynchronisation). Every authentication update is a
 * compare-and-swap on the matched key, one transaction, so that a stale snapshot or a second server
 * can never advance a device twice. Servers keep their in-memory snapshot current with
 * pufstore_changes(). */
#ifndef HWG_PUFSERVER_STORE_H
#define HWG_PUFSERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"

#define PUFSTORE_NAME_MAX 128

struct pufstore;

enum pufstore_slot {
	PUFSTORE_CURRENT = 0,
	PUFSTORE_PREVIOUS = 1,
};

/* One device as stored. has_previous is 0 until its first authentication. */
struct pufstore_device {
	int64_t id;
	char name[PUFSTORE_NAME_MAX + 1];
	uint8_t suite;
	uint8_t cur_key[PUFPROTO_KEY_LEN];
	uint8_t cur_ref[PUFPROTO_MAX_RESPONSE];
	uint8_t has_previous;
	uint8_t prev_key[PUFPROTO_KEY_LEN];
	uint8_t prev_ref[PUFPROTO_MAX_RESPONSE];
	size_t ref_len;
	uint8_t revoked;
	int64_t enrolled_at;
	int64_t last_auth_at; /* 0: never */
	int64_t auth_count;
};

typedef int (*pufstore_row_fn)(void *arg, const struct pufstore_device *d);

/* 1 when location names a PostgreSQL database (a postgresql:// or postgres:// URI). */
int pufstore_is_postgres(const char *location);

/* Opens the store at location (a file path or a PostgreSQL URI) and migrates its schema; create
 * also creates it (an SQLite file with mode 0600, or the tables in a PostgreSQL database). Refuses
 * a store that is not pufauth's (another application's database, an empty file), one from a newer
 * program, and an SQLite file that other users can read (it holds every device's key). Returns 0,
 * or -1 with a message in err. */
int pufstore_open(struct pufstore **out, const char *location, int create, char *err,
                  size_t err_len);
void pufstore_close(struct pufstore *st);

/* The last error message of this store. */
const char *pufstore_error(const struct pufstore *st);

/* The location for messages: the path, or the URI without its password. */
const char *pufstore_where(const struct pufstore *st);

/* Wraps many enrolments in one transaction (fast bulk loading). */
int pufstore_begin(struct pufstore *st);
int pufstore_commit(struct pufstore *st);
int pufstore_rollback(struct pufstore *st);

/* Enrols a device under a unique name. Returns 0 (id set), or -1 (name taken, bad sizes, I/O). */
int pufstore_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t *id);

/* Marks a device (by name, or by "#id") revoked: it never matches again. Returns 1 if revoked now,
 * 0 if no such active device, -1 on error. */
int pufstore_revoke(struct pufstore *st, const char *name);

/* Calls fn for every device in id order (revoked ones too); fn returns non-zero to stop. Returns 0
 * or -1. */
int pufstore_foreach(struct pufstore *st, pufstore_row_fn fn, void *arg);

/* Like foreach, from one consistent view of the store, and starts following changes from that view
 * on (pufstore_changes). A server loads its snapshot with it. */
int pufstore_load(struct pufstore *st, pufstore_row_fn fn, void *arg);

/* Calls fn for every device changed (by anyone, this connection included) since the load or the
 * previous call. Returns 0, 1 when the changes cannot be followed (the caller loads everything
 * again: a lost database connection, very many changes), or -1 on error. */
int pufstore_changes(struct pufstore *st, pufstore_row_fn fn, void *arg);

/* Number of devices (revoked included), or -1. */
int64_t pufstore_count(struct pufstore *st);

/* The authentication update, one transaction: the matched entry becomes "previous" and (new_key,
 * new_ref) becomes "current". A compare-and-swap: it applies only if the device is not revoked and
 * the matched slot still holds matched_key. Returns 1 when applied and durable, 0 when it did not
 * apply (the row changed: another server or a revocation got there first), -1 on error (nothing
 * changed; pufstore_error says why). */
int pufstore_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now);

/* Writes and commits a small record (the server's start time): a server refuses to start on a store
 * it cannot write. Returns 0 or -1. */
int pufstore_check_writable(struct pufstore *st);

#endif
