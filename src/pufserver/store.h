/* The server's SQLite store of enrolled devices. Each device row holds its current (key, reference)
 * and the previous one, so that a device whose final message was lost (it kept the old key) still
 * authenticates (shared/specs/puf-auth-protocol.md §6, desynchronisation). WAL journal,
 * synchronous=FULL: an update that returned is durable before the reply leaves the server.
 * Schema migrations are driven by the schema_version table (docs/pufauth-protocol.md §6). */
#ifndef HWG_PUFSERVER_STORE_H
#define HWG_PUFSERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"

#define PUFSTORE_SCHEMA_VERSION 1
#define PUFSTORE_NAME_MAX       128

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

/* Opens (create: also creates) the store at path and migrates its schema. Returns 0, or -1 with a
 * message in err. */
int pufstore_open(struct pufstore **out, const char *path, int create, char *err, size_t err_len);
void pufstore_close(struct pufstore *st);

/* The last error message of this store. */
const char *pufstore_error(const struct pufstore *st);

/* Wraps many enrolments in one transaction (fast bulk loading). */
int pufstore_begin(struct pufstore *st);
int pufstore_commit(struct pufstore *st);

/* Enrols a device under a unique name. Returns 0 (id set), or -1 (duplicate name, bad sizes, I/O).
 */
int pufstore_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t *id);

/* Marks a device (by name, or by "#id") revoked: it never matches again. Returns 1 if revoked now,
 * 0 if no such device, -1 on error. */
int pufstore_revoke(struct pufstore *st, const char *name);

/* Calls fn for every device in id order (revoked ones too); fn returns non-zero to stop. Returns 0
 * or -1. */
int pufstore_foreach(struct pufstore *st, int (*fn)(void *arg, const struct pufstore_device *d),
                     void *arg);

/* Number of devices (revoked included), or -1. */
int64_t pufstore_count(struct pufstore *st);

/* The authentication update, in one transaction: the matched entry becomes "previous" and
 * (new_key, new_ref) becomes "current". It applies only if the device is not revoked and the
 * matched slot still holds matched_key (so a stale in-memory snapshot can never overwrite a newer
 * row). Returns 1 when applied and durable, 0 when it did not apply, -1 on error (nothing changed).
 */
int pufstore_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now);

/* A counter that changes when another connection modified the database (PRAGMA data_version):
 * the server reloads its snapshot when it moves. Returns -1 on error. */
int64_t pufstore_data_version(struct pufstore *st);

#endif
