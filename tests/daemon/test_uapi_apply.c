/* `set=1` semantics against the real WireGuard core, read back through `get=1`: wireguard-go's
 * rules for update_only, remove, replace_peers, replace_allowed_ips, a peer equal to the
 * interface's own key, a zero private key, a repeated private key (sessions must survive),
 * allowed_ip=- removal, and an apply that stops at a busy listen port; hwguard's replace_peers
 * that keeps the peers it lists again, and a hardware key opened beforehand; applied in slices (as
 * the daemon does between packet batches), a request ends in exactly the state one whole apply
 * gives, and no slice ends inside a peer's block. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/uapi_apply.h"
#include "daemon/uapi_get.h"
#include "keys/soft.h"
#include "support/test_main.h"
#include "uapi_fixture.h"
#include "support/hex.h"

/* RFC 7748 §6.1: Alice's private key and public key. */
#define ALICE_PRIV         "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PRIV_CLAMPED "70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a"
#define ALICE_PUB          "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define ZERO_KEY_HEX       "0000000000000000000000000000000000000000000000000000000000000000"
/* Bob's public key (a valid peer) and two arbitrary peers. */
#define BOB_PUB "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define P1      "1111111111111111111111111111111111111111111111111111111111111111"
#define P2      "2222222222222222222222222222222222222222222222222222222222222222"

static int setup(void **state)
{
	*state = uapi_fixture_new();
	assert_non_null(*state);
	return 0;
}

static int teardown(void **state)
{
	uapi_fixture_free(*state);
	return 0;
}

static int set(struct uapi_fixture *f, const char *body)
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
static const char *get(struct uapi_fixture *f)
{
	static char out[64 * 1024];
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
	struct uapi_fixture *f = *state;
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
	struct uapi_fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\npublic_key=" ALICE_PUB
	                        "\nallowed_ip=10.0.0.0/8\n"),
	                 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static void update_only_and_remove(void **state)
{
	struct uapi_fixture *f = *state;
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
	struct uapi_fixture *f = *state;
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
	struct uapi_fixture *f = *state;
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

static struct wg_peer *peer_of(struct uapi_fixture *f, const char *hex)
{
	uint8_t key[WG_KEY_LEN];
	test_unhex(key, hex, WG_KEY_LEN);
	return wg_device_peer_find(f->dev, key);
}

/* replace_peers (what `wg setconf` sends) removes the peers the request does not list again; one
 * listed again keeps its state (sessions, counters, learned endpoint) but nothing of its old
 * configuration, and goes last, as a new peer would. */
static void replace_peers_keeps_relisted_peers(void **state)
{
	struct uapi_fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"
	                        "public_key=" P1 "\nallowed_ip=10.1.0.0/16\n"
	                        "public_key=" BOB_PUB "\nendpoint=192.0.2.1:51820\n"
	                        "preshared_key=" P2 "\npersistent_keepalive_interval=25\n"
	                        "allowed_ip=10.0.0.2/32\n"
	                        "public_key=" P2 "\nallowed_ip=10.2.0.0/16\n"),
	                 0);
	struct wg_peer *bob = peer_of(f, BOB_PUB);
	struct wg_peer_info before;
	wg_peer_info(bob, &before);
	assert_true(before.tx_bytes > 0); /* the keepalive started a handshake */
	assert_true(f->sent > 0);

	assert_int_equal(set(f, "replace_peers=true\n"
	                        "public_key=" BOB_PUB "\nreplace_allowed_ips=true\n"
	                        "allowed_ip=10.0.0.3/32\n"
	                        "public_key=" P2 "\nupdate_only=true\n"),
	                 0);
	/* P1 not listed: gone. P2 listed with update_only: as if it had been removed first. */
	assert_null(peer_of(f, P1));
	assert_null(peer_of(f, P2));
	assert_ptr_equal(peer_of(f, BOB_PUB), bob);
	struct wg_peer_info after;
	wg_peer_info(bob, &after);
	assert_int_equal(after.tx_bytes, before.tx_bytes);
	assert_true(after.has_endpoint);
	const char *g = get(f);
	assert_int_equal(count(g, "\npublic_key="), 1);
	assert_non_null(strstr(g, "preshared_key=" ZERO_KEY_HEX));
	assert_null(strstr(g, "persistent_keepalive_interval=25"));
	assert_non_null(strstr(g, "allowed_ip=10.0.0.3/32"));
	assert_null(strstr(g, "allowed_ip=10.0.0.2/32"));

	/* Listed again after new peers: the order is the request's, as with new peers. */
	assert_int_equal(set(f, "public_key=" P1 "\n"), 0);
	assert_int_equal(set(f, "replace_peers=true\npublic_key=" P1 "\npublic_key=" BOB_PUB "\n"),
	                 0);
	g = get(f);
	assert_true(strstr(g, "public_key=" P1) < strstr(g, "public_key=" BOB_PUB));
	/* remove=true of a replaced peer: nothing is removed twice (the sanitizer build would
	 * tell). */
	assert_int_equal(set(f, "replace_peers=true\npublic_key=" P1 "\nremove=true\n"), 0);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static int count_prefix(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	++*(unsigned *)ctx;
	return 0;
}

