#include "wg/device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/blake2s.h"
#include "crypto/portable/secure.h"
#include "crypto/random.h"
#include "wg/peer.h"
#include "wg/send.h"

/* wg_device_tick() never asks to sleep longer than this, so a daemon can use the answer as a
 * poll timeout without special cases. */
#define WG_TICK_MAX_NS (10 * NSEC_PER_SEC)

struct wg_device *wg_device_new(const struct wg_io *io)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->io = *io;
	dev->allowedips = allowedips_new();
	dev->ratelimiter = ratelimiter_new();
	dev->scratch = malloc(WG_SCRATCH_LEN);
	if (!dev->allowedips || !dev->ratelimiter || !dev->scratch) {
		wg_device_free(dev);
		return NULL;
	}
	noise_constants_init(&dev->noise);
	random_bytes(dev->peer_hash_key, sizeof(dev->peer_hash_key));
	return dev;
}

void wg_device_free(struct wg_device *dev)
{
	if (!dev)
		return;
	wg_device_peers_clear(dev);
	free(dev->peer_table);
	key_provider_destroy(dev->key);
	cookie_checker_wipe(&dev->cookie_checker);
	if (dev->allowedips)
		allowedips_free(dev->allowedips);
	if (dev->ratelimiter)
		ratelimiter_free(dev->ratelimiter);
	if (dev->scratch) {
		secure_wipe(dev->scratch, WG_SCRATCH_LEN);
		free(dev->scratch);
	}
	secure_wipe(dev, sizeof(*dev));
	free(dev);
}

void wg_device_set_mtu(struct wg_device *dev, unsigned mtu)
{
	dev->mtu = mtu;
}

int device_static_dh(struct wg_device *dev, uint8_t shared[NOISE_KEY_LEN],
                     const uint8_t peer_public[NOISE_KEY_LEN])
{
	if (!dev->key)
		return -ENOKEY;
	dev->stats.key_provider_calls++;
	int err = key_provider_dh(dev->key, shared, peer_public);
	if (err == 0 && ct_is_zero(shared, NOISE_KEY_LEN))
		err = -EINVAL; /* providers differ on low-order points: check here too */
	if (err) {
		secure_wipe(shared, NOISE_KEY_LEN);
		if (err != -EINVAL)
			device_drop(dev, WG_DROP_KEY_PROVIDER);
	}
	return err;
}

void device_send_to_peer(struct wg_device *dev, struct wg_peer *peer, const uint8_t *buf,
                         size_t len)
{
	if (!peer->has_endpoint) {
		device_drop(dev, WG_DROP_NO_ENDPOINT);
		return;
	}
	peer->tx_bytes += len;
	dev->io.send(dev->io.ctx, &peer->endpoint, buf, len);
}

static size_t peer_bucket(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
                          size_t cap)
{
	uint8_t mac[BLAKE2S_MAC_LEN];
	uint64_t h = 0;

	blake2s_mac(mac, dev->peer_hash_key, sizeof(dev->peer_hash_key), public_key, WG_KEY_LEN);
	for (int i = 0; i < 8; i++)
		h = h << 8 | mac[i];
	return (size_t)h & (cap - 1);
}

/* Keeps the table at most one peer per bucket. A failed resize keeps the old table (longer
 * chains, still correct); only the first allocation can fail the caller. */
static int peer_table_reserve(struct wg_device *dev)
{
	if (dev->peer_count < dev->peer_table_cap)
		return 0;
	size_t cap = dev->peer_table_cap ? dev->peer_table_cap * 2 : 16;
	struct wg_peer **table = calloc(cap, sizeof(*table));
	if (!table)
		return dev->peer_table_cap ? 0 : -ENOMEM;
	for (size_t i = 0; i < dev->peer_table_cap; i++) {
		for (struct wg_peer *p = dev->peer_table[i], *next; p; p = next) {
			next = p->hash_next;
			size_t b = peer_bucket(dev, p->public_key, cap);
			p->hash_next = table[b];
			table[b] = p;
		}
	}
	free(dev->peer_table);
	dev->peer_table = table;
	dev->peer_table_cap = cap;
	return 0;
}

