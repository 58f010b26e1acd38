/* Sliding-window replay protection for transport counters, kernel-sized: 8192 bits minus one
 * machine word (8128 on 64-bit), RFC 6479 style ring of words. Only counters of authenticated
 * packets may be fed in (decrypt first, then check). */
#ifndef HWG_WG_REPLAY_H
#define HWG_WG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_BITS_TOTAL  8192u
#define REPLAY_WORD_BITS   64u
#define REPLAY_WINDOW_SIZE (REPLAY_BITS_TOTAL - REPLAY_WORD_BITS) /* 8128 */
/* REJECT_AFTER_MESSAGES, kernel form: U64_MAX - COUNTER_WINDOW_SIZE - 1. */
#define REPLAY_REJECT_AFTER_MESSAGES (UINT64_MAX - REPLAY_WINDOW_SIZE - 1)

struct replay_window {
	uint64_t greatest; /* highest counter accepted so far + 1 (0 = none yet) */
	uint64_t bitmap[REPLAY_BITS_TOTAL / REPLAY_WORD_BITS];
};

void replay_init(struct replay_window *w);
/* True (and the counter is recorded) when counter is new, inside the window and below
 * REPLAY_REJECT_AFTER_MESSAGES; false for a replay, a counter too old, or one past the limit. */
bool replay_check(struct replay_window *w, uint64_t counter);

#endif
