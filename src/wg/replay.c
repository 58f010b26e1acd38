#include "wg/replay.h"

#include <string.h>

#define REPLAY_WORDS (REPLAY_BITS_TOTAL / REPLAY_WORD_BITS)

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

/* RFC 6479: the window is a ring of words indexed by counter / 64. Moving the window forward only
 * clears the words that come into use, so a jump costs at most one pass over the ring; keeping one
 * word more than the window means the word holding the newest counter never has to be shared with
 * the oldest one. */
bool replay_check(struct replay_window *w, uint64_t counter)
{
	if (w->greatest >= REPLAY_REJECT_AFTER_MESSAGES + 1 ||
	    counter >= REPLAY_REJECT_AFTER_MESSAGES)
		return false;

	/* Work with counter + 1 so that greatest == 0 can mean "nothing seen yet". */
	uint64_t c = counter + 1;
	if (c + REPLAY_WINDOW_SIZE < w->greatest)
		return false; /* too old: left of the window */

	uint64_t index = c / REPLAY_WORD_BITS;
	if (c > w->greatest) {
		uint64_t current = w->greatest / REPLAY_WORD_BITS;
		uint64_t top = index - current;
		if (top > REPLAY_WORDS)
			top = REPLAY_WORDS;
		for (uint64_t i = 1; i <= top; i++)
			w->bitmap[(current + i) % REPLAY_WORDS] = 0;
		w->greatest = c;
	}

	uint64_t bit = (uint64_t)1 << (c % REPLAY_WORD_BITS);
	uint64_t *word = &w->bitmap[index % REPLAY_WORDS];
	if (*word & bit)
		return false;
	*word |= bit;
	return true;
}
