/* The device's wake-up queue (timer_queue.c) and what it buys: the heap hands entries back in the
 * order of their wake-up times whatever is scheduled, moved earlier or removed (checked against a
 * plain array); configured peers without a timer are never queued, so a tick does not visit them;
 * and with many peers each retransmits its handshake on its own schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "test_core_harness.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/timer_queue.h"

#define SEC 1000000000ull
#define MS  1000000ull

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void heap_matches_a_plain_array(void **state)
{
	enum { N = 2000 };
	struct timer_entry *entries = calloc(N, sizeof(*entries));
	uint64_t *model = calloc(N, sizeof(*model)); /* wake-up time, 0 = not queued */
	struct timer_queue q = {0};
	assert_non_null(entries);
	assert_non_null(model);
	assert_int_equal(timer_queue_reserve(&q, N), 0);
	uint64_t now = 1;
	for (int round = 0; round < 200000; round++) {
		size_t i = rnd() % N;
		unsigned what = (unsigned)(rnd() % 8);
		if (what < 4) {
			uint64_t at = now + 1 + rnd() % 1000;
			timer_queue_schedule(&q, &entries[i], at);
			if (!model[i] || at < model[i])
				model[i] = at;
		} else if (what == 4) {
			timer_queue_remove(&q, &entries[i]);
			model[i] = 0;
		} else {
			now += rnd() % 40;
			uint64_t min = 0;
			for (size_t k = 0; k < N; k++)
				if (model[k] && (!min || model[k] < min))
					min = model[k];
			assert_int_equal(timer_queue_next(&q), min);
			struct timer_entry *p = timer_queue_pop_due(&q, now);
			if (!min || min > now) {
				assert_null(p);
				continue;
			}
			assert_non_null(p);
			size_t k = (size_t)(p - entries);
			assert_int_equal(model[k], min);
			assert_int_equal(p->pos, 0);
			model[k] = 0;
		}
	}
	size_t queued = 0;
	for (size_t k = 0; k < N; k++)
		queued += model[k] != 0;
	assert_int_equal(q.n, queued);
	timer_queue_free(&q);
	free(entries);
	free(model);
}

H_FIXTURE(2, 31, H_PAIR_0_1)

/* Adds n peers to node 0: random public keys, a /32 each, and (with_endpoint) an address in
 * 198.51.100.0/24 that no node answers. */
static void add_peers(unsigned n, bool with_endpoint, struct wg_peer **out)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t key[32];
		for (int j = 0; j < 32; j += 8) {
			uint64_t r = rnd();
			memcpy(key + j, &r, 8);
		}
		int err = 0;
		struct wg_peer *p = wg_device_peer_add(net.node[0].dev, key, &err);
		assert_non_null(p);
		uint8_t ip[4] = {10, 200, (uint8_t)(i >> 8), (uint8_t)i};
		assert_int_equal(wg_peer_allowed_ip_add(net.node[0].dev, p, AF_INET, ip, 32), 0);
		if (with_endpoint) {
			struct wg_endpoint ep;
			memset(&ep, 0, sizeof(ep));
			ep.addr.in4.sin_family = AF_INET;
			ep.addr.in4.sin_port = htons(40000);
			ep.addr.in4.sin_addr.s_addr = htonl(0xc6336400u + i); /* 198.51.100.x */
			wg_peer_set_endpoint(p, &ep);
		}
		wg_peer_config_done(net.node[0].dev, p, &net.now);
		if (out)
			out[i] = p;
	}
}

static void idle_peers_are_never_queued(void **state)
{
	struct wg_device *dev = net.node[0].dev;
	add_peers(1000, true, NULL);
	assert_int_equal(dev->timer_queue.n, 0);
	assert_int_equal(wg_device_tick(dev, &net.now), net.now.mono_ns + 10 * SEC);
	/* Traffic with the one real peer: only it is queued, however many others there are. */
	h_send_ip(&net, 0, 1, 100);
	h_pump(&net);
	h_send_ip(&net, 1, 0, 100);
	h_pump(&net);
	assert_int_equal(net.node[1].delivered, 1);
	assert_int_equal(net.node[0].delivered, 1);
	assert_int_equal(dev->timer_queue.n, 1);
	assert_ptr_equal(dev->timer_queue.heap[0], &h_peer(&net, 0, 1)->timers.wake);
	/* Removing the active peer takes it out of the queue too. */
	wg_device_peer_remove(dev, h_peer(&net, 0, 1));
	assert_int_equal(dev->timer_queue.n, 0);
}

static void many_peers_retransmit_on_their_own_schedule(void **state)
{
	enum { N = 64 };
	static struct wg_peer *peers[N];
	static uint64_t first[N], second[N];
	add_peers(N, true, peers);
	/* Each asks for a handshake in turn, 100 ms apart; nobody answers. */
	for (unsigned i = 0; i < N; i++) {
		wg_peer_initiate_handshake(net.node[0].dev, peers[i], &net.now);
		h_advance(&net, 100 * MS);
	}
	h_advance(&net, 10 * SEC);
	for (unsigned c = 0; c < net.captured; c++) {
		const struct h_capture *cap = &net.capture[c];
		if (cap->from_node != 0 || cap->d.to != -1 || cap->d.data[0] != 1)
			continue;
		unsigned i = (ntohl(cap->d.dst.addr.in4.sin_addr.s_addr) & 0xff);
		assert_true(i < N);
		if (!first[i])
			first[i] = cap->at_ns;
		else if (!second[i])
			second[i] = cap->at_ns;
	}
	for (unsigned i = 0; i < N; i++) {
		assert_true(first[i] != 0 && second[i] != 0);
		/* REKEY_TIMEOUT plus up to a third of a second of jitter, to the nanosecond */
		assert_true(second[i] - first[i] >= 5 * SEC);
		assert_true(second[i] - first[i] <= 5 * SEC + 333 * MS);
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(heap_matches_a_plain_array),
        cmocka_unit_test_setup_teardown(idle_peers_are_never_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(many_peers_retransmit_on_their_own_schedule, setup,
                                        teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
