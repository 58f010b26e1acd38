/* The core with a blocking key provider (a stand-in for an SE050 whose DH runs on the daemon's
 * key worker, here the harness's simulated worker): handshakes wait as pending requests and resume
 * when the answer comes, while the data path goes on; static-static is computed lazily and once;
 * exactly one chip operation per handshake afterwards; answers for handshakes that are gone are
 * ignored; a stuck chip makes the device "under load" and old requests expire; and the chip is
 * shared fairly under attack (configured peers first, the wear budget's reserve, round robin). */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/random.h"
#include "forge.h"
#include "support/test_main.h"
#include "test_core_harness.h"
#include "wg/device.h"
#include "wg/noise.h"
#include "wg/peer.h"
#include "wg/static_dh.h"

#define MS  1000000ull
#define SEC 1000000000ull

static struct h_net net;

/* A fresh network of n nodes (keys from seed) whose node 0 holds its key in a chip (40 ms per DH)
 * that answers only when the test runs its jobs (h_dh_run). */
static void manual_chip_net(int n, uint8_t seed)
{
	h_init(&net, n, seed);
	h_use_chip(&net, 0, 40 * MS);
	net.node[0].dh_manual = true;
}

static int teardown(void **state)
{
	return h_teardown(&net);
}

/* Hands out the simulated worker's jobs one by one, pumping the network after each, until none is
 * left; returns how many ran. */
static unsigned run_all(int node)
{
	unsigned n = 0;
	while (h_dh_run(&net, node, 1)) {
		h_pump(&net);
		n++;
	}
	return n;
}

static void handshake_both_roles(void **state)
{
	h_init(&net, 2, 9);
	struct h_chip *c0 = h_use_chip(&net, 0, 40 * MS);
	struct h_chip *c1 = h_use_chip(&net, 1, 40 * MS);
	h_pair(&net, 0, 1);
	assert_int_equal(net.node[0].dh_submitted + net.node[1].dh_submitted, 0);

	h_send_ip(&net, 0, 1, 100);
	/* The initiator needs static-static first: requested, nothing sent yet. */
	assert_int_equal(net.node[0].dh_submitted, 1);
	assert_int_equal(net.node[0].sent[1], 0);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 1);
	h_advance(&net, SEC);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[1].last_delivered_len, 120);
	/* first handshake: ss + se on the initiator, es + ss on the responder */
	assert_int_equal(c0->calls, 2);
	assert_int_equal(c1->calls, 2);
	assert_int_equal(h_stats(&net, 0).key_provider_calls, 2);
	assert_int_equal(h_stats(&net, 1).key_provider_calls, 2);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 0);

	/* Later handshakes, either side initiating: one chip operation per side each. */
	for (unsigned i = 1; i <= 4; i++) {
		int a = i % 2, b = 1 - a;
		h_advance(&net, 6 * SEC);
		wg_peer_initiate_handshake(net.node[a].dev, h_peer(&net, a, b), &net.now);
		h_advance(&net, SEC);
		assert_int_equal(c0->calls, 2 + i);
		assert_int_equal(c1->calls, 2 + i);
		assert_int_equal(h_stats(&net, a).handshakes_completed, 1 + i);
	}
	h_send_ip(&net, 1, 0, 10);
	h_pump(&net);
	assert_int_equal(net.node[0].delivered, 1);
	assert_int_equal(c0->refused + c1->refused, 0);
}

static void data_flows_while_a_handshake_waits(void **state)
{
	manual_chip_net(3, 10);
	h_pair(&net, 0, 1);
	h_pair(&net, 0, 2);
	h_send_ip(&net, 1, 0, 10);
	h_pump(&net);
	assert_int_equal(run_all(0), 2); /* es, then static-static */
	assert_int_equal(net.node[0].delivered, 1);

	/* Node 2 starts a handshake: node 0's es waits for the chip... */
	h_send_ip(&net, 2, 0, 10);
	h_pump(&net);
	assert_int_equal(net.node[0].dh_count, 1);
	assert_int_equal(net.node[0].sent[2], 1);
	/* ...and the established session moves data both ways meanwhile. */
	for (int i = 0; i < 20; i++) {
		h_send_ip(&net, 0, 1, 50);
		h_send_ip(&net, 1, 0, 50);
		h_pump(&net);
	}
	assert_int_equal(net.node[1].delivered, 20);
	assert_int_equal(net.node[0].delivered, 21);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 1);
	assert_int_equal(net.node[0].sent[2], 1);

	assert_int_equal(run_all(0), 2);
	assert_int_equal(net.node[0].sent[2], 2);
	assert_int_equal(net.node[0].delivered, 22); /* node 2's packet, after its handshake */
}

