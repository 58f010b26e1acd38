#include "crypto/x25519.h"

#include <openssl/evp.h>

#include "crypto/portable/secure.h"
#include "crypto/random.h"

void x25519_clamp(uint8_t key[X25519_KEY_LEN])
{
	key[0] &= 248;
	key[31] &= 127;
	key[31] |= 64;
}

int x25519_key_init(struct x25519_key *key, const uint8_t priv[X25519_KEY_LEN])
{
	/* OpenSSL clamps internally and keeps the scalar in memory that EVP_PKEY_free cleanses. */
	key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, X25519_KEY_LEN);
	return key->pkey ? 0 : -1;
}

void x25519_key_clear(struct x25519_key *key)
{
	EVP_PKEY_free(key->pkey);
	key->pkey = NULL;
}

int x25519_key_public(const struct x25519_key *key, uint8_t pub[X25519_KEY_LEN])
{
	size_t len = X25519_KEY_LEN;
	if (!key->pkey || EVP_PKEY_get_raw_public_key(key->pkey, pub, &len) != 1 ||
	    len != X25519_KEY_LEN)
		return -1;
	return 0;
}

int x25519_key_exchange(uint8_t shared[X25519_KEY_LEN], const struct x25519_key *key,
                        const uint8_t pub[X25519_KEY_LEN])
{
	int ret = -1;
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, X25519_KEY_LEN);
	EVP_PKEY_CTX *ctx = key->pkey && peer ? EVP_PKEY_CTX_new(key->pkey, NULL) : NULL;
	size_t len = X25519_KEY_LEN;

	if (!ctx)
		goto out;
	/* Peer validation is skipped: for X25519 it only checks that a public key is present, and
	 * it costs an extra context per exchange. OpenSSL itself fails the derivation on an
	 * all-zero result; the explicit check below keeps the contract independent of that detail.
	 */
	if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1 ||
	    EVP_PKEY_derive(ctx, shared, &len) != 1 || len != X25519_KEY_LEN)
		goto out;
	if (ct_is_zero(shared, X25519_KEY_LEN))
		goto out;
	ret = 0;
out:
	if (ret != 0)
		secure_wipe(shared, X25519_KEY_LEN);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return ret;
}

int x25519_public_key(uint8_t pub[X25519_KEY_LEN], const uint8_t priv[X25519_KEY_LEN])
{
	struct x25519_key key;
	if (x25519_key_init(&key, priv) != 0)
		return -1;
	int ret = x25519_key_public(&key, pub);
	x25519_key_clear(&key);
	return ret;
}

int x25519(uint8_t shared[X25519_KEY_LEN], const uint8_t priv[X25519_KEY_LEN],
           const uint8_t pub[X25519_KEY_LEN])
{
	struct x25519_key key;
	if (x25519_key_init(&key, priv) != 0) {
		secure_wipe(shared, X25519_KEY_LEN);
		return -1;
	}
	int ret = x25519_key_exchange(shared, &key, pub);
	x25519_key_clear(&key);
	return ret;
}

int x25519_generate(uint8_t priv[X25519_KEY_LEN], uint8_t pub[X25519_KEY_LEN])
{
	random_bytes(priv, X25519_KEY_LEN);
	x25519_clamp(priv);
	if (x25519_public_key(pub, priv) != 0) {
		secure_wipe(priv, X25519_KEY_LEN);
		return -1;
	}
	return 0;
}
