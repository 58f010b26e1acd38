/* Hex and base64 (RFC 4648, standard alphabet, padded): the text forms of keys and other secrets.
 * Constant time in the bytes: no branch and no table lookup depends on a byte or character of the
 * data, only on the lengths. Strict: a decoder takes exactly the encoding of out_len bytes (length,
 * alphabet, padding, zero trailing bits), so each byte string has one accepted text form. */
#ifndef HWG_CRYPTO_CODEC_H
#define HWG_CRYPTO_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Characters in the encoding of n bytes, without the terminating NUL. */
#define HEX_LEN(n)    (2 * (n))
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes HEX_LEN(len) lowercase digits and a NUL: out holds HEX_LEN(len) + 1. */
void hex_encode(char *out, const uint8_t *in, size_t len);

/* Decodes exactly HEX_LEN(out_len) digits, either case. Returns 0, or -1 with out wiped. */
int hex_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len);

/* Writes BASE64_LEN(len) characters and a NUL: out holds BASE64_LEN(len) + 1. */
void base64_encode(char *out, const uint8_t *in, size_t len);

/* Decodes exactly BASE64_LEN(out_len) characters. Returns 0, or -1 with out wiped. */
int base64_decode(uint8_t *out, size_t out_len, const char *in, size_t in_len);

#endif
