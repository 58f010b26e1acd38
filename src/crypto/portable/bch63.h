/* BCH(63,16,23), t = 11, over GF(2^6) with p(x) = x^6 + x + 1, g(x) = 0xCD930BDD3B2B
 * (shared/specs/puf-building-blocks.md §2). Portable C, no malloc, no OS.
 * A codeword is a 63-bit value in bits 0..62 of a uint64_t: bits 47..62 hold the 16 message bits
 * (systematic), bits 0..46 the parity. */
#ifndef HWG_CRYPTO_BCH63_H
#define HWG_CRYPTO_BCH63_H

#include <stdint.h>

#define BCH63_N 63
#define BCH63_K 16
#define BCH63_T 11

uint64_t bch63_encode(uint16_t message);

/* Corrects up to 11 bit errors in *word (in place). Returns the number of corrected errors (0..11),
 * or -1 when no codeword lies within distance 11 (the word is then left unchanged) or when bit 63
 * is set. A success always yields the unique codeword within distance 11: the result is re-encoded
 * and checked. Syndromes, Berlekamp-Massey and Chien search, in time independent of the word's
 * value and error count (docs/puf-crypto.md). */
int bch63_decode(uint64_t *word);

/* The message bits of a codeword. */
static inline uint16_t bch63_message(uint64_t codeword)
{
	return (uint16_t)(codeword >> 47);
}

#endif
