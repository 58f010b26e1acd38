/* Transport data between two in-memory devices: padding, replay, allowed-IPs source check,
 * roaming, staging, routing and endpoint errors, tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "test_core_harness.h"

H_FIXTURE(3, 11, H_PAIR_0_1)

static void send_and_check(size_t payload, size_t wire_len)
{
	uint8_t buf[H_MAX_PACKET];
	size_t len = h_ip4(buf, 1, 2, payload);
	unsigned before = net.node[1].delivered;
	wg_device_tun_input(net.node[0].dev, buf, len, &net.now);
	const struct h_capture *c = h_last_sent(&net, 0, 4);
	assert_int_equal(c->d.len, wire_len);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, before + 1);
	assert_int_equal(net.node[1].last_delivered_len, len);
	assert_memory_equal(net.node[1].last_delivered, buf, len);
}

static void test_round_trip_padding(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	send_and_check(0, 32 + 32);  /* 20 bytes -> 32 */
	send_and_check(12, 32 + 32); /* 32 bytes stay 32 */
	send_and_check(13, 32 + 48); /* 33 -> 48 */
	send_and_check(1380, 32 + 1408);
	/* The MTU bounds the padding: 1419 bytes would pad to 1424, but not beyond a 1420 MTU. */
	wg_device_set_mtu(net.node[0].dev, 1420);
	send_and_check(1399, 32 + 1420);
	send_and_check(1400, 32 + 1420);
	/* Every data packet carried a fresh, increasing counter. */
	const struct h_capture *c = h_last_sent(&net, 0, 4);
	assert_int_equal(c->d.data[8], 6);
}

static void test_keepalive_is_32_bytes(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	/* The initiator's key confirmation was a data packet here; ask for a keepalive explicitly.
	 */
	wg_peer_set_persistent_keepalive(net.node[0].dev, h_peer(&net, 0, 1), 25, &net.now);
	const struct h_capture *c = h_last_sent(&net, 0, 4);
	assert_int_equal(c->d.len, 32);
	unsigned before = net.node[1].delivered;
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, before);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_MALFORMED), 0);
}

static void test_replayed_data_rejected(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	h_send_ip(&net, 0, 1, 40);
	struct h_datagram d = h_last_sent(&net, 0, 4)->d;
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(net.node[1].delivered, 2);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_REPLAY), 1);
}

/* A data packet from node 0 to node 1, taken off the wire before it arrives (for the test to alter
 * and deliver itself). */
static struct h_datagram intercept_data(size_t payload)
{
	h_send_ip(&net, 0, 1, payload);
	struct h_datagram d = h_last_sent(&net, 0, 4)->d;
	net.q_count = 0;
	return d;
}

static void test_tampered_data_rejected(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	struct h_datagram d = intercept_data(40);
	d.data[20] ^= 0x80;
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_DECRYPT), 1);
	/* A failed packet must not have moved the window: the genuine one still goes through. */
	h_send_ip(&net, 0, 1, 40);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);
	/* An unknown receiver index. */
	d.data[4] ^= 0xff;
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_NO_KEYPAIR), 1);
}

static void test_inner_source_checked(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	uint8_t buf[H_MAX_PACKET];
	/* Node 0 claims to be 192.168.0.3, which node 1 allows only for node 2. */
	size_t len = h_ip4(buf, 3, 2, 10);
	wg_device_tun_input(net.node[0].dev, buf, len, &net.now);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_ALLOWED_IPS), 1);
	/* A garbage inner header is dropped too. */
	buf[0] = 0x15;
	wg_device_tun_input(net.node[0].dev, buf, len, &net.now);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_MALFORMED), 1);
}

static void test_roaming_follows_source(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	/* Node 0 moves to a new address and port (NAT rebinding, new network). */
	net.node[0].addr.addr.in4.sin_port = htons(40000);
	net.node[0].addr.addr.in4.sin_addr.s_addr = htonl(0x0a000063);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);
	struct wg_peer_info info;
	wg_peer_info(h_peer(&net, 1, 0), &info);
	assert_int_equal(ntohs(info.endpoint.addr.in4.sin_port), 40000);
	assert_int_equal(ntohl(info.endpoint.addr.in4.sin_addr.s_addr), 0x0a000063);
	/* Replies go to the new address. */
	h_send_ip(&net, 1, 0, 10);
	const struct h_capture *c = h_last_sent(&net, 1, 4);
	assert_int_equal(ntohs(c->d.dst.addr.in4.sin_port), 40000);
	h_pump(&net);
	assert_int_equal(net.node[0].delivered, 1);
}

static void test_forged_source_does_not_roam(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	struct h_datagram d = intercept_data(10);
	d.data[40] ^= 1;
	d.from.addr.in4.sin_port = htons(666);
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	struct wg_peer_info info;
	wg_peer_info(h_peer(&net, 1, 0), &info);
	assert_int_equal(ntohs(info.endpoint.addr.in4.sin_port), 51820);
}

