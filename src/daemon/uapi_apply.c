#include "daemon/uapi_apply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/log.h"

static void finish_peer(struct uapi_apply_job *c, const struct wg_time *now)
{
	if (c->peer)
		wg_peer_config_done(c->target->dev, c->peer, now);
	c->peer = NULL;
	c->created = false;
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

static int select_peer(struct uapi_apply_job *c, const uint8_t public_key[WG_KEY_LEN],
                       const struct wg_time *now)
{
	const struct uapi_target *t = c->target;
	finish_peer(c, now);
	struct key_provider *own = wg_device_key(t->dev);
	if (own && ct_equal(own->public_key, public_key, WG_KEY_LEN))
		return 0; /* our own key: a dummy peer, as wireguard-go */
	c->peer = wg_device_peer_find(t->dev, public_key);
	if (c->peer && c->replacing && wg_peer_unlisted(t->dev, c->peer)) {
		/* replace_peers removed it, and this block adds it again: as new, but with its
		 * sessions. */
		wg_peer_reset_config(t->dev, c->peer, now);
		c->created = true;
		return 0;
	}
	if (c->peer)
		return 0;
	int err = -ENOMEM;
	c->peer = wg_device_peer_add(t->dev, public_key, &err);
	if (!c->peer)
		return err ? err : -ENOMEM;
	c->created = true;
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

static int apply_peer_op(struct uapi_apply_job *c, const struct uapi_op *op,
                         const struct wg_time *now)
{
	const struct uapi_target *t = c->target;
	struct wg_peer *peer = c->peer;
	switch (op->kind) {
	case UAPI_OP_UPDATE_ONLY:
		if (peer && c->created) {
			wg_device_peer_remove(t->dev, peer);
			c->peer = NULL;
			c->created = false;
		}
		return 0;
	case UAPI_OP_REMOVE:
		if (peer)
			wg_device_peer_remove(t->dev, peer);
		c->peer = NULL;
		c->created = false;
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

void uapi_apply_start(struct uapi_apply_job *job, const struct uapi_target *t,
                      const struct uapi_set *set)
{
	memset(job, 0, sizeof(*job));
	job->target = t;
	job->set = set;
}

/* The end of the request: the peers replace_peers left unlisted go, up to *budget of them. True
 * once none is left. */
static bool remove_unlisted(struct uapi_apply_job *c, size_t *budget)
{
	if (!c->replacing)
		return true;
	for (; *budget > 0; --*budget)
		if (!wg_device_peer_remove_unlisted(c->target->dev))
			return true;
	return false;
}

/* True while the next operation continues the current peer's block: a step does not stop there
 * (unless the block is huge), so traffic sees each peer as it was or as the request leaves it (a
 * peer that replace_peers lists again is never seen without its allowed IPs). */
static bool inside_block(const struct uapi_apply_job *c, size_t extra)
{
	return c->peer && c->set->ops[c->next].kind != UAPI_OP_PEER && extra < UAPI_APPLY_BLOCK_MAX;
}

bool uapi_apply_step(struct uapi_apply_job *c, size_t budget, const struct wg_time *now)
{
	const struct uapi_target *t = c->target;
	const char *reason = NULL;
	int err = 0;
	size_t extra = 0;
	while (c->next < c->set->n && !err && (budget > 0 || inside_block(c, extra))) {
		const struct uapi_op *op = &c->set->ops[c->next];
		if (budget > 0)
			budget--;
		else
			extra++;
		switch (op->kind) {
		case UAPI_OP_PRIVATE_KEY:
			err = set_private_key(t, op->u.key, now, &reason);
			break;
		case UAPI_OP_LISTEN_PORT:
			err = t->set_listen_port(t->ctx, (uint16_t)op->u.num);
			reason = "cannot bind the listen port";
			break;
		case UAPI_OP_FWMARK:
			err = t->set_fwmark(t->ctx, (uint32_t)op->u.num);
			reason = "cannot set the fwmark";
			break;
		case UAPI_OP_REPLACE_PEERS:
			/* Every peer counts as unlisted until a block of this request lists it
			 * again; those left unlisted are removed at the end (no work here, however
			 * many). */
			finish_peer(c, now);
			wg_device_peers_unlist(t->dev);
			c->replacing = true;
			break;
		case UAPI_OP_PEER:
			err = select_peer(c, op->u.key, now);
			reason = "cannot create the peer";
			break;
		default:
			err = apply_peer_op(c, op, now);
			reason = "cannot apply a peer setting";
			break;
		}
		c->next++;
	}
	if (err) {
		/* What came before stays applied, replace_peers included: the rest is skipped. */
		c->err = err;
		c->why = reason ? reason : "failed";
		c->next = c->set->n;
	}
	if (c->next < c->set->n)
		return false;
	finish_peer(c, now);
	return remove_unlisted(c, &budget);
}

int uapi_apply(const struct uapi_target *t, const struct uapi_set *set, const struct wg_time *now,
               const char **why)
{
	struct uapi_apply_job job;
	uapi_apply_start(&job, t, set);
	while (!uapi_apply_step(&job, SIZE_MAX, now))
		;
	if (job.err && why)
		*why = job.why;
	return job.err;
}
