/* Static-key Diffie-Hellman for the handshake: the only place the core asks the key provider.
 *
 * A fast provider (a software key) answers inline. A blocking one (an SE050: tens of milliseconds
 * per ECDH over I2C, seconds when it stops answering) is never called from here: the request waits
 * in the device's queue, the daemon's key worker computes it (wg_io.static_dh_submit), and
 * wg_device_static_dh_done() resumes the handshake that waited for it (handshake.c). Meanwhile the
 * data path goes on.
 *
 * The queue is also where the chip is shared under attack (docs/se050.md "Fair use of the chip"):
 *  - requests for configured peers go first: initiations and responses from an address that is a
 *    peer's configured or last endpoint (known_sources.h), and our own initiations;
 *  - other sources are served round robin by source prefix (IPv4 /32, IPv6 /64, as the rate
 *    limiter): the source served longest ago goes next, and one source holds at most
 *    SDH_PER_SOURCE waiting requests;
 *  - the last quarter of the provider's wear budget (key_provider_budget_reserve) is kept for
 *    configured peers;
 *  - at most SDH_IN_FLIGHT_MAX requests are with the worker, so the choice is made late;
 *  - a request that waited SDH_WAIT_MAX_NS is dropped: the peer retries on its own timer;
 *  - from SDH_LOAD_THRESHOLD pending requests on (1/8 of the queue, the kernel's rule for its
 *    handshake queue), and while the budget is down to the reserve, the device counts as under
 *    load, so initiations need a cookie first. */
#ifndef HWG_WG_STATIC_DH_H
#define HWG_WG_STATIC_DH_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/messages.h"
#include "wg/timer_queue.h"
#include "wg/wg.h"

#define SDH_QUEUE_LEN      64
#define SDH_IN_FLIGHT_MAX  2
#define SDH_PER_SOURCE     2
#define SDH_LOAD_THRESHOLD (SDH_QUEUE_LEN / 8)
#define SDH_WAIT_MAX_NS    (2 * NSEC_PER_SEC)
/* How often waiting requests are looked at again while the budget or the worker holds them. */
#define SDH_POLL_NS (50 * NSEC_PER_MSEC)
/* A request the worker never answered is forgotten after this (its late answer is ignored). */
#define SDH_LOST_NS (120 * NSEC_PER_SEC)
#define SDH_SOURCES 64

enum sdh_kind {
	SDH_RESPONDER_ES, /* an initiation waits for es = DH(our static, its ephemeral) */
	SDH_RESPONDER_SS, /* an initiation (es known) waits for the claimed peer's ss */
	SDH_INITIATOR_SS, /* an initiation we want to send waits for the peer's ss */
	SDH_INITIATOR_SE, /* a response to our initiation waits for se */
};

enum sdh_class {
	SDH_CLASS_PEER,  /* a configured peer's endpoint, or our own initiative */
	SDH_CLASS_OTHER, /* anyone else who knows our public key */
};

struct sdh_request {
	enum sdh_kind kind;
	enum sdh_class cls;
	struct wg_peer *peer;         /* all kinds but RESPONDER_ES */
	uint32_t generation;          /* INITIATOR_SE: the handshake it answers */
	struct wg_endpoint from;      /* where the message came from (not for INITIATOR_SS) */
	uint8_t input[NOISE_KEY_LEN]; /* the public value to multiply with our static key */
	uint8_t es[NOISE_KEY_LEN];    /* RESPONDER_SS: es, already computed */
	union {
		struct msg_initiation init;
		struct msg_response resp;
	} msg;

	/* queue bookkeeping */
	bool used, in_flight, cancelled;
	uint64_t ticket;
	uint64_t queued_ns;
	uint8_t src_family; /* 0: no source (our own initiative) */
	uint8_t src_prefix[8];
};

struct sdh_source {
	uint8_t family;
	uint8_t prefix[8];
	uint64_t last_grant_ns;
};

struct sdh_queue {
	struct sdh_request req[SDH_QUEUE_LEN];
	unsigned used, in_flight;
	uint64_t next_ticket;
	struct sdh_source sources[SDH_SOURCES];
	/* Its place in the device's wake-up queue (timer_queue.h), queued while a request waits or
	 * is with the worker: sdh_tick runs when the earliest of their deadlines comes. */
	struct timer_entry wake;
};

struct wg_device;
struct wg_peer;

/* True when the interface key's DH goes through the daemon's key worker. */
bool sdh_async(const struct wg_device *dev);
/* Inline static DH (a fast provider), counted in key_provider_calls. Returns 0, -EINVAL (all-zero
 * result, low-order point), -ENOKEY, or the provider's error (counted as a key_provider drop). */
int sdh_compute(struct wg_device *dev, uint8_t shared[NOISE_KEY_LEN],
                const uint8_t input[NOISE_KEY_LEN]);
/* Queues a copy of r (its kind, class, peer, generation, from, input, es, msg) and hands work to
 * the worker. Returns false, counting a drop, when the request was refused (queue full, a
 * duplicate). */
bool sdh_enqueue(struct wg_device *dev, const struct sdh_request *r);
/* True while a request of one of the kinds in kind_mask (1 << kind) for peer is pending. */
bool sdh_pending_for(const struct wg_device *dev, const struct wg_peer *peer, unsigned kind_mask);
/* Forgets the requests of a peer being removed, or all of them (the interface key changed). */
void sdh_cancel_peer(struct wg_device *dev, const struct wg_peer *peer);
void sdh_cancel_all(struct wg_device *dev);
/* Pending requests, waiting or with the worker. */
unsigned sdh_pending(const struct wg_device *dev);
/* True when the interface key's wear budget is down to the reserve kept for configured peers:
 * the device is then under load, so that every initiator must prove its address with a cookie
 * before it reaches the chip (nobody can spend the reserve from a spoofed peer address). */
bool sdh_budget_low(struct wg_device *dev);
/* Drops requests that waited too long and hands out work; returns when it next needs to run (0:
 * nothing is pending). The device's tick runs it when the queue's wake-up entry is due, never
 * otherwise: sdh_enqueue queues that entry. */
uint64_t sdh_tick(struct wg_device *dev);

#endif
