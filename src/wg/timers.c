#include "wg/timers.h"

#include <string.h>

#include "wg/device.h"
#include "wg/messages.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/timer_queue.h"

/* Up to a third of a second, so that peers which lost packets together do not retry in step. */
static uint64_t jitter(struct wg_device *dev)
{
	uint8_t rnd[4];
	dev->io.random(dev->io.ctx, rnd, sizeof(rnd));
	uint32_t r = load_le32(rnd); /* the same jitter from the same bytes on every CPU */
	return (uint64_t)(r % REKEY_TIMEOUT_JITTER_MAX_MS) * NSEC_PER_MSEC;
}

/* The one place a timer is armed: it also queues the peer to wake up by then. */
static void arm(struct wg_device *dev, struct wg_peer *peer, uint64_t *timer, uint64_t after_ns)
{
	*timer = dev->now.mono_ns + after_ns;
	if (*timer == 0) /* 0 means "not armed" */
		*timer = 1;
	timer_queue_schedule(&dev->timer_queue, &peer->timers.wake, *timer);
}

void timers_data_sent(struct wg_device *dev, struct wg_peer *peer)
{
	/* Sent data and heard nothing back within 15 s: the session may be dead, start over. */
	if (!peer->timers.new_handshake)
		arm(dev, peer, &peer->timers.new_handshake,
		    KEEPALIVE_TIMEOUT_NS + REKEY_TIMEOUT_NS + jitter(dev));
}

void timers_data_received(struct wg_device *dev, struct wg_peer *peer)
{
	if (!peer->timers.send_keepalive)
		arm(dev, peer, &peer->timers.send_keepalive, KEEPALIVE_TIMEOUT_NS);
	else
		peer->timers.need_another_keepalive = true;
}

void timers_any_authenticated_packet_sent(struct wg_device *dev, struct wg_peer *peer)
{
	(void)dev;
	/* Anything we send already tells the peer we are alive. */
	peer->timers.send_keepalive = 0;
}

void timers_any_authenticated_packet_received(struct wg_device *dev, struct wg_peer *peer)
{
	(void)dev;
	peer->timers.new_handshake = 0;
}

void timers_any_authenticated_packet_traversal(struct wg_device *dev, struct wg_peer *peer)
{
	if (peer->persistent_keepalive)
		arm(dev, peer, &peer->timers.persistent_keepalive,
		    (uint64_t)peer->persistent_keepalive * NSEC_PER_SEC);
}

void timers_handshake_initiated(struct wg_device *dev, struct wg_peer *peer)
{
	arm(dev, peer, &peer->timers.retransmit_handshake, REKEY_TIMEOUT_NS + jitter(dev));
}

void timers_handshake_complete(struct wg_device *dev, struct wg_peer *peer)
{
	peer->timers.retransmit_handshake = 0;
	peer->timers.handshake_attempts = 0;
	peer->timers.sent_lastminute_handshake = false;
	peer->last_handshake_sec = dev->now.real_sec;
	peer->last_handshake_nsec = dev->now.real_nsec;
}

void timers_session_derived(struct wg_device *dev, struct wg_peer *peer)
{
	/* Without a new handshake, every key of the peer is destroyed after 3 x REJECT_AFTER_TIME.
	 */
	arm(dev, peer, &peer->timers.zero_key_material, 3 * REJECT_AFTER_TIME_NS);
}

void timers_stop(struct wg_peer *peer)
{
	peer->timers.retransmit_handshake = 0;
	peer->timers.send_keepalive = 0;
	peer->timers.new_handshake = 0;
	peer->timers.zero_key_material = 0;
	peer->timers.persistent_keepalive = 0;
}

static void clear_endpoint_source(struct wg_peer *peer)
{
	/* The sticky source may be why nothing arrives (address gone): let the kernel choose. */
	memset(&peer->endpoint.local, 0, sizeof(peer->endpoint.local));
	peer->endpoint.local_ifindex = 0;
}

static void expired_retransmit_handshake(struct wg_device *dev, struct wg_peer *peer)
{
	if (peer->timers.handshake_attempts > MAX_TIMER_HANDSHAKES) {
		/* Give up (REKEY_ATTEMPT_TIME): drop what waited for this handshake. */
		peer->timers.send_keepalive = 0;
		peer_purge_staged(peer);
		device_drop(dev, WG_DROP_HANDSHAKE_TIMEOUT);
		if (!peer->timers.zero_key_material)
			arm(dev, peer, &peer->timers.zero_key_material, 3 * REJECT_AFTER_TIME_NS);
		return;
	}
	peer->timers.handshake_attempts++;
	clear_endpoint_source(peer);
	send_handshake_initiation(dev, peer, true);
}

static void expired_send_keepalive(struct wg_device *dev, struct wg_peer *peer)
{
	send_keepalive(dev, peer);
	if (peer->timers.need_another_keepalive) {
		peer->timers.need_another_keepalive = false;
		arm(dev, peer, &peer->timers.send_keepalive, KEEPALIVE_TIMEOUT_NS);
	}
}

static void expired_new_handshake(struct wg_device *dev, struct wg_peer *peer)
{
	clear_endpoint_source(peer);
	send_handshake_initiation(dev, peer, false);
}

static void expired_zero_key_material(struct wg_device *dev, struct wg_peer *peer)
{
	noise_handshake_clear(dev, &peer->handshake);
	keypairs_clear(&peer->keypairs, &dev->index);
}

static void expired_persistent_keepalive(struct wg_device *dev, struct wg_peer *peer)
{
	if (peer->persistent_keepalive)
		send_keepalive(dev, peer);
}

static bool due(struct wg_device *dev, uint64_t *timer)
{
	if (!*timer || *timer > dev->now.mono_ns)
		return false;
	*timer = 0;
	return true;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t timers_run(struct wg_device *dev, struct wg_peer *peer)
{
	struct wg_timers *t = &peer->timers;

	if (due(dev, &t->retransmit_handshake))
		expired_retransmit_handshake(dev, peer);
	if (due(dev, &t->send_keepalive))
		expired_send_keepalive(dev, peer);
	if (due(dev, &t->new_handshake))
		expired_new_handshake(dev, peer);
	if (due(dev, &t->zero_key_material))
		expired_zero_key_material(dev, peer);
	if (due(dev, &t->persistent_keepalive))
		expired_persistent_keepalive(dev, peer);

	uint64_t next = earliest(t->retransmit_handshake, t->send_keepalive);
	next = earliest(next, t->new_handshake);
	next = earliest(next, t->zero_key_material);
	return earliest(next, t->persistent_keepalive);
}
