/* The incoming side (kernel receive.c): type dispatch, handshake messages behind the mac1/cookie
 * gate, transport data (decrypt, then replay check, then inner source check). */
#include <stddef.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "wg/device.h"
#include "wg/handshake.h"
#include "wg/messages.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/wg.h"

/* The device is under load while the daemon says so and for 1 s after it last did. */
static bool under_load(struct wg_device *dev)
{
	bool load = dev->io.under_load && dev->io.under_load(dev->io.ctx);
	if (load) {
		dev->last_under_load_ns = dev->now.mono_ns;
		dev->was_under_load = true;
		return true;
	}
	/* The static-DH queue as the kernel's handshake queue: 1/8 full means under load; and a
	 * key provider whose wear budget is down to the reserve for configured peers. */
	if (sdh_pending(dev) >= SDH_LOAD_THRESHOLD || sdh_budget_low(dev)) {
		dev->last_under_load_ns = dev->now.mono_ns;
		dev->was_under_load = true;
		return true;
	}
	return dev->was_under_load &&
	       dev->last_under_load_ns + UNDER_LOAD_AFTER_NS > dev->now.mono_ns;
}

static bool source_address(const struct wg_endpoint *from, int *family, const uint8_t **addr)
{
	if (from->addr.sa.sa_family == AF_INET) {
		*family = AF_INET;
		*addr = (const uint8_t *)&from->addr.in4.sin_addr;
		return true;
	}
	if (from->addr.sa.sa_family == AF_INET6) {
		*family = AF_INET6;
		*addr = (const uint8_t *)&from->addr.in6.sin6_addr;
		return true;
	}
	return false;
}

/* A private key to answer with; mac1 always; under load also a valid mac2 and the per-source rate
 * limit. Returns true when the message may go on to the (expensive) Noise processing. */
static bool handshake_gate(struct wg_device *dev, uint8_t *msg, size_t len, uint32_t sender,
                           const struct wg_endpoint *from)
{
	if (!dev->key) {
		device_drop(dev, WG_DROP_NO_KEY);
		return false;
	}
	bool load = under_load(dev);
	enum cookie_mac_state state = cookie_validate(&dev->cookie_checker, msg, len, from, load,
	                                              &dev->io, dev->now.mono_ns);

	if (state == COOKIE_MAC_INVALID) {
		device_drop(dev, WG_DROP_MAC1);
		return false;
	}
	if (!load)
		return true;
	if (state == COOKIE_MAC_VALID_NO_COOKIE) {
		struct msg_cookie_reply reply;
		cookie_create_reply(&dev->cookie_checker, &reply, msg, len, sender, from, &dev->io,
		                    dev->now.mono_ns);
		dev->io.send(dev->io.ctx, from, (const uint8_t *)&reply, sizeof(reply));
		dev->stats.cookie_replies_sent++;
		device_drop(dev, WG_DROP_COOKIE_SENT);
		return false;
	}
	int family;
	const uint8_t *addr;
	if (!source_address(from, &family, &addr) ||
	    !ratelimiter_allow(dev->ratelimiter, family, addr, dev->now.mono_ns)) {
		device_drop(dev, WG_DROP_RATELIMITED);
		return false;
	}
	return true;
}

static void receive_initiation(struct wg_device *dev, uint8_t *packet, size_t len,
                               const struct wg_endpoint *from)
{
	struct msg_initiation *msg = (struct msg_initiation *)packet;
	if (handshake_gate(dev, packet, len, load_le32(msg->sender), from))
		handshake_initiation_received(dev, msg, from);
}

static void receive_response(struct wg_device *dev, uint8_t *packet, size_t len,
                             const struct wg_endpoint *from)
{
	struct msg_response *msg = (struct msg_response *)packet;
	if (handshake_gate(dev, packet, len, load_le32(msg->sender), from))
		handshake_response_received(dev, msg, from);
}

static void receive_cookie_reply(struct wg_device *dev, uint8_t *packet)
{
	const struct msg_cookie_reply *msg = (const struct msg_cookie_reply *)packet;
	struct index_entry *e = index_table_lookup(&dev->index, load_le32(msg->receiver),
	                                           INDEX_HANDSHAKE | INDEX_KEYPAIR);
	/* A cookie reply does not move the endpoint: it is not authenticated by the peer's key. */
	if (!e || !cookie_consume_reply(&e->peer->cookie, msg, dev->now.mono_ns))
		device_drop(dev, WG_DROP_HANDSHAKE);
}

/* Receiver-side freshness (kernel receive.c keep_key_fresh): an initiator whose keypair nears
 * REJECT_AFTER_TIME starts one last handshake, so the session does not lapse while idle. */
