/* The daemon's "under load" decision: a burst of handshake messages, a key provider that says it
 * is busy (an SE050 with its wear budget spent), or a key worker stuck on one operation each turn
 * it on, and it holds for one second after the signal was last seen. An operation merely running
 * on the chip does not (a normal handshake must not make the next peer wait for a cookie round
 * trip). The wear budget's reserve is the core's signal (tests/wg/test_async.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon/load.h"
#include "support/test_main.h"

#define SEC 1000000000ull
#define T0  (5 * SEC)

struct fake_provider {
	struct key_provider base; /* first */
	bool busy;
	unsigned asked;
};

static bool fake_busy(struct key_provider *kp)
{
	struct fake_provider *f = (struct fake_provider *)kp;
	f->asked++;
	return f->busy;
}

static const struct key_provider_ops busy_ops = {.name = "fake", .busy = fake_busy};
static const struct key_provider_ops plain_ops = {.name = "soft"};

static void idle_device_is_not_under_load(void **state)
{
	struct load_monitor m = {0};
	struct fake_provider soft = {.base.ops = &plain_ops};
	assert_false(load_under_load(&m, NULL, 0, T0));
	assert_false(load_under_load(&m, &soft.base, 0, T0));
	/* time 0 is not special */
	assert_false(load_under_load(&m, &soft.base, 0, 0));
}

static void handshake_burst(void **state)
{
	struct load_monitor m = {0};
	const uint8_t init[148] = {1};
	const uint8_t data[32] = {4};
	const uint8_t cookie[64] = {3};
	/* transport data and cookie replies never count */
	for (int i = 0; i < 2 * LOAD_HANDSHAKES_PER_SEC; i++) {
		load_note_datagram(&m, data, sizeof(data), T0);
		load_note_datagram(&m, cookie, sizeof(cookie), T0);
	}
	load_note_datagram(&m, init, 0, T0);
	assert_false(load_under_load(&m, NULL, 0, T0));
	/* one short of the threshold within a second: not yet */
	for (int i = 0; i < LOAD_HANDSHAKES_PER_SEC - 1; i++)
		load_note_datagram(&m, init, sizeof(init), T0 + (uint64_t)i * 1000);
	assert_false(load_under_load(&m, NULL, 0, T0 + SEC / 2));
	load_note_datagram(&m, init, sizeof(init), T0 + SEC / 2);
	assert_true(load_under_load(&m, NULL, 0, T0 + SEC / 2));
	/* held for one second after the burst, then off */
	assert_true(load_under_load(&m, NULL, 0, T0 + SEC / 2 + SEC - 1));
	assert_false(load_under_load(&m, NULL, 0, T0 + SEC / 2 + SEC));
}

static void slow_rate_never_triggers(void **state)
{
	struct load_monitor m = {0};
	const uint8_t resp[92] = {2};
	/* the same number of messages spread over more than a second each window */
	for (int i = 0; i < 4 * LOAD_HANDSHAKES_PER_SEC; i++) {
		uint64_t now = T0 + (uint64_t)i * (SEC / (LOAD_HANDSHAKES_PER_SEC / 2));
		load_note_datagram(&m, resp, sizeof(resp), now);
		assert_false(load_under_load(&m, NULL, 0, now));
	}
}

static void provider_running_does_not_count(void **state)
{
	struct load_monitor m = {0};
	struct fake_provider kp = {.base.ops = &plain_ops};
	/* an ECDH on the chip for half a second: a slow chip with budget left is not load */
	assert_false(load_under_load(&m, &kp.base, T0 - SEC / 2, T0));
}

static void stuck_worker_counts(void **state)
{
	struct load_monitor m = {0};
	/* running for less than the stall threshold: a slow chip, not a hung one */
	assert_false(load_under_load(&m, NULL, T0, T0 + LOAD_WORKER_STALL_NS - 1));
	assert_true(load_under_load(&m, NULL, T0, T0 + LOAD_WORKER_STALL_NS));
	/* the operation ended: held for one second more */
	assert_true(load_under_load(&m, NULL, 0, T0 + LOAD_WORKER_STALL_NS + SEC - 1));
	assert_false(load_under_load(&m, NULL, 0, T0 + LOAD_WORKER_STALL_NS + SEC));
	/* a start time in the future (clock read on another thread) is not a stall */
	assert_false(load_under_load(&m, NULL, T0 + 100 * SEC, T0 + 10 * SEC));
}

static void busy_provider_counts(void **state)
{
	struct load_monitor m = {0};
	struct fake_provider kp = {.base.ops = &busy_ops};
	assert_false(load_under_load(&m, &kp.base, 0, T0));
	assert_int_equal(kp.asked, 1);
	kp.busy = true; /* e.g. the SE050 wear budget is spent */
	assert_true(load_under_load(&m, &kp.base, 0, T0 + 10));
	/* still busy a second later: the hold is renewed every time it is seen */
	assert_true(load_under_load(&m, &kp.base, 0, T0 + 10 + SEC));
	kp.busy = false; /* budget refilled: the cookies stop one second later */
	assert_true(load_under_load(&m, &kp.base, 0, T0 + 10 + 2 * SEC - 1));
	assert_false(load_under_load(&m, &kp.base, 0, T0 + 10 + 2 * SEC));
	/* a provider without the op is never busy through it */
	struct fake_provider soft = {.base.ops = &plain_ops};
	assert_false(key_provider_busy(&soft.base));
	assert_false(key_provider_busy(NULL));
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_device_is_not_under_load),
        cmocka_unit_test(handshake_burst),
        cmocka_unit_test(slow_rate_never_triggers),
        cmocka_unit_test(provider_running_does_not_count),
        cmocka_unit_test(stuck_worker_counts),
        cmocka_unit_test(busy_provider_counts),
};

HWG_TEST_MAIN(tests, NULL, NULL)
