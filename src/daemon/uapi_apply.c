#include "daemon/uapi_apply.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/log.h"

static int collect_peer(void *ctx, struct wg_peer *peer)
{
	struct uapi_apply_state *st = ctx;
	st->replaced[st->n_replaced++] = peer;
	return 0;
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (struct wg_peer *const *)a;
	uintptr_t y = (uintptr_t) * (struct wg_peer *const *)b;
	return x < y ? -1 : x > y;
}

static int count_peers(void *ctx, struct wg_peer *peer)
{
	(void)peer;
	++*(size_t *)ctx;
	return 0;
}

/* The peers replace_peers found that the request did not list again go now. */
static void replaced_finish(const struct uapi_target *t, struct uapi_apply_state *st)
{
	for (size_t i = 0; i < st->n_replaced; i++)
		if (!st->listed[i])
			wg_device_peer_remove(t->dev, st->replaced[i]);
	uapi_apply_state_free(st);
}

void uapi_apply_state_free(struct uapi_apply_state *st)
{
	free(st->replaced);
	free(st->listed);
	st->replaced = NULL;
	st->listed = NULL;
	st->n_replaced = 0;
	st->replacing = false;
}

static void replaced_start(const struct uapi_target *t, struct uapi_apply_state *st)
{
	if (st->replacing)
		replaced_finish(t, st);
	size_t n = 0;
	wg_device_foreach_peer(t->dev, count_peers, &n);
	st->replaced = calloc(n ? n : 1, sizeof(*st->replaced));
	st->listed = calloc(n ? n : 1, sizeof(*st->listed));
	if (!st->replaced || !st->listed) {
		uapi_apply_state_free(st);
		/* No room to remember them: remove them at once, as wireguard-go does. */
		wg_device_peers_clear(t->dev);
		return;
	}
	wg_device_foreach_peer(t->dev, collect_peer, st);
	qsort(st->replaced, st->n_replaced, sizeof(*st->replaced), by_address);
	st->replacing = true;
}

/* The slot of peer among the replaced ones, or -1. */
static ptrdiff_t replaced_find(const struct uapi_apply_state *st, const struct wg_peer *peer)
{
	if (!st->replacing)
		return -1;
	struct wg_peer **hit =
	        bsearch(&peer, st->replaced, st->n_replaced, sizeof(*st->replaced), by_address);
	return hit ? hit - st->replaced : -1;
}

/* A removed peer must not be removed again at the end. */
static void replaced_forget(struct uapi_apply_state *st, const struct wg_peer *peer)
{
	ptrdiff_t i = replaced_find(st, peer);
	if (i >= 0)
		st->listed[i] = true;
}

static void finish_peer(const struct uapi_target *t, struct uapi_apply_state *st,
                        const struct wg_time *now)
{
	if (st->peer)
		wg_peer_config_done(t->dev, st->peer, now);
	st->peer = NULL;
	st->peer_created = false;
}

/* A software key matches in its clamped form too, as in the unbound case. */
static bool names_key(const struct key_provider *kp, const uint8_t key[WG_KEY_LEN])
{
	if (ct_equal(kp->config_key, key, WG_KEY_LEN))
		return true;
	if (!kp->config_key_is_private)
		return false;
	uint8_t clamped[WG_KEY_LEN];
	memcpy(clamped, key, WG_KEY_LEN);
	clamped[0] &= 248;
	clamped[31] = (uint8_t)((clamped[31] & 127) | 64);
	bool same = ct_equal(kp->config_key, clamped, WG_KEY_LEN);
	secure_wipe(clamped, sizeof(clamped));
	return same;
}

/* The bound key stays whatever the request says; nothing here touches the device. */
static int keep_bound_key(const struct uapi_target *t, const uint8_t key[WG_KEY_LEN],
                          const char **why)
{
	struct key_provider *cur = wg_device_key(t->dev);
	if (ct_is_zero(key, WG_KEY_LEN)) {
		log_verbose("UAPI set: private_key=0 (a config without PrivateKey): keeping the "
		            "bound %s key",
		            cur ? cur->ops->name : "(missing)");
		return 0;
	}
	if (cur && names_key(cur, key))
		return 0;
	if (why)
		*why = "the interface key is bound (--key/HWGUARD_KEY): private_key cannot change";
	return -EPERM;
}

static int set_private_key(const struct uapi_target *t, const uint8_t key[WG_KEY_LEN],
                           const struct wg_time *now, const char **why)
{
	if (t->key_bound)
		return keep_bound_key(t, key, why);
	struct key_provider *cur = wg_device_key(t->dev);
	if (ct_is_zero(key, WG_KEY_LEN))
		return cur ? wg_device_set_key(t->dev, NULL, now) : 0;

	struct key_provider *kp = NULL;
	int err;
	struct uapi_prepared_key *pre = t->prepared;
	if (pre && (pre->kp || pre->err) && ct_equal(pre->key, key, KEY_LEN)) {
		kp = pre->kp;
		pre->kp = NULL;
		err = kp ? 0 : pre->err;
		if (err && why)
			*why = pre->why;
	} else {
		err = key_provider_from_config(key, t->key_config, &kp, why);
	}
	if (err)
		return err;
	/* Setting the same key again (every `wg setconf` does) must not expire the sessions. */
	if (cur && ct_equal(cur->config_key, kp->config_key, KEY_LEN)) {
		key_provider_destroy(kp);
		return 0;
	}
	err = wg_device_set_key(t->dev, kp, now);
	if (err && why)
		*why = "the WireGuard core refused the key";
	return err;
}

