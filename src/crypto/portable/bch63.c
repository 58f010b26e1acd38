/* BCH(63,16,23) over GF(2^6): systematic encoder, and a decoder built from syndromes, an
 * inversion-free Berlekamp-Massey (binary simplification: t = 11 iterations) and a Chien search.
 *
 * The decoder handles secret data (a PUF reading XOR helper data), so it is written to run in time
 * independent of the word and of the number of errors: GF(2^6) products are computed carry-less
 * without log/antilog tables (no secret-indexed memory access), syndromes as masked parities,
 * every loop has a fixed trip count, and secret-dependent choices are made with masks. Only the
 * final "corrected or not" verdict, which the caller acts on anyway, depends on the data. See
 * docs/puf-crypto.md for the caveats. */
#include "crypto/portable/bch63.h"

#include "crypto/portable/secure.h"

#define GF_POLY     0x43u /* x^6 + x + 1 */
#define BCH63_G     0xCD930BDD3B2BULL
#define PARITY_BITS (BCH63_N - BCH63_K)
#define PARITY_MASK ((1ULL << PARITY_BITS) - 1)
#define WORD_MASK   ((1ULL << BCH63_N) - 1)
#define NSYN        (2 * BCH63_T)

uint64_t bch63_encode(uint16_t message)
{
	uint64_t rem = 0;

	/* LFSR division of m(x) * x^47 by g(x); the remainder is the parity. */
	for (unsigned i = BCH63_K; i-- > 0;) {
		uint64_t feedback = ((message >> i) ^ (rem >> (PARITY_BITS - 1))) & 1;
		rem = ((rem << 1) & PARITY_MASK) ^ (BCH63_G & PARITY_MASK & (0 - feedback));
	}
	return ((uint64_t)message << PARITY_BITS) | rem;
}

/* Carry-less 6x6 product, then one reduction step: x^6 = x + 1 folds bits 6..10 down. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint32_t p = 0;

	for (unsigned i = 0; i < 6; i++)
		p ^= ((uint32_t)a << i) & (0u - ((b >> i) & 1u));
	uint32_t hi = p >> 6;
	return (uint8_t)((p ^ hi ^ (hi << 1)) & 0x3f);
}

/* 1 when x == 0, else 0: x | -x has its top bit set exactly when x != 0. */
static uint32_t is_zero32(uint32_t x)
{
	return 1u ^ ((x | (0u - x)) >> 31);
}

static uint32_t is_zero64(uint64_t x)
{
	return (uint32_t)(1u ^ ((x | (0 - x)) >> 63));
}

/* All-ones when cond (0 or 1) is 1. */
static uint32_t mask32(uint32_t cond)
{
	return 0u - cond;
}

/* Bit-plane tables (printed by tests/crypto/portable/gen_vectors.py --bch-tables). Bit i of
 * syn_mask[(j-1)/2][k] is bit k of alpha^(i*j), so bit k of S_j = r(alpha^j) is the parity of
 * r AND that mask. Bit i of chien_mask[j-1][k] is bit k of alpha^(-i*j), the power of the Chien
 * point for bit i. A wrong table bit breaks the single-error tests at that position. */
