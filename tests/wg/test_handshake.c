/* The Noise IKpsk2 handshake between two in-memory devices: both directions, the key-provider call
 * budget, mac1 before DH, replayed and flooded initiations, unknown keys, preshared keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/blake2s.h"
#include "keys/soft.h"
#include "support/test_main.h"
#include "test_core_harness.h"
#include "wg/noise.h"
#include "wg/peer.h"

H_FIXTURE(3, 7, H_UNPAIRED)

/* The chaining key and hash every handshake starts from (wireguard-reference.md §1.1). */
static void test_initial_constants(void **state)
{
	static const uint8_t ck[32] = {0x60, 0xe2, 0x6d, 0xae, 0xf3, 0x27, 0xef, 0xc0,
	                               0x2e, 0xc3, 0x35, 0xe2, 0xa0, 0x25, 0xd2, 0xd0,
	                               0x16, 0xeb, 0x42, 0x06, 0xf8, 0x72, 0x77, 0xf5,
	                               0x2d, 0x38, 0xd1, 0x98, 0x8b, 0x78, 0xcd, 0x36};
	static const uint8_t h[32] = {0x22, 0x11, 0xb3, 0x61, 0x08, 0x1a, 0xc5, 0x66,
	                              0x69, 0x12, 0x43, 0xdb, 0x45, 0x8a, 0xd5, 0x32,
	                              0x2d, 0x9c, 0x6c, 0x66, 0x22, 0x93, 0xe8, 0xb7,
	                              0x0e, 0xe1, 0x9c, 0x65, 0xba, 0x07, 0x9e, 0xf3};
	struct noise_constants c;
	noise_constants_init(&c);
	assert_memory_equal(c.chaining_key, ck, 32);
	assert_memory_equal(c.hash, h, 32);
}

static void handshake_and_data(int a, int b)
{
	h_pair(&net, a, b);
	/* Configuring a peer costs no key-provider operation: static-static waits for the first
	 * handshake. */
	assert_int_equal(h_stats(&net, a).key_provider_calls, 0);
	assert_int_equal(h_stats(&net, b).key_provider_calls, 0);

	h_send_ip(&net, a, b, 100);
	h_pump(&net);
	assert_int_equal(net.node[a].sent[1], 1);
	assert_int_equal(net.node[b].sent[2], 1);
	assert_int_equal(net.node[b].delivered, 1);
	assert_int_equal(net.node[b].last_delivered_len, 120);
	/* The first handshake: static-static once per side, plus es on the responder and se on
	 * the initiator. */
	assert_int_equal(h_stats(&net, a).key_provider_calls, 2);
	assert_int_equal(h_stats(&net, b).key_provider_calls, 2);

	struct wg_device_stats st = h_stats(&net, a);
	assert_int_equal(st.handshakes_initiated, 1);
	assert_int_equal(st.handshakes_completed, 1);
	st = h_stats(&net, b);
	assert_int_equal(st.handshakes_completed, 1);

	/* The reverse direction now works without a new handshake. */
	h_send_ip(&net, b, a, 10);
	h_pump(&net);
	assert_int_equal(net.node[a].delivered, 1);
	assert_int_equal(net.node[a].last_delivered_len, 30);
	assert_int_equal(net.node[a].sent[1] + net.node[b].sent[1], 1);

	struct wg_peer_info info;
	wg_peer_info(h_peer(&net, a, b), &info);
	assert_int_equal(info.last_handshake_sec, net.now.real_sec);
	assert_true(info.tx_bytes > 0 && info.rx_bytes > 0);
	assert_true(info.has_endpoint);

	/* Every later handshake: exactly one static-key DH per side (static-static is cached). */
	for (int i = 1; i <= 3; i++) {
		h_advance(&net, 6 * 1000000000ull);
		wg_peer_initiate_handshake(net.node[i % 2 ? b : a].dev,
		                           h_peer(&net, i % 2 ? b : a, i % 2 ? a : b), &net.now);
		h_pump(&net);
		assert_int_equal(h_stats(&net, a).key_provider_calls, 2 + (uint64_t)i);
		assert_int_equal(h_stats(&net, b).key_provider_calls, 2 + (uint64_t)i);
	}
	st = h_stats(&net, a);
	assert_int_equal(st.handshakes_completed, 4);
}

static void test_handshake_a_to_b(void **state)
{
	handshake_and_data(0, 1);
}

