/* Receiver indices: the random 32-bit values a peer puts in its messages so that we find the
 * handshake or keypair they belong to (kernel peerlookup.c). Random rather than sequential so they
 * reveal nothing and cannot be guessed; kept in a chained hash table whose nodes live inside the
 * handshake and keypair structs, so inserting never allocates. */
#ifndef HWG_WG_INDEX_H
#define HWG_WG_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/wg.h"

enum index_type {
	INDEX_HANDSHAKE = 1,
	INDEX_KEYPAIR = 2,
};

struct index_entry {
	struct index_entry *next;
	struct wg_peer *peer;
	uint32_t index;
	uint8_t type;
	bool linked;
};

#define INDEX_TABLE_BITS 13

struct index_table {
	struct index_entry *buckets[1u << INDEX_TABLE_BITS];
};

/* Links e under a fresh random index unused by any other entry (unlinking it first if needed) and
 * returns that index. */
uint32_t index_table_insert(struct index_table *t, struct index_entry *e, const struct wg_io *io);
/* Puts new_e in old_e's place under the same index (handshake -> keypair, kernel
 * index_hashtable_replace) and unlinks old_e. */
void index_table_replace(struct index_table *t, struct index_entry *old_e,
                         struct index_entry *new_e);
void index_table_remove(struct index_table *t, struct index_entry *e);
/* The entry with this index whose type is one of type_mask, or NULL. */
struct index_entry *index_table_lookup(const struct index_table *t, uint32_t index,
                                       unsigned type_mask);

#endif
