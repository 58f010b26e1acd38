#include "wg/noise.h"

#include <errno.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/portable/secure.h"
#include "crypto/tai64n.h"
#include "crypto/x25519.h"
#include "wg/device.h"
#include "wg/keypair.h"
#include "wg/peer.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

void noise_constants_init(struct noise_constants *c)
{
	blake2s_hash(c->chaining_key, (const uint8_t *)construction, sizeof(construction) - 1, NULL,
	             0);
	blake2s_hash(c->hash, c->chaining_key, sizeof(c->chaining_key), (const uint8_t *)identifier,
	             sizeof(identifier) - 1);
}

void noise_handshake_init(struct noise_handshake *hs, struct wg_peer *peer,
                          const uint8_t remote_static[NOISE_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	memcpy(hs->remote_static, remote_static, NOISE_KEY_LEN);
	hs->entry.type = INDEX_HANDSHAKE;
	hs->entry.peer = peer;
}

void noise_handshake_clear(struct wg_device *dev, struct noise_handshake *hs)
{
	index_table_remove(&dev->index, &hs->entry);
	hs->state = NOISE_ZEROED;
	hs->generation++;
	secure_wipe(hs->ephemeral_private, sizeof(hs->ephemeral_private));
	secure_wipe(hs->remote_ephemeral, sizeof(hs->remote_ephemeral));
	secure_wipe(hs->hash, sizeof(hs->hash));
	secure_wipe(hs->chaining_key, sizeof(hs->chaining_key));
	hs->remote_index = 0;
}

void noise_handshake_wipe(struct wg_device *dev, struct noise_handshake *hs)
{
	index_table_remove(&dev->index, &hs->entry);
	secure_wipe(hs, sizeof(*hs));
}

void noise_set_ss(struct noise_handshake *hs, int err, const uint8_t ss[NOISE_KEY_LEN])
{
	noise_forget_ss(hs);
	if (err == 0 && !ct_is_zero(ss, NOISE_KEY_LEN)) {
		memcpy(hs->precomputed_ss, ss, NOISE_KEY_LEN);
		hs->ss_state = NOISE_SS_VALID;
	} else if (err == 0 || err == -EINVAL) {
		hs->ss_state = NOISE_SS_ZERO;
	}
}

void noise_forget_ss(struct noise_handshake *hs)
{
	secure_wipe(hs->precomputed_ss, sizeof(hs->precomputed_ss));
	hs->ss_state = NOISE_SS_NONE;
}

/* h = HASH(h || data) */
static void mix_hash(uint8_t hash[NOISE_KEY_LEN], const uint8_t *data, size_t len)
{
	uint8_t out[NOISE_KEY_LEN];
	blake2s_hash(out, hash, NOISE_KEY_LEN, data, len);
	memcpy(hash, out, NOISE_KEY_LEN);
	secure_wipe(out, sizeof(out));
}

/* (ck, key) = KDF2(ck, input); key may be NULL when only the chaining key moves. */
static void mix_key(uint8_t ck[NOISE_KEY_LEN], uint8_t key[NOISE_KEY_LEN], const uint8_t *input,
                    size_t len)
{
	uint8_t new_ck[NOISE_KEY_LEN], new_key[NOISE_KEY_LEN];
	wg_kdf(new_ck, new_key, NULL, ck, input, len, 2);
	memcpy(ck, new_ck, NOISE_KEY_LEN);
	if (key)
		memcpy(key, new_key, NOISE_KEY_LEN);
	secure_wipe(new_ck, sizeof(new_ck));
	secure_wipe(new_key, sizeof(new_key));
}

/* DH with an ephemeral private key, mixed into the chaining key. All-zero results fail. */
static bool mix_dh(uint8_t ck[NOISE_KEY_LEN], uint8_t key[NOISE_KEY_LEN],
                   const uint8_t priv[NOISE_KEY_LEN], const uint8_t pub[NOISE_KEY_LEN])
{
	uint8_t dh[NOISE_KEY_LEN];
	bool ok = x25519(dh, priv, pub) == 0 && !ct_is_zero(dh, sizeof(dh));
	if (ok)
		mix_key(ck, key, dh, sizeof(dh));
	secure_wipe(dh, sizeof(dh));
	return ok;
}

/* Mixes in a static-key DH value the key provider computed (the all-zero result was refused
 * where it was computed). */
static void mix_static(uint8_t ck[NOISE_KEY_LEN], uint8_t key[NOISE_KEY_LEN],
                       const uint8_t shared[NOISE_KEY_LEN])
{
	mix_key(ck, key, shared, NOISE_KEY_LEN);
}

static void mix_psk(uint8_t ck[NOISE_KEY_LEN], uint8_t hash[NOISE_KEY_LEN],
                    uint8_t key[NOISE_KEY_LEN], const uint8_t psk[NOISE_KEY_LEN])
{
	uint8_t new_ck[NOISE_KEY_LEN], tau[NOISE_KEY_LEN];
	wg_kdf(new_ck, tau, key, ck, psk, NOISE_KEY_LEN, 3);
	memcpy(ck, new_ck, NOISE_KEY_LEN);
	mix_hash(hash, tau, sizeof(tau));
	secure_wipe(new_ck, sizeof(new_ck));
	secure_wipe(tau, sizeof(tau));
}

/* The ephemeral public key goes into both the transcript hash and the chaining key. */
static void mix_ephemeral(uint8_t ck[NOISE_KEY_LEN], uint8_t hash[NOISE_KEY_LEN],
                          const uint8_t ephemeral[NOISE_KEY_LEN])
{
	uint8_t new_ck[NOISE_KEY_LEN];
	mix_hash(hash, ephemeral, NOISE_KEY_LEN);
	wg_kdf(new_ck, NULL, NULL, ck, ephemeral, NOISE_KEY_LEN, 1);
	memcpy(ck, new_ck, NOISE_KEY_LEN);
	secure_wipe(new_ck, sizeof(new_ck));
}

static void encrypt_and_hash(uint8_t *dst, const uint8_t *src, size_t len,
                             const uint8_t key[NOISE_KEY_LEN], uint8_t hash[NOISE_KEY_LEN])
{
	aead_seal_once(key, 0, dst, src, len, hash, NOISE_KEY_LEN);
	mix_hash(hash, dst, len + AEAD_TAG_LEN);
}

static bool decrypt_and_hash(uint8_t *dst, const uint8_t *src, size_t src_len,
                             const uint8_t key[NOISE_KEY_LEN], uint8_t hash[NOISE_KEY_LEN])
{
	if (aead_open_once(key, 0, dst, src, src_len, hash, NOISE_KEY_LEN) != 0)
		return false;
	mix_hash(hash, src, src_len);
	return true;
}

/* A consumed message's results become the handshake's: the peer's ephemeral and index, and the
 * transcript so far. */
static void adopt_message(struct noise_handshake *hs, const uint8_t ephemeral[NOISE_KEY_LEN],
                          const uint8_t sender[4], const uint8_t hash[NOISE_KEY_LEN],
                          const uint8_t chaining_key[NOISE_KEY_LEN], enum noise_state state)
{
	memcpy(hs->remote_ephemeral, ephemeral, NOISE_KEY_LEN);
	memcpy(hs->hash, hash, NOISE_KEY_LEN);
	memcpy(hs->chaining_key, chaining_key, NOISE_KEY_LEN);
	hs->remote_index = load_le32(sender);
	hs->state = state;
}

static bool new_ephemeral(struct wg_device *dev, uint8_t priv[NOISE_KEY_LEN],
                          uint8_t pub[NOISE_KEY_LEN])
{
	dev->io.random(dev->io.ctx, priv, NOISE_KEY_LEN);
	x25519_clamp(priv);
	return x25519_public_key(pub, priv) == 0;
}

/* The initiation's TAI64N: the daemon's source when it set one (wg_device_set_timestamp_source). */
static void initiation_timestamp(struct wg_device *dev, uint8_t out[TAI64N_LEN])
{
	uint64_t sec = dev->now.real_sec;
	uint32_t nsec = dev->now.real_nsec;
	if (dev->timestamp_fn)
		dev->timestamp_fn(dev->timestamp_ctx, &sec, &nsec);
	tai64n_encode(out, sec, nsec);
}

/* The end of creating a message: a built one gets a fresh index as its sender and moves the
 * handshake to its new state; a half-built one clears the handshake, which must not be answered.
 * The message key is wiped either way. */
static bool finish_created(struct wg_device *dev, struct noise_handshake *hs, bool ok,
                           uint8_t sender[4], enum noise_state state, uint8_t key[NOISE_KEY_LEN])
{
	if (ok) {
		store_le32(sender, index_table_insert(&dev->index, &hs->entry, &dev->io));
		hs->state = state;
	} else {
		noise_handshake_clear(dev, hs);
	}
	secure_wipe(key, NOISE_KEY_LEN);
	return ok;
}

bool noise_create_initiation(struct wg_device *dev, struct noise_handshake *hs,
                             struct msg_initiation *dst)
{
	uint8_t key[NOISE_KEY_LEN];
	uint8_t timestamp[TAI64N_LEN];
	bool ok = false;

	if (!dev->key || hs->ss_state != NOISE_SS_VALID)
		goto out;
	hs->generation++;
	memcpy(hs->chaining_key, dev->noise.chaining_key, NOISE_KEY_LEN);
	memcpy(hs->hash, dev->noise.hash, NOISE_KEY_LEN);
	mix_hash(hs->hash, hs->remote_static, NOISE_KEY_LEN);

	store_le32(dst->type, MSG_INITIATION);
	if (!new_ephemeral(dev, hs->ephemeral_private, dst->ephemeral))
		goto out;
	mix_ephemeral(hs->chaining_key, hs->hash, dst->ephemeral);
	/* es */
	if (!mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* s */
	encrypt_and_hash(dst->encrypted_static, dev->key->public_key, NOISE_KEY_LEN, key, hs->hash);
	/* ss */
	mix_key(hs->chaining_key, key, hs->precomputed_ss, NOISE_KEY_LEN);
	/* {t} */
	initiation_timestamp(dev, timestamp);
	encrypt_and_hash(dst->encrypted_timestamp, timestamp, TAI64N_LEN, key, hs->hash);
	ok = true;
out:
	return finish_created(dev, hs, ok, dst->sender, NOISE_CREATED_INITIATION, key);
}

enum noise_result noise_consume_initiation(struct wg_device *dev, const struct msg_initiation *src,
                                           const uint8_t es[NOISE_KEY_LEN], struct wg_peer **peer)
{
	uint8_t key[NOISE_KEY_LEN], chaining_key[NOISE_KEY_LEN], hash[NOISE_KEY_LEN];
	uint8_t s[NOISE_KEY_LEN], t[TAI64N_LEN];
	enum noise_result result = NOISE_FAIL;

	*peer = NULL;
	if (!dev->key)
		goto out;
	memcpy(chaining_key, dev->noise.chaining_key, NOISE_KEY_LEN);
	memcpy(hash, dev->noise.hash, NOISE_KEY_LEN);
	mix_hash(hash, dev->key->public_key, NOISE_KEY_LEN);
	/* e */
	mix_ephemeral(chaining_key, hash, src->ephemeral);
	/* es: the one static-key operation of the responder, on input only mac1 vouched for */
	mix_static(chaining_key, key, es);
	/* s */
	if (!decrypt_and_hash(s, src->encrypted_static, sizeof(src->encrypted_static), key, hash))
		goto out;
	struct wg_peer *candidate = wg_device_peer_find(dev, s);
	if (!candidate)
		goto out;
	struct noise_handshake *hs = &candidate->handshake;
	/* ss */
	if (hs->ss_state == NOISE_SS_NONE) {
		*peer = candidate;
		result = NOISE_NEED_SS;
		goto out;
	}
	if (hs->ss_state != NOISE_SS_VALID)
		goto out;
	mix_key(chaining_key, key, hs->precomputed_ss, NOISE_KEY_LEN);
	/* {t} */
	if (!decrypt_and_hash(t, src->encrypted_timestamp, sizeof(src->encrypted_timestamp), key,
	                      hash))
		goto out;
	/* A replayed initiation carries an old timestamp; a flood comes faster than 50 per second.
	 */
	bool replay = tai64n_compare(t, hs->latest_timestamp) <= 0;
	bool flood = hs->has_consumed_initiation &&
	             hs->last_initiation_consumption_ns + NSEC_PER_SEC / INITIATIONS_PER_SECOND >
	                     dev->now.mono_ns;
	if (replay || flood)
		goto out;

	noise_handshake_clear(dev, hs);
	adopt_message(hs, src->ephemeral, src->sender, hash, chaining_key,
	              NOISE_CONSUMED_INITIATION);
	memcpy(hs->latest_timestamp, t, TAI64N_LEN);
	hs->last_initiation_consumption_ns = dev->now.mono_ns;
	hs->has_consumed_initiation = true;
	*peer = candidate;
	result = NOISE_OK;
out:
	secure_wipe(key, sizeof(key));
	secure_wipe(chaining_key, sizeof(chaining_key));
	secure_wipe(hash, sizeof(hash));
	secure_wipe(s, sizeof(s));
	secure_wipe(t, sizeof(t));
	return result;
}

bool noise_create_response(struct wg_device *dev, struct noise_handshake *hs,
                           struct msg_response *dst)
{
	uint8_t key[NOISE_KEY_LEN];
	bool ok = false;

	if (hs->state != NOISE_CONSUMED_INITIATION)
		goto out;
	store_le32(dst->type, MSG_RESPONSE);
	store_le32(dst->receiver, hs->remote_index);
	/* e */
	if (!new_ephemeral(dev, hs->ephemeral_private, dst->ephemeral))
		goto out;
	mix_ephemeral(hs->chaining_key, hs->hash, dst->ephemeral);
	/* ee */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_ephemeral))
		goto out;
	/* se */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* psk */
	mix_psk(hs->chaining_key, hs->hash, key, hs->preshared_key);
	/* {} */
	encrypt_and_hash(dst->encrypted_nothing, dst->encrypted_nothing, 0, key, hs->hash);
	ok = true;
out:
	return finish_created(dev, hs, ok, dst->sender, NOISE_CREATED_RESPONSE, key);
}

