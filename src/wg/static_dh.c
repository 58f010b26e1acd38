#include "wg/static_dh.h"

#include <errno.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "wg/device.h"
#include "wg/handshake.h"
#include "wg/peer.h"

bool sdh_async(const struct wg_device *dev)
{
	return dev->io.static_dh_submit && key_provider_blocking(dev->key);
}

int sdh_compute(struct wg_device *dev, uint8_t shared[NOISE_KEY_LEN],
                const uint8_t input[NOISE_KEY_LEN])
{
	if (!dev->key)
		return -ENOKEY;
	dev->stats.key_provider_calls++;
	int err = key_provider_dh(dev->key, shared, input);
	if (err == 0 && ct_is_zero(shared, NOISE_KEY_LEN))
		err = -EINVAL; /* providers differ on low-order points: check here too */
	if (err) {
		secure_wipe(shared, NOISE_KEY_LEN);
		if (err != -EINVAL)
			device_drop(dev, WG_DROP_KEY_PROVIDER);
	}
	return err;
}

/* ---- sources ---- */

/* The prefix a request is accounted to: IPv4 /32, IPv6 /64 (as the rate limiter). */
static void source_of(const struct wg_endpoint *from, uint8_t *family, uint8_t prefix[8])
{
	memset(prefix, 0, 8);
	*family = 0;
	if (from->addr.sa.sa_family == AF_INET) {
		*family = AF_INET;
		memcpy(prefix, &from->addr.in4.sin_addr, 4);
	} else if (from->addr.sa.sa_family == AF_INET6) {
		const uint8_t *a = from->addr.in6.sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&from->addr.in6.sin6_addr)) {
			*family = AF_INET;
			memcpy(prefix, a + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(prefix, a, 8);
		}
	}
}

static bool same_source(const struct sdh_request *r, uint8_t family, const uint8_t prefix[8])
{
	return r->src_family == family && memcmp(r->src_prefix, prefix, 8) == 0;
}

static struct sdh_source *source_find(struct sdh_queue *q, uint8_t family, const uint8_t prefix[8])
{
	for (unsigned i = 0; i < SDH_SOURCES; i++) {
		struct sdh_source *s = &q->sources[i];
		if (s->family == family && memcmp(s->prefix, prefix, 8) == 0)
			return s;
	}
	return NULL;
}

/* When the source was last given the key provider (0: not recently). */
static uint64_t source_last_grant(struct sdh_queue *q, const struct sdh_request *r)
{
	const struct sdh_source *s = source_find(q, r->src_family, r->src_prefix);
	return s ? s->last_grant_ns : 0;
}

/* Remembers a grant; the source granted longest ago makes room for a new one. */
static void source_note_grant(struct sdh_queue *q, const struct sdh_request *r, uint64_t now)
{
	if (!r->src_family)
		return;
	struct sdh_source *s = source_find(q, r->src_family, r->src_prefix);
	if (!s) {
		s = &q->sources[0];
		for (unsigned i = 1; i < SDH_SOURCES; i++)
			if (q->sources[i].last_grant_ns < s->last_grant_ns)
				s = &q->sources[i];
		s->family = r->src_family;
		memcpy(s->prefix, r->src_prefix, 8);
	}
	s->last_grant_ns = now ? now : 1;
}

/* ---- the queue ---- */

static void release(struct sdh_queue *q, struct sdh_request *r)
{
	if (r->in_flight)
		q->in_flight--;
	q->used--;
	secure_wipe(r, sizeof(*r));
}

/* A waiting request given up (queue full, its source over its share, waited too long). */
static void drop_waiting(struct wg_device *dev, struct sdh_request *r)
{
	release(&dev->sdh, r);
	device_drop(dev, WG_DROP_KEY_QUEUE);
}

unsigned sdh_pending(const struct wg_device *dev)
{
	return dev->sdh.used;
}

bool sdh_budget_low(struct wg_device *dev)
{
	unsigned left, capacity;
	key_provider_budget(dev->key, &left, &capacity);
	return left != UINT_MAX && left <= key_provider_budget_reserve(capacity);
}

bool sdh_pending_for(const struct wg_device *dev, const struct wg_peer *peer, unsigned kind_mask)
{
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		const struct sdh_request *r = &dev->sdh.req[i];
		if (r->used && !r->cancelled && r->peer == peer && (kind_mask & (1u << r->kind)))
			return true;
	}
	return false;
}

