/* SKE and PRF built on SIMON, as the PUF protocol uses them (shared/specs/puf-auth-protocol.md §2,
 * §6). Portable C, no malloc, no OS. */
#ifndef HWG_CRYPTO_SIMON_MODES_H
#define HWG_CRYPTO_SIMON_MODES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/portable/simon.h"

/* SKE: SIMON-CBC with an explicit IV (one block, which must be fresh and unpredictable: from the
 * TRNG) and ISO/IEC 7816-4 padding (0x80 then zeros, 1..block bytes), so every length decodes.
 * out receives iv || ciphertext; ske_ciphertext_len() tells how many bytes that is (0 for an
 * unknown variant or an overflowing length). key is simon_key_len(v) bytes. Buffers must not
 * overlap. SKE gives confidentiality only: integrity comes from the protocol's MAC over the
 * ciphertext. ske_encrypt returns 0, or -1 for an unknown variant or out_cap too small. */
size_t ske_ciphertext_len(enum simon_variant v, size_t plaintext_len);
int ske_encrypt(enum simon_variant v, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                size_t in_len, uint8_t *out, size_t out_cap);
/* Returns the plaintext length, or -1 for a malformed ciphertext (length not a multiple of the
 * block or under two blocks, bad padding) or a plaintext longer than out_cap. Never reads outside
 * in[0..in_len) nor writes outside out[0..out_cap); on -1, whatever it wrote is zeroed. A
 * well-formed length costs the same time whether the padding is good or bad (docs/puf-crypto.md).
 */
long ske_decrypt(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
                 uint8_t *out, size_t out_cap);

/* PRF(key, input) -> out_len bytes: SIMON-CBC-MAC (zero IV) over
 *   LE64(in_len) || LE64(counter) || input || zero padding to a block multiple,
 * with counter = 0, 1, 2, ... until out_len bytes are produced (a shorter output is a prefix of a
 * longer one). The length prefix makes the encodings prefix-free, which is what makes CBC-MAC a
 * secure PRF for variable-length input (docs/puf-crypto.md). key is simon_key_len(v) bytes; out
 * must not overlap in. An unknown variant (a programming error) yields all-zero output. */
void simon_prf(enum simon_variant v, const uint8_t *key, const uint8_t *in, size_t in_len,
               uint8_t *out, size_t out_len);

/* The same PRF over the concatenation of parts[0..nparts), absorbed in place: no buffer holds the
 * whole input (a small device's stack need not). Equal to simon_prf() on the joined bytes. */
struct simon_prf_part {
	const uint8_t *data;
	size_t len;
};
void simon_prf_parts(enum simon_variant v, const uint8_t *key, const struct simon_prf_part *parts,
                     size_t nparts, uint8_t *out, size_t out_len);

#endif