struct wg_peer *noise_response_target(struct wg_device *dev, const struct msg_response *src)
{
	if (!dev->key)
		return NULL;
	struct index_entry *e =
	        index_table_lookup(&dev->index, load_le32(src->receiver), INDEX_HANDSHAKE);
	if (!e || e->peer->handshake.state != NOISE_CREATED_INITIATION)
		return NULL;
	return e->peer;
}

struct wg_peer *noise_consume_response(struct wg_device *dev, const struct msg_response *src,
                                       const uint8_t se[NOISE_KEY_LEN])
{
	uint8_t key[NOISE_KEY_LEN], chaining_key[NOISE_KEY_LEN], hash[NOISE_KEY_LEN];
	uint8_t nothing[1];
	struct wg_peer *peer = NULL;

	struct wg_peer *candidate = noise_response_target(dev, src);
	if (!candidate)
		return NULL;
	struct noise_handshake *hs = &candidate->handshake;

	memcpy(chaining_key, hs->chaining_key, NOISE_KEY_LEN);
	memcpy(hash, hs->hash, NOISE_KEY_LEN);
	/* e */
	mix_ephemeral(chaining_key, hash, src->ephemeral);
	/* ee */
	if (!mix_dh(chaining_key, NULL, hs->ephemeral_private, src->ephemeral))
		goto out;
	/* se: the one static-key operation of the initiator */
	mix_static(chaining_key, NULL, se);
	/* psk */
	mix_psk(chaining_key, hash, key, hs->preshared_key);
	/* {} */
	if (!decrypt_and_hash(nothing, src->encrypted_nothing, sizeof(src->encrypted_nothing), key,
	                      hash))
		goto out;

	adopt_message(hs, src->ephemeral, src->sender, hash, chaining_key, NOISE_CONSUMED_RESPONSE);
	peer = candidate;
out:
	secure_wipe(key, sizeof(key));
	secure_wipe(chaining_key, sizeof(chaining_key));
	secure_wipe(hash, sizeof(hash));
	return peer;
}

