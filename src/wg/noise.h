/* Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (kernel noise.c; whitepaper §5.4;
 * wireguard-reference.md §1.3):
 *     <- s
 *     ...
 *     -> e, es, s, ss, {t}
 *     <- e, ee, se, psk, {}
 * The static private key never enters this file: the three values computed with it (ss once per
 * peer, es when consuming an initiation, se when consuming a response) come in as arguments, from
 * static_dh.c, which asks the key provider for them (inline, or through the daemon's key worker
 * while the handshake waits). */
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
	NOISE_SS_NONE, /* not computed yet (lazily, at the first handshake), or the provider failed
	                */
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
	/* Changes whenever the ephemeral state is created or cleared, so that a response that
	 * waited for the key provider can tell whether it still answers the same initiation. */
	uint32_t generation;
};

/* What consuming an initiation found. */
enum noise_result {
	NOISE_OK,
	NOISE_FAIL,    /* bad crypto, unknown peer, replay, flood */
	NOISE_NEED_SS, /* the claimed peer's static-static value is not known yet */
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

/* Stores the provider's answer for ss = DH(our static, peer static): err 0 (valid), -EINVAL
 * (low-order peer key: never valid), or another error (not known; asked again next time). */
void noise_set_ss(struct noise_handshake *hs, int err, const uint8_t ss[NOISE_KEY_LEN]);
/* Forgets ss (the interface key changed). */
void noise_forget_ss(struct noise_handshake *hs);

/* Needs hs->ss_state == NOISE_SS_VALID. */
bool noise_create_initiation(struct wg_device *dev, struct noise_handshake *hs,
                             struct msg_initiation *dst);
/* Consumes an initiation, given es = DH(our static, src->ephemeral). NOISE_OK and NOISE_NEED_SS
 * set *peer (the sender; for NEED_SS only claimed, not yet authenticated). */
enum noise_result noise_consume_initiation(struct wg_device *dev, const struct msg_initiation *src,
                                           const uint8_t es[NOISE_KEY_LEN], struct wg_peer **peer);
bool noise_create_response(struct wg_device *dev, struct noise_handshake *hs,
                           struct msg_response *dst);
/* The peer whose pending initiation src answers (receiver index and state), or NULL. No DH: this is
 * what decides whether the response is worth a static-key operation. */
struct wg_peer *noise_response_target(struct wg_device *dev, const struct msg_response *src);
/* Consumes a response, given se = DH(our static, src->ephemeral). Returns the peer, or NULL. */
struct wg_peer *noise_consume_response(struct wg_device *dev, const struct msg_response *src,
                                       const uint8_t se[NOISE_KEY_LEN]);
/* Derives the transport keypair from a finished handshake, installs it in the peer's slots and
 * clears the handshake. Returns false when the handshake was not finished or allocation failed. */
bool noise_begin_session(struct wg_device *dev, struct wg_peer *peer);

#endif