static bool carries_initiation(const struct sdh_request *r)
{
	return r->kind == SDH_RESPONDER_ES || r->kind == SDH_RESPONDER_SS;
}

/* The same initiation again (retransmitted by a network, or replayed): one chip operation is
 * enough to find out what it is worth. */
static bool is_duplicate(const struct sdh_queue *q, const struct sdh_request *n)
{
	if (!carries_initiation(n))
		return false;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		const struct sdh_request *r = &q->req[i];
		if (r->used && !r->cancelled && carries_initiation(r) &&
		    memcmp(r->msg.init.ephemeral, n->msg.init.ephemeral, NOISE_KEY_LEN) == 0)
			return true;
	}
	return false;
}

static struct sdh_request *oldest_waiting(struct sdh_queue *q, bool other_only,
                                          const uint8_t *family, const uint8_t *prefix)
{
	struct sdh_request *best = NULL;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &q->req[i];
		if (!r->used || r->in_flight || r->cancelled)
			continue;
		if (other_only && r->cls != SDH_CLASS_OTHER)
			continue;
		if (family && !same_source(r, *family, prefix))
			continue;
		if (!best || r->queued_ns < best->queued_ns)
			best = r;
	}
	return best;
}

static unsigned waiting_from(const struct sdh_queue *q, uint8_t family, const uint8_t prefix[8])
{
	unsigned n = 0;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		const struct sdh_request *r = &q->req[i];
		if (r->used && !r->in_flight && !r->cancelled && same_source(r, family, prefix))
			n++;
	}
	return n;
}

/* May r go to the worker now? Configured peers may use the whole wear budget, everyone else all
 * but the reserve. Requests already with the worker have spent their token. */
static bool budget_allows(struct wg_device *dev, const struct sdh_request *r)
{
	unsigned left, capacity;
	key_provider_budget(dev->key, &left, &capacity);
	if (left == UINT_MAX)
		return true;
	left = left > dev->sdh.in_flight ? left - dev->sdh.in_flight : 0;
	if (r->cls == SDH_CLASS_PEER)
		return left >= 1;
	return left > key_provider_budget_reserve(capacity);
}

/* Configured peers first, oldest first; then the source served longest ago; then age. */
static bool goes_before(struct sdh_queue *q, const struct sdh_request *a,
                        const struct sdh_request *b)
{
	if (a->cls != b->cls)
		return a->cls == SDH_CLASS_PEER;
	if (a->cls == SDH_CLASS_OTHER) {
		uint64_t ga = source_last_grant(q, a), gb = source_last_grant(q, b);
		if (ga != gb)
			return ga < gb;
	}
	return a->queued_ns < b->queued_ns;
}

static struct sdh_request *next_request(struct wg_device *dev)
{
	struct sdh_queue *q = &dev->sdh;
	struct sdh_request *best = NULL;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &q->req[i];
		if (!r->used || r->in_flight || r->cancelled || !budget_allows(dev, r))
			continue;
		if (!best || goes_before(q, r, best))
			best = r;
	}
	return best;
}

static void finish(struct wg_device *dev, struct sdh_request *r, int err,
                   const uint8_t shared[NOISE_KEY_LEN]);

static void dispatch(struct wg_device *dev)
{
	struct sdh_queue *q = &dev->sdh;
	while (q->in_flight < SDH_IN_FLIGHT_MAX && dev->key && sdh_async(dev)) {
		struct sdh_request *r = next_request(dev);
		if (!r)
			return;
		int err = dev->io.static_dh_submit(dev->io.ctx, dev->key, r->input, r->ticket);
		if (err == -EAGAIN)
			return; /* the worker is full: tick asks again */
		r->in_flight = true;
		q->in_flight++;
		if (err) {
			finish(dev, r, err, NULL);
			continue;
		}
		dev->stats.key_provider_calls++;
		source_note_grant(q, r, dev->now.mono_ns);
	}
}

/* When the queue must be looked at again: a waiting request's give-up, or the poll (a budget that
 * refills, a worker with room again); a request with the worker once it counts as lost. 0: none. */
