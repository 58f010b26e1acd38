/* The device's wake-up queue: peers ordered by the time their earliest timer may be due, in a
 * binary min-heap (the kernel keeps its per-peer timers in its timer wheel for the same reason). A
 * tick then costs O(log n) per peer that is due and nothing per idle peer, so neither the data path
 * nor the ping of an interface with 100,000 configured peers pays for walking them.
 *
 * Arming a timer (timers.c arm()) queues the peer, or moves it earlier; disarming one does nothing
 * here. A peer may therefore wake up before any timer of it is due (one disarmed after it was
 * queued): the tick finds nothing to fire and queues it again at its real earliest deadline. That
 * keeps the per-packet cost of the timer hooks at a compare in the common case.
 *
 * Each peer is queued at most once, so the heap never holds more entries than the device has
 * peers: reserving room when a peer is added means that queueing never allocates. Internal to
 * src/wg. */
#ifndef HWG_WG_TIMER_QUEUE_H
#define HWG_WG_TIMER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct wg_peer;

struct timer_queue {
	struct wg_peer **heap;
	size_t n;   /* queued peers */
	size_t cap; /* room in heap */
};

/* Makes room for `peers` entries. Returns 0 or -ENOMEM (the queue is then unchanged). */
int timer_queue_reserve(struct timer_queue *q, size_t peers);
void timer_queue_free(struct timer_queue *q);
/* Queues peer to wake up at `at` (monotonic ns, non-zero), or moves it earlier when it is queued
 * for later; a peer queued earlier stays where it is. Needs the room reserved above. */
void timer_queue_schedule(struct timer_queue *q, struct wg_peer *peer, uint64_t at);
/* Takes peer out of the queue, if it is in it. */
void timer_queue_remove(struct timer_queue *q, struct wg_peer *peer);
/* Takes out and returns the earliest peer if it is due at `now`; NULL otherwise. */
struct wg_peer *timer_queue_pop_due(struct timer_queue *q, uint64_t now);
/* When the earliest peer wakes up; 0 when the queue is empty. */
uint64_t timer_queue_next(const struct timer_queue *q);

#endif
