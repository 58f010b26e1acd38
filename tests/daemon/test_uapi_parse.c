/* The `set=1` parser: the operations it yields and the errno it answers, matching what Debian's
 * wireguard-go 0.0.20220316 replied to the same lines (captured: unknown key -22, bad number -22,
 * line without '=' -71, replace_peers=false -22, protocol_version=2 -22, device key in a peer
 * section -22). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "daemon/uapi_set.h"
#include "support/test_main.h"

#define K11 "1111111111111111111111111111111111111111111111111111111111111111"
#define KAB "abababababababababababababababababababababababababababababababab"
#define K00 "0000000000000000000000000000000000000000000000000000000000000000"

static int parse(const char *body, struct uapi_set *set)
{
	return uapi_parse_set(body, strlen(body), set, NULL, NULL);
}

static int parse_err(const char *body, size_t *line)
{
	struct uapi_set set;
	const char *why = NULL;
	int err = uapi_parse_set(body, strlen(body), &set, line, &why);
	if (err) {
		assert_non_null(why);
		assert_null(set.ops);
		assert_int_equal(set.n, 0);
	} else {
		uapi_set_free(&set);
	}
	return err;
}

static void what_wg_setconf_sends(void **state)
{
	/* wg setconf (bookworm) with a config that has no PrivateKey (wireguard-reference.md §2.6)
	 */
	const char *body = "private_key=" K00 "\n"
	                   "listen_port=51820\n"
	                   "fwmark=0\n"
	                   "replace_peers=true\n"
	                   "public_key=" K11 "\n"
	                   "replace_allowed_ips=true\n"
	                   "preshared_key=" KAB "\n"
	                   "endpoint=[2001:db8::1]:51820\n"
	                   "persistent_keepalive_interval=25\n"
	                   "allowed_ip=10.1.2.3/8\n"
	                   "allowed_ip=-fd00::1/64\n"
	                   "protocol_version=1\n"
	                   "public_key=" KAB "\n"
	                   "update_only=true\n"
	                   "remove=true\n";
	struct uapi_set set;
	assert_int_equal(parse(body, &set), 0);
	static const enum uapi_op_kind kinds[] = {
	        UAPI_OP_PRIVATE_KEY,
	        UAPI_OP_LISTEN_PORT,
	        UAPI_OP_FWMARK,
	        UAPI_OP_REPLACE_PEERS,
	        UAPI_OP_PEER,
	        UAPI_OP_REPLACE_ALLOWED_IPS,
	        UAPI_OP_PRESHARED_KEY,
	        UAPI_OP_ENDPOINT,
	        UAPI_OP_KEEPALIVE,
	        UAPI_OP_ALLOWED_IP_ADD,
	        UAPI_OP_ALLOWED_IP_REMOVE,
	        UAPI_OP_PEER,
	        UAPI_OP_UPDATE_ONLY,
	        UAPI_OP_REMOVE,
	};
	assert_int_equal(set.n, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(set.ops[i].kind, kinds[i]);

	uint8_t zero[WG_KEY_LEN] = {0}, ones[WG_KEY_LEN], ab[WG_KEY_LEN];
	memset(ones, 0x11, sizeof(ones));
	memset(ab, 0xab, sizeof(ab));
	assert_memory_equal(set.ops[0].u.key, zero, WG_KEY_LEN);
	assert_int_equal(set.ops[1].u.num, 51820);
	assert_int_equal(set.ops[2].u.num, 0);
	assert_memory_equal(set.ops[4].u.key, ones, WG_KEY_LEN);
	assert_memory_equal(set.ops[6].u.key, ab, WG_KEY_LEN);
	assert_int_equal(set.ops[7].u.endpoint.addr.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(set.ops[7].u.endpoint.addr.in6.sin6_port), 51820);
	assert_int_equal(set.ops[8].u.num, 25);
	const uint8_t ten[4] = {10, 0, 0, 0};
	assert_int_equal(set.ops[9].u.prefix.family, AF_INET);
	assert_memory_equal(set.ops[9].u.prefix.addr, ten, 4);
	assert_int_equal(set.ops[9].u.prefix.cidr, 8);
	assert_int_equal(set.ops[10].u.prefix.family, AF_INET6);
	assert_int_equal(set.ops[10].u.prefix.cidr, 64);
	assert_int_equal(set.ops[10].u.prefix.addr[15], 0); /* masked */
	assert_memory_equal(set.ops[11].u.key, ab, WG_KEY_LEN);
	uapi_set_free(&set);
	assert_null(set.ops);
}