static uint64_t next_deadline(const struct sdh_queue *q, uint64_t now)
{
	uint64_t next = 0;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		const struct sdh_request *r = &q->req[i];
		if (!r->used)
			continue;
		uint64_t t;
		if (r->in_flight) {
			t = r->queued_ns + SDH_LOST_NS;
		} else {
			t = now + SDH_POLL_NS;
			if (r->queued_ns + SDH_WAIT_MAX_NS < t)
				t = r->queued_ns + SDH_WAIT_MAX_NS;
		}
		if (!next || t < next)
			next = t;
	}
	return next;
}

bool sdh_enqueue(struct wg_device *dev, const struct sdh_request *n)
{
	struct sdh_queue *q = &dev->sdh;
	uint8_t family = 0, prefix[8] = {0};

	if (n->kind != SDH_INITIATOR_SS)
		source_of(&n->from, &family, prefix);
	if (is_duplicate(q, n)) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return false;
	}
	/* One source holds a bounded share of the queue: its oldest waiting request makes room. */
	if (family && waiting_from(q, family, prefix) >= SDH_PER_SOURCE)
		drop_waiting(dev, oldest_waiting(q, false, &family, prefix));
	if (q->used == SDH_QUEUE_LEN) {
		struct sdh_request *victim = oldest_waiting(q, true, NULL, NULL);
		if (n->cls != SDH_CLASS_PEER || !victim) {
			device_drop(dev, WG_DROP_KEY_QUEUE);
			return false;
		}
		drop_waiting(dev, victim);
	}
	struct sdh_request *r = NULL;
	for (unsigned i = 0; i < SDH_QUEUE_LEN && !r; i++)
		if (!q->req[i].used)
			r = &q->req[i];
	*r = *n;
	r->used = true;
	r->in_flight = r->cancelled = false;
	r->ticket = ++q->next_ticket;
	r->queued_ns = dev->now.mono_ns;
	r->src_family = family;
	memcpy(r->src_prefix, prefix, 8);
	q->used++;
	dispatch(dev);
	timer_queue_schedule(&dev->timer_queue, &q->wake, next_deadline(q, dev->now.mono_ns));
	return true;
}

void sdh_cancel_peer(struct wg_device *dev, const struct wg_peer *peer)
{
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &dev->sdh.req[i];
		if (!r->used || r->peer != peer)
			continue;
		if (r->in_flight) {
			r->cancelled = true; /* the answer is wiped when it comes */
			r->peer = NULL;
		} else {
			release(&dev->sdh, r);
		}
	}
}

void sdh_cancel_all(struct wg_device *dev)
{
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &dev->sdh.req[i];
		if (!r->used)
			continue;
		if (r->in_flight) {
			r->cancelled = true;
			r->peer = NULL;
		} else {
			release(&dev->sdh, r);
		}
	}
}

uint64_t sdh_tick(struct wg_device *dev)
{
	struct sdh_queue *q = &dev->sdh;
	uint64_t now = dev->now.mono_ns;
	if (!q->used)
		return 0;

	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &q->req[i];
		if (!r->used)
			continue;
		if (r->in_flight && r->queued_ns + SDH_LOST_NS <= now)
			release(q, r);
		else if (!r->in_flight && r->queued_ns + SDH_WAIT_MAX_NS <= now)
			drop_waiting(dev, r);
	}
	dispatch(dev);
	return next_deadline(q, now);
}

/* Hands the answer to the handshake that waited for it; the slot is free before that, so the
 * handshake may queue its next request. */
static void finish(struct wg_device *dev, struct sdh_request *slot, int err,
                   const uint8_t shared[NOISE_KEY_LEN])
{
	static const uint8_t none[NOISE_KEY_LEN];
	struct sdh_request r = *slot;
	release(&dev->sdh, slot);
	if (err == 0 && (!shared || ct_is_zero(shared, NOISE_KEY_LEN)))
		err = -EINVAL;
	if (err && err != -EINVAL)
		device_drop(dev, WG_DROP_KEY_PROVIDER);
	if (!r.cancelled)
		handshake_resume(dev, &r, err, err ? none : shared);
	secure_wipe(&r, sizeof(r));
}

void wg_device_static_dh_done(struct wg_device *dev, uint64_t ticket, int err,
                              const uint8_t shared[WG_KEY_LEN], const struct wg_time *now)
{
	dev->now = *now;
	for (unsigned i = 0; i < SDH_QUEUE_LEN; i++) {
		struct sdh_request *r = &dev->sdh.req[i];
		if (r->used && r->in_flight && r->ticket == ticket) {
			finish(dev, r, err, shared);
			break;
		}
	}
	dispatch(dev);
}
