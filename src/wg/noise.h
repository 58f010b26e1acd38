/* Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (kernel noise.c; whitepaper §5.4;
 * wireguard-reference.md §1.3):
 *     <- s
 *     ...
 *     -> e, es, s, ss, {t}
 *     <- e, ee, se, psk, {}
 * The static private key is touched only through the key provider, and only for: ss once per peer
 * (noise_precompute_ss), es when consuming an initiation, se when consuming a response. */
#ifndef HWG_WG_NOISE_H
#define HWG_WG_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/index.h"
#include "wg/messages.h"

struct wg_device;
struct wg_keypair;

enum noise_state {
	NOISE_ZEROED,
	NOISE_CREATED_INITIATION,
	NOISE_CONSUMED_INITIATION,
	NOISE_CREATED_RESPONSE,
	NOISE_CONSUMED_RESPONSE,
};

enum noise_ss_state {
	NOISE_SS_NONE, /* no interface key, or the provider failed: try again when needed */
	NOISE_SS_VALID,
	NOISE_SS_ZERO, /* low-order peer key: handshakes with this peer can never succeed */
};

/* Per-peer handshake state. The first block survives noise_handshake_clear(). */
struct noise_handshake {
	uint8_t remote_static[NOISE_KEY_LEN];
	uint8_t precomputed_ss[NOISE_KEY_LEN];
	enum noise_ss_state ss_state;
	uint8_t preshared_key[NOISE_KEY_LEN];
	uint8_t latest_timestamp[TAI64N_LEN];
	uint64_t last_initiation_consumption_ns;
	bool has_consumed_initiation;

	/* Ephemeral state of one handshake. */
	struct index_entry entry; /* our sender index; type INDEX_HANDSHAKE */
	enum noise_state state;
	uint8_t ephemeral_private[NOISE_KEY_LEN];
	uint8_t remote_ephemeral[NOISE_KEY_LEN];
	uint8_t hash[NOISE_KEY_LEN];
	uint8_t chaining_key[NOISE_KEY_LEN];
	uint32_t remote_index;
};

/* HASH(CONSTRUCTION) and HASH(that || IDENTIFIER): the same for every handshake. */
struct noise_constants {
	uint8_t chaining_key[NOISE_KEY_LEN];
	uint8_t hash[NOISE_KEY_LEN];
};

void noise_constants_init(struct noise_constants *c);

void noise_handshake_init(struct noise_handshake *hs, struct wg_peer *peer,
                          const uint8_t remote_static[NOISE_KEY_LEN]);
/* Forgets the ephemeral state of a handshake in progress and releases its index. */
void noise_handshake_clear(struct wg_device *dev, struct noise_handshake *hs);
/* Wipes everything, including the static-static value and the preshared key. */
void noise_handshake_wipe(struct wg_device *dev, struct noise_handshake *hs);

/* ss = DH(our static, peer static) through the provider (one call), or NONE without a key. */
void noise_precompute_ss(struct wg_device *dev, struct noise_handshake *hs);

bool noise_create_initiation(struct wg_device *dev, struct noise_handshake *hs,
                             struct msg_initiation *dst);
/* Returns the peer the initiation came from, or NULL (bad crypto, unknown peer, replay, flood). */
struct wg_peer *noise_consume_initiation(struct wg_device *dev, const struct msg_initiation *src);
bool noise_create_response(struct wg_device *dev, struct noise_handshake *hs,
                           struct msg_response *dst);
struct wg_peer *noise_consume_response(struct wg_device *dev, const struct msg_response *src);
/* Derives the transport keypair from a finished handshake, installs it in the peer's slots and
 * clears the handshake. Returns false when the handshake was not finished or allocation failed. */
bool noise_begin_session(struct wg_device *dev, struct wg_peer *peer);

#endif
