#include "wg/send.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "wg/device.h"
#include "wg/handshake.h"
#include "wg/messages.h"
#include "wg/peer.h"

static bool rekey_timeout_passed(struct wg_device *dev, struct wg_peer *peer)
{
	return !peer->has_sent_handshake ||
	       peer->last_sent_handshake_ns + REKEY_TIMEOUT_NS <= dev->now.mono_ns;
}

static void note_handshake_sent(struct wg_device *dev, struct wg_peer *peer)
{
	peer->last_sent_handshake_ns = dev->now.mono_ns;
	peer->has_sent_handshake = true;
}

bool send_possible(struct wg_device *dev, const struct wg_peer *peer)
{
	if (!dev->key) {
		device_drop(dev, WG_DROP_NO_KEY);
		return false;
	}
	if (!peer->has_endpoint) {
		device_drop(dev, WG_DROP_NO_ENDPOINT);
		return false;
	}
	return true;
}

void send_handshake_initiation(struct wg_device *dev, struct wg_peer *peer, bool is_retry)
{
	if (!is_retry)
		peer->timers.handshake_attempts = 0;
	/* At most one initiation per REKEY_TIMEOUT, whatever asks for it. */
	if (!rekey_timeout_passed(dev, peer) || !send_possible(dev, peer))
		return;
	note_handshake_sent(dev, peer);
	if (!handshake_initiate(dev, peer)) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		/* A key provider failure (chip busy, bus error) is usually transient: retry on the
		 * schedule of a lost initiation. Without the timer nothing would retry, and staged
		 * packets would neither leave nor be purged after REKEY_ATTEMPT_TIME. */
		timers_handshake_initiated(dev, peer);
	}
}

bool send_initiation_now(struct wg_device *dev, struct wg_peer *peer)
{
	struct msg_initiation msg;

	if (!noise_create_initiation(dev, &peer->handshake, &msg))
		return false;
	cookie_add_macs(&peer->cookie, (uint8_t *)&msg, sizeof(msg), dev->now.mono_ns);
	timers_any_authenticated_packet_traversal(dev, peer);
	timers_any_authenticated_packet_sent(dev, peer);
	dev->stats.handshakes_initiated++;
	device_send_to_peer(dev, peer, (const uint8_t *)&msg, sizeof(msg));
	timers_handshake_initiated(dev, peer);
	secure_wipe(&msg, sizeof(msg));
	return true;
}

void send_handshake_response(struct wg_device *dev, struct wg_peer *peer)
{
	struct msg_response msg;

	note_handshake_sent(dev, peer);
	if (!noise_create_response(dev, &peer->handshake, &msg)) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	}
	cookie_add_macs(&peer->cookie, (uint8_t *)&msg, sizeof(msg), dev->now.mono_ns);
	if (!noise_begin_session(dev, peer)) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	}
	dev->stats.handshakes_completed++;
	timers_session_derived(dev, peer);
	timers_any_authenticated_packet_traversal(dev, peer);
	timers_any_authenticated_packet_sent(dev, peer);
	device_send_to_peer(dev, peer, (const uint8_t *)&msg, sizeof(msg));
	secure_wipe(&msg, sizeof(msg));
}

/* Sender-side freshness (kernel send.c keep_key_fresh): the initiator renews after
 * REKEY_AFTER_TIME; either side after REKEY_AFTER_MESSAGES. */
static void keep_key_fresh(struct wg_device *dev, struct wg_peer *peer)
{
	const struct wg_keypair *kp = peer->keypairs.current;

	if (kp && kp->send_valid &&
	    (kp->send_counter > REKEY_AFTER_MESSAGES ||
	     (kp->initiator && kp->birth_ns + REKEY_AFTER_TIME_NS <= dev->now.mono_ns)))
		send_handshake_initiation(dev, peer, false);
}

/* Pads to a multiple of 16 (hiding exact lengths) but never past the MTU. */
static size_t padded_length(const struct wg_device *dev, size_t len)
{
	size_t padded = (len + MSG_PADDING_MULTIPLE - 1) & ~(size_t)(MSG_PADDING_MULTIPLE - 1);
	if (dev->mtu && len <= dev->mtu && padded > dev->mtu)
		padded = dev->mtu;
	return padded;
}

/* Seals one packet with kp and sends it. The datagram is built in the daemon's transmit batch
 * when it lends a buffer (no copy on either side), else in the device's scratch buffer. */
static void encrypt_and_send(struct wg_device *dev, struct wg_peer *peer, struct wg_keypair *kp,
                             const uint8_t *packet, size_t len)
{
	size_t padded = padded_length(dev, len);
	size_t total = MSG_DATA_HEADER_LEN + padded + AEAD_TAG_LEN;
	uint8_t *out = dev->io.send_buffer ? dev->io.send_buffer(dev->io.ctx, total) : NULL;
	if (!out)
		out = dev->scratch;
	struct msg_data *hdr = (struct msg_data *)out;
	uint8_t *body = out + MSG_DATA_HEADER_LEN;
	uint64_t counter = kp->send_counter++;
	int err;

	store_le32(hdr->type, MSG_DATA);
	store_le32(hdr->receiver, kp->remote_index);
	store_le64(hdr->counter, counter);
	if (padded == len) {
		/* A full-MTU packet needs no padding: seal straight from the caller's buffer. */
		err = aead_seal(&kp->send_key, counter, body, packet, len, NULL, 0);
	} else {
		if (len)
			memcpy(body, packet, len);
		memset(body + len, 0, padded - len);
		err = aead_seal(&kp->send_key, counter, body, body, padded, NULL, 0);
	}
	if (err != 0)
		return;
	device_send_to_peer(dev, peer, out, total);
	timers_any_authenticated_packet_traversal(dev, peer);
	timers_any_authenticated_packet_sent(dev, peer);
	if (len)
		timers_data_sent(dev, peer);
}

void send_staged_packets(struct wg_device *dev, struct wg_peer *peer)
{
	struct staged_queue *q = &peer->staged;
	struct wg_keypair *kp = peer->keypairs.current;

	if (!q->count)
		return;
	if (!peer->has_endpoint) {
		device_drop(dev, WG_DROP_NO_ENDPOINT);
		return;
	}
	while (q->count && keypair_can_send(kp, dev->now.mono_ns)) {
		unsigned i = q->head;
		encrypt_and_send(dev, peer, kp, q->packet[i], q->len[i]);
		secure_wipe(q->packet[i], q->len[i]);
		free(q->packet[i]);
		q->packet[i] = NULL;
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
	}
	if (q->count) {
		/* No usable keypair (or it just ran out): keep them and get one. */
		send_handshake_initiation(dev, peer, false);
		return;
	}
	q->head = 0;
	keep_key_fresh(dev, peer);
}

void send_keepalive(struct wg_device *dev, struct wg_peer *peer)
{
	if (!peer->staged.count)
		peer_stage_packet(peer, NULL, 0);
	send_staged_packets(dev, peer);
}

/* Fast path for a TUN packet: encrypt straight from the caller's buffer when nothing waits. */
void send_packet(struct wg_device *dev, struct wg_peer *peer, const uint8_t *packet, size_t len)
{
	struct wg_keypair *kp = peer->keypairs.current;

	if (!peer->staged.count && keypair_can_send(kp, dev->now.mono_ns)) {
		encrypt_and_send(dev, peer, kp, packet, len);
		keep_key_fresh(dev, peer);
		return;
	}
	peer_stage_packet(peer, packet, len);
	send_staged_packets(dev, peer);
}
