#include "wg/handshake.h"

#include <errno.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/send.h"

static enum sdh_class class_of(struct wg_device *dev, const struct wg_endpoint *from)
{
	return known_sources_contains(&dev->known, from) ? SDH_CLASS_PEER : SDH_CLASS_OTHER;
}

#define SS_KINDS ((1u << SDH_RESPONDER_SS) | (1u << SDH_INITIATOR_SS))

/* ---- responder ---- */

static void accept_initiation(struct wg_device *dev, struct wg_peer *peer,
                              const struct wg_endpoint *from)
{
	peer_authenticated_rx(dev, peer, from, MSG_INITIATION_LEN);
	send_handshake_response(dev, peer);
}

/* es is known: decrypt the sender's identity, then (with its ss) the timestamp. */
static void continue_initiation(struct wg_device *dev, const struct msg_initiation *msg,
                                const struct wg_endpoint *from, const uint8_t es[NOISE_KEY_LEN],
                                enum sdh_class cls)
{
	struct wg_peer *peer;
	enum noise_result r = noise_consume_initiation(dev, msg, es, &peer);
	if (r == NOISE_NEED_SS && !sdh_async(dev)) {
		uint8_t ss[NOISE_KEY_LEN];
		noise_set_ss(&peer->handshake, sdh_compute(dev, ss, peer->public_key), ss);
		secure_wipe(ss, sizeof(ss));
		r = peer->handshake.ss_state == NOISE_SS_VALID
		            ? noise_consume_initiation(dev, msg, es, &peer)
		            : NOISE_FAIL;
	}
	if (r == NOISE_OK) {
		accept_initiation(dev, peer, from);
		return;
	}
	if (r == NOISE_NEED_SS && !sdh_pending_for(dev, peer, SS_KINDS)) {
		/* The first handshake with this peer: its static-static value, then go on. */
		struct sdh_request req = {
		        .kind = SDH_RESPONDER_SS, .cls = cls, .peer = peer, .from = *from};
		memcpy(req.input, peer->public_key, NOISE_KEY_LEN);
		memcpy(req.es, es, NOISE_KEY_LEN);
		req.msg.init = *msg;
		sdh_enqueue(dev, &req);
		secure_wipe(&req, sizeof(req));
		return;
	}
	device_drop(dev, WG_DROP_HANDSHAKE);
}

void handshake_initiation_received(struct wg_device *dev, const struct msg_initiation *msg,
                                   const struct wg_endpoint *from)
{
	if (!sdh_async(dev)) {
		uint8_t es[NOISE_KEY_LEN];
		if (sdh_compute(dev, es, msg->ephemeral) == 0)
			continue_initiation(dev, msg, from, es, SDH_CLASS_PEER);
		else
			device_drop(dev, WG_DROP_HANDSHAKE);
		secure_wipe(es, sizeof(es));
		return;
	}
	struct sdh_request req = {
	        .kind = SDH_RESPONDER_ES, .cls = class_of(dev, from), .from = *from};
	memcpy(req.input, msg->ephemeral, NOISE_KEY_LEN);
	req.msg.init = *msg;
	sdh_enqueue(dev, &req);
	secure_wipe(&req, sizeof(req));
}

/* ---- initiator ---- */

static void finish_response(struct wg_device *dev, const struct msg_response *msg,
                            const struct wg_endpoint *from, const uint8_t se[NOISE_KEY_LEN])
{
	struct wg_peer *peer = noise_consume_response(dev, msg, se);
	if (!peer) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	}
	peer_authenticated_rx(dev, peer, from, MSG_RESPONSE_LEN);
	if (noise_begin_session(dev, peer)) {
		dev->stats.handshakes_completed++;
		timers_session_derived(dev, peer);
		timers_handshake_complete(dev, peer);
		/* Key confirmation: the responder may not send until it hears from us under the new
		 * keypair, so send the staged packets now, or a keepalive when there are none. */
		send_keepalive(dev, peer);
	}
}

