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

unsigned debias_pp_case_bits(unsigned kase)
{
	return kase == DEBIAS_PP_SKIP ? 0 : kase == DEBIAS_PP_CROSS ? 1 : 2;
}

size_t debias_pp_yield(const uint8_t *map, size_t groups)
{
	size_t n = 0;

	for (size_t g = 0; g < groups; g++)
		n += debias_pp_case_bits(map_case(map, g));
	return n;
}

unsigned debias_pp_case(const int *pol)
{
	if (pol[0] < 0 || pol[1] < 0 || pol[2] < 0 || pol[3] < 0)
		return DEBIAS_PP_SKIP;
	unsigned d0 = (unsigned)(pol[0] ^ pol[1]), d1 = (unsigned)(pol[2] ^ pol[3]);
	if (d0 & d1)
		return DEBIAS_PP_BOTH;
	if (d0 ^ d1)
		return DEBIAS_PP_ONE;
	return pol[0] != pol[2] ? DEBIAS_PP_CROSS : DEBIAS_PP_SKIP;
}

int debias_pp_group(unsigned kase, const int *pol, unsigned *value)
{
	/* value bits without branching on the polarities (only on the public case) */
	unsigned tie = (unsigned)((pol[0] | pol[1] | pol[2] | pol[3]) < 0);
	unsigned c0 = (unsigned)pol[0] & 1u, c1 = (unsigned)pol[1] & 1u;
	unsigned c2 = (unsigned)pol[2] & 1u, c3 = (unsigned)pol[3] & 1u;
	unsigned d0 = c0 ^ c1, d1 = c2 ^ c3, fits;

	switch (kase) {
	case DEBIAS_PP_BOTH:
		fits = d0 & d1;
		*value = c0 | c2 << 1;
		break;
	case DEBIAS_PP_ONE: /* which pair differs, and that pair's first polarity */
		fits = d0 ^ d1;
		*value = d1 | (((c0 & (d1 ^ 1u)) | (c2 & d1)) << 1);
		break;
	case DEBIAS_PP_CROSS:
		fits = (d0 | d1 | (c0 ^ c2 ^ 1u)) ^ 1u;
		*value = c0;
		break;
	default:
		fits = 0;
		*value = 0;
		break;
	}
	return (int)(fits & (tie ^ 1u));
}

static void group_polarities(const uint8_t *raw, int *pol)
{
	for (int i = 0; i < 4; i++)
		pol[i] = debias_word_polarity(raw + 4 * i);
}

/* Appends the low `bits` bits of v at bit *n of out (zeroed), up to cap bits. */
static void put_bits(uint8_t *out, size_t *n, size_t cap, unsigned v, unsigned bits)
{
	for (; bits && *n < cap; bits--, v >>= 1, (*n)++)
		out[*n / 8] |= (uint8_t)((v & 1u) << (*n % 8));
}

size_t debias_pp_select(const uint8_t *raw, size_t groups, uint8_t *map, uint8_t *out,
                        size_t out_bits)
{
	size_t n = 0, yield = 0;

	memset(map, 0, debias_pp_map_len(groups));
	memset(out, 0, (out_bits + 7) / 8);
	for (size_t g = 0; g < groups; g++) {
		int pol[4];
		unsigned kase, v;

		group_polarities(raw + DEBIAS_PP_GROUP_BYTES * g, pol);
		kase = debias_pp_case(pol);
		map[g / 4] |= (uint8_t)(kase << (2 * (g % 4)));
		debias_pp_group(kase, pol, &v); /* fits by construction */
		put_bits(out, &n, out_bits, v, debias_pp_case_bits(kase));
		yield += debias_pp_case_bits(kase);
	}
	return yield;
}

int debias_pp_extract(const uint8_t *raw, size_t groups, const uint8_t *map, struct rng_source *rng,
                      uint8_t *out, size_t out_bits)
{
	size_t n = 0;

	memset(out, 0, (out_bits + 7) / 8);
	for (size_t g = 0; g < groups && n < out_bits; g++, raw += DEBIAS_PP_GROUP_BYTES) {
		unsigned kase = map_case(map, g), v;
		int pol[4];

		if (kase == DEBIAS_PP_SKIP)
			continue;
		group_polarities(raw, pol);
		if (!debias_pp_group(kase, pol, &v)) {
			/* the reading does not fit the public case: fresh bits instead, which the
			 * symmetry argument needs to be uniform (docs/puf.md §9.3) */
			uint8_t r;

			if (rng->fill(rng, &r, 1))
				break;
			v = r;
		}
		put_bits(out, &n, out_bits, v, debias_pp_case_bits(kase));
	}
	if (n == out_bits)
		return 0;
	secure_wipe(out, (out_bits + 7) / 8);
	return -1;
}
