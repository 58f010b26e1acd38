#include "puf/debias.h"

#include <string.h>

#include "crypto/portable/secure.h"

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

int debias_word_polarity(const uint8_t *word)
{
	/* 16 copies of the lean: the ordinary half XOR the 0xAA half, XOR 0xAA */
	unsigned x = (unsigned)(word[0] ^ word[2] ^ 0xaa) | (unsigned)(word[1] ^ word[3] ^ 0xaa)
	                                                            << 8;

	x = x - ((x >> 1) & 0x5555u);
	x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
	x = (x + (x >> 4)) & 0x0f0fu;
	x = (x + (x >> 8)) & 0x1fu;
	return x > 8 ? 1 : x < 8 ? 0 : -1;
}

static unsigned map_case(const uint8_t *map, size_t g)
{
	return (map[g / 4] >> (2 * (g % 4))) & 3u;
}

static unsigned case_bits(unsigned c)
{
	return c == DEBIAS_PP_SKIP ? 0 : c == DEBIAS_PP_CROSS ? 1 : 2;
}

size_t debias_pp_yield(const uint8_t *map, size_t groups)
{
	size_t n = 0;

	for (size_t g = 0; g < groups; g++)
		n += case_bits(map_case(map, g));
	return n;
}

/* The four polarities of a group; *tie is set when one of them is undecided. */
static void group_polarities(const uint8_t *raw, unsigned *c, unsigned *tie)
{
	*tie = 0;
	for (int i = 0; i < 4; i++) {
		int v = debias_word_polarity(raw + 4 * i);
		*tie |= v < 0;
		c[i] = (unsigned)v & 1u;
	}
}

/* A group's output under case kase: *fits is 1 when the polarities fit the case. Value bits are
 * computed without branching on them. */
static unsigned group_value(unsigned kase, const unsigned *c, unsigned *fits)
{
	unsigned d0 = c[0] ^ c[1], d1 = c[2] ^ c[3];

	switch (kase) {
	case DEBIAS_PP_BOTH:
		*fits = d0 & d1;
		return c[0] | c[2] << 1;
	case DEBIAS_PP_ONE:
		*fits = d0 ^ d1;
		return d1 | (((c[0] & ~d1) | (c[2] & d1)) & 1u) << 1;
	case DEBIAS_PP_CROSS:
		*fits = (d0 | d1 | (c[0] ^ c[2] ^ 1u)) ^ 1u;
		return c[0];
	default:
		*fits = 0;
		return 0;
	}
}

static void put_bits(uint8_t *out, size_t *n, size_t cap, unsigned v, unsigned bits)
{
	for (unsigned b = 0; b < bits && *n < cap; b++, (*n)++)
		out[*n / 8] |= (uint8_t)(((v >> b) & 1u) << (*n % 8));
}

size_t debias_pp_select(const uint8_t *raw, size_t groups, uint8_t *map, uint8_t *out,
                        size_t out_bits)
{
	size_t n = 0, yield = 0;

	memset(map, 0, debias_pp_map_len(groups));
	memset(out, 0, (out_bits + 7) / 8);
	for (size_t g = 0; g < groups; g++) {
		unsigned c[4], tie, kase, fits;

		group_polarities(raw + DEBIAS_PP_GROUP_BYTES * g, c, &tie);
		if (tie)
			kase = DEBIAS_PP_SKIP;
		else if ((c[0] ^ c[1]) & (c[2] ^ c[3]))
			kase = DEBIAS_PP_BOTH;
		else if ((c[0] ^ c[1]) ^ (c[2] ^ c[3]))
			kase = DEBIAS_PP_ONE;
		else if (c[0] != c[2])
			kase = DEBIAS_PP_CROSS;
		else
			kase = DEBIAS_PP_SKIP;
		map[g / 4] |= (uint8_t)(kase << (2 * (g % 4)));
		put_bits(out, &n, out_bits, group_value(kase, c, &fits), case_bits(kase));
		yield += case_bits(kase);
	}
	return yield;
}

int debias_pp_extract(const uint8_t *raw, size_t groups, const uint8_t *map, struct rng_source *rng,
                      uint8_t *out, size_t out_bits)
{
	size_t n = 0;

	memset(out, 0, (out_bits + 7) / 8);
	for (size_t g = 0; g < groups && n < out_bits; g++) {
		unsigned kase = map_case(map, g), c[4], tie, fits, v;

		if (kase == DEBIAS_PP_SKIP)
			continue;
		group_polarities(raw + DEBIAS_PP_GROUP_BYTES * g, c, &tie);
		v = group_value(kase, c, &fits);
		if (tie || !fits) {
			/* the reading does not fit the public case: replace the group's bits by
			 * fresh ones, which the symmetry argument needs to be uniform (docs/puf.md
			 * §9.3) */
			uint8_t r;

			if (rng->fill(rng, &r, 1)) {
				secure_wipe(out, (out_bits + 7) / 8);
				return -1;
			}
			v = r;
			secure_wipe(&r, sizeof(r));
		}
		put_bits(out, &n, out_bits, v, case_bits(kase));
	}
	if (n < out_bits) {
		secure_wipe(out, (out_bits + 7) / 8);
		return -1;
	}
	return 0;
}
