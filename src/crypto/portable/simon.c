/* SIMON (Beaulieu et al., ePrint 2013/404), written from the designers' pseudocode. One generic
 * implementation serves both word sizes: words are held in uint64_t and masked to n bits, which
 * keeps the code small (the device has 8 KB) at some cost in speed for the 32-bit-word variants.
 * Constant time: no tables and no data-dependent branches; rotation amounts depend only on the
 * (public) variant. */
#include "crypto/portable/simon.h"

#include "crypto/portable/secure.h"

struct simon_params {
	uint8_t word_bits;
	uint8_t key_words;
	uint8_t rounds;
	uint8_t z; /* index into z_seq */
};

static const struct simon_params params[] = {
        [SIMON_64_96] = {32, 3, 42, 0},   [SIMON_64_128] = {32, 4, 44, 1},
        [SIMON_128_128] = {64, 2, 68, 0}, [SIMON_128_192] = {64, 3, 69, 1},
        [SIMON_128_256] = {64, 4, 72, 2},
};

/* The designers' constant sequences z2, z3, z4 (62 bits each); bit i holds z_j[i], the i-th digit
 * of the sequence as printed left to right. */
static const uint64_t z_seq[3] = {
        0x3369f885192c0ef5ULL, /* z2 */
        0x3c2ce51207a635dbULL, /* z3 */
        0x3dc94c3a046d678bULL, /* z4 */
};

static const struct simon_params *lookup(enum simon_variant v)
{
#ifdef HWG_SIMON_128_128_ONLY
	if (v != SIMON_128_128)
		return NULL;
#endif
	if ((unsigned)v >= sizeof(params) / sizeof(params[0]))
		return NULL;
	return &params[v];
}

/* the block functions' word size: a constant when only SIMON-128/128 is built (simon.h) */
#ifdef HWG_SIMON_128_128_ONLY
#define WORD_BITS(ctx) 64u
#else
#define WORD_BITS(ctx) ((unsigned)(ctx)->word_bits)
#endif

size_t simon_key_len(enum simon_variant v)
{
	const struct simon_params *p = lookup(v);
	return p ? (size_t)p->key_words * p->word_bits / 8 : 0;
}

size_t simon_block_len(enum simon_variant v)
{
	const struct simon_params *p = lookup(v);
	return p ? (size_t)p->word_bits / 4 : 0;
}

static uint64_t word_mask(unsigned n)
{
	return n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
}

/* Left rotation of an n-bit word by r, 0 < r < n. */
static uint64_t rotl(uint64_t x, unsigned r, unsigned n)
{
	return ((x << r) | (x >> (n - r))) & word_mask(n);
}

/* Little-endian words, as the Implementation Guide serialises them. */
static uint64_t load_word(const uint8_t *p, unsigned bytes)
{
	uint64_t w = 0;
	for (unsigned i = bytes; i-- > 0;)
		w = (w << 8) | p[i];
	return w;
}

static void store_word(uint8_t *p, uint64_t w, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, w >>= 8)
		p[i] = (uint8_t)w;
}

int simon_init(struct simon_ctx *ctx, enum simon_variant v, const uint8_t *key)
{
	const struct simon_params *p = lookup(v);

	secure_wipe(ctx, sizeof(*ctx));
	if (!p)
		return -1;
	unsigned n = p->word_bits, m = p->key_words, wb = n / 8;
	uint64_t mask = word_mask(n);

	ctx->rounds = p->rounds;
	ctx->block_len = (uint8_t)(2 * wb);
	ctx->word_bits = (uint8_t)n;
	for (unsigned i = 0; i < m; i++)
		ctx->rk[i] = load_word(key + i * wb, wb); /* k_0 comes first in the byte string */
	/* j = (i - m) mod 62, counted rather than divided: a Cortex-M0 has no divider */
	for (unsigned i = m, j = 0; i < p->rounds; i++, j = j == 61 ? 0 : j + 1) {
		uint64_t tmp = rotl(ctx->rk[i - 1], n - 3, n);
		if (m == 4)
			tmp ^= ctx->rk[i - 3];
		tmp ^= rotl(tmp, n - 1, n);
		uint64_t z = (z_seq[p->z] >> j) & 1;
		/* The paper's c ^ z ^ k[i-m] ^ tmp with c = 2^n - 4, i.e. ~k[i-m] ^ tmp ^ z ^ 3. */
		ctx->rk[i] = (~ctx->rk[i - m] & mask) ^ tmp ^ z ^ 3;
	}
	return 0;
}

static uint64_t simon_f(uint64_t x, unsigned n)
{
	return (rotl(x, 1, n) & rotl(x, 8, n)) ^ rotl(x, 2, n);
}

void simon_encrypt_block(const struct simon_ctx *ctx, uint8_t *out, const uint8_t *in)
{
	unsigned n = WORD_BITS(ctx), wb = n / 8;
	uint64_t y = load_word(in, wb), x = load_word(in + wb, wb);

	for (unsigned i = 0; i < ctx->rounds; i++) {
		uint64_t t = x;
		x = y ^ simon_f(x, n) ^ ctx->rk[i];
		y = t;
	}
	store_word(out, y, wb);
	store_word(out + wb, x, wb);
}

void simon_decrypt_block(const struct simon_ctx *ctx, uint8_t *out, const uint8_t *in)
{
	unsigned n = WORD_BITS(ctx), wb = n / 8;
	uint64_t y = load_word(in, wb), x = load_word(in + wb, wb);

	for (unsigned i = ctx->rounds; i-- > 0;) {
		uint64_t t = y;
		y = x ^ simon_f(y, n) ^ ctx->rk[i];
		x = t;
	}
	store_word(out, y, wb);
	store_word(out + wb, x, wb);
}

void simon_clear(struct simon_ctx *ctx)
{
	secure_wipe(ctx, sizeof(*ctx));
}