static void thousand_peers_cost_no_chip_operation(void **state)
{
	h_init(&net, 1, 11);
	struct h_chip *c = h_use_chip(&net, 0, 40 * MS);
	for (int i = 0; i < 1000; i++) {
		uint8_t pub[32];
		random_bytes(pub, sizeof(pub));
		int err = 0;
		struct wg_peer *p = wg_device_peer_add(net.node[0].dev, pub, &err);
		assert_non_null(p);
		uint8_t ip[4] = {10, 9, (uint8_t)(i >> 8), (uint8_t)i};
		assert_int_equal(wg_peer_allowed_ip_add(net.node[0].dev, p, AF_INET, ip, 32), 0);
		wg_peer_config_done(net.node[0].dev, p, &net.now);
	}
	assert_int_equal(net.node[0].dh_submitted, 0);
	assert_int_equal(c->calls, 0);
	/* A new interface key does not compute them either. */
	uint8_t other[32];
	memset(other, 0x42, sizeof(other));
	memcpy(net.node[0].private_key, other, 32);
	struct h_chip *c2 = h_use_chip(&net, 0, 40 * MS);
	assert_int_equal(net.node[0].dh_submitted, 0);
	assert_int_equal(c2->calls, 0);
	wg_device_peers_clear(net.node[0].dev);
}

static void one_chip_operation_per_initiation(void **state)
{
	manual_chip_net(2, 12);
	h_pair(&net, 0, 1);
	net.blackhole[0] = true;
	h_send_ip(&net, 1, 0, 10);
	struct h_datagram d = h_last_sent(&net, 1, 1)->d;
	net.blackhole[0] = false;
	/* The same initiation three times while its es waits: one chip operation. */
	for (int i = 0; i < 3; i++)
		wg_device_udp_input(net.node[0].dev, d.data, d.len, &d.from, &net.now);
	assert_int_equal(net.node[0].dh_submitted, 1);
	assert_int_equal(run_all(0), 2); /* es, static-static */
	assert_int_equal(net.node[0].sent[2], 1);
	assert_int_equal(net.node[0].dh_submitted, 2);

	/* Our own initiation waits for static-static; the retransmission timer does not ask again.
	 */
	h_free(&net);
	manual_chip_net(2, 13);
	h_pair(&net, 0, 1);
	h_send_ip(&net, 0, 1, 10);
	assert_int_equal(net.node[0].dh_submitted, 1);
	h_advance(&net, 12 * SEC);
	assert_int_equal(net.node[0].dh_submitted, 1);
	assert_int_equal(net.node[0].sent[1], 0);
	h_dh_run(&net, 0, 1);
	assert_int_equal(net.node[0].sent[1], 1);
	h_pump(&net);
	assert_int_equal(run_all(0), 1); /* se */
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[0].dh_submitted, 2);
}

