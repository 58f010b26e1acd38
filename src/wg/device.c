#include "wg/device.h"

#include <errno.h>
#include <stddef.h>
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
/* Entries of the wake-up queue besides one per peer: the pending handshakes' queue. */
#define WAKE_ENTRIES_NOT_PEERS 1

struct wg_device *wg_device_new(const struct wg_io *io)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->io = *io;
	dev->allowedips = allowedips_new();
	dev->ratelimiter = ratelimiter_new();
	dev->scratch = malloc(WG_SCRATCH_LEN);
	if (!dev->allowedips || !dev->ratelimiter || !dev->scratch ||
	    timer_queue_reserve(&dev->timer_queue, WAKE_ENTRIES_NOT_PEERS) != 0) {
		wg_device_free(dev);
		return NULL;
	}
	noise_constants_init(&dev->noise);
	random_bytes(dev->peer_hash_key, sizeof(dev->peer_hash_key));
	known_sources_init(&dev->known, dev->peer_hash_key);
	return dev;
}

void wg_device_free(struct wg_device *dev)
{
	if (!dev)
		return;
	wg_device_peers_clear(dev);
	sdh_cancel_all(dev);
	known_sources_free(&dev->known);
	free(dev->peer_table);
	timer_queue_free(&dev->timer_queue);
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

static uint64_t peer_hash(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	uint8_t mac[BLAKE2S_MAC_LEN];
	uint64_t h = 0;

	blake2s_mac(mac, dev->peer_hash_key, sizeof(dev->peer_hash_key), public_key, WG_KEY_LEN);
	for (int i = 0; i < 8; i++)
		h = h << 8 | mac[i];
	return h;
}

static size_t peer_bucket(uint64_t hash, size_t cap)
{
	return (size_t)hash & (cap - 1);
}

/* Keeps the table at most one peer per bucket. A failed resize keeps the old table (longer
 * chains, still correct); only the first allocation can fail the caller. Peers keep their hash, so
 * a resize moves them without a MAC each (at 65,536 peers that was a 0.1 s stall of the data
 * path in the middle of a large set). */
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
			size_t b = peer_bucket(p->hash, cap);
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
	struct wg_peer **link = &dev->peer_table[peer_bucket(peer->hash, dev->peer_table_cap)];
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
	/* A new identity: static-static values are computed again, lazily (at each peer's next
	 * handshake, off the UAPI request), and what waited for the old key is void. */
	sdh_cancel_all(dev);
	for (struct wg_peer *p = dev->first_peer; p; p = p->next_peer) {
		noise_forget_ss(&p->handshake);
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
	uint64_t h = peer_hash(dev, public_key);
	for (struct wg_peer *p = dev->peer_table[peer_bucket(h, dev->peer_table_cap)]; p;
	     p = p->hash_next)
		if (p->hash == h && memcmp(p->public_key, public_key, WG_KEY_LEN) == 0)
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
	if (peer_table_reserve(dev) != 0 ||
	    timer_queue_reserve(&dev->timer_queue, WAKE_ENTRIES_NOT_PEERS + dev->peer_count + 1) !=
	            0) {
		*err = -ENOMEM;
		return NULL;
	}
	peer = peer_new(dev, public_key);
	if (!peer) {
		*err = -ENOMEM;
		return NULL;
	}
	peer->hash = peer_hash(dev, public_key);
	peer->listed_round = dev->listing_round;
	size_t b = peer_bucket(peer->hash, dev->peer_table_cap);
	peer->hash_next = dev->peer_table[b];
	dev->peer_table[b] = peer;
	/* No static-static value yet: it is computed at the first handshake, so that configuring
	 * thousands of peers costs no key-provider operation. */
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
	timer_queue_remove(&dev->timer_queue, &peer->timers.wake);
	unlink_peer(dev, peer);
	peer_free(peer);
}

void wg_peer_reset_config(struct wg_device *dev, struct wg_peer *peer, const struct wg_time *now)
{
	static const uint8_t no_psk[WG_KEY_LEN];
	wg_peer_set_preshared_key(peer, no_psk);
	wg_peer_set_persistent_keepalive(dev, peer, 0, now);
	peer->keepalive_pending = false;
	allowedips_remove_owner(dev->allowedips, peer);
	known_sources_clear(&dev->known, &peer->known_configured);
	peer->listed_round = dev->listing_round;
	/* Listed again: it goes where a new peer would, at the end. */
	if (dev->last_peer != peer) {
		if (peer->prev_peer)
			peer->prev_peer->next_peer = peer->next_peer;
		else
			dev->first_peer = peer->next_peer;
		peer->next_peer->prev_peer = peer->prev_peer;
		peer->prev_peer = dev->last_peer;
		peer->next_peer = NULL;
		dev->last_peer->next_peer = peer;
		dev->last_peer = peer;
	}
}

void wg_device_peers_unlist(struct wg_device *dev)
{
	dev->listing_round++;
}

bool wg_peer_unlisted(const struct wg_device *dev, const struct wg_peer *peer)
{
	return peer->listed_round != dev->listing_round;
}

bool wg_device_peer_remove_unlisted(struct wg_device *dev)
{
	struct wg_peer *first = dev->first_peer;
	if (!first || !wg_peer_unlisted(dev, first))
		return false;
	wg_device_peer_remove(dev, first);
	return true;
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
	out->static_dh_pending = sdh_pending(dev);
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
	if (send_possible(dev, peer))
		send_packet(dev, peer, ip_packet, len);
}

uint64_t wg_device_tick(struct wg_device *dev, const struct wg_time *now)
{
	uint64_t next = now->mono_ns + WG_TICK_MAX_NS;

	dev->now = *now;
	cookie_checker_expire(&dev->cookie_checker, now->mono_ns);
	/* Only what is due is visited (peers whose timers may fire, the pending handshakes' queue):
	 * idle peers cost nothing here. What an entry re-arms lies in the future, so each is
	 * visited at most once per call. */
	struct timer_entry *e;
	while ((e = timer_queue_pop_due(&dev->timer_queue, now->mono_ns))) {
		uint64_t t;
		if (e == &dev->sdh.wake)
			t = sdh_tick(dev);
		else
			t = timers_run(dev, (struct wg_peer *)((char *)e - offsetof(struct wg_peer,
			                                                            timers.wake)));
		if (t)
			timer_queue_schedule(&dev->timer_queue, e, t);
	}
	uint64_t wake = timer_queue_next(&dev->timer_queue);
	if (wake && wake < next)
		next = wake;
	return next;
}

void wg_peer_initiate_handshake(struct wg_device *dev, struct wg_peer *peer,
                                const struct wg_time *now)
{
	dev->now = *now;
	send_handshake_initiation(dev, peer, false);
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
	        [WG_DROP_KEY_QUEUE] = "key_queue",
	};
	if ((unsigned)why >= WG_DROP_REASONS || !names[why])
		return "unknown";
	return names[why];
}