static void test_handshake_b_to_a(void **state)
{
	handshake_and_data(1, 0);
}

static void test_mac1_checked_before_dh(void **state)
{
	h_pair(&net, 0, 1);
	net.blackhole[1] = true;
	h_send_ip(&net, 0, 1, 10);
	const struct h_capture *c = h_last_sent(&net, 0, 1);
	assert_non_null(c);
	struct h_datagram d = c->d;
	net.blackhole[1] = false;

	uint64_t before = h_stats(&net, 1).key_provider_calls;
	d.data[116] ^= 1; /* first byte of mac1 */
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_MAC1), 1);
	assert_int_equal(h_stats(&net, 1).key_provider_calls, before);
	assert_int_equal(net.node[1].sent[2], 0);

	/* The untouched message still works. */
	d.data[116] ^= 1;
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(h_stats(&net, 1).key_provider_calls,
	                 before + 2); /* es, and static-static the first time */
}

static void test_replayed_initiation_rejected(void **state)
{
	h_pair(&net, 0, 1);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	const struct h_capture *c = h_last_sent(&net, 0, 1);
	struct h_datagram d = c->d;

	/* Well past the flood limit, so only the timestamp can reject it. */
	h_advance(&net, 2 * 1000000000ull);
	wg_device_udp_input(net.node[1].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);
	assert_int_equal(net.node[1].sent[2], 1);
	/* The session survives the replay. */
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);
}

static void test_initiation_flood_rejected(void **state)
{
	h_pair(&net, 0, 1);
	net.blackhole[1] = true;
	struct wg_peer *p = h_peer(&net, 0, 1);
	wg_peer_initiate_handshake(net.node[0].dev, p, &net.now);
	struct h_datagram first = h_last_sent(&net, 0, 1)->d;
	/* A second initiation with a newer timestamp but only 10 ms later. */
	net.now.mono_ns += 6 * 1000000000ull;
	net.now.real_sec += 6;
	wg_peer_initiate_handshake(net.node[0].dev, p, &net.now);
	struct h_datagram second = h_last_sent(&net, 0, 1)->d;
	assert_memory_not_equal(first.data, second.data, 148);
	net.blackhole[1] = false;

	wg_device_udp_input(net.node[1].dev, first.data, first.len, &first.from, &net.now);
	assert_int_equal(net.node[1].sent[2], 1);
	net.now.mono_ns += 10 * 1000000ull;
	wg_device_udp_input(net.node[1].dev, second.data, second.len, &second.from, &net.now);
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);
	/* After 1/50 s the same message is fine. */
	net.now.mono_ns += 20 * 1000000ull;
	wg_device_udp_input(net.node[1].dev, second.data, second.len, &second.from, &net.now);
	assert_int_equal(net.node[1].sent[2], 2);
}

static void test_unknown_key_gets_nothing_through(void **state)
{
	h_pair(&net, 0, 1);
	/* Node 2 knows node 1's public key, but node 1 does not know node 2. */
	int err;
	struct wg_peer *p = wg_device_peer_add(net.node[2].dev, net.node[1].public_key, &err);
	wg_peer_set_endpoint(p, &net.node[1].addr);
	uint8_t tun[4] = {192, 168, 0, 2};
	wg_peer_allowed_ip_add(net.node[2].dev, p, AF_INET, tun, 32);

	h_send_ip(&net, 2, 1, 50);
	h_pump(&net);
	assert_int_equal(net.node[2].sent[1], 1);
	assert_int_equal(net.node[1].sent[2], 0);
	assert_int_equal(net.node[1].delivered, 0);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);
	assert_int_equal(wg_peer_keypair_count(h_peer(&net, 1, 0)), 0);
}

static void set_psk(int a, int b, uint8_t fill)
{
	uint8_t psk[32];
	memset(psk, fill, sizeof(psk));
	wg_peer_set_preshared_key(h_peer(&net, a, b), psk);
}

/* Pairs nodes 0 and 1, each with its own preshared key for the other, and sends 0 -> 1. */
static void send_with_psks(uint8_t psk_fill_0, uint8_t psk_fill_1)
{
	h_pair(&net, 0, 1);
	set_psk(0, 1, psk_fill_0);
	set_psk(1, 0, psk_fill_1);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
}