static void answers_for_vanished_handshakes_are_ignored(void **state)
{
	/* The interface key changes while the chip computes es under the old one. */
	manual_chip_net(2, 14);
	h_pair(&net, 0, 1);
	h_send_ip(&net, 1, 0, 10);
	h_pump(&net);
	assert_int_equal(net.node[0].dh_count, 1);
	memset(net.node[0].private_key, 0x31, 32);
	h_use_chip(&net, 0, 40 * MS);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 1); /* still with the worker */
	assert_int_equal(h_dh_run(&net, 0, 1), 1);               /* the old provider's answer */
	h_pump(&net);
	assert_int_equal(net.node[0].sent[2], 0);
	assert_int_equal(net.node[0].dh_count, 0);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 0);

	/* The peer is removed while its static-static is computed. */
	h_free(&net);
	manual_chip_net(2, 15);
	h_pair(&net, 0, 1);
	h_send_ip(&net, 0, 1, 10);
	assert_int_equal(net.node[0].dh_count, 1);
	wg_device_peer_remove(net.node[0].dev, h_peer(&net, 0, 1));
	assert_int_equal(h_dh_run(&net, 0, 1), 1);
	assert_int_equal(net.node[0].sent[1], 0);

	/* A response whose initiation was replaced by a retransmission while se was computed. */
	h_free(&net);
	manual_chip_net(2, 16);
	h_pair(&net, 0, 1);
	h_send_ip(&net, 0, 1, 10);
	h_dh_run(&net, 0, 1); /* ss: the initiation goes out */
	h_pump(&net);         /* node 1 answers; node 0's se waits */
	assert_int_equal(net.node[0].dh_count, 1);
	h_advance(&net, 6 * SEC); /* retransmission: a new initiation, a new answer (dropped: one
	                             response per handshake at the chip) */
	assert_int_equal(net.node[0].sent[1], 2);
	assert_int_equal(net.node[0].dh_count, 1);
	struct wg_device_stats before = h_stats(&net, 0);
	h_dh_run(&net, 0, 1); /* the stale se */
	assert_int_equal(wg_peer_keypair_count(h_peer(&net, 0, 1)), 0);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_HANDSHAKE],
	                 before.dropped[WG_DROP_HANDSHAKE] + 1);
	/* the next retransmission completes */
	h_advance(&net, 6 * SEC);
	h_dh_run(&net, 0, 1);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
}

static struct wg_endpoint endpoint(uint32_t addr, uint16_t port)
{
	struct wg_endpoint ep;
	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_addr.s_addr = htonl(addr);
	ep.addr.in4.sin_port = htons(port);
	return ep;
}

static void send_forged(int node, struct peer_cookie *pc, const struct wg_endpoint *from)
{
	struct msg_initiation msg;
	forge_initiation(pc, &msg, net.now.mono_ns);
	wg_device_udp_input(net.node[node].dev, (uint8_t *)&msg, sizeof(msg), from, &net.now);
}

/* The pending handshakes' queue is an entry of the device's wake-up heap (timer_queue.h), so a
 * request waiting for the key worker is given up exactly at its 2 s however many idle peers are
 * configured (none of them is in the heap), and the queue leaves the heap once nothing waits. */
static void pending_handshakes_expire_on_time(void **state)
{
	manual_chip_net(1, 19); /* the chip never answers */
	struct wg_device *dev = net.node[0].dev;
	for (int i = 0; i < 1000; i++) {
		uint8_t key[32];
		int err = 0;
		random_bytes(key, sizeof(key));
		assert_non_null(wg_device_peer_add(dev, key, &err));
	}
	struct peer_cookie pc;
	peer_cookie_init(&pc, net.node[0].public_key);
	/* Three sources: two requests go to the worker, the third waits. */
	for (uint32_t i = 0; i < 3; i++) {
		struct wg_endpoint ep = endpoint(0xc6336401 + i, 1000);
		send_forged(0, &pc, &ep);
	}
	assert_int_equal(net.node[0].dh_submitted, SDH_IN_FLIGHT_MAX);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 3);
	assert_int_equal(dev->timer_queue.n, 1);
	assert_ptr_equal(dev->timer_queue.heap[0], &dev->sdh.wake);
	uint64_t t0 = net.now.mono_ns;
	struct wg_time at = net.now;
	/* While one waits, the device wants to look again within the poll interval... */
	assert_int_equal(wg_device_tick(dev, &at), t0 + SDH_POLL_NS);
	/* ...and, just before the give-up, exactly at it. */
	at.mono_ns = t0 + SDH_WAIT_MAX_NS - 1;
	assert_int_equal(wg_device_tick(dev, &at), t0 + SDH_WAIT_MAX_NS);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, 3);
	at.mono_ns = t0 + SDH_WAIT_MAX_NS;
	uint64_t next = wg_device_tick(dev, &at);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, SDH_IN_FLIGHT_MAX);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_KEY_QUEUE], 1);
	/* Only requests with the worker left: the queue wakes up only when they would count as
	 * lost, and the device's wake-up is its ordinary at most 10 s. */
	assert_true(next > at.mono_ns + SDH_POLL_NS);
	assert_int_equal(dev->timer_queue.n, 1);
	assert_int_equal(dev->sdh.wake.wake_at, t0 + SDH_LOST_NS);
}