bool noise_begin_session(struct wg_device *dev, struct wg_peer *peer)
{
	struct noise_handshake *hs = &peer->handshake;
	uint8_t first[NOISE_KEY_LEN], second[NOISE_KEY_LEN];
	struct wg_keypair *kp = NULL;

	if (hs->state != NOISE_CREATED_RESPONSE && hs->state != NOISE_CONSUMED_RESPONSE)
		return false;
	bool initiator = hs->state == NOISE_CONSUMED_RESPONSE;
	wg_kdf(first, second, NULL, hs->chaining_key, NULL, 0, 2);
	/* The initiator sends with the first key, the responder with the second. */
	if (initiator)
		kp = keypair_new(first, second, true, dev->now.mono_ns);
	else
		kp = keypair_new(second, first, false, dev->now.mono_ns);
	secure_wipe(first, sizeof(first));
	secure_wipe(second, sizeof(second));
	if (!kp) {
		noise_handshake_clear(dev, hs);
		return false;
	}
	kp->entry.peer = peer;
	kp->remote_index = hs->remote_index;
	/* The keypair answers to the index the peer already knows for this handshake. */
	index_table_replace(&dev->index, &hs->entry, &kp->entry);
	noise_handshake_clear(dev, hs);
	keypairs_add(&peer->keypairs, &dev->index, kp);
	return true;
}
