/* The counters' extension lines in `get` (uapi_counters.h): exact text, every key prefixed
 * hwguard_ and shaped key=value, as `wg` needs to skip them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/uapi_counters.h"
#include "support/test_main.h"

static void test_lines(void **state)
{
	struct uapi_counters_view v;
	memset(&v, 0, sizeof(v));
	v.core.handshakes_initiated = 3;
	v.core.handshakes_completed = 2;
	v.core.cookie_replies_sent = 1;
	v.core.key_provider_calls = 5;
	v.core.static_dh_pending = 6;
	v.core.dropped[WG_DROP_KEY_QUEUE] = 10;
	v.core.dropped[WG_DROP_MAC1] = 7;
	v.core.dropped[WG_DROP_HANDSHAKE_TIMEOUT] = 1;
	v.tun_dropped = 4;
	v.has_key = true;
	v.key.operations = 5;
	v.key.errors = 1;
	v.key.total_ns = 123456;
	v.key.max_ns = 99999;
	v.key.buckets[0] = 4;
	v.key.buckets[KEY_PROVIDER_LATENCY_BUCKETS - 1] = 1;
	v.uapi_connections_evicted = 8;
	v.uapi_connections_timed_out = 9;
	v.timestamp_mark = 1800000060;
	v.timestamp_mark_writes = 2;
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_counters(&sb, &v);
	assert_false(sb.failed);
	assert_string_equal(sb.data, "hwguard_handshakes_initiated=3\n"
	                             "hwguard_handshakes_completed=2\n"
	                             "hwguard_cookie_replies_sent=1\n"
	                             "hwguard_key_provider_calls=5\n"
	                             "hwguard_handshakes_pending=6\n"
	                             "hwguard_drop=malformed:0\n"
	                             "hwguard_drop=mac1:7\n"
	                             "hwguard_drop=cookie_sent:0\n"
	                             "hwguard_drop=ratelimited:0\n"
	                             "hwguard_drop=handshake:0\n"
	                             "hwguard_drop=no_keypair:0\n"
	                             "hwguard_drop=decrypt:0\n"
	                             "hwguard_drop=replay:0\n"
	                             "hwguard_drop=allowed_ips:0\n"
	                             "hwguard_drop=no_route:0\n"
	                             "hwguard_drop=no_endpoint:0\n"
	                             "hwguard_drop=no_key:0\n"
	                             "hwguard_drop=key_provider:0\n"
	                             "hwguard_drop=staged_overflow:0\n"
	                             "hwguard_drop=handshake_timeout:1\n"
	                             "hwguard_drop=key_queue:10\n"
	                             "hwguard_drop=tun_offload:4\n"
	                             "hwguard_key_operations=5\n"
	                             "hwguard_key_operation_errors=1\n"
	                             "hwguard_key_operation_ns_total=123456\n"
	                             "hwguard_key_operation_ns_max=99999\n"
	                             "hwguard_key_operation_latency=100:4\n"
	                             "hwguard_key_operation_latency=1000:0\n"
	                             "hwguard_key_operation_latency=10000:0\n"
	                             "hwguard_key_operation_latency=50000:0\n"
	                             "hwguard_key_operation_latency=100000:0\n"
	                             "hwguard_key_operation_latency=500000:0\n"
	                             "hwguard_key_operation_latency=1000000:0\n"
	                             "hwguard_key_operation_latency=inf:1\n"
	                             "hwguard_uapi_connections_evicted=8\n"
	                             "hwguard_uapi_connections_timed_out=9\n"
	                             "hwguard_timestamp_mark=1800000060\n"
	                             "hwguard_timestamp_mark_writes=2\n");
	/* Without a key, no key-operation lines. */
	v.has_key = false;
	strbuf_free(&sb);
	uapi_format_counters(&sb, &v);
	assert_null(strstr(sb.data, "hwguard_key_operation"));
	strbuf_free(&sb);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
};

HWG_TEST_MAIN(tests, NULL, NULL)