static void unlink_peer(struct wg_device *dev, struct wg_peer *peer)
{
	struct wg_peer **link =
	        &dev->peer_table[peer_bucket(dev, peer->public_key, dev->peer_table_cap)];
	while (*link != peer)
		link = &(*link)->hash_next;
	*link = peer->hash_next;
	peer->hash_next = NULL;
	if (peer->prev_peer)
		peer->prev_peer->next_peer = peer->next_peer;
	else
		dev->first_peer = peer->next_peer;
	if (peer->next_peer)
		peer->next_peer->prev_peer = peer->prev_peer;
	else
		dev->last_peer = peer->prev_peer;
	dev->peer_count--;
}

int wg_device_set_key(struct wg_device *dev, struct key_provider *kp, const struct wg_time *now)
{
	dev->now = *now;
	if (kp && kp == dev->key)
		return 0;
	if (kp && dev->key && ct_equal(kp->public_key, dev->key->public_key, KEY_LEN)) {
		/* Same identity (wg setconf repeats the key): keep every session. */
		key_provider_destroy(dev->key);
		dev->key = kp;
		return 0;
	}
	key_provider_destroy(dev->key);
	dev->key = kp;
	if (kp) {
		/* A peer with our own public key would be ourselves. */
		struct wg_peer *self = wg_device_peer_find(dev, kp->public_key);
		if (self)
			wg_device_peer_remove(dev, self);
		cookie_checker_init(&dev->cookie_checker, kp->public_key);
	} else {
		cookie_checker_wipe(&dev->cookie_checker);
	}
	for (struct wg_peer *p = dev->first_peer; p; p = p->next_peer) {
		noise_precompute_ss(dev, &p->handshake);
		noise_handshake_clear(dev, &p->handshake);
		keypairs_expire_sending(&p->keypairs);
	}
	return 0;
}

struct key_provider *wg_device_key(struct wg_device *dev)
{
	return dev->key;
}

struct wg_peer *wg_device_peer_find(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	if (!dev->peer_table_cap)
		return NULL;
	size_t b = peer_bucket(dev, public_key, dev->peer_table_cap);
	for (struct wg_peer *p = dev->peer_table[b]; p; p = p->hash_next)
		if (memcmp(p->public_key, public_key, WG_KEY_LEN) == 0)
			return p;
	return NULL;
}

struct wg_peer *wg_device_peer_add(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
                                   int *err)
{
	struct wg_peer *peer = wg_device_peer_find(dev, public_key);
	if (peer)
		return peer;
	if (dev->key && memcmp(dev->key->public_key, public_key, WG_KEY_LEN) == 0) {
		*err = -EINVAL;
		return NULL;
	}
	if (dev->peer_count >= WG_MAX_PEERS) {
		*err = -ENOSPC;
		return NULL;
	}
	if (peer_table_reserve(dev) != 0) {
		*err = -ENOMEM;
		return NULL;
	}
	peer = peer_new(dev, public_key);
	if (!peer) {
		*err = -ENOMEM;
		return NULL;
	}
	size_t b = peer_bucket(dev, public_key, dev->peer_table_cap);
	peer->hash_next = dev->peer_table[b];
	dev->peer_table[b] = peer;
	noise_precompute_ss(dev, &peer->handshake);
	peer->prev_peer = dev->last_peer;
	if (dev->last_peer)
		dev->last_peer->next_peer = peer;
	else
		dev->first_peer = peer;
	dev->last_peer = peer;
	dev->peer_count++;
	return peer;
}

void wg_device_peer_remove(struct wg_device *dev, struct wg_peer *peer)
{
	allowedips_remove_owner(dev->allowedips, peer);
	unlink_peer(dev, peer);
	peer_free(peer);
}

void wg_device_peers_clear(struct wg_device *dev)
{
	while (dev->first_peer)
		wg_device_peer_remove(dev, dev->first_peer);
}

int wg_peer_allowed_ip_add(struct wg_device *dev, struct wg_peer *peer, int family,
                           const void *addr, uint8_t cidr)
{
	return allowedips_insert(dev->allowedips, family, addr, cidr, peer);
}

int wg_peer_allowed_ip_remove(struct wg_device *dev, struct wg_peer *peer, int family,
                              const void *addr, uint8_t cidr)
{
	return allowedips_remove(dev->allowedips, family, addr, cidr, peer);
}

void wg_peer_allowed_ips_clear(struct wg_device *dev, struct wg_peer *peer)
{
	allowedips_remove_owner(dev->allowedips, peer);
}

