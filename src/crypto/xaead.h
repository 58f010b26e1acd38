/* XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): HChaCha20 derives a subkey from the first 16 nonce
 * bytes, then ChaCha20-Poly1305 runs with nonce 4 zero bytes || the last 8 nonce bytes. WireGuard
 * uses it only for cookie replies. */
#ifndef HWG_CRYPTO_XAEAD_H
#define HWG_CRYPTO_XAEAD_H

#include <stddef.h>
#include <stdint.h>

#define XAEAD_NONCE_LEN 24

/* HChaCha20 (draft-irtf-cfrg-xchacha §2.2): 32-byte key, 16-byte nonce, 32-byte output. Own
 * implementation: OpenSSL has no HChaCha20. */
void hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[16]);

int xaead_seal(const uint8_t key[32], const uint8_t nonce[XAEAD_NONCE_LEN], uint8_t *dst,
               const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);
/* Returns 0 when authentic, -1 otherwise. */
int xaead_open(const uint8_t key[32], const uint8_t nonce[XAEAD_NONCE_LEN], uint8_t *dst,
               const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len);

#endif