static const uint64_t syn_mask[BCH63_T][6] = {
        {0x7d59bb49c5e51841ULL, 0x07eacdda4e2f28c2ULL, 0x0fd59bb49c5e5184ULL, 0x1fab376938bca308ULL,
         0x3f566ed271794610ULL, 0x7eacdda4e2f28c20ULL}, /* S1 */
        {0x5e1756f0bab785d5ULL, 0x39fb11cfd88e7ec4ULL, 0x34c941a64a0d3250ULL, 0x6f0bab785d5bc2eaULL,
         0x73f6239fb11cfd88ULL, 0x6992834c941a64a0ULL}, /* S3 */
        {0x5cc75fb442ca93c1ULL, 0x6e63afda216549e0ULL, 0x5952783731d7ed10ULL, 0x75fb442ca93c1b98ULL,
         0x4f06e63afda21654ULL, 0x6885952783731d7eULL}, /* S5 */
        {0x4a6532994ca65329ULL, 0x7abd5eaf57abd5eaULL, 0x45a2d168b45a2d16ULL, 0x7e3f1f8fc7e3f1f8ULL,
         0x773b9dcee773b9dcULL, 0x1209048241209048ULL}, /* S7 */
        {0x65cb972e5cb972e5ULL, 0x5cb972e5cb972e5cULL, 0x5cb972e5cb972e5cULL, 0x2e5cb972e5cb972eULL,
         0x72e5cb972e5cb972ULL, 0x0000000000000000ULL}, /* S9 */
        {0x72a33dd69b121c17ULL, 0x19eeb4d890e0bf2aULL, 0x6c48705f9519eeb4ULL, 0x2fca8cf75a6c4870ULL,
         0x7bad3624382fca8cULL, 0x121c17e5467bad36ULL}, /* S11 */
        {0x1fa0e12365aef315ULL, 0x091b2d7798a9fa0eULL, 0x62a7e83848d96bbcULL, 0x2365aef3153f41c2ULL,
         0x54fd07091b2d7798ULL, 0x6cb5de62a7e83848ULL}, /* S13 */
        {0x55d0f6ae87b5743dULL, 0x37e711bf388df9c4ULL, 0x526582932c149960ULL, 0x5d0f6ae87b5743daULL,
         0x237e711bf388df9cULL, 0x0526582932c14996ULL}, /* S15 */
        {0x1e0dcc75fb442ca9ULL, 0x49e0dcc75fb442caULL, 0x1d7ed10b2a4f06e6ULL, 0x2ca93c1b98ebf688ULL,
         0x6e63afda216549e0ULL, 0x6885952783731d7eULL}, /* S17 */
        {0x57798a9fa0e12365ULL, 0x3153f41c246cb5deULL, 0x4fd07091b2d7798aULL, 0x41c246cb5de62a7eULL,
         0x091b2d7798a9fa0eULL, 0x6cb5de62a7e83848ULL}, /* S19 */
        {0x36db6db6db6db6dbULL, 0x6db6db6db6db6db6ULL, 0x0000000000000000ULL, 0x6db6db6db6db6db6ULL,
         0x6db6db6db6db6db6ULL, 0x6db6db6db6db6db6ULL}, /* S21 */
};

static const uint64_t chien_mask[BCH63_T][6] = {
        {0x0218a7a392dd9abfULL, 0x4314f4725bb357e0ULL, 0x218a7a392dd9abf0ULL, 0x10c53d1c96ecd5f8ULL,
         0x08629e8e4b766afcULL, 0x04314f4725bb357eULL}, /* alpha^-1i */
        {0x12dd9abf04314f47ULL, 0x10c53d1c96ecd5f8ULL, 0x4b766afc10c53d1cULL, 0x08629e8e4b766afcULL,
         0x25bb357e08629e8eULL, 0x04314f4725bb357eULL}, /* alpha^-2i */
        {0x2ba1ed5d0f6ae87bULL, 0x237e711bf388df9cULL, 0x0a4cb0526582932cULL, 0x5743daba1ed5d0f6ULL,
         0x11bf388df9c46fceULL, 0x0526582932c14996ULL}, /* alpha^-3i */
        {0x1abf04314f4725bbULL, 0x08629e8e4b766afcULL, 0x357e08629e8e4b76ULL, 0x25bb357e08629e8eULL,
         0x4f4725bb357e0862ULL, 0x04314f4725bb357eULL}, /* alpha^-4i */
        {0x03c953422dfae33bULL, 0x0792a6845bf5c676ULL, 0x08b7eb8cec1e4a9aULL, 0x19d83c953422dfaeULL,
         0x2a6845bf5c6760f2ULL, 0x7eb8cec1e4a9a116ULL}, /* alpha^-5i */
        {0x7ce237e711bf388dULL, 0x5743daba1ed5d0f6ULL, 0x32c149960a4cb052ULL, 0x11bf388df9c46fceULL,
         0x0f6ae87b5743dabaULL, 0x0526582932c14996ULL}, /* alpha^-6i */
        {0x14ca6532994ca653ULL, 0x57abd5eaf57abd5eULL, 0x68b45a2d168b45a2ULL, 0x1f8fc7e3f1f8fc7eULL,
         0x3b9dcee773b9dceeULL, 0x1209048241209048ULL}, /* alpha^-7i */
        {0x3f04314f4725bb35ULL, 0x25bb357e08629e8eULL, 0x4725bb357e08629eULL, 0x4f4725bb357e0862ULL,
         0x314f4725bb357e08ULL, 0x04314f4725bb357eULL}, /* alpha^-8i */
        {0x274e9d3a74e9d3a7ULL, 0x3a74e9d3a74e9d3aULL, 0x3a74e9d3a74e9d3aULL, 0x74e9d3a74e9d3a74ULL,
         0x4e9d3a74e9d3a74eULL, 0x0000000000000000ULL}, /* alpha^-9i */
        {0x1a116fd719d83c95ULL, 0x19d83c953422dfaeULL, 0x2dfae33b0792a684ULL, 0x2a6845bf5c6760f2ULL,
         0x760f254d08b7eb8cULL, 0x7eb8cec1e4a9a116ULL}, /* alpha^-10i */
        {0x683848d96bbcc54fULL, 0x54fd07091b2d7798ULL, 0x2d7798a9fa0e1236ULL, 0x0e12365aef3153f4ULL,
         0x3153f41c246cb5deULL, 0x6cb5de62a7e83848ULL}, /* alpha^-11i */
};

