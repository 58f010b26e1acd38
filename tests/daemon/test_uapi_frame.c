/* Request framing on the UAPI stream: complete and partial requests, several per connection, and
 * the cases wireguard-go closes or rejects (unknown operation, bytes after "get=1\n"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/uapi_frame.h"
#include "support/test_main.h"

static struct uapi_frame frame(const char *s)
{
	struct uapi_frame f;
	uapi_frame_next(s, strlen(s), &f);
	return f;
}

static void get_request(void **state)
{
	struct uapi_frame f = frame("get=1\n\n");
	assert_int_equal(f.kind, UAPI_FRAME_GET);
	assert_int_equal(f.consumed, 7);
	assert_int_equal(frame("get=1\n").kind, UAPI_FRAME_INCOMPLETE);
	assert_int_equal(frame("get=").kind, UAPI_FRAME_INCOMPLETE);
	assert_int_equal(frame("get=1\nx\n").kind, UAPI_FRAME_BAD_GET);
}

static void set_request(void **state)
{
	const char *s = "set=1\nlisten_port=1\nfwmark=2\n\nget=1\n\n";
	struct uapi_frame f = frame(s);
	assert_int_equal(f.kind, UAPI_FRAME_SET);
	assert_int_equal(f.body_off, 6);
	assert_int_equal(f.body_len, strlen("listen_port=1\nfwmark=2\n"));
	assert_memory_equal(s + f.body_off, "listen_port=1\nfwmark=2\n", f.body_len);
	assert_int_equal(f.consumed, strlen("set=1\nlisten_port=1\nfwmark=2\n\n"));
	/* the next request on the same connection */
	struct uapi_frame g = frame(s + f.consumed);
	assert_int_equal(g.kind, UAPI_FRAME_GET);

	f = frame("set=1\n\n");
	assert_int_equal(f.kind, UAPI_FRAME_SET);
	assert_int_equal(f.body_len, 0);
	assert_int_equal(f.consumed, 7);

	assert_int_equal(frame("set=1\n").kind, UAPI_FRAME_INCOMPLETE);
	assert_int_equal(frame("set=1\nlisten_port=1\n").kind, UAPI_FRAME_INCOMPLETE);
	assert_int_equal(frame("set=1\nlisten_port=1").kind, UAPI_FRAME_INCOMPLETE);
}

static void unknown_operations(void **state)
{
	assert_int_equal(frame("put=1\n\n").kind, UAPI_FRAME_UNKNOWN);
	assert_int_equal(frame("get=2\n\n").kind, UAPI_FRAME_UNKNOWN);
	assert_int_equal(frame("set=1 \n\n").kind, UAPI_FRAME_UNKNOWN);
	assert_int_equal(frame("\n").kind, UAPI_FRAME_UNKNOWN);
	char junk[100];
	memset(junk, 'a', sizeof(junk));
	struct uapi_frame f;
	uapi_frame_next(junk, sizeof(junk), &f);
	assert_int_equal(f.kind, UAPI_FRAME_UNKNOWN); /* no newline in sight: not a request */
	assert_int_equal(frame("").kind, UAPI_FRAME_INCOMPLETE);
}

/* A request that arrives piece by piece, its scan resumed where the previous piece ended (the
 * control connection's way with a large set): the same frame as one scan of the whole, also when
 * the empty line that ends it is split between two pieces. */
static void resumed_scan(void **state)
{
	const char *s = "set=1\nlisten_port=1\nfwmark=2\n\nget=1\n\n";
	size_t len = strlen(s);
	struct uapi_frame whole;
	uapi_frame_next(s, len, &whole);
	for (size_t piece = 1; piece < 8; piece++) {
		struct uapi_frame f = {.kind = UAPI_FRAME_INCOMPLETE};
		size_t scanned = 0, have = 0;
		while (f.kind == UAPI_FRAME_INCOMPLETE && have < len) {
			have = have + piece < len ? have + piece : len;
			uapi_frame_next_from(s, have, scanned, &f);
			scanned = have;
		}
		assert_int_equal(f.kind, UAPI_FRAME_SET);
		assert_int_equal(f.consumed, whole.consumed);
		assert_int_equal(f.body_len, whole.body_len);
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_request),
        cmocka_unit_test(set_request),
        cmocka_unit_test(unknown_operations),
        cmocka_unit_test(resumed_scan),
};

HWG_TEST_MAIN(tests, NULL, NULL)
