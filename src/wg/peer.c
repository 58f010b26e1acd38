#include "wg/peer.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "wg/device.h"
#include "wg/send.h"

struct wg_peer *peer_new(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *peer = calloc(1, sizeof(*peer));
	if (!peer)
		return NULL;
	peer->dev = dev;
	memcpy(peer->public_key, public_key, WG_KEY_LEN);
	noise_handshake_init(&peer->handshake, peer, public_key);
	peer_cookie_init(&peer->cookie, public_key);
	return peer;
}

void peer_free(struct wg_peer *peer)
{
	struct wg_device *dev = peer->dev;

	timers_stop(peer);
	sdh_cancel_peer(dev, peer);
	known_sources_clear(&dev->known, &peer->known_last);
	known_sources_clear(&dev->known, &peer->known_configured);
	peer_purge_staged(peer);
	keypairs_clear(&peer->keypairs, &dev->index);
	noise_handshake_wipe(dev, &peer->handshake);
	secure_wipe(peer, sizeof(*peer));
	free(peer);
}

void peer_stage_packet(struct wg_peer *peer, const uint8_t *packet, size_t len)
{
	struct staged_queue *q = &peer->staged;

	if (q->count == MAX_STAGED_PACKETS) {
		/* As the kernel: the oldest packet makes room, the newest is the likeliest wanted.
		 */
		free(q->packet[q->head]);
		q->packet[q->head] = NULL;
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
		device_drop(peer->dev, WG_DROP_STAGED_OVERFLOW);
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	if (len)
		memcpy(copy, packet, len);
	unsigned slot = (q->head + q->count) % MAX_STAGED_PACKETS;
	q->packet[slot] = copy;
	q->len[slot] = (uint16_t)len;
	q->count++;
}

void peer_purge_staged(struct wg_peer *peer)
{
	struct staged_queue *q = &peer->staged;

	while (q->count) {
		secure_wipe(q->packet[q->head], q->len[q->head]);
		free(q->packet[q->head]);
		q->packet[q->head] = NULL;
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
	}
	q->head = 0;
}

unsigned wg_peer_keypair_count(const struct wg_peer *peer)
{
	return (peer->keypairs.previous != NULL) + (peer->keypairs.current != NULL) +
	       (peer->keypairs.next != NULL);
}

void wg_peer_set_preshared_key(struct wg_peer *peer, const uint8_t psk[WG_KEY_LEN])
{
	memcpy(peer->handshake.preshared_key, psk, WG_KEY_LEN);
}

void peer_update_endpoint(struct wg_peer *peer, const struct wg_endpoint *from)
{
	peer->endpoint = *from;
	peer->has_endpoint = true;
	known_sources_set(&peer->dev->known, &peer->known_last, from);
}

void peer_authenticated_rx(struct wg_device *dev, struct wg_peer *peer,
                           const struct wg_endpoint *from, size_t bytes)
{
	peer_update_endpoint(peer, from);
	peer->rx_bytes += bytes;
	timers_any_authenticated_packet_received(dev, peer);
	timers_any_authenticated_packet_traversal(dev, peer);
}

void wg_peer_set_endpoint(struct wg_peer *peer, const struct wg_endpoint *ep)
{
	peer_update_endpoint(peer, ep);
	known_sources_set(&peer->dev->known, &peer->known_configured, ep);
}

void wg_peer_set_persistent_keepalive(struct wg_device *dev, struct wg_peer *peer, uint16_t secs,
                                      const struct wg_time *now)
{
	bool turned_on = peer->persistent_keepalive == 0 && secs != 0;

	dev->now = *now;
	peer->persistent_keepalive = secs;
	if (!secs)
		peer->timers.persistent_keepalive = 0;
	if (!turned_on)
		return;
	if (peer->has_endpoint && dev->key) {
		peer->keepalive_pending = false;
		send_keepalive(dev, peer);
	} else {
		peer->keepalive_pending = true;
	}
}

void wg_peer_config_done(struct wg_device *dev, struct wg_peer *peer, const struct wg_time *now)
{
	dev->now = *now;
	if (!peer->has_endpoint || !dev->key)
		return;
	if (peer->keepalive_pending) {
		peer->keepalive_pending = false;
		send_keepalive(dev, peer);
	} else if (peer->staged.count) {
		send_staged_packets(dev, peer);
	}
}

void wg_peer_info(const struct wg_peer *peer, struct wg_peer_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->public_key, peer->public_key, WG_KEY_LEN);
	memcpy(out->preshared_key, peer->handshake.preshared_key, WG_KEY_LEN);
	out->has_endpoint = peer->has_endpoint;
	if (peer->has_endpoint)
		out->endpoint = peer->endpoint;
	out->last_handshake_sec = peer->last_handshake_sec;
	out->last_handshake_nsec = peer->last_handshake_nsec;
	out->rx_bytes = peer->rx_bytes;
	out->tx_bytes = peer->tx_bytes;
	out->persistent_keepalive = peer->persistent_keepalive;
}
