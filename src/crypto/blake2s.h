/* BLAKE2s (RFC 7693) over OpenSSL 3 libcrypto: the hash, the keyed MAC with 16-byte output, and
 * HMAC-BLAKE2s / the HKDF chain that the Noise handshake uses. */
#ifndef HWG_CRYPTO_BLAKE2S_H
#define HWG_CRYPTO_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2S_HASH_LEN 32
#define BLAKE2S_MAC_LEN  16

/* out = BLAKE2s-256(a || b). Either part may be empty (NULL with length 0). */
void blake2s_hash(uint8_t out[BLAKE2S_HASH_LEN], const uint8_t *a, size_t a_len, const uint8_t *b,
                  size_t b_len);

/* out = keyed BLAKE2s with a 16-byte digest (WireGuard's MAC). key_len is 1..32. */
void blake2s_mac(uint8_t out[BLAKE2S_MAC_LEN], const uint8_t *key, size_t key_len,
                 const uint8_t *msg, size_t msg_len);

/* out = HMAC-BLAKE2s-256(key, msg) (RFC 2104 with BLAKE2s as the hash). */
void hmac_blake2s(uint8_t out[BLAKE2S_HASH_LEN], const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t msg_len);

/* WireGuard's KDFn: t0 = HMAC(ck, input); out1 = HMAC(t0, 0x1); outi = HMAC(t0, out(i-1) || i).
 * n is 1, 2 or 3; out2/out3 may be NULL when n is smaller. Intermediates are wiped. */
void wg_kdf(uint8_t out1[32], uint8_t out2[32], uint8_t out3[32], const uint8_t ck[32],
            const uint8_t *input, size_t input_len, int n);

#endif
