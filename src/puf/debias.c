#include "puf/debias.h"

#include <string.h>

void debias_xor_halves(const uint8_t *raw, size_t raw_len, uint8_t *out)
{
	for (size_t i = 0; i + 4 <= raw_len; i += 4) {
		out[i / 2] = raw[i] ^ raw[i + 2];
		out[i / 2 + 1] = raw[i + 1] ^ raw[i + 3];
	}
}

int debias_xor_k(const uint8_t *raw, size_t raw_len, unsigned k, uint8_t *out)
{
	if (k == 0 || raw_len % (2 * (size_t)k))
		return -1;
	size_t chunk = 2 * (size_t)k;
	for (size_t i = 0, o = 0; i < raw_len; i += chunk, o += 2) {
		uint8_t lo = 0, hi = 0;
		for (size_t j = 0; j < chunk; j += 2) {
			lo ^= raw[i + j];
			hi ^= raw[i + j + 1];
		}
		out[o] = lo;
		out[o + 1] = hi;
	}
	return 0;
}

size_t debias_von_neumann(const uint8_t *raw, size_t raw_len, uint8_t *out, size_t out_bits)
{
	size_t n = 0;
	memset(out, 0, (out_bits + 7) / 8);
	for (size_t i = 0; i < raw_len && n < out_bits; i++) {
		for (int b = 0; b < 8 && n < out_bits; b += 2) {
			unsigned first = (raw[i] >> b) & 1, second = (raw[i] >> (b + 1)) & 1;
			if (first == second)
				continue;
			out[n / 8] |= (uint8_t)(first << (n % 8));
			n++;
		}
	}
	return n;
}