static void test_preshared_key_match(void **state)
{
	send_with_psks(0x5a, 0x5a);
	assert_int_equal(net.node[1].delivered, 1);
	struct wg_peer_info info;
	wg_peer_info(h_peer(&net, 0, 1), &info);
	assert_int_equal(info.preshared_key[0], 0x5a);
}

static void test_preshared_key_mismatch_fails(void **state)
{
	send_with_psks(0x5a, 0xa5);
	/* The responder cannot tell (the psk enters only the response); the initiator rejects it.
	 */
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_HANDSHAKE), 1);
	assert_int_equal(net.node[1].delivered, 0);
	assert_int_equal(wg_peer_keypair_count(h_peer(&net, 0, 1)), 0);
}

static void test_responder_waits_for_confirmation(void **state)
{
	h_pair(&net, 0, 1);
	net.blackhole[0] = true;
	wg_peer_initiate_handshake(net.node[0].dev, h_peer(&net, 0, 1), &net.now);
	h_pump(&net);
	/* Node 1 answered and holds the new keypair as "next": it must not send data with it. */
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(wg_peer_keypair_count(h_peer(&net, 1, 0)), 1);
	h_send_ip(&net, 1, 0, 10);
	assert_int_equal(net.node[1].sent[4], 0);
	net.blackhole[0] = false;

	/* Deliver the response by hand; the initiator confirms with the first data/keepalive. */
	struct h_datagram resp = h_last_sent(&net, 1, 2)->d;
	wg_device_udp_input(net.node[0].dev, resp.data, resp.len, &resp.from, &net.now);
	assert_int_equal(net.node[0].keepalives, 1);
	h_pump(&net);
	/* Confirmed: the staged packet went out and arrived. */
	assert_int_equal(net.node[1].sent[4], 1);
	assert_int_equal(net.node[0].delivered, 1);
}

static void test_key_change_recomputes_static_static(void **state)
{
	h_pair(&net, 0, 1);
	h_pair(&net, 0, 2);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	uint64_t before = h_stats(&net, 0).key_provider_calls;

	/* Same key again (wg setconf repeating it): nothing changes. */
	wg_device_set_key(net.node[0].dev, soft_key_provider_new(net.node[0].private_key),
	                  &net.now);
	assert_int_equal(h_stats(&net, 0).key_provider_calls, before);
	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 2);

	/* A new key: no key-provider operation in the request itself, and the old sessions stop
	 * sending. */
	uint8_t other[32];
	memset(other, 0x77, sizeof(other));
	h_set_key(&net, 0, other);
	assert_int_equal(h_stats(&net, 0).key_provider_calls, before);
	unsigned data_before = net.node[0].sent[4];
	net.blackhole[1] = true;
	h_advance(&net, 6 * 1000000000ull); /* past the 5 s between two initiations */
	h_send_ip(&net, 0, 1, 10);
	assert_int_equal(net.node[0].sent[4], data_before);
	/* The new initiation needed static-static under the new key: computed now, once. */
	assert_int_equal(h_stats(&net, 0).key_provider_calls, before + 1);
	assert_int_equal(net.node[0].sent[1], 2);
	/* and the other peer's waits for its own first handshake */
	struct wg_peer *p2 = h_peer(&net, 0, 2);
	assert_int_equal(p2->handshake.ss_state, NOISE_SS_NONE);
	assert_int_equal(h_peer(&net, 0, 1)->handshake.ss_state, NOISE_SS_VALID);
}

/* A provider that can be told to fail like an absent or wedged secure element. */
struct flaky_provider {
	struct key_provider base;
	struct key_provider *inner;
	bool fail;
};

static int flaky_dh(struct key_provider *kp, uint8_t shared[KEY_LEN], const uint8_t pub[KEY_LEN])
{
	struct flaky_provider *f = (struct flaky_provider *)kp;
	if (f->fail)
		return -EIO;
	return key_provider_dh(f->inner, shared, pub);
}

static void flaky_destroy(struct key_provider *kp)
{
	struct flaky_provider *f = (struct flaky_provider *)kp;
	key_provider_destroy(f->inner);
	free(f);
}

static const struct key_provider_ops flaky_ops = {
        .name = "flaky", .dh = flaky_dh, .destroy = flaky_destroy};

/* Gives node its own key behind a flaky provider, failing until the test clears f->fail. */
static struct flaky_provider *install_failing_provider(int node)
{
	struct flaky_provider *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->inner = soft_key_provider_new(net.node[node].private_key);
	f->base = *f->inner;
	f->base.ops = &flaky_ops;
	f->fail = true;
	wg_device_set_key(net.node[node].dev, &f->base, &net.now);
	return f;
}

