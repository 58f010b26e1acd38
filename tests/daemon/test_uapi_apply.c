/* `set=1` semantics against the real WireGuard core, read back through `get=1`: wireguard-go's
 * rules for update_only, remove, replace_peers, replace_allowed_ips, a peer equal to the
 * interface's own key, a zero private key, a repeated private key (sessions must survive),
 * allowed_ip=- removal, and an apply that stops at a busy listen port. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/random.h"
#include "daemon/uapi_apply.h"
#include "daemon/uapi_get.h"

/* RFC 7748 §6.1: Alice's private key and public key. */
#define ALICE_PRIV         "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PRIV_CLAMPED "70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a"
#define ALICE_PUB          "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
/* Bob's public key (a valid peer) and two arbitrary peers. */
#define BOB_PUB "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define P1      "1111111111111111111111111111111111111111111111111111111111111111"
#define P2      "2222222222222222222222222222222222222222222222222222222222222222"

struct fixture {
	struct wg_device *dev;
	struct key_config keys;
	struct uapi_target target;
	int port_result;
	unsigned port_calls;
	uint16_t port;
	uint32_t mark;
	unsigned sent;
	struct wg_time now;
};

static void io_send(void *ctx, const struct wg_endpoint *to, const uint8_t *p, size_t len)
{
	((struct fixture *)ctx)->sent++;
}

static void io_deliver(void *ctx, const uint8_t *p, size_t len)
{
}

static void io_random(void *ctx, void *buf, size_t len)
{
	random_bytes(buf, len);
}

static int hook_port(void *ctx, uint16_t port)
{
	struct fixture *f = ctx;
	f->port_calls++;
	if (f->port_result)
		return f->port_result;
	f->port = port ? port : 40000;
	return 0;
}

static int hook_mark(void *ctx, uint32_t mark)
{
	((struct fixture *)ctx)->mark = mark;
	return 0;
}

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	struct wg_io io = {.ctx = &f, .send = io_send, .deliver = io_deliver, .random = io_random};
	f.dev = wg_device_new(&io);
	assert_non_null(f.dev);
	f.target = (struct uapi_target){
	        .dev = f.dev,
	        .key_config = &f.keys,
	        .ctx = &f,
	        .set_listen_port = hook_port,
	        .set_fwmark = hook_mark,
	};
	f.now = (struct wg_time){.mono_ns = 1000000000ull, .real_sec = 1763780000};
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wg_device_free(f->dev);
	return 0;
}

static int set(struct fixture *f, const char *body)
{
	struct uapi_set s;
	int err = uapi_parse_set(body, strlen(body), &s, NULL, NULL);
	if (err)
		return err;
	err = uapi_apply(&f->target, &s, &f->now, NULL);
	uapi_set_free(&s);
	return err;
}

/* The get reply after a newline, kept in a static buffer for assertions. */
static const char *get(struct fixture *f)
{
	static char out[8192];
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_get(&sb, f->dev, f->port, f->mark, NULL);
	assert_false(sb.failed);
	/* a leading newline, so that "\npublic_key=" finds every peer */
	snprintf(out, sizeof(out), "\n%s", sb.data);
	strbuf_free(&sb);
	return out;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void full_configuration_reads_back(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"
	                        "listen_port=51820\n"
	                        "fwmark=51820\n"
	                        "public_key=" BOB_PUB "\n"
	                        "endpoint=192.0.2.1:51820\n"
	                        "persistent_keepalive_interval=25\n"
	                        "allowed_ip=10.1.2.3/8\n"
	                        "allowed_ip=fd00::1/64\n"),
	                 0);
	assert_int_equal(f->port, 51820);
	assert_int_equal(f->mark, 51820);
	const char *g = get(f);
	assert_non_null(strstr(g, "private_key=" ALICE_PRIV_CLAMPED "\nlisten_port=51820\n"
	                          "fwmark=51820\nhwguard_public_key=" ALICE_PUB "\n"
	                          "hwguard_key_provider=soft\nhwguard_handshakes_initiated="));
	/* the counters (uapi_counters.h) end the device section */
	assert_non_null(strstr(g,
	                       "hwguard_timestamp_mark_writes=0\npublic_key=" BOB_PUB "\n"
	                       "preshared_key=0000000000000000000000000000000000000000000000000000"
	                       "000000000000\nprotocol_version=1\nendpoint=192.0.2.1:51820\n"));
	assert_non_null(strstr(g, "persistent_keepalive_interval=25\n"));
	assert_non_null(strstr(g, "allowed_ip=10.0.0.0/8\n"));
	assert_non_null(strstr(g, "allowed_ip=fd00::/64\n"));
	assert_non_null(strstr(g, "errno=0\n\n"));
	assert_int_equal(g[strlen(g) - 1], '\n');
}

