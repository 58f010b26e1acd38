/* Specialised SIMON-128/128 and SIMON-64/128 key schedule + one block decryption. */
#include "puf/proto/simon_quick.h"

/* The designers' z2 and z3 sequences, bit i = the i-th digit as printed (ePrint 2013/404). */
#define Z2 0x3369f885192c0ef5ULL
#define Z3 0x3c2ce51207a635dbULL

static uint64_t rol64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static uint32_t rol32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t w = 0;

	for (int i = 7; i >= 0; i--)
		w = w << 8 | p[i];
	return w;
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store64(uint8_t *p, uint64_t w)
{
	for (int i = 0; i < 8; i++, w >>= 8)
		p[i] = (uint8_t)w;
}

static void store32(uint8_t *p, uint32_t w)
{
	for (int i = 0; i < 4; i++, w >>= 8)
		p[i] = (uint8_t)w;
}

static void decrypt_128_128(const uint8_t *key, const uint8_t *in, uint8_t *out, uint64_t *rk)
{
	uint64_t x, y, t;

	rk[0] = load64(key);
	rk[1] = load64(key + 8);
	for (unsigned i = 2; i < 68; i++) {
		uint64_t tmp = rol64(rk[i - 1], 61);

		tmp ^= rol64(tmp, 63);
		rk[i] = ~rk[i - 2] ^ tmp ^ ((Z2 >> ((i - 2) % 62)) & 1) ^ 3;
	}
	y = load64(in);
	x = load64(in + 8);
	for (unsigned i = 68; i-- > 0;) {
		t = y;
		y = x ^ ((rol64(y, 1) & rol64(y, 8)) ^ rol64(y, 2)) ^ rk[i];
		x = t;
	}
	store64(out, y);
	store64(out + 8, x);
}

static void decrypt_64_128(const uint8_t *key, const uint8_t *in, uint8_t *out, uint32_t *rk)
{
	uint32_t x, y, t;

	for (unsigned i = 0; i < 4; i++)
		rk[i] = load32(key + 4 * i);
	for (unsigned i = 4; i < 44; i++) {
		uint32_t tmp = rol32(rk[i - 1], 29) ^ rk[i - 3];

		tmp ^= rol32(tmp, 31);
		rk[i] = ~rk[i - 4] ^ tmp ^ (uint32_t)((Z3 >> ((i - 4) % 62)) & 1) ^ 3;
	}
	y = load32(in);
	x = load32(in + 4);
	for (unsigned i = 44; i-- > 0;) {
		t = y;
		y = x ^ ((rol32(y, 1) & rol32(y, 8)) ^ rol32(y, 2)) ^ rk[i];
		x = t;
	}
	store32(out, y);
	store32(out + 4, x);
}

int simon_quick_decrypt(enum simon_variant v, const uint8_t *key, const uint8_t *in, uint8_t *out,
                        struct simon_quick_scratch *scratch)
{
	switch (v) {
	case SIMON_128_128:
		decrypt_128_128(key, in, out, scratch->rk.w64);
		return 0;
	case SIMON_64_128:
		decrypt_64_128(key, in, out, scratch->rk.w32);
		return 0;
	default:
		return -1;
	}
}
