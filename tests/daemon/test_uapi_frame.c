/* Request framing on the UAPI stream: complete and partial requests, several per connection, and
 * the cases wireguard-go closes or rejects (unknown operation, bytes after "get=1\n"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/uapi_frame.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(get_request),
	        cmocka_unit_test(set_request),
	        cmocka_unit_test(unknown_operations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