static void own_key_is_a_dummy_peer(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\npublic_key=" ALICE_PUB
	                        "\nallowed_ip=10.0.0.0/8\n"),
	                 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static void update_only_and_remove(void **state)
{
	struct fixture *f = *state;
	/* update_only does not create */
	assert_int_equal(set(f, "public_key=" P1 "\nupdate_only=true\nallowed_ip=10.0.0.0/8\n"), 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
	/* but updates an existing peer */
	assert_int_equal(set(f, "public_key=" P1 "\n"), 0);
	assert_int_equal(set(f, "public_key=" P1 "\nupdate_only=true\nallowed_ip=10.0.0.0/8\n"), 0);
	assert_int_equal(count(get(f), "allowed_ip=10.0.0.0/8\n"), 1);
	/* remove, and lines after it in the block are ignored */
	assert_int_equal(set(f, "public_key=" P1 "\nremove=true\nallowed_ip=10.9.0.0/16\n"), 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
	/* removing an unknown peer is not an error */
	assert_int_equal(set(f, "public_key=" P2 "\nremove=true\n"), 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static void replace_peers_and_allowed_ips(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f,
	                     "public_key=" P1 "\nallowed_ip=10.1.0.0/16\nallowed_ip=10.2.0.0/16\n"
	                     "public_key=" P2 "\nallowed_ip=10.3.0.0/16\n"),
	                 0);
	assert_int_equal(count(get(f), "\npublic_key="), 2);
	/* a prefix moves to the last peer that claims it */
	assert_int_equal(set(f, "public_key=" P2 "\nallowed_ip=10.1.0.0/16\n"), 0);
	const char *g = get(f);
	assert_true(strstr(g, "allowed_ip=10.1.0.0/16") > strstr(g, "public_key=" P2));
	/* replace_allowed_ips */
	assert_int_equal(
	        set(f, "public_key=" P2 "\nreplace_allowed_ips=true\nallowed_ip=10.4.0.0/16\n"), 0);
	g = get(f);
	assert_int_equal(count(g, "allowed_ip="), 2); /* P1: 10.2/16; P2: 10.4/16 */
	assert_non_null(strstr(g, "allowed_ip=10.4.0.0/16"));
	assert_null(strstr(g, "allowed_ip=10.3.0.0/16"));
	/* replace_peers */
	assert_int_equal(set(f, "replace_peers=true\npublic_key=" P1 "\n"), 0);
	g = get(f);
	assert_int_equal(count(g, "\npublic_key="), 1);
	assert_int_equal(count(g, "allowed_ip="), 0);
}

static void allowed_ip_removal(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f,
	                     "public_key=" P1 "\nallowed_ip=10.1.0.0/16\nallowed_ip=10.2.0.0/16\n"
	                     "allowed_ip=fd00::/64\n"),
	                 0);
	/* the prefix is masked before it is looked up, as on insert */
	assert_int_equal(set(f, "public_key=" P1 "\nallowed_ip=-10.1.2.3/16\n"), 0);
	const char *g = get(f);
	assert_null(strstr(g, "allowed_ip=10.1.0.0/16"));
	assert_non_null(strstr(g, "allowed_ip=10.2.0.0/16"));
	assert_non_null(strstr(g, "allowed_ip=fd00::/64"));
	/* a prefix the peer does not hold: nothing changes */
	assert_int_equal(set(f, "public_key=" P1 "\nallowed_ip=-192.168.0.0/16\n"), 0);
	assert_int_equal(count(get(f), "allowed_ip="), 2);
}

static void private_key_rules(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"), 0);
	struct key_provider *kp = wg_device_key(f->dev);
	assert_non_null(kp);
	/* the same key again (every wg setconf sends it) keeps the provider and its sessions */
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	/* the clamped form is the same key */
	assert_int_equal(set(f, "private_key=" ALICE_PRIV_CLAMPED "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	/* zeros remove it */
	assert_int_equal(set(f,
	                     "private_key=0000000000000000000000000000000000000000000000000000000"
	                     "000000000\n"),
	                 0);
	assert_null(wg_device_key(f->dev));
	assert_null(strstr(get(f), "private_key="));
	assert_null(strstr(get(f), "hwguard_public_key="));
}

#define ZERO_KEY "0000000000000000000000000000000000000000000000000000000000000000"
/* RFC 7748 §6.1: Bob's private key, a second software key. */
#define BOB_PRIV "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
/* An SE050 object handle (object 0x10000009). */
#define HANDLE "0900001000000000000000000000000000000000000000000000000000000000"

/* The daemon's start with --key: a provider installed before any UAPI request, then bound. The
 * policy does not depend on the provider, so a software key stands in for the chip here. */
static struct key_provider *bind_alice(struct fixture *f)
{
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\npublic_key=" BOB_PUB
	                        "\nendpoint=192.0.2.1:51820\nallowed_ip=10.0.0.2/32\n"),
	                 0);
	f->target.key_bound = true;
	struct key_provider *kp = wg_device_key(f->dev);
	assert_non_null(kp);
	return kp;
}