void handshake_response_received(struct wg_device *dev, const struct msg_response *msg,
                                 const struct wg_endpoint *from)
{
	struct wg_peer *peer = noise_response_target(dev, msg);
	if (!peer) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	}
	if (!sdh_async(dev)) {
		uint8_t se[NOISE_KEY_LEN];
		if (sdh_compute(dev, se, msg->ephemeral) == 0)
			finish_response(dev, msg, from, se);
		else
			device_drop(dev, WG_DROP_HANDSHAKE);
		secure_wipe(se, sizeof(se));
		return;
	}
	/* One response per initiation goes to the chip at a time; a genuine one that arrives while
	 * a forged one is checked is answered by the peer's retransmission. */
	if (sdh_pending_for(dev, peer, 1u << SDH_INITIATOR_SE)) {
		device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	}
	struct sdh_request req = {.kind = SDH_INITIATOR_SE,
	                          .cls = class_of(dev, from),
	                          .peer = peer,
	                          .generation = peer->handshake.generation,
	                          .from = *from};
	memcpy(req.input, msg->ephemeral, NOISE_KEY_LEN);
	req.msg.resp = *msg;
	sdh_enqueue(dev, &req);
	secure_wipe(&req, sizeof(req));
}

bool handshake_initiate(struct wg_device *dev, struct wg_peer *peer)
{
	struct noise_handshake *hs = &peer->handshake;
	if (hs->ss_state == NOISE_SS_NONE && !sdh_async(dev)) {
		uint8_t ss[NOISE_KEY_LEN];
		noise_set_ss(hs, sdh_compute(dev, ss, peer->public_key), ss);
		secure_wipe(ss, sizeof(ss));
	}
	if (hs->ss_state == NOISE_SS_VALID)
		return send_initiation_now(dev, peer);
	if (hs->ss_state == NOISE_SS_ZERO || !sdh_async(dev))
		return false;
	if (sdh_pending_for(dev, peer, SS_KINDS))
		return true; /* under way: the initiation goes when the value comes */
	struct sdh_request req = {.kind = SDH_INITIATOR_SS, .cls = SDH_CLASS_PEER, .peer = peer};
	memcpy(req.input, peer->public_key, NOISE_KEY_LEN);
	if (!sdh_enqueue(dev, &req))
		return false;
	/* Retried on the schedule of a lost initiation if the chip never answers. */
	timers_handshake_initiated(dev, peer);
	return true;
}

/* ---- answers from the key worker ---- */

void handshake_resume(struct wg_device *dev, const struct sdh_request *r, int err,
                      const uint8_t shared[NOISE_KEY_LEN])
{
	switch (r->kind) {
	case SDH_RESPONDER_ES:
		if (err)
			device_drop(dev, WG_DROP_HANDSHAKE);
		else
			continue_initiation(dev, &r->msg.init, &r->from, shared, r->cls);
		return;
	case SDH_RESPONDER_SS:
		noise_set_ss(&r->peer->handshake, err, shared);
		if (r->peer->handshake.ss_state == NOISE_SS_VALID)
			continue_initiation(dev, &r->msg.init, &r->from, r->es, r->cls);
		else
			device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	case SDH_INITIATOR_SS:
		noise_set_ss(&r->peer->handshake, err, shared);
		if (r->peer->handshake.ss_state != NOISE_SS_VALID || !r->peer->has_endpoint ||
		    !send_initiation_now(dev, r->peer))
			device_drop(dev, WG_DROP_HANDSHAKE);
		return;
	case SDH_INITIATOR_SE:
		/* A newer initiation (retransmission) replaced the one this response answers. */
		if (err || r->peer->handshake.generation != r->generation)
			device_drop(dev, WG_DROP_HANDSHAKE);
		else
			finish_response(dev, &r->msg.resp, &r->from, shared);
		return;
	}
}
