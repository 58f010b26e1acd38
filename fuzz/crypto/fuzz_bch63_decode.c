/* bch63_decode on arbitrary words. Input byte 0 picks the mode: even, bytes 1..8 are a raw 64-bit
 * word (bit 63 included, which must be refused); odd, bytes 1..2 are a message whose codeword gets
 * one bit flipped per further byte, which reaches the interesting 0..20-error region quickly.
 * Checks against an exhaustive search over all 65,536 codewords: success only with the unique
 * codeword within distance 11 and the right count, failure (word untouched) exactly when there is
 * none. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/bch63.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORD_MASK ((1ULL << 63) - 1)

static uint64_t codewords[1u << BCH63_K];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t word = 0;

	if (size < 1)
		return 0;
	if (codewords[1] == 0)
		for (uint32_t m = 0; m < (1u << BCH63_K); m++)
			codewords[m] = bch63_encode((uint16_t)m);
	if (data[0] % 2 == 0) {
		for (size_t i = 1; i < size && i <= 8; i++)
			word |= (uint64_t)data[i] << (8 * (i - 1));
	} else {
		uint16_t msg = (uint16_t)((size > 1 ? data[1] : 0) | (size > 2 ? data[2] : 0) << 8);
		word = bch63_encode(msg);
		for (size_t i = 3; i < size && i < 3 + 20; i++)
			word ^= 1ULL << (data[i] % 63);
	}

	uint64_t got = word;
	int r = bch63_decode(&got);
	if (word & ~WORD_MASK) {
		if (r != -1 || got != word)
			abort();
		return 0;
	}
	int hits = 0;
	uint64_t nearest = 0;
	for (uint32_t m = 0; m < (1u << BCH63_K); m++) {
		uint64_t c = codewords[m];
		if (__builtin_popcountll(c ^ word) <= BCH63_T) {
			nearest = c;
			hits++;
		}
	}
	if (hits > 1)
		abort(); /* impossible for a code of minimum distance 23 */
	if (hits == 1 && (r != __builtin_popcountll(nearest ^ word) || got != nearest))
		abort();
	if (hits == 0 && (r != -1 || got != word))
		abort();
	return 0;
}
