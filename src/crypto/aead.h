/* ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce (4 zero bytes || 64-bit little-endian
 * counter), over OpenSSL 3 libcrypto's ChaCha20 and Poly1305 (aead.c says why not its AEAD). */
#ifndef HWG_CRYPTO_AEAD_H
#define HWG_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN   32
#define AEAD_TAG_LEN   16
#define AEAD_NONCE_LEN 12

/* A key prepared once for many packets: the transport path must not pay OpenSSL's per-key setup on
 * every packet. Opaque to callers; wipe it with aead_key_clear(). The contexts carry per-packet
 * state, so one key must not be used by two threads at once (give each worker its own, or lock). */
struct aead_key {
	void *stream; /* EVP_CIPHER_CTX: ChaCha20 under this key */
	void *mac;    /* EVP_MAC_CTX: Poly1305, keyed per message */
};

/* Returns 0, or -1 on allocation failure (key is then left cleared). */
int aead_key_init(struct aead_key *key, const uint8_t raw[AEAD_KEY_LEN]);
void aead_key_clear(struct aead_key *key);

/* dst receives len bytes of ciphertext followed by the 16-byte tag. dst may equal src (partial
 * overlap is not allowed). Returns 0, or -1 on an internal failure or len/ad_len above INT_MAX. */
int aead_seal(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len);
/* src holds len bytes of ciphertext including the tag (len >= 16); dst receives len - 16 bytes.
 * Returns 0 when authentic, -1 otherwise (dst is then untouched: no unauthenticated plaintext is
 * ever written). dst may equal src. */
int aead_open(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len);

/* One-shot forms for handshake messages (raw key each time). Same conventions as above. */
int aead_seal_once(const uint8_t raw[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
                   const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);
int aead_open_once(const uint8_t raw[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
                   const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);

/* Plain RFC 8439 with an arbitrary 96-bit nonce (the forms above fix its first 4 bytes to zero).
 * Same conventions as above. */
int aead_seal_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);
int aead_open_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);

#endif