static void test_staging_while_handshaking(void **state)
{
	net.blackhole[1] = true;
	for (int i = 0; i < 130; i++)
		h_send_ip(&net, 0, 1, (size_t)i);
	/* 128 wait, the two oldest made room; a single initiation went out. */
	assert_int_equal(h_dropped(&net, 0, WG_DROP_STAGED_OVERFLOW), 2);
	assert_int_equal(net.node[0].sent[1], 1);
	net.blackhole[1] = false;
	h_advance(&net, 6 * 1000000000ull);
	assert_int_equal(net.node[1].delivered, 128);
	/* Oldest first: the last delivered is the last sent. */
	assert_int_equal(net.node[1].last_delivered_len, 20 + 129);
}

static void test_routing_errors(void **state)
{
	/* No peer for 192.168.0.3. */
	h_send_ip(&net, 0, 2, 10);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_NO_ROUTE), 1);
	/* A peer without endpoint. */
	int err;
	struct wg_peer *p = wg_device_peer_add(net.node[0].dev, net.node[2].public_key, &err);
	uint8_t tun[4] = {192, 168, 0, 3};
	assert_int_equal(wg_peer_allowed_ip_add(net.node[0].dev, p, AF_INET, tun, 32), 0);
	h_send_ip(&net, 0, 2, 10);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_NO_ENDPOINT), 1);
	/* Too short for any IP header. */
	uint8_t tiny[4] = {0x45};
	wg_device_tun_input(net.node[0].dev, tiny, sizeof(tiny), &net.now);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_MALFORMED), 1);
	/* No interface key. */
	wg_device_set_key(net.node[0].dev, NULL, &net.now);
	h_send_ip(&net, 0, 1, 10);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_NO_KEY), 1);
}

static void test_malformed_datagrams(void **state)
{
	uint8_t buf[200];
	static const size_t bad[][2] = {{1, 147}, {1, 149}, {2, 91}, {2, 93}, {3, 63},
	                                {3, 65},  {4, 31},  {5, 64}, {0, 64}};
	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[0] = (uint8_t)bad[i][0];
		wg_device_udp_input(net.node[1].dev, buf, bad[i][1], &net.node[0].addr, &net.now);
	}
	wg_device_udp_input(net.node[1].dev, buf, 3, &net.node[0].addr, &net.now);
	/* Non-zero reserved bytes make an unknown type. */
	buf[0] = 1;
	buf[1] = 1;
	wg_device_udp_input(net.node[1].dev, buf, 148, &net.node[0].addr, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_MALFORMED), 11);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_MAC1), 0);
	assert_string_equal(wg_drop_reason_name(WG_DROP_REPLAY), "replay");
}

static int count_ips(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_peer_removal(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	struct wg_peer *p = h_peer(&net, 1, 0);
	int n = 0;
	wg_peer_foreach_allowed_ip(net.node[1].dev, p, count_ips, &n);
	assert_int_equal(n, 1);
	wg_device_peer_remove(net.node[1].dev, p);
	assert_null(h_peer(&net, 1, 0));
	/* Its keypair's index is gone with it. */
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_NO_KEYPAIR), 1);
	/* Adding it again starts from scratch (and returns the existing peer when repeated). */
	int err = 0;
	struct wg_peer *again = wg_device_peer_add(net.node[1].dev, net.node[0].public_key, &err);
	assert_non_null(again);
	assert_ptr_equal(wg_device_peer_add(net.node[1].dev, net.node[0].public_key, &err), again);
	assert_int_equal(wg_peer_keypair_count(again), 0);
	/* Our own public key is not a valid peer. */
	assert_null(wg_device_peer_add(net.node[1].dev, net.node[1].public_key, &err));
	assert_int_equal(err, -EINVAL);
}

/* Removing one prefix from a peer: the route and the inner-source check both stop, other peers'
 * prefixes are untouched, and bad input is refused. */