static void stuck_chip_means_under_load(void **state)
{
	manual_chip_net(1, 17); /* the chip never answers */
	struct peer_cookie pc;
	peer_cookie_init(&pc, net.node[0].public_key);
	/* One source keeps at most SDH_PER_SOURCE requests waiting (its oldest makes room). */
	struct wg_endpoint one = endpoint(0xc6336401, 1000);
	for (int i = 0; i < 5; i++)
		send_forged(0, &pc, &one);
	assert_int_equal(net.node[0].dh_submitted, SDH_IN_FLIGHT_MAX);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, SDH_IN_FLIGHT_MAX + SDH_PER_SOURCE);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_KEY_QUEUE], 1);
	/* Many sources: from 1/8 of the queue on, the device is under load and wants cookies. */
	for (uint32_t i = 0; i < SDH_LOAD_THRESHOLD; i++) {
		struct wg_endpoint ep = endpoint(0xc6336410 + i, 1000);
		send_forged(0, &pc, &ep);
	}
	/* queued until the threshold, then cookie replies */
	unsigned queued = SDH_LOAD_THRESHOLD - SDH_IN_FLIGHT_MAX - SDH_PER_SOURCE;
	assert_int_equal(h_stats(&net, 0).static_dh_pending, SDH_LOAD_THRESHOLD);
	assert_int_equal(h_stats(&net, 0).cookie_replies_sent, SDH_LOAD_THRESHOLD - queued);
	struct wg_endpoint late = endpoint(0xc6336480, 1000);
	send_forged(0, &pc, &late);
	assert_int_equal(h_stats(&net, 0).cookie_replies_sent, SDH_LOAD_THRESHOLD - queued + 1);
	/* Waiting requests give up after SDH_WAIT_MAX_NS; the two with the worker stay. */
	h_advance(&net, SDH_WAIT_MAX_NS + 100 * MS);
	assert_int_equal(h_stats(&net, 0).static_dh_pending, SDH_IN_FLIGHT_MAX);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_KEY_QUEUE],
	                 1 + SDH_LOAD_THRESHOLD - SDH_IN_FLIGHT_MAX);
	/* The chip comes back: junk turns out to be junk; nothing else was asked of it. */
	assert_int_equal(run_all(0), SDH_IN_FLIGHT_MAX);
	assert_int_equal(h_stats(&net, 0).dropped[WG_DROP_HANDSHAKE], SDH_IN_FLIGHT_MAX);
	assert_int_equal(net.node[0].dh_submitted, SDH_IN_FLIGHT_MAX);
}

/* Collects the cookie replies node sent to `to` since *seen. */
static void attacker_reads_cookies(struct peer_cookie *pc, const struct wg_endpoint *to,
                                   unsigned *seen, unsigned *cookies)
{
	for (; *seen < net.captured; ++*seen) {
		const struct h_capture *c = &net.capture[*seen];
		if (c->d.to != -1 || c->d.data[0] != MSG_COOKIE_REPLY ||
		    c->d.dst.addr.in4.sin_addr.s_addr != to->addr.in4.sin_addr.s_addr)
			continue;
		if (cookie_consume_reply(pc, (const struct msg_cookie_reply *)c->d.data,
		                         net.now.mono_ns))
			++*cookies;
	}
}

/* The attack of issue 9: 5 initiations/s with a valid mac1 from one real address that answers
 * cookies, against an SE050-keyed responder with a wear budget. The legitimate peer (configured
 * endpoint) must keep completing its handshakes, and the budget must hold. */