static void test_key_provider_failure_is_transient(void **state)
{
	/* The chip is absent while node 1 is configured: static-static cannot be computed yet. */
	struct flaky_provider *f = install_failing_provider(1);
	assert_ptr_equal(wg_device_key(net.node[1].dev), &f->base);
	h_pair(&net, 0, 1);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_KEY_PROVIDER), 0); /* not asked yet */

	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[1].sent[2], 0);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_KEY_PROVIDER), 1);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_HANDSHAKE), 1);

	/* The chip is back: the retransmission succeeds, static-static computed on demand. */
	f->fail = false;
	uint64_t before = h_stats(&net, 1).key_provider_calls;
	h_advance(&net, 6 * 1000000000ull);
	assert_int_equal(net.node[1].sent[2], 1);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(h_stats(&net, 1).key_provider_calls, before + 2);
}

/* The initiator's own provider fails while it starts a handshake: it must retry on the
 * retransmit schedule (as for a lost initiation), not stop until new traffic arrives. */
static void test_initiator_provider_failure_retries(void **state)
{
	struct flaky_provider *f = install_failing_provider(0);
	h_pair(&net, 0, 1);

	h_send_ip(&net, 0, 1, 10);
	h_pump(&net);
	assert_int_equal(net.node[0].sent[1], 0);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_HANDSHAKE), 1);

	/* The chip is back; no new packet is sent: the retry alone delivers the staged one. */
	f->fail = false;
	h_advance(&net, 6 * 1000000000ull);
	assert_int_equal(net.node[0].sent[1], 1);
	assert_int_equal(net.node[1].delivered, 1);

	/* A provider that stays down is retried for REKEY_ATTEMPT_TIME, then the staged packets
	 * are purged, as for an unreachable peer. */
	f->fail = true;
	wg_device_set_key(net.node[0].dev, NULL, &net.now);
	struct flaky_provider *g = calloc(1, sizeof(*g));
	g->inner = soft_key_provider_new(net.node[0].private_key);
	g->base = *g->inner;
	g->base.ops = &flaky_ops;
	g->fail = true;
	wg_device_set_key(net.node[0].dev, &g->base, &net.now);
	h_advance(&net, 6 * 1000000000ull);
	h_send_ip(&net, 0, 1, 10);
	h_advance(&net, 200 * 1000000000ull);
	assert_int_equal(h_dropped(&net, 0, WG_DROP_HANDSHAKE_TIMEOUT), 1);
	assert_true(h_dropped(&net, 0, WG_DROP_HANDSHAKE) >= 19);
	g->fail = false;
	h_advance(&net, 10 * 1000000000ull);
	assert_int_equal(net.node[1].delivered, 1);
}

static void test_ipv6_inner_packets(void **state)
{
	h_pair(&net, 0, 1);
	uint8_t a6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t b6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	assert_int_equal(
	        wg_peer_allowed_ip_add(net.node[0].dev, h_peer(&net, 0, 1), AF_INET6, b6, 128), 0);
	assert_int_equal(
	        wg_peer_allowed_ip_add(net.node[1].dev, h_peer(&net, 1, 0), AF_INET6, a6, 64), 0);
	uint8_t pkt[60] = {0x60};
	pkt[5] = 20; /* payload length */
	memcpy(pkt + 8, a6, 16);
	memcpy(pkt + 24, b6, 16);
	wg_device_tun_input(net.node[0].dev, pkt, sizeof(pkt), &net.now);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[1].last_delivered_len, 60);
	assert_memory_equal(net.node[1].last_delivered, pkt, 60);
	/* A source outside the /64 is refused. */
	pkt[8] = 0xfe;
	wg_device_tun_input(net.node[0].dev, pkt, sizeof(pkt), &net.now);
	h_pump(&net);
	assert_int_equal(h_dropped(&net, 1, WG_DROP_ALLOWED_IPS), 1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_constants),
        cmocka_unit_test_setup_teardown(test_handshake_a_to_b, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_b_to_a, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac1_checked_before_dh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replayed_initiation_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initiation_flood_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_gets_nothing_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preshared_key_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preshared_key_mismatch_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_responder_waits_for_confirmation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_change_recomputes_static_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initiator_provider_failure_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_provider_failure_is_transient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_inner_packets, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
