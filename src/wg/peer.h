/* A peer as the core keeps it: identity, handshake, keypairs, cookie, endpoint, staged packets,
 * timers and counters. Internal to src/wg; the daemon sees only the opaque struct wg_peer. */
#ifndef HWG_WG_PEER_H
#define HWG_WG_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/cookie.h"
#include "wg/keypair.h"
#include "wg/known_sources.h"
#include "wg/noise.h"
#include "wg/timers.h"
#include "wg/wg.h"

/* Packets waiting for a keypair, oldest first (a ring; the oldest is dropped on overflow). */
struct staged_queue {
	uint8_t *packet[MAX_STAGED_PACKETS];
	uint16_t len[MAX_STAGED_PACKETS];
	unsigned head;
	unsigned count;
};

struct wg_peer {
	struct wg_device *dev;
	struct wg_peer *prev_peer, *next_peer; /* insertion order */
	struct wg_peer *hash_next;             /* chain of the device's public-key table */
	uint64_t hash;                         /* its public key's hash in that table */
	/* The device's listing round it was last added or listed in (wg_device_peers_unlist) */
	uint32_t listed_round;
	uint8_t public_key[WG_KEY_LEN];
	struct noise_handshake handshake;
	struct keypair_slots keypairs;
	struct peer_cookie cookie;
	bool has_endpoint;
	struct wg_endpoint endpoint;
	/* The addresses of the last authenticated endpoint and of the configured one, in the
	 * device's set of known sources (their initiations go first to a scarce key provider). */
	struct known_source known_last, known_configured;
	struct staged_queue staged;
	struct wg_timers timers;
	uint64_t last_sent_handshake_ns;
	bool has_sent_handshake;
	bool keepalive_pending; /* persistent keepalive switched on; send once an endpoint is known
	                         */
	uint64_t last_handshake_sec;
	uint32_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive;
};

struct wg_peer *peer_new(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
/* Wipes and frees; the caller has unlinked it from the device. */
void peer_free(struct wg_peer *peer);

/* Roaming: an authenticated packet from a new address moves the peer there. */
void peer_update_endpoint(struct wg_peer *peer, const struct wg_endpoint *from);
/* What every authenticated packet from peer does first: roam to its source, count its bytes, run
 * the receive-side timer hooks. First, because in the kernel anything the packet makes us send
 * goes out later, from a worker, and the send-side hooks (data sent) must not be undone by this
 * packet's (anything received). */
void peer_authenticated_rx(struct wg_device *dev, struct wg_peer *peer,
                           const struct wg_endpoint *from, size_t bytes);

/* Stages a copy of an IP packet (len 0 = a keepalive). */
void peer_stage_packet(struct wg_peer *peer, const uint8_t *packet, size_t len);
void peer_purge_staged(struct wg_peer *peer);

#endif