int wg_device_foreach_peer(struct wg_device *dev, int (*fn)(void *ctx, struct wg_peer *peer),
                           void *ctx)
{
	for (struct wg_peer *p = dev->first_peer, *next; p; p = next) {
		next = p->next_peer; /* fn may remove p */
		int ret = fn(ctx, p);
		if (ret)
			return ret;
	}
	return 0;
}

int wg_peer_foreach_allowed_ip(const struct wg_device *dev, const struct wg_peer *peer,
                               int (*fn)(void *ctx, int family, const uint8_t *addr, uint8_t cidr),
                               void *ctx)
{
	return allowedips_foreach(dev->allowedips, peer, fn, ctx);
}

void wg_device_stats(const struct wg_device *dev, struct wg_device_stats *out)
{
	*out = dev->stats;
}

void wg_device_tun_input(struct wg_device *dev, const uint8_t *ip_packet, size_t len,
                         const struct wg_time *now)
{
	const uint8_t *dst;
	int family;

	dev->now = *now;
	if (len >= 20 && ip_packet[0] >> 4 == 4) {
		family = AF_INET;
		dst = ip_packet + 16;
	} else if (len >= 40 && ip_packet[0] >> 4 == 6) {
		family = AF_INET6;
		dst = ip_packet + 24;
	} else {
		device_drop(dev, WG_DROP_MALFORMED);
		return;
	}
	if (len > WG_MAX_PACKET) {
		device_drop(dev, WG_DROP_MALFORMED);
		return;
	}
	struct wg_peer *peer = allowedips_lookup(dev->allowedips, family, dst);
	if (!peer) {
		device_drop(dev, WG_DROP_NO_ROUTE);
		return;
	}
	if (!dev->key) {
		device_drop(dev, WG_DROP_NO_KEY);
		return;
	}
	if (!peer->has_endpoint) {
		device_drop(dev, WG_DROP_NO_ENDPOINT);
		return;
	}
	send_packet(dev, peer, ip_packet, len);
	if (dev->io.flush)
		dev->io.flush(dev->io.ctx);
}

uint64_t wg_device_tick(struct wg_device *dev, const struct wg_time *now)
{
	uint64_t next = now->mono_ns + WG_TICK_MAX_NS;

	dev->now = *now;
	cookie_checker_expire(&dev->cookie_checker, now->mono_ns);
	for (struct wg_peer *p = dev->first_peer; p; p = p->next_peer) {
		uint64_t t = timers_run(dev, p);
		if (t && t < next)
			next = t;
	}
	if (dev->io.flush)
		dev->io.flush(dev->io.ctx);
	return next;
}

void wg_peer_initiate_handshake(struct wg_device *dev, struct wg_peer *peer,
                                const struct wg_time *now)
{
	dev->now = *now;
	send_handshake_initiation(dev, peer, false);
	if (dev->io.flush)
		dev->io.flush(dev->io.ctx);
}

void wg_device_set_timestamp_source(struct wg_device *dev, wg_timestamp_fn fn, void *ctx)
{
	dev->timestamp_fn = fn;
	dev->timestamp_ctx = ctx;
}

const char *wg_drop_reason_name(enum wg_drop_reason why)
{
	static const char *const names[WG_DROP_REASONS] = {
	        [WG_DROP_MALFORMED] = "malformed",
	        [WG_DROP_MAC1] = "mac1",
	        [WG_DROP_COOKIE_SENT] = "cookie_sent",
	        [WG_DROP_RATELIMITED] = "ratelimited",
	        [WG_DROP_HANDSHAKE] = "handshake",
	        [WG_DROP_NO_KEYPAIR] = "no_keypair",
	        [WG_DROP_DECRYPT] = "decrypt",
	        [WG_DROP_REPLAY] = "replay",
	        [WG_DROP_ALLOWED_IPS] = "allowed_ips",
	        [WG_DROP_NO_ROUTE] = "no_route",
	        [WG_DROP_NO_ENDPOINT] = "no_endpoint",
	        [WG_DROP_NO_KEY] = "no_key",
	        [WG_DROP_KEY_PROVIDER] = "key_provider",
	        [WG_DROP_STAGED_OVERFLOW] = "staged_overflow",
	        [WG_DROP_HANDSHAKE_TIMEOUT] = "handshake_timeout",
	};
	if ((unsigned)why >= WG_DROP_REASONS || !names[why])
		return "unknown";
	return names[why];
}
