/* The search snapshot: allocation, loading, following the store's changes, updates. */
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "pufserver/snapshot.h"

void pufsnap_init(struct pufsnap *s)
{
	memset(s, 0, sizeof(*s));
}

void pufsnap_free(struct pufsnap *s)
{
	if (s->keys)
		secure_wipe(s->keys, 2 * s->capacity * PUFPROTO_KEY_LEN);
	if (s->refs)
		secure_wipe(s->refs, 2 * s->capacity * PUFSNAP_REF_STRIDE);
	free(s->ids);
	free(s->suite);
	free(s->keys);
	free(s->refs);
	free(s->live);
	free(s->index);
	memset(s, 0, sizeof(*s));
}

static size_t slot_of(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

long pufsnap_find(const struct pufsnap *s, int64_t id)
{
	if (!s->index_cap)
		return -1;
	for (size_t i = slot_of(id, s->index_cap);; i = (i + 1) & (s->index_cap - 1)) {
		uint32_t d = s->index[i];

		if (d == 0)
			return -1;
		if (s->ids[d - 1] == id)
			return (long)(d - 1);
	}
}

static void index_insert(struct pufsnap *s, size_t d)
{
	size_t i = slot_of(s->ids[d], s->index_cap);

	while (s->index[i])
		i = (i + 1) & (s->index_cap - 1);
	s->index[i] = (uint32_t)(d + 1);
}

/* Grows to hold at least want devices. realloc would leave copies of keys in freed memory, so grow
 * by allocate-copy-wipe-free. */
static int grow(struct pufsnap *s, size_t want)
{
	struct pufsnap n;
	size_t cap = s->capacity ? s->capacity : 1024;

	if (want <= s->capacity)
		return 0;
	while (cap < want)
		cap *= 2;
	if (cap >= UINT32_MAX / 2)
		return -1;
	memset(&n, 0, sizeof(n));
	n.capacity = cap;
	n.devices = s->devices;
	n.index_cap = 2 * cap; /* load factor at most 1/2 */
	n.ids = calloc(cap, sizeof(*n.ids));
	n.suite = calloc(cap, 1);
	n.keys = calloc(2 * cap, PUFPROTO_KEY_LEN);
	n.refs = calloc(2 * cap, PUFSNAP_REF_STRIDE);
	n.live = calloc(2 * cap, 1);
	n.index = calloc(n.index_cap, sizeof(*n.index));
	if (!n.ids || !n.suite || !n.keys || !n.refs || !n.live || !n.index) {
		free(n.ids);
		free(n.suite);
		free(n.keys);
		free(n.refs);
		free(n.live);
		free(n.index);
		return -1;
	}
	if (s->devices) {
		memcpy(n.ids, s->ids, s->devices * sizeof(*n.ids));
		memcpy(n.suite, s->suite, s->devices);
		memcpy(n.keys, s->keys, 2 * s->devices * PUFPROTO_KEY_LEN);
		memcpy(n.refs, s->refs, 2 * s->devices * PUFSNAP_REF_STRIDE);
		memcpy(n.live, s->live, 2 * s->devices);
	}
	pufsnap_free(s);
	*s = n;
	for (size_t d = 0; d < s->devices; d++)
		index_insert(s, d);
	return 0;
}

int pufsnap_add(struct pufsnap *s, int64_t id, uint8_t suite, const uint8_t *key,
                const uint8_t *ref, size_t ref_len)
{
	size_t d = s->devices, e = 2 * d;

	if (ref_len > PUFSNAP_REF_STRIDE || grow(s, d + 1))
		return -1;
	s->ids[d] = id;
	s->suite[d] = suite;
	memcpy(s->keys + e * PUFPROTO_KEY_LEN, key, PUFPROTO_KEY_LEN);
	memset(s->refs + e * PUFSNAP_REF_STRIDE, 0, PUFSNAP_REF_STRIDE);
	memcpy(s->refs + e * PUFSNAP_REF_STRIDE, ref, ref_len);
	s->live[e] = 1;
	s->live[e + 1] = 0;
	s->devices = d + 1;
	index_insert(s, d);
	return 0;
}

/* Sets a device's entries as the store row says (appends a new device). Returns 0 or -1. */
static int pufsnap_upsert(struct pufsnap *s, const struct pufstore_device *d)
{
	long found = pufsnap_find(s, d->id);
	size_t e;

	if (d->ref_len > PUFSNAP_REF_STRIDE)
		return -1;
	if (found < 0) {
		if (pufsnap_add(s, d->id, d->suite, d->cur_key, d->cur_ref, d->ref_len))
			return -1;
		found = (long)s->devices - 1;
	}
	e = 2 * (size_t)found;
	s->suite[found] = d->suite;
	memcpy(s->keys + e * PUFPROTO_KEY_LEN, d->cur_key, PUFPROTO_KEY_LEN);
	memset(s->refs + e * PUFSNAP_REF_STRIDE, 0, 2 * PUFSNAP_REF_STRIDE);
	memcpy(s->refs + e * PUFSNAP_REF_STRIDE, d->cur_ref, d->ref_len);
	memset(s->keys + (e + 1) * PUFPROTO_KEY_LEN, 0, PUFPROTO_KEY_LEN);
	s->live[e] = 1;
	s->live[e + 1] = 0;
	if (d->has_previous) {
		memcpy(s->keys + (e + 1) * PUFPROTO_KEY_LEN, d->prev_key, PUFPROTO_KEY_LEN);
		memcpy(s->refs + (e + 1) * PUFSNAP_REF_STRIDE, d->prev_ref, d->ref_len);
		s->live[e + 1] = 1;
	}
	if (d->revoked)
		s->live[e] = s->live[e + 1] = 0;
	return 0;
}

struct load_ctx {
	struct pufsnap *snap;
	int failed;
};

static int load_one(void *arg, const struct pufstore_device *d)
{
	struct load_ctx *c = arg;

	if (pufsnap_upsert(c->snap, d)) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

int pufsnap_load(struct pufsnap *s, struct pufstore *st)
{
	struct pufsnap fresh;
	struct load_ctx c = {&fresh, 0};
	int64_t n = pufstore_count(st);

	pufsnap_init(&fresh);
	if (n < 0 || grow(&fresh, (size_t)n + 1))
		return -1;
	if (pufstore_load(st, load_one, &c) || c.failed) {
		pufsnap_free(&fresh);
		return -1;
	}
	pufsnap_free(s);
	*s = fresh;
	return 0;
}

int pufsnap_refresh(struct pufsnap *s, struct pufstore *st)
{
	struct load_ctx c = {s, 0};
	int rc = pufstore_changes(st, load_one, &c);

	if (rc == 1)
		return pufsnap_load(s, st);
	return rc < 0 || c.failed ? -1 : 0;
}

void pufsnap_apply(struct pufsnap *s, size_t e, const uint8_t *new_key, const uint8_t *new_ref,
                   size_t ref_len)
{
	size_t cur = e & ~(size_t)1;

	if (!(e & 1)) {
		/* matched current: it becomes previous */
		memcpy(s->keys + (cur + 1) * PUFPROTO_KEY_LEN, s->keys + cur * PUFPROTO_KEY_LEN,
		       PUFPROTO_KEY_LEN);
		memcpy(s->refs + (cur + 1) * PUFSNAP_REF_STRIDE, s->refs + cur * PUFSNAP_REF_STRIDE,
		       PUFSNAP_REF_STRIDE);
		s->live[cur + 1] = 1;
	}
	memcpy(s->keys + cur * PUFPROTO_KEY_LEN, new_key, PUFPROTO_KEY_LEN);
	memset(s->refs + cur * PUFSNAP_REF_STRIDE, 0, PUFSNAP_REF_STRIDE);
	memcpy(s->refs + cur * PUFSNAP_REF_STRIDE, new_ref, ref_len);
	s->live[cur] = 1;
}