static int select_peer(const struct uapi_target *t, struct uapi_apply_state *st,
                       const uint8_t public_key[WG_KEY_LEN], const struct wg_time *now)
{
	finish_peer(t, st, now);
	struct key_provider *own = wg_device_key(t->dev);
	if (own && ct_equal(own->public_key, public_key, WG_KEY_LEN))
		return 0; /* our own key: a dummy peer, as wireguard-go */
	st->peer = wg_device_peer_find(t->dev, public_key);
	ptrdiff_t slot = st->peer ? replaced_find(st, st->peer) : -1;
	if (slot >= 0 && !st->listed[slot]) {
		/* replace_peers removed it, and this block adds it again: as new, but with its
		 * sessions. */
		st->listed[slot] = true;
		wg_peer_reset_config(t->dev, st->peer, now);
		st->peer_created = true;
		return 0;
	}
	if (st->peer)
		return 0;
	int err = -ENOMEM;
	st->peer = wg_device_peer_add(t->dev, public_key, &err);
	if (!st->peer)
		return err ? err : -ENOMEM;
	st->peer_created = true;
	return 0;
}

/* "allowed_ip=-CIDR". A prefix the peer does not hold is not an error: wireguard-go ignores it too.
 */
static int remove_prefix(const struct uapi_target *t, struct wg_peer *peer,
                         const struct text_prefix *gone)
{
	int err = wg_peer_allowed_ip_remove(t->dev, peer, gone->family, gone->addr, gone->cidr);
	return err == -ENOENT ? 0 : err;
}

static int apply_peer_op(const struct uapi_target *t, struct uapi_apply_state *st,
                         const struct uapi_op *op, const struct wg_time *now)
{
	struct wg_peer *peer = st->peer;
	switch (op->kind) {
	case UAPI_OP_UPDATE_ONLY:
		if (peer && st->peer_created) {
			replaced_forget(st, peer);
			wg_device_peer_remove(t->dev, peer);
			st->peer = NULL;
			st->peer_created = false;
		}
		return 0;
	case UAPI_OP_REMOVE:
		if (peer) {
			replaced_forget(st, peer);
			wg_device_peer_remove(t->dev, peer);
		}
		st->peer = NULL;
		st->peer_created = false;
		return 0;
	default:
		break;
	}
	if (!peer)
		return 0;
	switch (op->kind) {
	case UAPI_OP_PRESHARED_KEY:
		wg_peer_set_preshared_key(peer, op->u.key);
		return 0;
	case UAPI_OP_ENDPOINT:
		wg_peer_set_endpoint(peer, &op->u.endpoint);
		return 0;
	case UAPI_OP_KEEPALIVE:
		wg_peer_set_persistent_keepalive(t->dev, peer, (uint16_t)op->u.num, now);
		return 0;
	case UAPI_OP_REPLACE_ALLOWED_IPS:
		wg_peer_allowed_ips_clear(t->dev, peer);
		return 0;
	case UAPI_OP_ALLOWED_IP_ADD:
		return wg_peer_allowed_ip_add(t->dev, peer, op->u.prefix.family, op->u.prefix.addr,
		                              op->u.prefix.cidr);
	case UAPI_OP_ALLOWED_IP_REMOVE:
		return remove_prefix(t, peer, &op->u.prefix);
	default:
		return -EINVAL;
	}
}

bool uapi_apply_step(const struct uapi_target *t, const struct uapi_set *set,
                     struct uapi_apply_state *st, const struct wg_time *now, size_t max_peers)
{
	size_t peers = 0;
	while (st->next < set->n && !st->err) {
		const struct uapi_op *op = &set->ops[st->next];
		if (op->kind == UAPI_OP_PEER && peers++ == max_peers) {
			finish_peer(t, st, now);
			return true;
		}
		st->next++;
		switch (op->kind) {
		case UAPI_OP_PRIVATE_KEY:
			/* A new key may remove a peer (our own public key): settle the replaced
			 * ones first, so none is left dangling. */
			if (st->replacing)
				replaced_finish(t, st);
			st->err = set_private_key(t, op->u.key, now, &st->reason);
			break;
		case UAPI_OP_LISTEN_PORT:
			st->err = t->set_listen_port(t->ctx, (uint16_t)op->u.num);
			st->reason = "cannot bind the listen port";
			break;
		case UAPI_OP_FWMARK:
			st->err = t->set_fwmark(t->ctx, (uint32_t)op->u.num);
			st->reason = "cannot set the fwmark";
			break;
		case UAPI_OP_REPLACE_PEERS:
			finish_peer(t, st, now);
			replaced_start(t, st);
			break;
		case UAPI_OP_PEER:
			st->err = select_peer(t, st, op->u.key, now);
			st->reason = "cannot create the peer";
			break;
		default:
			st->err = apply_peer_op(t, st, op, now);
			st->reason = "cannot apply a peer setting";
			break;
		}
	}
	finish_peer(t, st, now);
	if (st->replacing)
		replaced_finish(t, st);
	if (st->err && !st->reason)
		st->reason = "failed";
	return false;
}

int uapi_apply(const struct uapi_target *t, const struct uapi_set *set, const struct wg_time *now,
               const char **why)
{
	struct uapi_apply_state st = {0};
	while (uapi_apply_step(t, set, &st, now, SIZE_MAX))
		;
	if (st.err && why)
		*why = st.reason;
	return st.err;
}
