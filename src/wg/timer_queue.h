/* The device's wake-up queue: everything in the core that must run at a given time, ordered by
 * that time in a binary min-heap (the kernel keeps its per-peer timers in its timer wheel for the
 * same reason). An entry is a peer (its timers, timers.c) or the queue of pending handshakes (its
 * give-up deadlines and poll, static_dh.c); wg_device_tick pops the due entries and runs each. A
 * tick then costs O(log n) per entry that is due and nothing per idle peer, so neither the data
 * path nor the ping of an interface with 100,000 configured peers pays for walking them.
 *
 * Arming a timer (timers.c arm()) queues the peer, or moves it earlier; disarming one does nothing
 * here. An entry may therefore wake up before anything of it is due (a timer disarmed after it
 * was queued): the tick finds nothing to do and queues it again at its real earliest deadline.
 * That keeps the per-packet cost of the timer hooks at a compare in the common case.
 *
 * Each entry is queued at most once, so the heap never holds more entries than the device has
 * peers plus its handshake queue: reserving room when a peer is added means that queueing never
 * allocates. Internal to src/wg. */
#ifndef HWG_WG_TIMER_QUEUE_H
#define HWG_WG_TIMER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* Embedded in what it wakes up. */
struct timer_entry {
	uint64_t wake_at; /* when it is queued to wake up (monotonic ns) */
	size_t pos;       /* its heap index + 1; 0 = not queued */
};

struct timer_queue {
	struct timer_entry **heap;
	size_t n;   /* queued entries */
	size_t cap; /* room in heap */
};

/* Makes room for `entries` entries. Returns 0 or -ENOMEM (the queue is then unchanged). */
int timer_queue_reserve(struct timer_queue *q, size_t entries);
void timer_queue_free(struct timer_queue *q);
/* Queues e to wake up at `at` (monotonic ns, non-zero), or moves it earlier when it is queued for
 * later; an entry queued earlier stays where it is. Needs the room reserved above. */
void timer_queue_schedule(struct timer_queue *q, struct timer_entry *e, uint64_t at);
/* Takes e out of the queue, if it is in it. */
void timer_queue_remove(struct timer_queue *q, struct timer_entry *e);
/* Takes out and returns the earliest entry if it is due at `now`; NULL otherwise. */
struct timer_entry *timer_queue_pop_due(struct timer_queue *q, uint64_t now);
/* When the earliest entry wakes up; 0 when the queue is empty. */
uint64_t timer_queue_next(const struct timer_queue *q);

#endif