static void attacker_cannot_take_the_budget(void **state)
{
	h_init(&net, 2, 18);
	struct h_chip *chip = h_use_chip(&net, 0, 40 * MS);
	h_chip_budget(chip, 8, 12); /* burst 8 (2 kept for peers), 12 per minute */
	h_pair(&net, 0, 1);
	struct peer_cookie pc;
	peer_cookie_init(&pc, net.node[0].public_key);
	struct wg_endpoint attacker = endpoint(0x0a000063, 4444);
	unsigned seen = 0, cookies = 0;
	const uint64_t duration = 60 * SEC;
	uint64_t start = net.now.mono_ns;

	/* A handshake every 12 s: more than the 5 s an initiator waits between two initiations
	 * plus one cookie round trip. */
	for (uint64_t t = 0; t < duration; t += 200 * MS) {
		if (t % (12 * SEC) == 0)
			wg_peer_initiate_handshake(net.node[1].dev, h_peer(&net, 1, 0), &net.now);
		send_forged(0, &pc, &attacker);
		h_advance(&net, 200 * MS);
		attacker_reads_cookies(&pc, &attacker, &seen, &cookies);
	}
	h_advance(&net, 6 * SEC); /* the last handshake's cookie round trip */

	/* Every legitimate handshake completed, each after at most one cookie round trip. */
	assert_int_equal(h_stats(&net, 1).handshakes_completed, 5);
	/* The attack was real: it got a cookie, passed the gate, and took every token above the
	 * reserve: the legitimate peer used 6 (static-static once, es five times). */
	assert_true(cookies > 0);
	assert_true(h_stats(&net, 0).cookie_replies_sent > 0);
	assert_true(chip->calls >= 6 + 8);
	/* The budget held: burst + refill over the whole run, and the core never asked the chip
	 * for an operation the budget would refuse. */
	uint64_t elapsed_ms = (net.now.mono_ns - start) / MS;
	assert_true(chip->calls <= 8 + 12 * elapsed_ms / 60000);
	assert_int_equal(chip->refused, 0);
}

/* Without a budget in the way, the chip's time is shared: a source that was not served recently
 * goes before one that keeps asking. Node 1 is configured without an endpoint, so it is an
 * ordinary source like the attacker. */
static void sources_take_turns(void **state)
{
	h_init(&net, 2, 19);
	h_use_chip(&net, 0, 100 * MS);
	int err;
	struct wg_peer *p = wg_device_peer_add(net.node[0].dev, net.node[1].public_key, &err);
	uint8_t tun1[4] = {192, 168, 0, 2};
	wg_peer_allowed_ip_add(net.node[0].dev, p, AF_INET, tun1, 32);
	p = wg_device_peer_add(net.node[1].dev, net.node[0].public_key, &err);
	wg_peer_set_endpoint(p, &net.node[0].addr);
	uint8_t tun0[4] = {192, 168, 0, 1};
	wg_peer_allowed_ip_add(net.node[1].dev, p, AF_INET, tun0, 32);

	struct peer_cookie pc;
	peer_cookie_init(&pc, net.node[0].public_key);
	struct wg_endpoint attacker = endpoint(0x0a000063, 4444);
	/* The attacker keeps the chip busy: 20 per second (the rate limiter's limit), 10 ops/s. */
	for (int i = 0; i < 10; i++) {
		send_forged(0, &pc, &attacker);
		h_advance(&net, 50 * MS);
	}
	uint64_t asked = net.now.mono_ns;
	h_send_ip(&net, 1, 0, 10);
	uint64_t answered = 0;
	for (int i = 0; i < 20 && !answered; i++) {
		send_forged(0, &pc, &attacker);
		h_advance(&net, 50 * MS);
		if (net.node[0].sent[2])
			answered = net.now.mono_ns;
	}
	/* es and static-static each go to the worker as soon as one of its two operations ends:
	 * answered within five operation times (100 ms each). First come, first served would put
	 * the attacker's two waiting requests before each of them: seven (measured: 700 ms). */
	assert_true(answered != 0);
	assert_true(answered - asked <= 5 * 100 * MS);
	h_advance(&net, SEC);
	assert_int_equal(net.node[0].delivered, 1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(handshake_both_roles, teardown),
        cmocka_unit_test_teardown(data_flows_while_a_handshake_waits, teardown),
        cmocka_unit_test_teardown(thousand_peers_cost_no_chip_operation, teardown),
        cmocka_unit_test_teardown(one_chip_operation_per_initiation, teardown),
        cmocka_unit_test_teardown(answers_for_vanished_handshakes_are_ignored, teardown),
        cmocka_unit_test_teardown(stuck_chip_means_under_load, teardown),
        cmocka_unit_test_teardown(pending_handshakes_expire_on_time, teardown),
        cmocka_unit_test_teardown(attacker_cannot_take_the_budget, teardown),
        cmocka_unit_test_teardown(sources_take_turns, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
