/* Protocol timers on a fake clock: rekey, keypair expiry and zeroing, retransmission with jitter
 * and giving up, passive and persistent keepalives, new handshake when replies stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "test_core_harness.h"

#define SEC 1000000000ull
#define MS  1000000ull

H_FIXTURE(2, 23, H_PAIR_0_1)

static void test_rekey_after_120s_keeps_traffic(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	unsigned delivered = net.node[1].delivered;
	/* Traffic both ways every 3 s for 400 s: the initiator renews the session every 120 s. */
	for (int i = 0; i < 133; i++) {
		h_advance(&net, 3 * SEC);
		h_send_ip(&net, 0, 1, 50);
		h_send_ip(&net, 1, 0, 50);
		h_pump(&net);
		assert_int_equal(net.node[1].delivered, ++delivered);
	}
	uint64_t initiated =
	        h_stats(&net, 0).handshakes_initiated + h_stats(&net, 1).handshakes_initiated;
	assert_true(initiated >= 4 && initiated <= 5);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_NO_KEYPAIR), 0);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_NO_KEYPAIR), 0);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_REPLAY), 0);
}

static void test_keypair_expires_at_180s_zeroed_at_540s(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	struct wg_peer *pa = h_peer(&net, 0, 1), *pb = h_peer(&net, 1, 0);
	assert_int_equal(wg_peer_keypair_count(pa), 1);
	assert_int_equal(wg_peer_keypair_count(pb), 1);
	/* Capture one packet now, replay it after expiry. */
	h_send_ip(&net, 0, 1, 10);
	struct h_datagram d = h_last_sent(&net, 0, 4)->d;
	h_pump(&net);

	/* Cut the link so no new handshake can succeed. */
	net.blackhole[0] = net.blackhole[1] = true;
	h_advance(&net, 181 * SEC);
	unsigned data_sent = net.node[0].sent[4];
	h_send_ip(&net, 0, 1, 10);
	/* The 180 s old keypair is not used for sending; a handshake is attempted instead. */
	assert_int_equal(net.node[0].sent[4], data_sent);
	/* nor for receiving (d is a fresh-counter packet from before: forge one more by hand). */
	d.data[8] = 0x55;
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_NO_KEYPAIR), 1);
	assert_int_equal(wg_peer_keypair_count(pa), 1);

	h_advance(&net, 360 * SEC);
	/* 3 x REJECT_AFTER_TIME after the session was derived: every key is gone. */
	assert_int_equal(wg_peer_keypair_count(pa), 0);
	assert_int_equal(wg_peer_keypair_count(pb), 0);
}

static void test_retry_with_jitter_then_give_up(void **state)
{
	net.blackhole[1] = true;
	h_send_ip(&net, 0, 1, 10);
	h_advance(&net, 200 * SEC);
	/* The kernel's schedule: the first initiation and 19 retries, then it gives up. */
	unsigned n = 0;
	uint64_t prev = 0, first = 0, last = 0;
	for (unsigned i = 0; i < net.captured; i++) {
		const struct h_capture *c = &net.capture[i];
		if (c->from_node != 0 || c->d.data[0] != 1)
			continue;
		if (n) {
			uint64_t gap = c->at_ns - prev;
			assert_true(gap >= 5 * SEC && gap < 5 * SEC + 334 * MS);
		} else {
			first = c->at_ns;
		}
		prev = last = c->at_ns;
		n++;
	}
	assert_int_equal(n, 20);
	assert_true(last - first >= 90 * SEC);
	/* Each retry is a fresh initiation: the ephemeral keys differ. */
	assert_memory_not_equal(net.capture[0].d.data + 8, h_last_sent(&net, 0, 1)->d.data + 8, 32);
	/* Staged packets were purged: after the link heals, nothing old arrives. */
	assert_int_equal(h_dropped(&net, 0, WG_DROP_HANDSHAKE_TIMEOUT), 1);
	net.blackhole[1] = false;
	h_send_ip(&net, 0, 1, 77);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[1].last_delivered_len, 97);
}

static void test_passive_keepalive_after_10s(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	unsigned before = net.node[1].keepalives;
	/* Node 1 received data and has nothing to say: after 10 s it sends a keepalive. */
	h_advance(&net, 9 * SEC);
	assert_int_equal(net.node[1].keepalives, before);
	h_advance(&net, 2 * SEC);
	assert_int_equal(net.node[1].keepalives, before + 1);
	/* And then stays quiet. */
	h_advance(&net, 60 * SEC);
	assert_int_equal(net.node[1].keepalives, before + 1);
}

