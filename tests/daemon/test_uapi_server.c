/* The control connection's behaviour under abuse (uapi_server.h "Limits"), over a socketpair with
 * a fake request handler: backpressure for pipelined requests, answers after a half-close, a set
 * ended by EOF, and the connection set's eviction and idle timeout. (tests/interop/uapi_abuse.sh
 * runs the same cases against the real daemon and wireguard-go.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/uapi_server.h"
#include "support/test_main.h"

#define S 1000000000ull

struct handler {
	unsigned gets, sets;
	size_t reply_len; /* bytes of filler before errno=0 */
	char last_set[256];
	/* What the handler answers to a set: UAPI_ANSWERED (default), UAPI_LATER (the test appends
	 * the reply and resumes), or UAPI_NOT_NOW (the test resumes with defer_sets cleared). */
	enum uapi_answer defer_sets;
	unsigned offered; /* set requests offered, taken or not */
};

static enum uapi_answer handle(void *ctx, struct uapi_conn *c, enum uapi_frame_kind kind,
                               const char *body, size_t len, struct strbuf *reply)
{
	struct handler *h = ctx;
	(void)c;
	if (kind != UAPI_FRAME_GET) {
		h->offered++;
		if (h->defer_sets == UAPI_NOT_NOW)
			return UAPI_NOT_NOW;
	}
	if (kind == UAPI_FRAME_GET) {
		h->gets++;
		char line[64];
		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\n';
		for (size_t i = 0; i < h->reply_len; i += sizeof(line))
			strbuf_append(reply, line, sizeof(line));
	} else {
		h->sets++;
		size_t n = len < sizeof(h->last_set) - 1 ? len : sizeof(h->last_set) - 1;
		memcpy(h->last_set, body, n);
		h->last_set[n] = '\0';
		if (h->defer_sets == UAPI_LATER)
			return UAPI_LATER;
	}
	strbuf_append(reply, "errno=0\n\n", 9);
	return UAPI_ANSWERED;
}

struct pair {
	int client;
	struct uapi_conn conn;
	char tail; /* the last byte read, for a "\n\n" split between two reads */
};

static void pair_open(struct pair *p)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	p->client = sv[0];
	p->tail = 0;
	uapi_conn_init(&p->conn, sv[1]);
}

static void pair_close(struct pair *p)
{
	close(p->client);
	uapi_conn_close(&p->conn);
}