static void test_allowed_ip_remove(void **state)
{
	assert_true(h_establish(&net, 0, 1));
	struct wg_device *d0 = net.node[0].dev, *d1 = net.node[1].dev;
	struct wg_peer *p01 = h_peer(&net, 0, 1), *p10 = h_peer(&net, 1, 0);
	int err = 0;
	struct wg_peer *p02 = wg_device_peer_add(d0, net.node[2].public_key, &err);
	assert_non_null(p02);
	uint8_t other[4] = {192, 168, 0, 3};
	assert_int_equal(wg_peer_allowed_ip_add(d0, p02, AF_INET, other, 32), 0);
	uint8_t extra6[16] = {0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
	assert_int_equal(wg_peer_allowed_ip_add(d0, p01, AF_INET6, extra6, 64), 0);

	/* The prefix is masked like on add; another peer's prefix and an absent one are -ENOENT. */
	uint8_t tun1_unmasked[4] = {192, 168, 0, 2};
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET, other, 32), -ENOENT);
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET, tun1_unmasked, 31), -ENOENT);
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET, tun1_unmasked, 33), -EINVAL);
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET6, extra6, 129), -EINVAL);
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_UNIX, extra6, 8), -EINVAL);
	extra6[15] = 0x99; /* host bits: still the same /64 */
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET6, extra6, 64), 0);
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET6, extra6, 64), -ENOENT);
	int n = 0;
	wg_peer_foreach_allowed_ip(d0, p01, count_ips, &n);
	assert_int_equal(n, 1);

	/* Node 0 loses its route to 192.168.0.2; node 2's prefix stays. */
	assert_int_equal(wg_peer_allowed_ip_remove(d0, p01, AF_INET, tun1_unmasked, 32), 0);
	n = 0;
	wg_peer_foreach_allowed_ip(d0, p01, count_ips, &n);
	assert_int_equal(n, 0);
	n = 0;
	wg_peer_foreach_allowed_ip(d0, p02, count_ips, &n);
	assert_int_equal(n, 1);
	h_send_ip(&net, 0, 1, 10);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_NO_ROUTE), 1);

	/* Node 1 no longer accepts 192.168.0.1 as a source from node 0. */
	uint8_t tun0[4] = {192, 168, 0, 1};
	assert_int_equal(wg_peer_allowed_ip_remove(d1, p10, AF_INET, tun0, 32), 0);
	h_send_ip(&net, 1, 0, 10);
	h_pump(&net);
	assert_int_equal(net.node[0].delivered, 0);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_ALLOWED_IPS), 0);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_NO_ROUTE), 1);
	uint8_t buf[H_MAX_PACKET];
	size_t len = h_ip4(buf, 1, 2, 10);
	assert_int_equal(wg_peer_allowed_ip_add(d0, p01, AF_INET, tun1_unmasked, 32), 0);
	wg_device_tun_input(d0, buf, len, &net.now);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_ALLOWED_IPS), 1);
}

struct order_check {
	uint8_t (*keys)[32];
	const bool *removed;
	unsigned next;
	unsigned seen;
};

static int check_order(void *ctx, struct wg_peer *peer)
{
	struct order_check *oc = ctx;
	struct wg_peer_info info;
	wg_peer_info(peer, &info);
	while (oc->removed[oc->next])
		oc->next++;
	assert_memory_equal(info.public_key, oc->keys[oc->next], 32);
	oc->next++;
	oc->seen++;
	return 0;
}

/* The public-key table across resizes and removals: every peer is found, removed ones are not,
 * and listing keeps insertion order. */
static void test_many_peers_lookup(void **state)
{
	enum { N = 300 };
	static uint8_t keys[N][32];
	static struct wg_peer *peers[N];
	static bool removed[N];
	struct wg_device *dev = net.node[2].dev;
	for (unsigned i = 0; i < N; i++) {
		memset(keys[i], 0, 32);
		keys[i][0] = (uint8_t)(i * 7 + 1);
		keys[i][1] = (uint8_t)(i >> 8);
		keys[i][31] = 0x40;
		int err = 0;
		peers[i] = wg_device_peer_add(dev, keys[i], &err);
		assert_non_null(peers[i]);
		removed[i] = false;
	}
	for (unsigned i = 0; i < N; i++) {
		assert_ptr_equal(wg_device_peer_find(dev, keys[i]), peers[i]);
		int err = 0;
		assert_ptr_equal(wg_device_peer_add(dev, keys[i], &err), peers[i]);
	}
	uint8_t absent[32] = {0xee};
	assert_null(wg_device_peer_find(dev, absent));
	for (unsigned i = 0; i < N; i += 3) {
		wg_device_peer_remove(dev, peers[i]);
		removed[i] = true;
	}
	for (unsigned i = 0; i < N; i++) {
		if (removed[i])
			assert_null(wg_device_peer_find(dev, keys[i]));
		else
			assert_ptr_equal(wg_device_peer_find(dev, keys[i]), peers[i]);
	}
	struct order_check oc = {keys, removed, 0, 0};
	assert_int_equal(wg_device_foreach_peer(dev, check_order, &oc), 0);
	assert_int_equal(oc.seen, N - (N + 2) / 3);
	/* Re-adding a removed key gives a fresh peer that is found again. */
	int err = 0;
	struct wg_peer *again = wg_device_peer_add(dev, keys[0], &err);
	assert_non_null(again);
	assert_ptr_equal(wg_device_peer_find(dev, keys[0]), again);
	wg_device_peers_clear(dev);
	for (unsigned i = 0; i < N; i++)
		assert_null(wg_device_peer_find(dev, keys[i]));
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_is_32_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replayed_data_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_data_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inner_source_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roaming_follows_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_source_does_not_roam, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staging_while_handshaking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_datagrams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allowed_ip_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_peers_lookup, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
