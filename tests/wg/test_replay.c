/* Replay window: the kernel selftest counter.c sequence (data only) plus the window-size edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "wg/replay.h"

#define WIN    REPLAY_WINDOW_SIZE
#define LIM    (REPLAY_WINDOW_SIZE + 1)
#define REJECT REPLAY_REJECT_AFTER_MESSAGES

static struct replay_window w;

#define T(counter, expected) assert_int_equal(replay_check(&w, (counter)), (expected))

static void constants(void **state)
{
	(void)state;
	assert_int_equal(WIN, 8128);
	assert_true(REJECT == UINT64_MAX - 8128 - 1);
}

static void kernel_sequence(void **state)
{
	(void)state;
	replay_init(&w);
	T(0, true);
	T(1, true);
	T(1, false);
	T(9, true);
	T(8, true);
	T(7, true);
	T(7, false);
	T(LIM, true);
	T(LIM - 1, true);
	T(LIM - 1, false);
	T(LIM - 2, true);
	T(2, true);
	T(2, false);
	T(LIM + 16, true);
	T(3, false);
	T(LIM + 16, false);
	T(LIM * 4, true);
	T(LIM * 4 - (LIM - 1), true);
	T(10, false);
	T(LIM * 4 - LIM, false);
	T(LIM * 4 - (LIM + 1), false);
	T(LIM * 4 - (LIM - 2), true);
	T(LIM * 4 + 1 - LIM, false);
	T(0, false);
	T(REJECT, false);
	T(REJECT - 1, true);
	T(REJECT, false);
	T(REJECT - 1, false);
	T(REJECT - 2, true);
	T(REJECT + 1, false);
	T(REJECT + 2, false);
	T(REJECT - 2, false);
	T(REJECT - 3, true);
	T(0, false);
	T(UINT64_MAX, false);
}

/* Fill exactly one window ascending; the oldest counter is then still inside. */
static void window_full_ascending(void **state)
{
	(void)state;
	replay_init(&w);
	for (uint64_t i = 1; i <= WIN; i++)
		T(i, true);
	T(0, true);
	T(0, false);

	/* One more than a window: 0 has fallen out while 1 is still in. */
	replay_init(&w);
	for (uint64_t i = 2; i <= WIN + 1; i++)
		T(i, true);
	T(1, true);
	T(0, false);
}

static void window_full_descending(void **state)
{
	(void)state;
	replay_init(&w);
	for (uint64_t i = WIN + 1; i-- > 0;)
		T(i, true);

	replay_init(&w);
	for (uint64_t i = WIN + 2; i-- > 1;)
		T(i, true);
	T(0, false);

	replay_init(&w);
	for (uint64_t i = WIN + 1; i-- > 1;)
		T(i, true);
	T(WIN + 1, true);
	T(0, false);

	replay_init(&w);
	for (uint64_t i = WIN + 1; i-- > 1;)
		T(i, true);
	T(0, true);
	T(WIN + 1, true);
}

/* Large jumps clear stale words: a counter seen long ago must not block the same ring slot later.
 */
static void jumps_clear_ring(void **state)
{
	(void)state;
	replay_init(&w);
	T(5, true);
	/* 8192 later lands on the same word and bit of the ring. */
	T(5 + REPLAY_BITS_TOTAL, true);
	T(5, false);
	T(5 + REPLAY_BITS_TOTAL, false);
	/* Every counter between, still inside the window, is new exactly once. */
	for (uint64_t i = 5 + REPLAY_BITS_TOTAL - WIN; i < 5 + REPLAY_BITS_TOTAL; i++)
		T(i, true);
	for (uint64_t i = 5 + REPLAY_BITS_TOTAL - WIN; i < 5 + REPLAY_BITS_TOTAL; i++)
		T(i, false);
	T(5 + REPLAY_BITS_TOTAL - WIN - 1, false);

	/* A jump of many windows at once. */
	T(1000000, true);
	T(1000000 - WIN, true);
	T(1000000 - WIN - 1, false);
	T(999999, true);
	T(1000000 + 63, true);
	T(1000000 + 64, true);
	T(1000000 + 64, false);
}

static void reordering_inside_window(void **state)
{
	(void)state;
	replay_init(&w);
	/* Interleave: even counters first, odd ones later and in reverse. */
	for (uint64_t i = 0; i < 4000; i += 2)
		T(i, true);
	for (uint64_t i = 3999; i < 4000; i -= 2)
		T(i, true);
	for (uint64_t i = 0; i < 4000; i++)
		T(i, false);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(constants),
        cmocka_unit_test(kernel_sequence),
        cmocka_unit_test(window_full_ascending),
        cmocka_unit_test(window_full_descending),
        cmocka_unit_test(jumps_clear_ring),
        cmocka_unit_test(reordering_inside_window),
};

HWG_TEST_MAIN(tests, NULL, NULL)
