/* The `get=1` formatter against the exact text Debian's wireguard-go 0.0.20220316 printed for the
 * same configuration (captured with `get=1` on its socket): key order, lowercase hex, zero PSK
 * printed, endpoint forms, masked prefixes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "daemon/uapi_format.h"
#include "daemon/text.h"
#include "support/hex.h"
#include "support/test_main.h"

static const struct key_provider_ops fake_ops = {.name = "soft"};

static void device_and_peers_like_wireguard_go(void **state)
{
	struct key_provider kp = {.ops = &fake_ops};
	test_unhex(kp.config_key,
	           "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669", WG_KEY_LEN);
	test_unhex(kp.public_key,
	           "e5b8ec3d6f3c0f5ff0ee2a7b1c4eab1b6ab5b2d0d4f5d0a17f3cb3b31bd6dd54", WG_KEY_LEN);
	struct uapi_device_view dev = {.key = &kp, .listen_port = 51820, .fwmark = 7};

	struct wg_peer_info p1, p2;
	memset(&p1, 0, sizeof(p1));
	memset(&p2, 0, sizeof(p2));
	test_unhex(p1.public_key,
	           "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038", WG_KEY_LEN);
	test_unhex(p1.preshared_key,
	           "1690b2870b3d731c16a15e3110bb5f26f8c937ecd05513c84a59515a07a8a551", WG_KEY_LEN);
	assert_int_equal(text_parse_endpoint("[2001:db8::1]:51820", 19, &p1.endpoint), 0);
	p1.has_endpoint = true;
	p1.persistent_keepalive = 25;
	test_unhex(p2.public_key,
	           "4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d", WG_KEY_LEN);
	assert_int_equal(text_parse_endpoint("1.2.3.4:5", 9, &p2.endpoint), 0);
	p2.has_endpoint = true;

	struct text_prefix a, b, c;
	assert_int_equal(text_parse_prefix("10.1.2.3/8", 10, &a), 0);
	assert_int_equal(text_parse_prefix("fd00::1/64", 10, &b), 0);
	assert_int_equal(text_parse_prefix("192.168.1.0/24", 14, &c), 0);

	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_device(&sb, &dev);
	uapi_format_peer(&sb, &p1);
	uapi_format_allowed_ip(&sb, a.family, a.addr, a.cidr);
	uapi_format_allowed_ip(&sb, b.family, b.addr, b.cidr);
	uapi_format_peer(&sb, &p2);
	uapi_format_allowed_ip(&sb, c.family, c.addr, c.cidr);
	uapi_format_errno(&sb, 0);
	assert_false(sb.failed);
	/* wireguard-go's reply, with the two hwguard extension lines after the device keys */
	assert_string_equal(
	        sb.data,
	        "private_key=c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n"
	        "listen_port=51820\n"
	        "fwmark=7\n"
	        "hwguard_public_key="
	        "e5b8ec3d6f3c0f5ff0ee2a7b1c4eab1b6ab5b2d0d4f5d0a17f3cb3b31bd6dd54\n"
	        "hwguard_key_provider=soft\n"
	        "public_key=c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038\n"
	        "preshared_key=1690b2870b3d731c16a15e3110bb5f26f8c937ecd05513c84a59515a07a8a551\n"
	        "protocol_version=1\n"
	        "endpoint=[2001:db8::1]:51820\n"
	        "last_handshake_time_sec=0\n"
	        "last_handshake_time_nsec=0\n"
	        "tx_bytes=0\n"
	        "rx_bytes=0\n"
	        "persistent_keepalive_interval=25\n"
	        "allowed_ip=10.0.0.0/8\n"
	        "allowed_ip=fd00::/64\n"
	        "public_key=4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d\n"
	        "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	        "protocol_version=1\n"
	        "endpoint=1.2.3.4:5\n"
	        "last_handshake_time_sec=0\n"
	        "last_handshake_time_nsec=0\n"
	        "tx_bytes=0\n"
	        "rx_bytes=0\n"
	        "persistent_keepalive_interval=0\n"
	        "allowed_ip=192.168.1.0/24\n"
	        "errno=0\n"
	        "\n");
	strbuf_free(&sb);
}

static void empty_device_omits_zero_values(void **state)
{
	struct uapi_device_view dev = {0};
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_device(&sb, &dev);
	uapi_format_errno(&sb, 0);
	assert_string_equal(sb.data, "errno=0\n\n");
	strbuf_free(&sb);
}

static void peer_without_endpoint_with_counters(void **state)
{
	struct wg_peer_info p;
	memset(&p, 0, sizeof(p));
	memset(p.public_key, 0x11, sizeof(p.public_key));
	p.last_handshake_sec = 1763780000;
	p.last_handshake_nsec = 123456789;
	p.tx_bytes = 18446744073709551615ull;
	p.rx_bytes = 92;
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_peer(&sb, &p);
	assert_string_equal(
	        sb.data,
	        "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
	        "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	        "protocol_version=1\n"
	        "last_handshake_time_sec=1763780000\n"
	        "last_handshake_time_nsec=123456789\n"
	        "tx_bytes=18446744073709551615\n"
	        "rx_bytes=92\n"
	        "persistent_keepalive_interval=0\n");
	strbuf_free(&sb);
}

static void errno_sign_is_kept(void **state)
{
	/* `wg` negates the number: errno=-98 prints "Address already in use" (§2.5) */
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_errno(&sb, -EADDRINUSE);
	assert_string_equal(sb.data, "errno=-98\n\n");
	strbuf_consume(&sb, sb.len);
	uapi_format_errno(&sb, -EPROTO);
	assert_string_equal(sb.data, "errno=-71\n\n");
	strbuf_free(&sb);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_and_peers_like_wireguard_go),
        cmocka_unit_test(empty_device_omits_zero_values),
        cmocka_unit_test(peer_without_endpoint_with_counters),
        cmocka_unit_test(errno_sign_is_kept),
};

HWG_TEST_MAIN(tests, NULL, NULL)