static unsigned prefixes_of(struct uapi_fixture *f, struct wg_peer *peer)
{
	unsigned n = 0;
	wg_peer_foreach_allowed_ip(f->dev, peer, count_prefix, &n);
	return n;
}

/* A big request applied a slice at a time ends as the whole: slices stop only between peer
 * blocks, and the peers replace_peers did not list go at the very end. */
static void applied_in_slices(void **state)
{
	struct uapi_fixture *f = *state;
	assert_int_equal(set(f, "public_key=" P1 "\nallowed_ip=10.1.0.0/16\n"
	                        "public_key=" P2 "\nallowed_ip=10.2.0.0/16\n"),
	                 0);
	struct strbuf body;
	strbuf_init(&body);
	strbuf_printf(&body, "replace_peers=true\npublic_key=" P2 "\nallowed_ip=10.2.0.0/16\n");
	for (int i = 0; i < 200; i++) {
		strbuf_printf(&body, "public_key=");
		for (int k = 0; k < 32; k++)
			strbuf_printf(&body, "%02x",
			              (unsigned)(k == 0 ? 0x40 + i / 100 : i % 100 + 1));
		strbuf_printf(&body, "\nallowed_ip=10.9.%d.0/24\n", i);
	}
	struct uapi_set s;
	assert_int_equal(uapi_parse_set(body.data, body.len, &s, NULL, NULL), 0);
	struct uapi_apply_job job;
	uapi_apply_start(&job, &f->target, &s);
	unsigned slices = 0;
	while (!uapi_apply_step(&job, 50, &f->now)) {
		slices++;
		/* between slices: P1 (not listed) is still there, P2 kept its prefix throughout,
		 * and the slice ended between two blocks */
		assert_non_null(peer_of(f, P1));
		assert_int_equal(prefixes_of(f, peer_of(f, P2)), 1);
		assert_true(job.next == s.n || s.ops[job.next].kind == UAPI_OP_PEER);
	}
	/* 403 operations, 50 (then the rest of the block) per slice */
	assert_int_equal(slices, 8);
	assert_int_equal(job.err, 0);
	uapi_set_free(&s);
	strbuf_free(&body);
	assert_null(peer_of(f, P1));
	assert_int_equal(uapi_fixture_peers(f), 201);
}