static void test_no_keepalive_when_replying(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	unsigned before = net.node[1].keepalives;
	h_advance(&net, 5 * SEC);
	h_send_ip(&net, 1, 0, 10); /* a reply: no keepalive needed */
	h_pump(&net);
	h_advance(&net, 8 * SEC);
	assert_int_equal(net.node[1].keepalives, before);
}

static void test_new_handshake_when_replies_stop(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	uint64_t initiated = h_stats(&net, 0).handshakes_initiated;
	/* Node 0 keeps sending, node 1's answers (even keepalives) are lost. */
	net.blackhole[0] = true;
	h_advance(&net, 1 * SEC);
	h_send_ip(&net, 0, 1, 10);
	h_advance(&net, 13 * SEC);
	assert_int_equal(h_stats(&net, 0).handshakes_initiated, initiated);
	h_advance(&net, 2 * SEC); /* 15 s + jitter after the first unanswered send */
	assert_int_equal(h_stats(&net, 0).handshakes_initiated, initiated + 1);
}

static void test_persistent_keepalive(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	unsigned before = net.node[0].keepalives;
	wg_peer_set_persistent_keepalive(net.node[0].dev, h_peer(&net, 0, 1), 25, &net.now);
	/* Switching it on sends one at once. */
	assert_int_equal(net.node[0].keepalives, before + 1);
	h_pump(&net);
	h_advance(&net, 100 * SEC + 1);
	/* Then one every 25 s of silence (handshake renewals may stand in for a few). */
	unsigned sent = net.node[0].keepalives - before - 1;
	assert_true(sent >= 3 && sent <= 4);
	wg_peer_set_persistent_keepalive(net.node[0].dev, h_peer(&net, 0, 1), 0, &net.now);
	before = net.node[0].keepalives;
	h_advance(&net, 100 * SEC);
	assert_int_equal(net.node[0].keepalives, before);
}

static void test_initiator_rekeys_at_165s_when_only_receiving(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	/* Node 1 (responder) only sends keepalives; node 0 never sends, so only the receive-side
	 * rule can renew its session before the keypair dies at 180 s. */
	wg_peer_set_persistent_keepalive(net.node[1].dev, h_peer(&net, 1, 0), 7, &net.now);
	h_pump(&net);
	unsigned sent0 = net.node[0].sent[4];
	h_advance(&net, 160 * SEC);
	assert_int_equal(h_stats(&net, 0).handshakes_initiated, 1);
	assert_int_equal(net.node[0].sent[4], sent0);
	h_advance(&net, 25 * SEC);
	assert_int_equal(h_stats(&net, 0).handshakes_initiated, 2);
	struct wg_device_stats st = h_stats(&net, 0);
	assert_int_equal(st.handshakes_completed, 2);
	/* Only one last-minute handshake, and the session is fresh again. */
	h_advance(&net, 60 * SEC);
	assert_int_equal(h_stats(&net, 0).handshakes_initiated, 2);
	assert_int_equal(
	        h_dropped(&net, 1, WG_DROP_NO_KEYPAIR) + h_dropped(&net, 0, WG_DROP_NO_KEYPAIR), 0);
}

static void test_tick_deadline(void **state)
{
	/* Idle: the answer is bounded so a daemon can poll on it. */
	uint64_t next = wg_device_tick(net.node[0].dev, &net.now);
	assert_true(next > net.now.mono_ns && next <= net.now.mono_ns + 10 * SEC);
	net.blackhole[1] = true;
	h_send_ip(&net, 0, 1, 10);
	next = wg_device_tick(net.node[0].dev, &net.now);
	assert_true(next >= net.now.mono_ns + 5 * SEC &&
	            next < net.now.mono_ns + 5 * SEC + 334 * MS);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rekey_after_120s_keeps_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keypair_expires_at_180s_zeroed_at_540s, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retry_with_jitter_then_give_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passive_keepalive_after_10s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_keepalive_when_replying, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_handshake_when_replies_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistent_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initiator_rekeys_at_165s_when_only_receiving, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tick_deadline, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
