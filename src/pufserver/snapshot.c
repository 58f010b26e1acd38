/* The search snapshot: allocation, loading, updates. */
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
	memset(s, 0, sizeof(*s));
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
	memset(&n, 0, sizeof(n));
	n.capacity = cap;
	n.devices = s->devices;
	n.ids = calloc(cap, sizeof(*n.ids));
	n.suite = calloc(cap, 1);
	n.keys = calloc(2 * cap, PUFPROTO_KEY_LEN);
	n.refs = calloc(2 * cap, PUFSNAP_REF_STRIDE);
	n.live = calloc(2 * cap, 1);
	if (!n.ids || !n.suite || !n.keys || !n.refs || !n.live) {
		free(n.ids);
		free(n.suite);
		free(n.keys);
		free(n.refs);
		free(n.live);
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
	return 0;
}

struct load_ctx {
	struct pufsnap *snap;
	int failed;
};

static int load_one(void *arg, const struct pufstore_device *d)
{
	struct load_ctx *c = arg;
	struct pufsnap *s = c->snap;
	size_t e;

	if (pufsnap_add(s, d->id, d->suite, d->cur_key, d->cur_ref, d->ref_len)) {
		c->failed = 1;
		return 1;
	}
	e = 2 * (s->devices - 1);
	if (d->has_previous) {
		memcpy(s->keys + (e + 1) * PUFPROTO_KEY_LEN, d->prev_key, PUFPROTO_KEY_LEN);
		memcpy(s->refs + (e + 1) * PUFSNAP_REF_STRIDE, d->prev_ref, d->ref_len);
		s->live[e + 1] = 1;
	}
	if (d->revoked)
		s->live[e] = s->live[e + 1] = 0;
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
	if (pufstore_foreach(st, load_one, &c) || c.failed) {
		pufsnap_free(&fresh);
		return -1;
	}
	pufsnap_free(s);
	*s = fresh;
	return 0;
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
