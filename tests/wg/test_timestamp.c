/* The initiation timestamp source (wg_device_set_timestamp_source): without it, a wall clock set
 * back (a reboot without an RTC) makes the responder drop every initiation as a replay; with a
 * source that never goes back, the handshake completes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "test_core_harness.h"

#define TWO_DAYS_S  (2 * 86400ull)
#define SIX_SECONDS (6 * 1000000000ull)

H_FIXTURE(2, 11, H_PAIR_0_1)

struct source {
	uint64_t sec;
	unsigned calls;
};

static void fixed_source(void *ctx, uint64_t *sec, uint32_t *nsec)
{
	struct source *s = ctx;
	s->calls++;
	*sec = s->sec;
	*nsec = 0;
}

/* A first session, then the initiator's clock goes back two days and it initiates again. */
static void first_session_then_clock_back(void)
{
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[1].sent[2], 1); /* one response */
	net.now.real_sec -= TWO_DAYS_S;
	h_advance(&net, SIX_SECONDS);
}

static void test_clock_back_without_source_is_a_replay(void **state)
{
	first_session_then_clock_back();
	wg_peer_initiate_handshake(net.node[0].dev, h_peer(&net, 0, 1), &net.now);
	h_pump(&net);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);
	assert_int_equal(net.node[1].sent[2], 1);
}

static void test_clock_back_with_source_completes(void **state)
{
	struct source src = {.sec = net.now.real_sec + 10};
	wg_device_set_timestamp_source(net.node[0].dev, fixed_source, &src);
	first_session_then_clock_back();
	unsigned calls = src.calls;
	src.sec += 1;
	wg_peer_initiate_handshake(net.node[0].dev, h_peer(&net, 0, 1), &net.now);
	h_pump(&net);
	assert_int_equal(src.calls, calls + 1); /* asked once per initiation */
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 0);
	assert_int_equal(net.node[1].sent[2], 2);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);

	/* The responder still judges by the timestamp alone: the same value again is a replay. */
	h_advance(&net, SIX_SECONDS);
	wg_peer_initiate_handshake(net.node[0].dev, h_peer(&net, 0, 1), &net.now);
	h_pump(&net);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);

	/* NULL restores the wall clock (still two days back: a replay again). */
	wg_device_set_timestamp_source(net.node[0].dev, NULL, NULL);
	h_advance(&net, SIX_SECONDS);
	wg_peer_initiate_handshake(net.node[0].dev, h_peer(&net, 0, 1), &net.now);
	h_pump(&net);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 2);
	assert_int_equal(src.calls, calls + 2);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clock_back_without_source_is_a_replay, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_clock_back_with_source_completes, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
