/* Debiasing of raw SRAM power-up bits (shared/specs/puf-auth-protocol.md §3, docs/puf.md).
 * Raw data is SRAM as the CPU sees it: 32-bit little-endian words, bit i of byte j is cell 8j + i.
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_DEBIAS_H
#define HWG_PUF_DEBIAS_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"

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

/* ---- Word-polarity Peres debiasing: the front end of the default suite (docs/puf.md §9) ----
 *
 * 1. Condense. In the report's SRAM (as the calibrated simulator models it) every 32-bit word has
 *    one 16-bit half near the 0xAA byte pattern and one half that leans, as a whole, to all-0 or
 *    all-1, the lean being random per device and word. XOR of the halves against 0xAAAA reads 16
 *    noisy copies of that lean; their majority is the word's polarity, one reliable bit per word.
 * 2. Debias. Four consecutive words make a group. At enrolment the group's polarities decide its
 *    public case (Peres' iterated von Neumann on two pairs): BOTH pairs differ -> 2 bits; exactly
 *    ONE pair differs -> 2 bits (which pair, and its first polarity); the pairs are equal but
 *    CROSS each other (0011/1100) -> 1 bit; otherwise SKIP. Given the case, the output is exactly
 *    uniform whenever the group's joint law is invariant under swapping the words of a pair and
 *    swapping the pairs, whatever the bias of the polarities (docs/puf.md §9.3).
 * 3. Reproduce. A reading's group whose polarities do not fit the case (a tie, or a flipped word)
 *    outputs fresh random bits instead; by the symmetry of step 2 every output stays uniform, so
 *    the code-offset sketch never covers a biased bit.
 * The case map, 2 bits per group (bits 2g, 2g + 1 of the map, LSB-first), is public helper data
 * that the device keeps in non-volatile memory; the raw bytes are read where they lie, in one pass.
 */
#define DEBIAS_PP_GROUP_BYTES 16 /* four 32-bit words */

enum debias_pp_case {
	DEBIAS_PP_SKIP = 0,  /* no output */
	DEBIAS_PP_BOTH = 1,  /* c0 != c1, c2 != c3: bits c0, c2 */
	DEBIAS_PP_ONE = 2,   /* exactly one pair differs: bits j (1: words 2, 3), c_2j */
	DEBIAS_PP_CROSS = 3, /* c0 = c1 != c2 = c3: bit c0 */
};

/* A word's polarity (word: 4 raw bytes): 1, 0, or -1 when its 16 copies tie 8 to 8. */
int debias_word_polarity(const uint8_t *word);

/* The case of a group with polarities pol[0..3] (1, 0, or -1 for a tie): what enrolment writes. */
unsigned debias_pp_case(const int *pol);

/* Output bits of a case: 0, 1 or 2. */
unsigned debias_pp_case_bits(unsigned kase);

/* A group of a reading under its public case: returns 1 with the case's bits in *value (bit 0
 * first out) when the polarities fit the case, 0 when they do not (a tie, or a word that flipped
 * since enrolment): the caller then substitutes random bits. The one place the case logic lives:
 * debias_pp_select(), debias_pp_extract() and the failure model (fe_bound.h) all call it. */
int debias_pp_group(unsigned kase, const int *pol, unsigned *value);

/* Case map bytes for `groups` groups. */
static inline size_t debias_pp_map_len(size_t groups)
{
	return (groups + 3) / 4;
}

/* Output bits the map yields over `groups` groups. */
size_t debias_pp_yield(const uint8_t *map, size_t groups);

/* Enrolment: the cases of the groups of a reference reading raw (DEBIAS_PP_GROUP_BYTES * groups
 * bytes, e.g. a bitwise majority of several readings) into map, and the reference's first out_bits
 * output bits into out (LSB-first, zero-padded to whole bytes). A group with a tied word is
 * SKIP. Returns the yield of the whole map. */
size_t debias_pp_select(const uint8_t *raw, size_t groups, uint8_t *map, uint8_t *out,
                        size_t out_bits);

/* Reproduction: the first out_bits output bits of a reading raw under map, into out. Groups that do
 * not fit their case take their bits from rng. Returns 0, or -1 (out wiped) when the map yields
 * fewer than out_bits bits or rng fails. Reads raw once, front to back; no buffer beyond out. */
int debias_pp_extract(const uint8_t *raw, size_t groups, const uint8_t *map, struct rng_source *rng,
                      uint8_t *out, size_t out_bits);

#endif
