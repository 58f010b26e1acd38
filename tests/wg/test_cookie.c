/* DoS defence: under load a handshake without a valid mac2 gets a cookie reply instead of any
 * Diffie-Hellman; the retry carrying mac2 succeeds; cookies expire; the per-source rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "test_core_harness.h"

#define SEC 1000000000ull

H_FIXTURE(2, 31, H_PAIR_0_1)

static void test_cookie_then_mac2_retry(void **state)
{
	net.node[1].under_load = true;
	uint64_t calls = h_stats(&net, 1).key_provider_calls;
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	/* No DH for the unproven sender: a cookie reply instead. */
	assert_int_equal(h_stats(&net, 1).cookie_replies_sent, 1);
	assert_int_equal(h_stats(&net, 1).dropped[WG_DROP_COOKIE_SENT], 1);
	assert_int_equal(h_stats(&net, 1).key_provider_calls, calls);
	assert_int_equal(net.node[1].sent[3], 1);
	assert_int_equal(net.node[1].sent[2], 0);
	const struct h_capture *first = h_last_sent(&net, 0, 1);
	static const uint8_t zero[16];
	assert_memory_equal(first->d.data + 132, zero, 16);

	/* The retransmission 5 s later carries mac2 and gets through, still under load. */
	h_advance(&net, 6 * SEC);
	const struct h_capture *retry = h_last_sent(&net, 0, 1);
	assert_memory_not_equal(retry->d.data + 132, zero, 16);
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(h_stats(&net, 1).cookie_replies_sent, 1);
}

static void test_cookie_reply_does_not_move_endpoint(void **state)
{
	net.node[1].under_load = true;
	net.blackhole[0] = true;
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	struct h_datagram reply = h_last_sent(&net, 1, 3)->d;
	net.blackhole[0] = false;
	/* The reply arrives from somewhere else: the cookie is taken, the endpoint stays. */
	reply.from.addr.in4.sin_port = htons(9999);
	wg_device_udp_input(net.node[0].dev, reply.data, reply.len, &reply.from, &net.now);
	struct wg_peer_info info;
	wg_peer_info(h_peer(&net, 0, 1), &info);
	assert_int_equal(ntohs(info.endpoint.addr.in4.sin_port), 51821);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_HANDSHAKE], 0);
	/* A second copy is refused: the cookie answered a mac1 we no longer wait on. */
	wg_device_udp_input(net.node[0].dev, reply.data, reply.len, &reply.from, &net.now);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_HANDSHAKE], 1);
	h_advance(&net, 6 * SEC);
	assert_int_equal(net.node[1].delivered, 1);
}

static void test_cookie_expires_after_115s(void **state)
{
	net.node[1].under_load = true;
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	net.node[1].under_load = false;
	net.blackhole[1] = true;
	static const uint8_t zero[16];
	/* Within 115 s the initiator still adds mac2 ... */
	h_advance(&net, 110 * SEC);
	assert_memory_not_equal(h_last_sent(&net, 0, 1)->d.data + 132, zero, 16);
	/* ... afterwards it sends zeros. */
	net.blackhole[1] = false;
	h_advance(&net, 10 * SEC);
	h_send_ip(&net, 0, 1, 10);
	assert_memory_equal(h_last_sent(&net, 0, 1)->d.data + 132, zero, 16);
}

static void test_under_load_rate_limited_per_source(void **state)
{
	net.node[1].under_load = true;
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	net.blackhole[1] = true;
	h_advance(&net, 6 * SEC);
	struct h_datagram d = h_last_sent(&net, 0, 1)->d; /* valid mac1 and mac2 */
	for (int i = 0; i < 20; i++)
		wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	struct wg_device_stats st = h_stats(&net, 1);
	/* A burst passes the limiter (the replays then fail on their timestamp), the rest do not.
	 */
	assert_true(st.dropped[WG_DROP_RATELIMITED] >= 10);
	assert_true(st.dropped[WG_DROP_RATELIMITED] <= 15);
	assert_int_equal(st.dropped[WG_DROP_RATELIMITED] + st.dropped[WG_DROP_HANDSHAKE] +
	                         net.node[1].sent[2],
	                 20);
}

static void test_under_load_lingers_one_second(void **state)
{
	net.node[1].under_load = true;
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(h_stats(&net, 1).cookie_replies_sent, 1);
	/* Load has just gone, but the device stays careful for 1 s. */
	net.node[1].under_load = false;
	net.blackhole[1] = true;
	uint8_t bad_mac2[148];
	struct h_datagram d = h_last_sent(&net, 0, 1)->d;
	memcpy(bad_mac2, d.data, sizeof(bad_mac2));
	wg_device_udp_input(net.node[1].dev, bad_mac2, sizeof(bad_mac2), &d.from, &net.now);
	assert_int_equal(h_stats(&net, 1).cookie_replies_sent, 2);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cookie_then_mac2_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cookie_reply_does_not_move_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cookie_expires_after_115s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_under_load_rate_limited_per_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_under_load_lingers_one_second, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