static void keep_key_fresh(struct wg_device *dev, struct wg_peer *peer)
{
	const struct wg_keypair *kp = peer->keypairs.current;

	if (peer->timers.sent_lastminute_handshake)
		return;
	if (kp && kp->send_valid && kp->initiator &&
	    kp->birth_ns + REJECT_AFTER_TIME_NS - KEEPALIVE_TIMEOUT_NS - REKEY_TIMEOUT_NS <=
	            dev->now.mono_ns) {
		peer->timers.sent_lastminute_handshake = true;
		send_handshake_initiation(dev, peer, false);
	}
}

/* Checks the decrypted IP header and returns the length it claims (padding trimmed), or 0. */
static size_t inner_packet(const uint8_t *p, size_t len, int *family, const uint8_t **src)
{
	if (len >= 20 && p[0] >> 4 == 4) {
		size_t total = (size_t)p[2] << 8 | p[3];
		if (total < 20 || total > len)
			return 0;
		*family = AF_INET;
		*src = p + 12;
		return total;
	}
	if (len >= 40 && p[0] >> 4 == 6) {
		size_t total = 40 + ((size_t)p[4] << 8 | p[5]);
		if (total > len)
			return 0;
		*family = AF_INET6;
		*src = p + 8;
		return total;
	}
	return 0;
}

static void receive_data(struct wg_device *dev, uint8_t *packet, size_t len,
                         const struct wg_endpoint *from)
{
	const struct msg_data *hdr = (const struct msg_data *)packet;
	struct index_entry *e =
	        index_table_lookup(&dev->index, load_le32(hdr->receiver), INDEX_KEYPAIR);
	if (!e) {
		device_drop(dev, WG_DROP_NO_KEYPAIR);
		return;
	}
	struct wg_keypair *kp =
	        (struct wg_keypair *)((uint8_t *)e - offsetof(struct wg_keypair, entry));
	struct wg_peer *peer = e->peer;
	uint64_t counter = load_le64(hdr->counter);

	if (!keypair_can_receive(kp, dev->now.mono_ns)) {
		device_drop(dev, WG_DROP_NO_KEYPAIR);
		return;
	}
	uint8_t *plain = packet + MSG_DATA_HEADER_LEN;
	size_t plain_len = len - MSG_DATA_MIN_LEN;
	if (aead_open(&kp->recv_key, counter, plain, plain, len - MSG_DATA_HEADER_LEN, NULL, 0) !=
	    0) {
		device_drop(dev, WG_DROP_DECRYPT);
		return;
	}
	/* Only now, with the packet authentic, may the counter move the window. */
	if (!replay_check(&kp->replay, counter)) {
		device_drop(dev, WG_DROP_REPLAY);
		return;
	}

	peer_authenticated_rx(dev, peer, from, len);
	if (plain_len)
		timers_data_received(dev, peer);
	if (keypairs_received_with(&peer->keypairs, &dev->index, kp)) {
		timers_handshake_complete(dev, peer);
		send_staged_packets(dev, peer);
	}
	keep_key_fresh(dev, peer);
	if (plain_len == 0)
		return; /* keepalive */

	int family;
	const uint8_t *src;
	size_t ip_len = inner_packet(plain, plain_len, &family, &src);
	if (!ip_len) {
		device_drop(dev, WG_DROP_MALFORMED);
		return;
	}
	if (allowedips_lookup(dev->allowedips, family, src) != peer) {
		device_drop(dev, WG_DROP_ALLOWED_IPS);
		return;
	}
	dev->io.deliver(dev->io.ctx, plain, ip_len);
}

void wg_device_udp_input(struct wg_device *dev, uint8_t *packet, size_t len,
                         const struct wg_endpoint *from, const struct wg_time *now)
{
	dev->now = *now;
	if (len < 4) {
		device_drop(dev, WG_DROP_MALFORMED);
		return;
	}
	switch (load_le32(packet)) {
	case MSG_INITIATION:
		if (len != MSG_INITIATION_LEN)
			break;
		receive_initiation(dev, packet, len, from);
		return;
	case MSG_RESPONSE:
		if (len != MSG_RESPONSE_LEN)
			break;
		receive_response(dev, packet, len, from);
		return;
	case MSG_COOKIE_REPLY:
		if (len != MSG_COOKIE_REPLY_LEN)
			break;
		receive_cookie_reply(dev, packet);
		return;
	case MSG_DATA:
		if (len < MSG_DATA_MIN_LEN)
			break;
		receive_data(dev, packet, len, from);
		return;
	}
	device_drop(dev, WG_DROP_MALFORMED);
}
