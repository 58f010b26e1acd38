/* SKE and PRF built on SIMON, as the PUF protocol uses them (shared/specs/puf-auth-protocol.md §2, §6).
 * Portable C, no malloc, no OS. */
#ifndef HWG_CRYPTO_SIMON_MODES_H
#define HWG_CRYPTO_SIMON_MODES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/portable/simon.h"

/* SKE: SIMON-CBC with an explicit IV (one block) and a padding that makes every length decodable.
 * out receives iv || ciphertext; ske_ciphertext_len() tells how many bytes that is. */
size_t ske_ciphertext_len(enum simon_variant v, size_t plaintext_len);
int ske_encrypt(enum simon_variant v, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                size_t in_len, uint8_t *out, size_t out_cap);
/* Returns the plaintext length, or -1 for a malformed ciphertext (bad length or padding). */
long ske_decrypt(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
                 uint8_t *out, size_t out_cap);

/* PRF(key, input) -> out_len bytes: SIMON-CBC-MAC over an encoding that starts with the input length
 * and a block counter, repeated with counter = 0, 1, 2, ... until out_len bytes are produced. The
 * length prefix is what makes CBC-MAC a secure PRF for variable-length input (docs/puf.md). */
void simon_prf(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
               uint8_t *out, size_t out_len);

#endif
