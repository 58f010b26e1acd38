/* X25519 (RFC 7748) over OpenSSL 3 libcrypto. All keys are 32 bytes in RFC 7748 (little-endian) order. */
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

#endif