static void bound_key_survives_zeros(void **state)
{
	struct fixture *f = *state;
	struct key_provider *kp = bind_alice(f);
	/* what wg setconf sends for a config without PrivateKey, with the rest of the config */
	assert_int_equal(set(f, "private_key=" ZERO_KEY "\nlisten_port=51820\nreplace_peers=true\n"
	                        "public_key=" BOB_PUB "\nallowed_ip=10.0.0.2/32\n"),
	                 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_int_equal(f->port, 51820); /* the rest of the request was applied */
	const char *g = get(f);
	assert_non_null(strstr(g, "\nprivate_key=" ALICE_PRIV_CLAMPED "\n"));
	assert_non_null(strstr(g, "hwguard_public_key=" ALICE_PUB "\n"));
	assert_int_equal(count(g, "\npublic_key=" BOB_PUB), 1);
}

static void bound_key_own_value_is_a_no_op(void **state)
{
	struct fixture *f = *state;
	struct key_provider *kp = bind_alice(f);
	/* wg showconf | wg setconf sends the key that get reported */
	assert_int_equal(set(f, "private_key=" ALICE_PRIV_CLAMPED "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
}

static void bound_key_refuses_another_key(void **state)
{
	struct fixture *f = *state;
	struct key_provider *kp = bind_alice(f);
	struct uapi_set s;
	const char *why = NULL;
	const char *body = "private_key=" BOB_PRIV "\nlisten_port=51821\n";
	assert_int_equal(uapi_parse_set(body, strlen(body), &s, NULL, NULL), 0);
	assert_int_equal(uapi_apply(&f->target, &s, &f->now, &why), -EPERM);
	uapi_set_free(&s);
	assert_non_null(why);
	assert_non_null(strstr(why, "bound"));
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_int_equal(f->port_calls, 0); /* the request stopped at the key */
	/* a hardware handle is refused too, without touching any chip */
	assert_int_equal(set(f, "private_key=" HANDLE "\n"), -EPERM);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_non_null(strstr(get(f), "\nprivate_key=" ALICE_PRIV_CLAMPED "\n"));
}

static void unbound_zeros_still_remove(void **state)
{
	struct fixture *f = *state;
	bind_alice(f);
	f->target.key_bound = false;
	assert_int_equal(set(f, "private_key=" BOB_PRIV "\n"), 0);
	assert_non_null(strstr(get(f), "hwguard_public_key=" BOB_PUB "\n"));
	assert_int_equal(set(f, "private_key=" ZERO_KEY "\n"), 0);
	assert_null(wg_device_key(f->dev));
}

static void busy_port_stops_the_request(void **state)
{
	struct fixture *f = *state;
	f->port_result = -EADDRINUSE;
	assert_int_equal(set(f, "listen_port=51820\npublic_key=" P1 "\n"), -EADDRINUSE);
	assert_int_equal(f->port_calls, 1);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static void keepalive_on_sends_at_once(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\npublic_key=" BOB_PUB
	                        "\nendpoint=192.0.2.1:51820\n"),
	                 0);
	unsigned before = f->sent;
	assert_int_equal(set(f, "public_key=" BOB_PUB "\npersistent_keepalive_interval=25\n"), 0);
	/* no session yet: the keepalive becomes a handshake initiation, but something leaves now */
	assert_true(f->sent > before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(full_configuration_reads_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(own_key_is_a_dummy_peer, setup, teardown),
	        cmocka_unit_test_setup_teardown(update_only_and_remove, setup, teardown),
	        cmocka_unit_test_setup_teardown(replace_peers_and_allowed_ips, setup, teardown),
	        cmocka_unit_test_setup_teardown(allowed_ip_removal, setup, teardown),
	        cmocka_unit_test_setup_teardown(private_key_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(bound_key_survives_zeros, setup, teardown),
	        cmocka_unit_test_setup_teardown(bound_key_own_value_is_a_no_op, setup, teardown),
	        cmocka_unit_test_setup_teardown(bound_key_refuses_another_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(unbound_zeros_still_remove, setup, teardown),
	        cmocka_unit_test_setup_teardown(busy_port_stops_the_request, setup, teardown),
	        cmocka_unit_test_setup_teardown(keepalive_on_sends_at_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
