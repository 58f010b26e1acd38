/* In-memory snapshot of the store for the exhaustive search: two entries per device (current at
 * 2i, previous at 2i + 1), keys packed together so that the quick stage of the search streams
 * through 16-byte keys only, references apart. Loaded from the store; the server applies each
 * committed update to it, and the rows other connections (other servers, enroll, revoke) changed
 * (pufstore_changes). Memory is bounded: (2 * (16 + 64 + 1) + 9 + 8) bytes per device. */
#ifndef HWG_PUFSERVER_SNAPSHOT_H
#define HWG_PUFSERVER_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"
#include "pufserver/store.h"

#define PUFSNAP_REF_STRIDE PUFPROTO_MAX_RESPONSE

struct pufsnap {
	size_t devices;  /* device slots in use */
	size_t capacity; /* device slots allocated */
	int64_t *ids;    /* [device] store id */
	uint8_t *suite;  /* [device] suite id */
	uint8_t *keys;   /* [entry] PUFPROTO_KEY_LEN bytes */
	uint8_t *refs;   /* [entry] PUFSNAP_REF_STRIDE bytes */
	uint8_t *live;   /* [entry] 1 when the entry may match */
	uint32_t *index; /* id -> device + 1 (0: empty), open addressing over index_cap slots */
	size_t index_cap;
};

/* Entries are 2 * devices; entry e belongs to device e / 2 and is its previous entry when odd. */
static inline size_t pufsnap_entries(const struct pufsnap *s)
{
	return 2 * s->devices;
}

void pufsnap_init(struct pufsnap *s);
/* Replaces the snapshot's content with the store's and follows its changes from then on (see
 * pufsnap_refresh). Returns 0 or -1 (snapshot unchanged). */
int pufsnap_load(struct pufsnap *s, struct pufstore *st);
/* Applies the rows changed in the store since the load or the last refresh; loads everything again
 * when the store cannot say what changed. Returns 0, or -1 (the snapshot keeps its rows). */
int pufsnap_refresh(struct pufsnap *s, struct pufstore *st);
/* Appends one device (bulk loaders that also fill the store). Returns 0 or -1 (out of memory). */
int pufsnap_add(struct pufsnap *s, int64_t id, uint8_t suite, const uint8_t *key,
                const uint8_t *ref, size_t ref_len);
/* The device index of a store id, or -1. */
long pufsnap_find(const struct pufsnap *s, int64_t id);
/* Mirrors pufstore_update for the device of entry e. */
void pufsnap_apply(struct pufsnap *s, size_t e, const uint8_t *new_key, const uint8_t *new_ref,
                   size_t ref_len);
/* Wipes and frees everything. */
void pufsnap_free(struct pufsnap *s);

#endif