static uint32_t parity64(uint64_t x)
{
	x ^= x >> 32;
	x ^= x >> 16;
	x ^= x >> 8;
	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return (uint32_t)(x & 1);
}

/* S[j-1] = r(alpha^j), j = 1..22; even ones from S_2j = S_j^2, which holds for binary words. */
static void syndromes(uint64_t r, uint8_t s[NSYN])
{
	for (unsigned j = 1; j <= NSYN; j += 2) {
		uint32_t acc = 0;
		for (unsigned k = 0; k < 6; k++)
			acc |= parity64(r & syn_mask[j / 2][k]) << k;
		s[j - 1] = (uint8_t)acc;
	}
	for (unsigned j = 2; j <= NSYN; j += 2)
		s[j - 1] = gf_mul(s[j / 2 - 1], s[j / 2 - 1]);
}

/* Polynomials of degree <= t for Berlekamp-Massey, packed as 16-bit lanes: coefficient i sits in
 * bits 16*(i%4) .. 16*(i%4)+5 of word i/4. A lane has room for an unreduced 11-bit product, so one
 * shift-and-mask sequence multiplies all coefficients at once. */
#define PW       3 /* words per polynomial: 12 coefficients */
#define LANE_LSB 0x0001000100010001ULL
#define LANE_GF  0x003F003F003F003FULL
#define LANE_HI  0x001F001F001F001FULL

/* Lane-wise reduction of 11-bit carry-less products modulo x^6 + x + 1. */
static uint64_t lanes_reduce(uint64_t x)
{
	uint64_t hi = (x >> 6) & LANE_HI;
	return (x ^ hi ^ (hi << 1)) & LANE_GF;
}

/* Every lane of v times the scalar c. */
static uint64_t lanes_scale(uint64_t v, uint8_t c)
{
	uint64_t acc = 0;

	for (unsigned i = 0; i < 6; i++)
		acc ^= (v << i) & ((uint64_t)0 - ((c >> i) & 1u));
	return lanes_reduce(acc);
}

/* Lane-wise product of a and b. */
static uint64_t lanes_mul(uint64_t a, uint64_t b)
{
	uint64_t acc = 0;

	for (unsigned i = 0; i < 6; i++) {
		uint64_t bit = (b >> i) & LANE_LSB;
		acc ^= (a << i) &
		       ((bit << 11) - bit); /* 0x7FF in the lanes where bit i of b is set */
	}
	return lanes_reduce(acc);
}

/* out = x^n * in (n = 1 or 2), dropping coefficients beyond degree t. */
static void poly_shift(uint64_t out[PW], const uint64_t in[PW], unsigned n)
{
	for (unsigned w = PW; w-- > 0;)
		out[w] = (in[w] << (16 * n)) | (w > 0 ? in[w - 1] >> (64 - 16 * n) : 0);
}

/* Inversion-free Berlekamp-Massey. lambda receives a nonzero multiple of the error-locator
 * polynomial; the return value is the linear complexity L. Polynomials stop at degree t: a
 * coefficient that would fall beyond only ever matters once L > t, which is reported as a failure
 * anyway (L never decreases). */
