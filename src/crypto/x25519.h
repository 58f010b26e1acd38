/* X25519 (RFC 7748) over OpenSSL 3 libcrypto. All keys are 32 bytes in RFC 7748 (little-endian)
 * order. */
#ifndef HWG_CRYPTO_X25519_H
#define HWG_CRYPTO_X25519_H

#include <stdint.h>

#define X25519_KEY_LEN 32

/* Clamps a private key in place as RFC 7748 §5 decodeScalar25519 does. */
void x25519_clamp(uint8_t key[X25519_KEY_LEN]);

/* Derives the public key of priv. Returns 0, or -1 on an internal failure. */
int x25519_public_key(uint8_t pub[X25519_KEY_LEN], const uint8_t priv[X25519_KEY_LEN]);

/* shared = X25519(priv, pub). Returns 0, or -1 when the result is all zeros (a low-order point: the
 * caller must treat the handshake as failed) or on an internal failure. */
int x25519(uint8_t shared[X25519_KEY_LEN], const uint8_t priv[X25519_KEY_LEN],
           const uint8_t pub[X25519_KEY_LEN]);

/* Fresh clamped key pair from the OS random source. Returns 0 or -1. */
int x25519_generate(uint8_t priv[X25519_KEY_LEN], uint8_t pub[X25519_KEY_LEN]);

/* A private key loaded once for several exchanges (a static key; an ephemeral used twice per
 * handshake). OpenSSL computes the public key whenever it loads a private key, so x25519() costs
 * two scalar multiplications and x25519_key_exchange() one. Opaque; wipe with x25519_key_clear().
 * Safe to share between threads once initialised. */
struct x25519_key {
	void *pkey; /* EVP_PKEY */
};

/* Returns 0, or -1 on an internal failure (key is then left cleared). */
int x25519_key_init(struct x25519_key *key, const uint8_t priv[X25519_KEY_LEN]);
void x25519_key_clear(struct x25519_key *key);
/* The public key, computed when the key was loaded. Returns 0 or -1. */
int x25519_key_public(const struct x25519_key *key, uint8_t pub[X25519_KEY_LEN]);
/* Same contract as x25519(), including -1 for an all-zero result. */
int x25519_key_exchange(uint8_t shared[X25519_KEY_LEN], const struct x25519_key *key,
                        const uint8_t pub[X25519_KEY_LEN]);

#endif