/* Reads what the client has been sent; returns the number of complete replies in it. */
static unsigned client_read(struct pair *p, size_t *bytes)
{
	static char buf[1 << 16];
	unsigned replies = 0;
	ssize_t n;
	while ((n = recv(p->client, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (p->tail == '\n' && buf[0] == '\n')
			replies++;
		for (ssize_t i = 0; i + 1 < n; i++)
			replies += buf[i] == '\n' && buf[i + 1] == '\n';
		p->tail = buf[n - 1];
		if (bytes)
			*bytes += (size_t)n;
	}
	return replies;
}

static void test_pipelined_gets_meet_backpressure(void **state)
{
	struct pair p;
	struct handler h = {.reply_len = 4096};
	pair_open(&p);
	/* As many requests as the socket takes without anyone reading replies. */
	static char reqs[7 * 4096];
	for (size_t i = 0; i < sizeof(reqs); i += 7)
		memcpy(reqs + i, "get=1\n\n", 7);
	size_t bytes = 0;
	ssize_t n;
	while ((n = send(p.client, reqs, sizeof(reqs), MSG_DONTWAIT)) == (ssize_t)sizeof(reqs))
		bytes += sizeof(reqs);
	if (n > 0)
		bytes += (size_t)n;
	unsigned sent = (unsigned)(bytes / 7); /* a request cut in two stays unanswered */
	assert_true(sent > 1000);
	for (int i = 0; i < 50; i++)
		assert_true(uapi_conn_on_event(&p.conn, EPOLLIN | EPOLLOUT, handle, &h));
	/* Bounded: replies waiting are at most the limit plus one reply, and it stopped reading. */
	assert_true(p.conn.out.len <= UAPI_OUTPUT_LIMIT + 4096 + 64);
	assert_false(uapi_conn_wants_read(&p.conn));
	assert_true(uapi_conn_wants_write(&p.conn));
	assert_true(h.gets < sent);
	/* Once the client reads, everything gets answered. */
	unsigned got = 0;
	for (int i = 0; i < 100000 && got < sent; i++) {
		got += client_read(&p, NULL);
		assert_true(uapi_conn_on_event(&p.conn, EPOLLIN | EPOLLOUT, handle, &h));
	}
	got += client_read(&p, NULL);
	assert_int_equal(got, sent);
	assert_int_equal(h.gets, sent);
	pair_close(&p);
}

static void test_half_close_gets_the_whole_reply(void **state)
{
	struct pair p;
	struct handler h = {.reply_len = 1 << 20};
	pair_open(&p);
	assert_int_equal(send(p.client, "get=1\n\n", 7, 0), 7);
	shutdown(p.client, SHUT_WR);
	size_t bytes = 0;
	unsigned replies = 0;
	bool open = true;
	for (int i = 0; i < 10000 && open; i++) {
		open = uapi_conn_on_event(&p.conn, EPOLLIN | EPOLLOUT, handle, &h);
		replies += client_read(&p, &bytes);
	}
	assert_false(open); /* finished once everything was written */
	replies += client_read(&p, &bytes);
	assert_int_equal(replies, 1);
	assert_true(bytes >= (1u << 20) + 9);
	pair_close(&p);
}

static void run_to_end(struct pair *p, struct handler *h)
{
	bool open = true;
	for (int i = 0; i < 100 && open; i++)
		open = uapi_conn_on_event(&p->conn, EPOLLIN | EPOLLOUT, handle, h);
	assert_false(open);
}

static void test_set_ended_by_eof_is_applied(void **state)
{
	const char *bodies[] = {"set=1\nlisten_port=1\n", "set=1\nlisten_port=1"};
	for (int i = 0; i < 2; i++) {
		struct pair p;
		struct handler h = {0};
		pair_open(&p);
		assert_int_equal(send(p.client, bodies[i], strlen(bodies[i]), 0),
		                 (ssize_t)strlen(bodies[i]));
		shutdown(p.client, SHUT_WR);
		run_to_end(&p, &h);
		assert_int_equal(h.sets, 1);
		assert_string_equal(h.last_set, "listen_port=1\n");
		char buf[64] = {0};
		assert_int_equal(recv(p.client, buf, sizeof(buf) - 1, 0), 9);
		assert_string_equal(buf, "errno=0\n\n");
		pair_close(&p);
	}
}

static void test_other_requests_cut_by_eof_are_not_answered(void **state)
{
	const char *inputs[] = {"get=1\n", "set=1", "se", "get=1\n\nget=1\n"};
	unsigned answered[] = {0, 0, 0, 1};
	for (int i = 0; i < 4; i++) {
		struct pair p;
		struct handler h = {0};
		pair_open(&p);
		send(p.client, inputs[i], strlen(inputs[i]), 0);
		shutdown(p.client, SHUT_WR);
		run_to_end(&p, &h);
		assert_int_equal(h.gets + h.sets, answered[i]);
		pair_close(&p);
	}
}

static void test_unknown_operation_after_a_request(void **state)
{
	struct pair p;
	struct handler h = {0};
	pair_open(&p);
	const char *in = "get=1\n\nbogus=1\n\n";
	send(p.client, in, strlen(in), 0);
	run_to_end(&p, &h); /* closed without an answer to bogus, as wireguard-go */
	assert_int_equal(client_read(&p, NULL), 1);
	assert_int_equal(h.gets, 1);
	pair_close(&p);
}

static void test_set_evicts_and_times_out(void **state)
{
	struct uapi_conn c[UAPI_MAX_CONNECTIONS];
	struct uapi_conn_set set = {0};
	uint64_t t0 = 100 * S;
	for (unsigned i = 0; i < UAPI_MAX_CONNECTIONS; i++) {
		uapi_conn_init(&c[i], -1);
		uapi_conn_set_add(&set, &c[i], t0 + i * 1000);
	}
	assert_true(uapi_conn_set_full(&set));
	/* Nobody has been idle for a second yet. */
	assert_null(uapi_conn_set_evictable(&set, t0 + S / 2));
	assert_int_equal(uapi_conn_set_next_event(&set, true), t0 + UAPI_EVICT_IDLE_NS);
	/* With nobody waiting for a place, only the idle timeouts matter. */
	assert_int_equal(uapi_conn_set_next_event(&set, false), t0 + UAPI_IDLE_TIMEOUT_NS);
	/* Then the oldest goes first; one with a request in progress is never evicted. */
	strbuf_append(&c[0].in, "get=1\n", 6);
	assert_ptr_equal(uapi_conn_set_evictable(&set, t0 + 2 * S), &c[1]);
	/* An answered request restarts the idle time. */
	c[1].served++;
	uapi_conn_set_touch(&c[1], t0 + 2 * S);
	assert_ptr_equal(uapi_conn_set_evictable(&set, t0 + 2 * S), &c[2]);
	/* A client taking a long answer bit by bit makes progress too. */
	c[2].written += 4096;
	uapi_conn_set_touch(&c[2], t0 + 3 * S);
	assert_ptr_equal(uapi_conn_set_evictable(&set, t0 + 3 * S), &c[3]);
	/* The idle timeout applies to every connection, busy with a partial request or not. */
	assert_null(uapi_conn_set_expired(&set, t0 + UAPI_IDLE_TIMEOUT_NS - 1));
	assert_ptr_equal(uapi_conn_set_expired(&set, t0 + UAPI_IDLE_TIMEOUT_NS), &c[0]);
	for (unsigned i = 0; i < UAPI_MAX_CONNECTIONS; i++) {
		uapi_conn_set_remove(&set, &c[i]);
		uapi_conn_close(&c[i]);
	}
	assert_int_equal(set.count, 0);
	assert_null(set.first);
	assert_int_equal(uapi_conn_set_next_event(&set, true), 0);
}

/* A request whose answer is worked out elsewhere (the daemon's set job, the key worker): nothing
 * behind it is served, the client is not read meanwhile, the connection is neither idle nor
 * evictable nor timed out however long it waits, and a client that half-closed still gets the
 * answer. */
static void test_waiting_request(void **state)
{
	struct pair p;
	struct handler h = {.defer_sets = UAPI_LATER};
	struct uapi_conn_set set = {0};
	pair_open(&p);
	uapi_conn_set_add(&set, &p.conn, 100 * S);
	const char *in = "set=1\nlisten_port=1\n\nget=1\n\n";
	send(p.client, in, strlen(in), 0);
	shutdown(p.client, SHUT_WR);
	assert_true(uapi_conn_on_event(&p.conn, EPOLLIN, handle, &h));
	assert_int_equal(h.sets, 1);
	assert_int_equal(h.gets, 0); /* behind the waiting set */
	assert_true(p.conn.waiting);
	assert_false(uapi_conn_wants_read(&p.conn));
	assert_false(uapi_conn_wants_write(&p.conn));
	uint64_t later = 100 * S + 10 * UAPI_IDLE_TIMEOUT_NS;
	assert_null(uapi_conn_set_evictable(&set, later));
	assert_null(uapi_conn_set_expired(&set, later));
	assert_int_equal(uapi_conn_set_next_event(&set, true), 0);
	/* Events meanwhile change nothing. */
	assert_true(uapi_conn_on_event(&p.conn, EPOLLIN | EPOLLOUT | EPOLLHUP, handle, &h));
	assert_int_equal(h.gets, 0);
	/* The answer: written, the get behind it answered, then the connection is done. */
	strbuf_append(&p.conn.out, "errno=0\n\n", 9);
	h.defer_sets = UAPI_ANSWERED;
	bool open = uapi_conn_resume(&p.conn, handle, &h);
	assert_int_equal(p.conn.served, 2); /* the set, then the get read with it */
	assert_true(open);                  /* the client's EOF is read only now */
	for (int i = 0; i < 10 && open; i++)
		open = uapi_conn_on_event(&p.conn, EPOLLIN | EPOLLOUT, handle, &h);
	assert_false(open);
	assert_int_equal(h.gets, 1);
	assert_int_equal(client_read(&p, NULL), 2);
	uapi_conn_set_remove(&set, &p.conn);
	pair_close(&p);
}

/* A request refused for now stays buffered and is offered again, in order, on resume. */
static void test_not_now_offers_again(void **state)
{
	struct pair p;
	struct handler h = {.defer_sets = UAPI_NOT_NOW};
	pair_open(&p);
	const char *in = "set=1\nlisten_port=2\n\nget=1\n\n";
	send(p.client, in, strlen(in), 0);
	assert_true(uapi_conn_on_event(&p.conn, EPOLLIN, handle, &h));
	assert_int_equal(h.offered, 1);
	assert_int_equal(h.sets + h.gets, 0);
	assert_true(p.conn.waiting);
	assert_int_equal(p.conn.served, 0);
	h.defer_sets = UAPI_ANSWERED;
	assert_true(uapi_conn_resume(&p.conn, handle, &h));
	assert_int_equal(h.offered, 2);
	assert_int_equal(h.sets, 1);
	assert_string_equal(h.last_set, "listen_port=2\n");
	assert_int_equal(h.gets, 1);
	assert_int_equal(p.conn.served, 2);
	assert_int_equal(client_read(&p, NULL), 2);
	pair_close(&p);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_gets_meet_backpressure),
        cmocka_unit_test(test_half_close_gets_the_whole_reply),
        cmocka_unit_test(test_set_ended_by_eof_is_applied),
        cmocka_unit_test(test_other_requests_cut_by_eof_are_not_answered),
        cmocka_unit_test(test_unknown_operation_after_a_request),
        cmocka_unit_test(test_set_evicts_and_times_out),
        cmocka_unit_test(test_waiting_request),
        cmocka_unit_test(test_not_now_offers_again),
};

HWG_TEST_MAIN(tests, NULL, NULL)
