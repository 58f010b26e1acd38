#include "wg/index.h"

#include <stddef.h>

#include "wg/messages.h"

static struct index_entry **bucket(struct index_table *t, uint32_t index)
{
	/* The indices are uniformly random and chosen by us, so their low bits spread evenly. */
	return &t->buckets[index & ((1u << INDEX_TABLE_BITS) - 1)];
}

static bool index_in_use(struct index_table *t, uint32_t index)
{
	for (struct index_entry *e = *bucket(t, index); e; e = e->next)
		if (e->index == index)
			return true;
	return false;
}

void index_table_remove(struct index_table *t, struct index_entry *e)
{
	if (!e->linked)
		return;
	for (struct index_entry **p = bucket(t, e->index); *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	e->next = NULL;
	e->linked = false;
}

uint32_t index_table_insert(struct index_table *t, struct index_entry *e, const struct wg_io *io)
{
	uint32_t index;
	uint8_t rnd[4];

	index_table_remove(t, e);
	do {
		/* Read as little-endian, like the index on the wire: the same random bytes give the
		 * same index on every CPU, so scripted-RNG tests (test_kat) hold on big-endian too.
		 */
		io->random(io->ctx, rnd, sizeof(rnd));
		index = load_le32(rnd);
	} while (index_in_use(t, index));
	e->index = index;
	struct index_entry **head = bucket(t, index);
	e->next = *head;
	*head = e;
	e->linked = true;
	return index;
}

void index_table_replace(struct index_table *t, struct index_entry *old_e,
                         struct index_entry *new_e)
{
	index_table_remove(t, new_e);
	if (!old_e->linked)
		return;
	for (struct index_entry **p = bucket(t, old_e->index); *p; p = &(*p)->next) {
		if (*p == old_e) {
			new_e->index = old_e->index;
			new_e->next = old_e->next;
			new_e->linked = true;
			*p = new_e;
			break;
		}
	}
	old_e->next = NULL;
	old_e->linked = false;
}

struct index_entry *index_table_lookup(const struct index_table *t, uint32_t index,
                                       unsigned type_mask)
{
	const struct index_entry *e = t->buckets[index & ((1u << INDEX_TABLE_BITS) - 1)];
	for (; e; e = e->next)
		if (e->index == index && (e->type & type_mask))
			return (struct index_entry *)e;
	return NULL;
}
