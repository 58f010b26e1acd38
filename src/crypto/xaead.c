#include "crypto/xaead.h"

#include "crypto/aead.h"
#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"

static uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static void quarter_round(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 7);
}

void hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[16])
{
	/* The ChaCha20 block function with the 16-byte nonce in the counter+nonce words, and
	 * without the final addition of the input state: its first and last rows are the subkey. */
	uint32_t x[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	for (int i = 0; i < 8; i++)
		x[4 + i] = load_le32(key + 4 * i);
	for (int i = 0; i < 4; i++)
		x[12 + i] = load_le32(nonce + 4 * i);

	for (int round = 0; round < 10; round++) {
		quarter_round(x, 0, 4, 8, 12);
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15);
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 4; i++) {
		store_le32(out + 4 * i, x[i]);
		store_le32(out + 16 + 4 * i, x[12 + i]);
	}
	secure_wipe(x, sizeof(x));
}

/* The last 8 nonce bytes, read little-endian, are exactly the counter of the WireGuard nonce form
 * (4 zero bytes || LE64), so the subkey can go straight to the ChaCha20-Poly1305 one-shot forms. */
static uint64_t tail_counter(const uint8_t nonce[XAEAD_NONCE_LEN])
{
	return load_le64(nonce + 16);
}

/* The one-shot AEAD under the HChaCha20 subkey of key and the nonce's first 16 bytes. */
static int with_subkey(int (*once)(const uint8_t *, uint64_t, uint8_t *, const uint8_t *, size_t,
                                   const uint8_t *, size_t),
                       const uint8_t key[32], const uint8_t nonce[XAEAD_NONCE_LEN], uint8_t *dst,
                       const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t subkey[32];
	hchacha20(subkey, key, nonce);
	int ret = once(subkey, tail_counter(nonce), dst, src, len, ad, ad_len);
	secure_wipe(subkey, sizeof(subkey));
	return ret;
}

int xaead_seal(const uint8_t key[32], const uint8_t nonce[XAEAD_NONCE_LEN], uint8_t *dst,
               const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_subkey(aead_seal_once, key, nonce, dst, src, len, ad, ad_len);
}

int xaead_open(const uint8_t key[32], const uint8_t nonce[XAEAD_NONCE_LEN], uint8_t *dst,
               const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_subkey(aead_open_once, key, nonce, dst, src, len, ad, ad_len);
}