static void empty_set_is_valid(void **state)
{
	struct uapi_set set;
	assert_int_equal(parse("", &set), 0);
	assert_int_equal(set.n, 0);
	uapi_set_free(&set);
}

static void last_line_without_newline(void **state)
{
	struct uapi_set set;
	assert_int_equal(parse("listen_port=1", &set), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(set.ops[0].u.num, 1);
	uapi_set_free(&set);
}

static void errors_as_wireguard_go(void **state)
{
	/* Requests refused with -EINVAL, each as wireguard-go refuses it. */
	static const char *const refused[] = {
	        "listen_port=abc\n",
	        "listen_port=+1\n",
	        "listen_port=65536\n",
	        "fwmark=4294967296\n",
	        "public_key=xx\n",
	        "private_key=" K11 "0\n",
	        "replace_peers=false\n",
	        "replace_peers=TRUE\n",
	        "public_key=" K11 "\nprotocol_version=2\n",
	        "public_key=" K11 "\nallowed_ip=10.0.0.0/33\n",
	        "public_key=" K11 "\nallowed_ip=-\n",
	        "public_key=" K11 "\nallowed_ip=--10.0.0.0/8\n",
	        "public_key=" K11 "\nendpoint=1.2.3.4\n",
	        "public_key=" K11 "\nupdate_only=1\n",
	        "public_key=" K11 "\nremove=false\n",
	        "public_key=" K11 "\npersistent_keepalive_interval=65536\n",
	        /* peer keys before any public_key are unknown device keys */
	        "endpoint=1.2.3.4:5\n",
	        "allowed_ip=10.0.0.0/8\n",
	        /* keys are case-sensitive and take no spaces */
	        "Listen_port=1\n",
	        "listen_port = 1\n",
	        NULL,
	};
	for (const char *const *request = refused; *request; request++)
		if (parse_err(*request, NULL) != -EINVAL)
			fail_msg("not refused with -EINVAL: \"%s\"", *request);

	/* The error names the line at fault. */
	size_t line = 0;
	assert_int_equal(parse_err("foo=1\n", &line), -EINVAL);
	assert_int_equal(line, 1);
	assert_int_equal(parse_err("listen_port=1\nnoequals\n", &line), -EPROTO);
	assert_int_equal(line, 2);
	assert_int_equal(parse_err("public_key=" K11 "\nlisten_port=1\n", &line), -EINVAL);
	assert_int_equal(line, 2);
	/* an empty line ends a request: inside a body it is a line without '=' */
	assert_int_equal(parse_err("listen_port=1\n\nfwmark=1\n", &line), -EPROTO);
	assert_int_equal(line, 2);
	/* NUL bytes never sneak through */
	assert_int_equal(uapi_parse_set("listen_port=1\0\n", 15, &(struct uapi_set){0}, NULL, NULL),
	                 -EINVAL);
}

static void many_lines_grow(void **state)
{
	char body[64 * 40];
	size_t n = 0;
	n += (size_t)snprintf(body + n, sizeof(body) - n, "public_key=" K11 "\n");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "allowed_ip=10.%d.0.0/16\n", i);
	struct uapi_set set;
	assert_int_equal(parse(body, &set), 0);
	assert_int_equal(set.n, 61);
	assert_int_equal(set.ops[60].u.prefix.addr[1], 59);
	uapi_set_free(&set);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(what_wg_setconf_sends),     cmocka_unit_test(empty_set_is_valid),
        cmocka_unit_test(last_line_without_newline), cmocka_unit_test(errors_as_wireguard_go),
        cmocka_unit_test(many_lines_grow),
};

HWG_TEST_MAIN(tests, NULL, NULL)
