#include "wg/timer_queue.h"

#include <errno.h>
#include <stdlib.h>

static void place(struct timer_queue *q, size_t i, struct timer_entry *p)
{
	q->heap[i] = p;
	p->pos = i + 1;
}

static void sift_up(struct timer_queue *q, size_t i)
{
	struct timer_entry *p = q->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (q->heap[parent]->wake_at <= p->wake_at)
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, p);
}

static void sift_down(struct timer_queue *q, size_t i)
{
	struct timer_entry *p = q->heap[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && q->heap[child + 1]->wake_at < q->heap[child]->wake_at)
			child++;
		if (p->wake_at <= q->heap[child]->wake_at)
			break;
		place(q, i, q->heap[child]);
		i = child;
	}
	place(q, i, p);
}

int timer_queue_reserve(struct timer_queue *q, size_t entries)
{
	if (entries <= q->cap)
		return 0;
	size_t cap = q->cap ? q->cap : 16;
	while (cap < entries)
		cap *= 2;
	struct timer_entry **heap = realloc(q->heap, cap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	q->heap = heap;
	q->cap = cap;
	return 0;
}

void timer_queue_free(struct timer_queue *q)
{
	free(q->heap);
	q->heap = NULL;
	q->n = q->cap = 0;
}

void timer_queue_schedule(struct timer_queue *q, struct timer_entry *e, uint64_t at)
{
	if (e->pos) {
		if (at >= e->wake_at)
			return;
		e->wake_at = at;
		sift_up(q, e->pos - 1);
		return;
	}
	if (q->n == q->cap)
		return; /* cannot happen: the device reserves a slot per entry */
	e->wake_at = at;
	q->heap[q->n] = e;
	sift_up(q, q->n++);
}

void timer_queue_remove(struct timer_queue *q, struct timer_entry *e)
{
	size_t pos = e->pos;
	if (!pos)
		return;
	e->pos = 0;
	struct timer_entry *last = q->heap[--q->n];
	if (pos - 1 == q->n)
		return;
	place(q, pos - 1, last);
	/* The moved entry may belong above or below its new place. */
	sift_up(q, pos - 1);
	sift_down(q, last->pos - 1);
}

struct timer_entry *timer_queue_pop_due(struct timer_queue *q, uint64_t now)
{
	if (q->n == 0 || q->heap[0]->wake_at > now)
		return NULL;
	struct timer_entry *p = q->heap[0];
	timer_queue_remove(q, p);
	return p;
}

uint64_t timer_queue_next(const struct timer_queue *q)
{
	return q->n ? q->heap[0]->wake_at : 0;
}