static void private_key_rules(void **state)
{
	struct uapi_fixture *f = *state;
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
static struct key_provider *bind_alice(struct uapi_fixture *f)
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
	struct uapi_fixture *f = *state;
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
	struct uapi_fixture *f = *state;
	struct key_provider *kp = bind_alice(f);
	/* wg showconf | wg setconf sends the key that get reported */
	assert_int_equal(set(f, "private_key=" ALICE_PRIV_CLAMPED "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
}

static void bound_key_refuses_another_key(void **state)
{
	struct uapi_fixture *f = *state;
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
	struct uapi_fixture *f = *state;
	bind_alice(f);
	f->target.key_bound = false;
	assert_int_equal(set(f, "private_key=" BOB_PRIV "\n"), 0);
	assert_non_null(strstr(get(f), "hwguard_public_key=" BOB_PUB "\n"));
	assert_int_equal(set(f, "private_key=" ZERO_KEY "\n"), 0);
	assert_null(wg_device_key(f->dev));
}

/* A hardware key opened beforehand (on the key worker) is installed as it is; a failure to open it
 * fails the request at that line, with the reason found then. */
static void prepared_key_is_used(void **state)
{
	struct uapi_fixture *f = *state;
	uint8_t alice[WG_KEY_LEN];
	test_unhex(alice, ALICE_PRIV, WG_KEY_LEN);
	struct uapi_prepared_key pre = {.kp = soft_key_provider_new(alice)};
	test_unhex(pre.key, HANDLE, WG_KEY_LEN);
	struct key_provider *kp = pre.kp;
	f->target.prepared = &pre;
	assert_int_equal(set(f, "listen_port=51820\nprivate_key=" HANDLE "\n"), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_null(pre.kp);

	struct uapi_prepared_key failed = {.err = -ENODEV, .why = "no chip"};
	memcpy(failed.key, pre.key, WG_KEY_LEN);
	failed.key[0] = 8; /* object 0x10000008 */
	f->target.prepared = &failed;
	const char *line = "listen_port=51821\nprivate_key="
	                   "0800001000000000000000000000000000000000000000000000000000000000\n";
	struct uapi_set s;
	const char *why = NULL;
	assert_int_equal(uapi_parse_set(line, strlen(line), &s, NULL, NULL), 0);
	assert_int_equal(uapi_apply(&f->target, &s, &f->now, &why), -ENODEV);
	uapi_set_free(&s);
	assert_string_equal(why, "no chip");
	assert_int_equal(f->port, 51821); /* what came before the key stays applied */
	assert_ptr_equal(wg_device_key(f->dev), kp);
	f->target.prepared = NULL;
}

static void busy_port_stops_the_request(void **state)
{
	struct uapi_fixture *f = *state;
	f->port_result = -EADDRINUSE;
	assert_int_equal(set(f, "listen_port=51820\npublic_key=" P1 "\n"), -EADDRINUSE);
	assert_int_equal(f->port_calls, 1);
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

/* A request of n peer blocks (replace_peers first when asked), with allowed IPs, an endpoint on
 * every third, a removal and an update_only that must not create its peer. */
static char *many_peers(unsigned n, bool replace)
{
	static char body[64 * 1024];
	size_t off = 0;
	off += (size_t)snprintf(body + off, sizeof(body) - off, "%s",
	                        replace ? "replace_peers=true\n" : "");
	for (unsigned i = 0; i < n; i++) {
		off += (size_t)snprintf(body + off, sizeof(body) - off,
		                        "public_key=%062x%02x\nallowed_ip=10.9.%u.0/24\n", i + 1, 1,
		                        i);
		if (i % 3 == 0)
			off += (size_t)snprintf(body + off, sizeof(body) - off,
			                        "endpoint=192.0.2.%u:%u\n", i % 250 + 1, 40000 + i);
	}
	off += (size_t)snprintf(body + off, sizeof(body) - off,
	                        "public_key=%062x%02x\nremove=true\n"
	                        "public_key=" P2 "\nupdate_only=true\nallowed_ip=10.8.0.0/16\n",
	                        3, 1);
	assert_true(off < sizeof(body));
	return body;
}

/* Applies body with one unit of work per step; returns the errno and counts the steps. */
static int set_in_slices(struct uapi_fixture *f, const char *body, unsigned *steps)
{
	struct uapi_set s;
	struct uapi_apply_job job;
	assert_int_equal(uapi_parse_set(body, strlen(body), &s, NULL, NULL), 0);
	uapi_apply_start(&job, &f->target, &s);
	*steps = 1;
	while (!uapi_apply_step(&job, 1, &f->now))
		++*steps;
	uapi_set_free(&s);
	return job.err;
}

static void sliced_apply_matches_one_apply(void **state)
{
	struct uapi_fixture *f = *state;
	static char whole[64 * 1024];
	unsigned steps;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\n"), 0);
	assert_int_equal(set(f, many_peers(40, false)), 0);
	snprintf(whole, sizeof(whole), "%s", get(f));
	assert_int_equal(count(whole, "\npublic_key="), 39); /* peer 3 removed, P2 not created */

	/* Start over with peers that replace_peers must clear, a few per step. */
	assert_int_equal(set(f, many_peers(30, false)), 0);
	assert_int_equal(set(f, "public_key=" P1 "\nallowed_ip=10.7.0.0/16\n"), 0);
	unsigned before = count(get(f), "\npublic_key=");
	assert_int_equal(before, 40);
	assert_int_equal(set_in_slices(f, many_peers(40, true), &steps), 0);
	assert_string_equal(get(f), whole);
	/* One unit per step: one step for replace_peers (it removes nothing yet), one per peer
	 * block (a block is never split), one for the allowed_ip left after update_only dropped P2
	 * (no peer, no block), one per peer left unlisted (P1: the only one), and the last one that
	 * finds no unlisted peer left. */
	struct uapi_set s;
	const char *body = many_peers(40, true);
	assert_int_equal(uapi_parse_set(body, strlen(body), &s, NULL, NULL), 0);
	unsigned blocks = 0;
	for (size_t i = 0; i < s.n; i++)
		blocks += s.ops[i].kind == UAPI_OP_PEER;
	assert_int_equal(blocks, 42);
	assert_int_equal(steps, 1 + blocks + 1 + 1 + 1);
	uapi_set_free(&s);
}

static void sliced_apply_stops_where_one_apply_stops(void **state)
{
	struct uapi_fixture *f = *state;
	unsigned steps;
	f->port_result = -EADDRINUSE;
	assert_int_equal(
	        set_in_slices(f, "fwmark=7\nlisten_port=51820\npublic_key=" P1 "\n", &steps),
	        -EADDRINUSE);
	assert_int_equal(steps, 2);
	assert_int_equal(f->mark, 7); /* applied before the failure */
	assert_int_equal(count(get(f), "\npublic_key="), 0);
}

static void keepalive_on_sends_at_once(void **state)
{
	struct uapi_fixture *f = *state;
	assert_int_equal(set(f, "private_key=" ALICE_PRIV "\npublic_key=" BOB_PUB
	                        "\nendpoint=192.0.2.1:51820\n"),
	                 0);
	unsigned before = f->sent;
	assert_int_equal(set(f, "public_key=" BOB_PUB "\npersistent_keepalive_interval=25\n"), 0);
	/* no session yet: the keepalive becomes a handshake initiation, but something leaves now */
	assert_true(f->sent > before);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_configuration_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(sliced_apply_matches_one_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(sliced_apply_stops_where_one_apply_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(own_key_is_a_dummy_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(update_only_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(replace_peers_and_allowed_ips, setup, teardown),
        cmocka_unit_test_setup_teardown(allowed_ip_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(private_key_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(bound_key_survives_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(bound_key_own_value_is_a_no_op, setup, teardown),
        cmocka_unit_test_setup_teardown(bound_key_refuses_another_key, setup, teardown),
        cmocka_unit_test_setup_teardown(unbound_zeros_still_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(replace_peers_keeps_relisted_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(prepared_key_is_used, setup, teardown),
        cmocka_unit_test_setup_teardown(applied_in_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(busy_port_stops_the_request, setup, teardown),
        cmocka_unit_test_setup_teardown(keepalive_on_sends_at_once, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
