/* Debiasing of raw SRAM power-up bits (shared/specs/puf-auth-protocol.md §3, docs/puf.md).
 * Raw data is SRAM as the CPU sees it: 32-bit little-endian words, bit i of byte j is cell 8j + i.
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_DEBIAS_H
#define HWG_PUF_DEBIAS_H

#include <stddef.h>
#include <stdint.h>

/* The report's processing: each 32-bit word becomes the XOR of its two 16-bit halves, so raw_len
 * (a multiple of 4) bytes give raw_len / 2 bytes. It cancels the prototype's 0xAA half-words. */
void debias_xor_halves(const uint8_t *raw, size_t raw_len, uint8_t *out);

/* Stronger and noisier: XOR of k consecutive 16-bit half-words (k = 2 is debias_xor_halves).
 * raw_len must be a multiple of 2k; writes raw_len / k bytes. Returns 0, or -1 for bad arguments.
 * A bit's error rate grows to (1 - (1 - 2e)^k) / 2, so k trades reliability for entropy. */
int debias_xor_k(const uint8_t *raw, size_t raw_len, unsigned k, uint8_t *out);

/* Classic von Neumann on consecutive bit pairs of one reading: 01 -> 0, 10 -> 1, 00/11 dropped.
 * Unbiased output for independent, identically biased pairs, but which pairs survive depends on the
 * reading, so it suits the TRNG and entropy measurements, not the fuzzy extractor's input (that
 * would need the pair selection as helper data). Writes at most out_bits bits LSB-first into out
 * (zero-filled first) and returns the number of bits written. */
size_t debias_von_neumann(const uint8_t *raw, size_t raw_len, uint8_t *out, size_t out_bits);

#endif
