/* UAPI value syntax, checked against what Debian's wireguard-go 0.0.20220316 accepts and prints
 * (wireguard-reference.md §2.3/§2.4 and captures of its replies). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "daemon/text.h"
#include "support/test_main.h"

#define S(x) x, strlen(x)

static void key_hex_either_case(void **state)
{
	uint8_t key[WG_KEY_LEN], expect[WG_KEY_LEN];
	memset(expect, 0xab, sizeof(expect));
	assert_int_equal(
	        text_parse_key(
	                S("abababababababababababababababababababababababababababababababab"), key),
	        0);
	assert_memory_equal(key, expect, WG_KEY_LEN);
	assert_int_equal(
	        text_parse_key(
	                S("ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"), key),
	        0);
	assert_memory_equal(key, expect, WG_KEY_LEN);

	struct strbuf sb;
	strbuf_init(&sb);
	text_format_key(&sb, key);
	assert_string_equal(sb.data,
	                    "abababababababababababababababababababababababababababababababab");
	strbuf_free(&sb);
}

static void key_rejects_bad_input(void **state)
{
	static const char *const refused[] = {
	        "xx",
	        "ababababababababababababababababababababababababababababababab",
	        "abababababababababababababababababababababababababababababababab00",
	        "gbababababababababababababababababababababababababababababababab",
	        /* base64 is what wg's config files hold; the socket speaks hex only */
	        "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
	        NULL,
	};
	uint8_t key[WG_KEY_LEN];
	memset(key, 0x5a, sizeof(key));
	for (const char *const *text = refused; *text; text++)
		if (text_parse_key(S(*text), key) != -EINVAL)
			fail_msg("not refused with -EINVAL: \"%s\"", *text);
	for (size_t i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(key[i], 0x5a); /* untouched on failure */
}

static void uint_like_strconv_parseuint(void **state)
{
	static const struct {
		const char *text;
		uint64_t max, value;
	} accepted[] = {
	        {"0", 65535, 0},
	        {"65535", 65535, 65535},
	        {"4294967295", UINT32_MAX, UINT32_MAX},
	        {"18446744073709551615", UINT64_MAX, UINT64_MAX},
	};
	static const struct {
		const char *text;
		uint64_t max;
	} refused[] = {
	        {"18446744073709551616", UINT64_MAX},
	        {"65536", 65535},
	        {"4294967296", UINT32_MAX},
	        {"+1", 65535},
	        {"-1", 65535},
	        {" 1", 65535},
	        {"1 ", 65535},
	        {"", 65535},
	        {"abc", 65535},
	};
	uint64_t v;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		assert_int_equal(text_parse_uint(S(accepted[i].text), accepted[i].max, &v), 0);
		assert_int_equal(v, accepted[i].value);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (text_parse_uint(S(refused[i].text), refused[i].max, &v) != -EINVAL)
			fail_msg("not refused with -EINVAL: \"%s\"", refused[i].text);
}

/* Parses an endpoint (which must succeed) into ep and formats it back, as `get` prints it. */
static const char *endpoint_read_back(struct strbuf *sb, const char *text, struct wg_endpoint *ep)
{
	assert_int_equal(text_parse_endpoint(S(text), ep), 0);
	strbuf_consume(sb, sb->len);
	text_format_endpoint(sb, ep);
	return sb->data;
}

static void endpoints(void **state)
{
	struct wg_endpoint ep;
	struct strbuf sb;
	strbuf_init(&sb);

	assert_string_equal(endpoint_read_back(&sb, "1.2.3.4:5", &ep), "1.2.3.4:5");
	assert_int_equal(ep.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(ep.addr.in4.sin_port), 5);

	assert_string_equal(endpoint_read_back(&sb, "[2001:db8::1]:51820", &ep),
	                    "[2001:db8::1]:51820");
	assert_int_equal(ep.addr.sa.sa_family, AF_INET6);

	assert_string_equal(endpoint_read_back(&sb, "[fe80::1%7]:1", &ep), "[fe80::1%7]:1");
	assert_int_equal(ep.addr.in6.sin6_scope_id, 7);

	/* the daemon keeps IPv4-mapped endpoints as IPv4 (its socket is dual-stack) */
	assert_string_equal(endpoint_read_back(&sb, "[::ffff:1.2.3.4]:5", &ep), "1.2.3.4:5");
	assert_int_equal(ep.addr.sa.sa_family, AF_INET);

	static const char *const refused[] = {
	        "1.2.3.4",
	        "1.2.3.4:",
	        "1.2.3.4:65536",
	        "1.2.3:5",
	        "2001:db8::1:5",
	        "[2001:db8::1]",
	        "[2001:db8::1]5",
	        "[1.2.3.4]:5",
	        "example.com:5",
	        "",
	        "[fe80::1%no-such-if0]:5",
	        NULL,
	};
	for (const char *const *text = refused; *text; text++)
		if (text_parse_endpoint(S(*text), &ep) != -EINVAL)
			fail_msg("not refused with -EINVAL: \"%s\"", *text);
	assert_int_equal(text_parse_endpoint("1.2.3.4\0:5", 10, &ep), -EINVAL);
	strbuf_free(&sb);
}

/* Parses a prefix (which must succeed) into p and formats it back, as `get` prints it. */
static const char *prefix_read_back(struct strbuf *sb, const char *text, struct text_prefix *p)
{
	assert_int_equal(text_parse_prefix(S(text), p), 0);
	strbuf_consume(sb, sb->len);
	text_format_prefix(sb, p->family, p->addr, p->cidr);
	return sb->data;
}

static void prefixes_are_masked(void **state)
{
	struct text_prefix p;
	struct strbuf sb;
	strbuf_init(&sb);

	/* wireguard-go printed allowed_ip=10.0.0.0/8 for 10.1.2.3/8 and fd00::/64 for fd00::1/64 */
	assert_string_equal(prefix_read_back(&sb, "10.1.2.3/8", &p), "10.0.0.0/8");
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.cidr, 8);
	assert_string_equal(prefix_read_back(&sb, "fd00::1/64", &p), "fd00::/64");
	assert_int_equal(p.family, AF_INET6);
	assert_string_equal(prefix_read_back(&sb, "192.168.255.255/20", &p), "192.168.240.0/20");
	assert_string_equal(prefix_read_back(&sb, "255.255.255.255/0", &p), "0.0.0.0/0");
	assert_string_equal(prefix_read_back(&sb, "2001:db8:ffff::ffff/127", &p),
	                    "2001:db8:ffff::fffe/127");

	static const char *const refused[] = {
	        "10.0.0.0/33", "fd00::/129",  "10.0.0.0",   "10.0.0.0/",
	        "/8",          "10.0.0.0/-1", "[fd00::]/8", NULL,
	};
	for (const char *const *text = refused; *text; text++)
		if (text_parse_prefix(S(*text), &p) != -EINVAL)
			fail_msg("not refused with -EINVAL: \"%s\"", *text);
	strbuf_free(&sb);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_hex_either_case),         cmocka_unit_test(key_rejects_bad_input),
        cmocka_unit_test(uint_like_strconv_parseuint), cmocka_unit_test(endpoints),
        cmocka_unit_test(prefixes_are_masked),
};

HWG_TEST_MAIN(tests, NULL, NULL)