static uint32_t berlekamp_massey(const uint8_t s[NSYN], uint8_t lambda[BCH63_T + 1])
{
	uint64_t lam[PW] = {1}, b[PW] = {1}, win[PW] = {s[0]}, t1[PW], t2[PW];
	uint8_t gamma = 1;
	uint32_t len = 0;

	/* Step r uses S_{r+1}; win holds S_{r+1-i} in lane i, so the discrepancy is the sum of the
	 * lane-wise product with lambda. At odd r the discrepancy of a binary code is zero, so each
	 * pass does an even step and folds in the odd one (B <- x*B, nothing else changes). */
	for (unsigned r = 0; r < NSYN; r += 2) {
		uint64_t d = 0;
		for (unsigned w = 0; w < PW; w++)
			d ^= lanes_mul(lam[w], win[w]);
		d ^= d >> 32;
		d ^= d >> 16;
		uint8_t delta = (uint8_t)(d & 0x3f);

		uint32_t update = mask32((1u ^ is_zero32(delta)) & (1u ^ ((r - 2 * len) >> 31)));
		uint64_t upd64 = (uint64_t)0 - (update & 1u);
		poly_shift(t1, b, 1);   /* x*B */
		poly_shift(t2, lam, 1); /* x*Lambda, the next B on an update (after the odd step) */
		for (unsigned w = 0; w < PW; w++) {
			lam[w] = lanes_scale(lam[w], gamma) ^ lanes_scale(t1[w], delta);
			t1[w] = (t2[w] & upd64) | (t1[w] & ~upd64);
		}
		poly_shift(t2, b, 2);
		for (unsigned w = 0; w < PW; w++)
			b[w] = (t1[w] & upd64) | (t2[w] & ~upd64);
		gamma = (uint8_t)((delta & update) | (gamma & ~update));
		len = ((r + 1 - len) & update) | (len & ~update);

		poly_shift(t1, win, 2);
		if (r + 2 < NSYN)
			t1[0] |= (uint64_t)s[r + 2] | (uint64_t)s[r + 1] << 16;
		for (unsigned w = 0; w < PW; w++)
			win[w] = t1[w];
	}
	for (unsigned i = 0; i <= BCH63_T; i++)
		lambda[i] = (uint8_t)((lam[i / 4] >> (16 * (i % 4))) & 0x3f);
	return len;
}

static uint8_t gf_mul_alpha(uint8_t a)
{
	return (uint8_t)(((a << 1) ^ (GF_POLY & (0u - ((a >> 5) & 1u)))) & 0x3f);
}

static uint32_t popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

/* Chien search, bit-sliced over all 63 positions at once: plane[k] holds bit k of lambda(alpha^-i)
 * in bit i. For each coefficient c = lambda_j, c * alpha^(-ij) = sum over k' of
 * bit k'(alpha^(-ij)) * (c * alpha^k'), so each plane gets the chien_mask planes selected by the
 * bits of c * alpha^k'. Bit i of the result is set when lambda(alpha^-i) = 0 (bit i in error). */
static uint64_t chien(const uint8_t lambda[BCH63_T + 1], uint32_t *roots)
{
	uint64_t plane[6], nonzero = 0;

	for (unsigned k = 0; k < 6; k++)
		plane[k] = (uint64_t)0 - ((lambda[0] >> k) & 1u);
	for (unsigned j = 1; j <= BCH63_T; j++) {
		uint8_t c = lambda[j];
		for (unsigned kp = 0; kp < 6; kp++, c = gf_mul_alpha(c))
			for (unsigned k = 0; k < 6; k++)
				plane[k] ^= chien_mask[j - 1][kp] & ((uint64_t)0 - ((c >> k) & 1u));
	}
	for (unsigned k = 0; k < 6; k++)
		nonzero |= plane[k];
	uint64_t errors = ~nonzero & WORD_MASK;
	*roots = popcount64(errors);
	return errors;
}

int bch63_decode(uint64_t *word)
{
	uint8_t s[NSYN], lambda[BCH63_T + 1];
	uint32_t roots;

	/* Not a 63-bit word: a caller's format error, not a noisy reading. */
	if (*word & ~WORD_MASK)
		return -1;
	syndromes(*word, s);
	uint32_t len = berlekamp_massey(s, lambda);
	uint64_t errors = chien(lambda, &roots);
	uint64_t fixed = *word ^ errors;

	/* More than t errors shows up as L > t or as fewer distinct roots than L. The re-encoding
	 * check makes a wrong "correction" impossible by construction: any word accepted here is a
	 * codeword within distance L <= t of the input, hence the unique nearest one (d = 23). */
	uint64_t diff = fixed ^ bch63_encode(bch63_message(fixed));
	uint32_t ok = (1u ^ ((BCH63_T - len) >> 31)) & is_zero32(roots ^ len) & is_zero64(diff);
	uint64_t keep = (uint64_t)0 - ok;
	*word = (fixed & keep) | (*word & ~keep);
	/* Syndromes and locator describe where the reading was noisy. */
	secure_wipe(s, sizeof(s));
	secure_wipe(lambda, sizeof(lambda));
	return ok ? (int)len : -1;
}
