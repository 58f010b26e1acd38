/* The transmit batch of the daemon's UDP socket, over loopback: datagrams for several endpoints
 * interleaved in one batch leave as one message (a GSO run) per endpoint and size run, each
 * endpoint receives exactly its datagrams in order, a datagram built in place in the batch's
 * arena is sent without a copy, and a full arena or message table sends the batch first. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/udp.h"
#include "support/test_main.h"

#define RECEIVERS 3

struct fixture {
	struct udp_sock sock;
	struct udp_tx_batch *b;
	int rx[RECEIVERS];
	struct wg_endpoint to[RECEIVERS];
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(udp_open(&f.sock, 0, 0), 0);
	f.b = calloc(1, sizeof(*f.b));
	assert_non_null(f.b);
	for (int i = 0; i < RECEIVERS; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
		                        .sin_addr.s_addr = htonl(0x7f000001)};
		socklen_t alen = sizeof(a);
		f.rx[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_true(f.rx[i] >= 0);
		int size = 4 << 20;
		setsockopt(f.rx[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		assert_int_equal(bind(f.rx[i], (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(f.rx[i], (struct sockaddr *)&a, &alen), 0);
		f.to[i].addr.in4 = a;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	udp_close(&f->sock);
	for (int i = 0; i < RECEIVERS; i++)
		close(f->rx[i]);
	free(f->b);
	return 0;
}

/* Datagram k of a test: its first bytes say which one it is, the rest is a pattern. */
static void fill(uint8_t *p, size_t len, unsigned k)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 31 + i);
	if (len >= 2) {
		p[0] = (uint8_t)(k >> 8);
		p[1] = (uint8_t)k;
	}
}

static void add(struct fixture *f, int to, unsigned k, size_t len)
{
	static uint8_t buf[UDP_MAX_DATAGRAM];
	fill(buf, len, k);
	udp_tx_add(&f->sock, f->b, &f->to[to], buf, len);
}

/* Reads receiver i's datagrams and checks they are exactly ks[0..n) of lens[0..n), in order. */
static void expect(struct fixture *f, int i, const unsigned *ks, const size_t *lens, unsigned n)
{
	static uint8_t got[UDP_MAX_DATAGRAM], want[UDP_MAX_DATAGRAM];
	for (unsigned j = 0; j < n; j++) {
		ssize_t r = recv(f->rx[i], got, sizeof(got), 0);
		assert_int_equal(r, (ssize_t)lens[j]);
		fill(want, lens[j], ks[j]);
		assert_memory_equal(got, want, lens[j]);
	}
	assert_int_equal(recv(f->rx[i], got, sizeof(got), 0), -1); /* nothing more */
	assert_int_equal(errno, EAGAIN);
}

static void interleaved_endpoints_form_one_run_each(void **state)
{
	struct fixture *f = *state;
	unsigned ks[RECEIVERS][20];
	size_t lens[RECEIVERS][20];
	for (unsigned k = 0; k < 60; k++) {
		int to = (int)(k % RECEIVERS);
		ks[to][k / RECEIVERS] = k;
		lens[to][k / RECEIVERS] = 1200;
		add(f, to, k, 1200);
	}
	if (f->sock.gso) {
		assert_int_equal(f->b->n, RECEIVERS);
		for (int i = 0; i < RECEIVERS; i++)
			assert_int_equal(f->b->msg[i].count, 20);
	}
	udp_tx_flush(&f->sock, f->b);
	assert_int_equal(f->b->n, 0);
	for (int i = 0; i < RECEIVERS; i++)
		expect(f, i, ks[i], lens[i], 20);
	assert_int_equal(f->b->send_errors, 0);
}

static void a_shorter_datagram_ends_the_run(void **state)
{
	struct fixture *f = *state;
	if (!f->sock.gso)
		skip();
	const unsigned ks[] = {1, 2, 3, 4, 5};
	const size_t lens[] = {1000, 1000, 500, 1000, 1001};
	for (unsigned j = 0; j < 5; j++)
		add(f, 0, ks[j], lens[j]);
	/* {1000, 1000, 500} | {1000} | {1001}: a run never grows past its first size */
	assert_int_equal(f->b->n, 3);
	assert_int_equal(f->b->msg[0].count, 3);
	assert_int_equal(f->b->msg[0].len, 2500);
	udp_tx_flush(&f->sock, f->b);
	expect(f, 0, ks, lens, 5);
}

static void built_in_place_is_not_copied(void **state)
{
	struct fixture *f = *state;
	const unsigned ks[] = {7, 8, 9};
	const size_t lens[] = {1400, 1400, 1400};
	for (unsigned j = 0; j < 3; j++) {
		uint8_t *p = udp_tx_buffer(&f->sock, f->b, lens[j]);
		assert_non_null(p);
		assert_ptr_equal(p, f->b->arena + f->b->used);
		fill(p, lens[j], ks[j]);
		udp_tx_add(&f->sock, f->b, &f->to[1], p, lens[j]);
	}
	assert_int_equal(f->b->used, 3 * 1400);
	if (f->sock.gso) {
		assert_int_equal(f->b->n, 1);
		assert_int_equal(f->b->msg[0].iovs, 1); /* adjacent in the arena: one piece */
	}
	/* A buffer taken but never queued (the core may abandon it) changes nothing. */
	assert_non_null(udp_tx_buffer(&f->sock, f->b, 1400));
	udp_tx_flush(&f->sock, f->b);
	expect(f, 1, ks, lens, 3);
}

static void a_full_arena_sends_the_batch_first(void **state)
{
	struct fixture *f = *state;
	enum { N = UDP_TX_ARENA / 60000 + 3 };
	unsigned ks[N];
	size_t lens[N];
	for (unsigned k = 0; k < N; k++) {
		ks[k] = k;
		lens[k] = 60000;
		add(f, (int)(k % 2), k, 60000);
		assert_true(f->b->used <= UDP_TX_ARENA);
	}
	udp_tx_flush(&f->sock, f->b);
	unsigned ka[N], kb[N];
	size_t la[N], lb[N];
	unsigned na = 0, nb = 0;
	for (unsigned k = 0; k < N; k++) {
		if (k % 2) {
			kb[nb] = ks[k];
			lb[nb++] = lens[k];
		} else {
			ka[na] = ks[k];
			la[na++] = lens[k];
		}
	}
	expect(f, 0, ka, la, na);
	expect(f, 1, kb, lb, nb);
}

static void without_gso_each_datagram_is_a_message(void **state)
{
	struct fixture *f = *state;
	f->sock.gso = false;
	const unsigned ks[] = {1, 2, 3, 4};
	const size_t lens[] = {300, 300, 300, 300};
	for (unsigned j = 0; j < 4; j++)
		add(f, 2, ks[j], lens[j]);
	assert_int_equal(f->b->n, 4);
	udp_tx_flush(&f->sock, f->b);
	expect(f, 2, ks, lens, 4);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(interleaved_endpoints_form_one_run_each, setup, teardown),
        cmocka_unit_test_setup_teardown(a_shorter_datagram_ends_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(built_in_place_is_not_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_arena_sends_the_batch_first, setup, teardown),
        cmocka_unit_test_setup_teardown(without_gso_each_datagram_is_a_message, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
