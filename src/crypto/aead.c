#include "crypto/aead.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"

/* RFC 8439 §2.8 composed from OpenSSL's ChaCha20 stream and Poly1305 MAC instead of OpenSSL's
 * ChaCha20-Poly1305 cipher. Per packet, that cipher runs the Poly1305 key block and the last
 * partial block through ChaCha20's small-input code, which computes four blocks for each: on a
 * 1,420-byte packet those two calls cost as much as the bulk of the data. Here the key block, the
 * data and its last partial block go through one call of the bulk code, by way of a scratch
 * buffer: [block 0 | data | zeros up to a block boundary]. bench/aead.sh measures the two side by
 * side; tests/crypto/test_aead.c checks RFC 8439's vectors and agreement with OpenSSL's AEAD. */

#define CHACHA_BLOCK 64
/* Data bytes that go through the scratch buffer with the key block: a whole transport packet at
 * any usual MTU. Longer messages continue in place, block-aligned, in chunks of this size. */
#define SCRATCH_DATA 2048
#define POLY_KEY_LEN 32

static EVP_CIPHER *chacha_cipher;
static EVP_MAC *poly_mac;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

/* Fetched once: an implicit fetch on every keying is a name lookup under a lock. */
static void fetch_algorithms(void)
{
	chacha_cipher = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
	poly_mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
}

static size_t round_to_block(size_t n)
{
	return (n + CHACHA_BLOCK - 1) & ~(size_t)(CHACHA_BLOCK - 1);
}

/* OpenSSL's ChaCha20 IV: the 32-bit little-endian block counter, then the 96-bit nonce. */
static int stream_start(EVP_CIPHER_CTX *c, const uint8_t nonce[AEAD_NONCE_LEN])
{
	uint8_t iv[16] = {0};
	memcpy(iv + 4, nonce, AEAD_NONCE_LEN);
	return EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) == 1 ? 0 : -1;
}

static int stream_xor(EVP_CIPHER_CTX *c, uint8_t *dst, const uint8_t *src, size_t n)
{
	int outl;
	return EVP_EncryptUpdate(c, dst, &outl, src, (int)n) == 1 ? 0 : -1;
}

/* From block 0: poly_key receives the Poly1305 key (the key block's first half, wiped from s; the
 * rest of block 0 is never used), s + CHACHA_BLOCK the first min(len, SCRATCH_DATA) bytes of src
 * XORed with the key stream. Returns how many data bytes that took, or -1. */
static long stream_head(EVP_CIPHER_CTX *c, const uint8_t nonce[AEAD_NONCE_LEN],
                        uint8_t s[CHACHA_BLOCK + SCRATCH_DATA], uint8_t poly_key[POLY_KEY_LEN],
                        const uint8_t *src, size_t len)
{
	size_t head = len < SCRATCH_DATA ? len : SCRATCH_DATA;
	size_t run = CHACHA_BLOCK + round_to_block(head);
	memset(s, 0, CHACHA_BLOCK);
	if (head > 0)
		memcpy(s + CHACHA_BLOCK, src, head);
	memset(s + CHACHA_BLOCK + head, 0, run - CHACHA_BLOCK - head);
	if (stream_start(c, nonce) != 0 || stream_xor(c, s, s, run) != 0)
		return -1;
	memcpy(poly_key, s, POLY_KEY_LEN);
	secure_wipe(s, POLY_KEY_LEN);
	return (long)head;
}

/* The data after the head, continuing the key stream: the head was a whole SCRATCH_DATA whenever
 * there is more, so the counter is where this needs it. Whole chunks in place; the last partial
 * one through s, so that it too is one bulk call. */
static int stream_rest(EVP_CIPHER_CTX *c, uint8_t s[CHACHA_BLOCK + SCRATCH_DATA], uint8_t *dst,
                       const uint8_t *src, size_t off, size_t len)
{
	while (off < len) {
		size_t n = len - off;
		if (n >= SCRATCH_DATA) {
			if (stream_xor(c, dst + off, src + off, SCRATCH_DATA) != 0)
				return -1;
			off += SCRATCH_DATA;
			continue;
		}
		memcpy(s, src + off, n);
		memset(s + n, 0, round_to_block(n) - n);
		if (stream_xor(c, s, s, round_to_block(n)) != 0)
			return -1;
		memcpy(dst + off, s, n);
		off += n;
	}
	return 0;
}

static int mac_padded(EVP_MAC_CTX *m, const uint8_t *p, size_t n)
{
	static const uint8_t zeros[16];
	if (n > 0 && EVP_MAC_update(m, p, n) != 1)
		return -1;
	if (n % 16 != 0 && EVP_MAC_update(m, zeros, 16 - n % 16) != 1)
		return -1;
	return 0;
}

/* RFC 8439 §2.8: Poly1305 over AD, ciphertext (each zero-padded to 16 bytes) and both lengths. */
static int poly1305_tag(EVP_MAC_CTX *m, const uint8_t key[POLY_KEY_LEN], const uint8_t *ad,
                        size_t ad_len, const uint8_t *ct, size_t ct_len, uint8_t tag[AEAD_TAG_LEN])
{
	uint8_t lengths[16];
	size_t outl = 0;
	store_le64(lengths, ad_len);
	store_le64(lengths + 8, ct_len);
	if (EVP_MAC_init(m, key, POLY_KEY_LEN, NULL) != 1 || mac_padded(m, ad, ad_len) != 0 ||
	    mac_padded(m, ct, ct_len) != 0 || EVP_MAC_update(m, lengths, sizeof(lengths)) != 1 ||
	    EVP_MAC_final(m, tag, &outl, AEAD_TAG_LEN) != 1 || outl != AEAD_TAG_LEN)
		return -1;
	return 0;
}

/* The bounds of the EVP cipher this replaced (int lengths), far above any WireGuard message. */
static int lengths_ok(size_t len, size_t ad_len)
{
	return len <= (size_t)INT32_MAX && ad_len <= (size_t)INT32_MAX;
}

static int seal_with(const struct aead_key *key, const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst,
                     const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t s[CHACHA_BLOCK + SCRATCH_DATA];
	uint8_t poly_key[POLY_KEY_LEN];
	if (!key->stream || !key->mac || !lengths_ok(len, ad_len))
		return -1;
	long head = stream_head(key->stream, nonce, s, poly_key, src, len);
	if (head < 0)
		return -1;
	if (head > 0)
		memcpy(dst, s + CHACHA_BLOCK, (size_t)head);
	int ret = stream_rest(key->stream, s, dst, src, (size_t)head, len);
	if (ret == 0)
		ret = poly1305_tag(key->mac, poly_key, ad, ad_len, dst, len, dst + len);
	secure_wipe(poly_key, sizeof(poly_key));
	return ret;
}

/* The tag is checked before any plaintext reaches dst: the head is decrypted into the scratch
 * buffer while src still holds the whole ciphertext for Poly1305. */
static int open_with(const struct aead_key *key, const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst,
                     const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t s[CHACHA_BLOCK + SCRATCH_DATA];
	uint8_t poly_key[POLY_KEY_LEN], tag[AEAD_TAG_LEN];
	if (!key->stream || !key->mac || len < AEAD_TAG_LEN || !lengths_ok(len, ad_len))
		return -1;
	size_t ct_len = len - AEAD_TAG_LEN;
	long head = stream_head(key->stream, nonce, s, poly_key, src, ct_len);
	if (head < 0)
		return -1;
	int ret = poly1305_tag(key->mac, poly_key, ad, ad_len, src, ct_len, tag);
	secure_wipe(poly_key, sizeof(poly_key));
	if (ret == 0 && !ct_equal(tag, src + ct_len, AEAD_TAG_LEN))
		ret = -1;
	if (ret != 0) {
		secure_wipe(s + CHACHA_BLOCK, (size_t)head);
		return -1;
	}
	/* Not wiped after: authentic plaintext is the caller's packet, not key material. */
	if (head > 0)
		memcpy(dst, s + CHACHA_BLOCK, (size_t)head);
	return stream_rest(key->stream, s, dst, src, (size_t)head, ct_len);
}

int aead_key_init(struct aead_key *key, const uint8_t raw[AEAD_KEY_LEN])
{
	pthread_once(&fetch_once, fetch_algorithms);
	key->stream = NULL;
	key->mac = NULL;
	if (!chacha_cipher || !poly_mac)
		return -1;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	key->stream = c;
	key->mac = EVP_MAC_CTX_new(poly_mac);
	if (!c || !key->mac || EVP_EncryptInit_ex(c, chacha_cipher, NULL, raw, NULL) != 1) {
		aead_key_clear(key);
		return -1;
	}
	return 0;
}

void aead_key_clear(struct aead_key *key)
{
	/* Both free functions cleanse their key material. */
	EVP_CIPHER_CTX_free(key->stream);
	EVP_MAC_CTX_free(key->mac);
	key->stream = NULL;
	key->mac = NULL;
}

static void wg_nonce(uint8_t nonce[AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	store_le64(nonce + 4, counter);
}

int aead_seal(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	wg_nonce(nonce, counter);
	return seal_with(key, nonce, dst, src, len, ad, ad_len);
}

int aead_open(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	wg_nonce(nonce, counter);
	return open_with(key, nonce, dst, src, len, ad, ad_len);
}

/* One operation under a key prepared for it alone. */
static int with_fresh_key(int encrypt, const uint8_t raw[AEAD_KEY_LEN],
                          const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst, const uint8_t *src,
                          size_t len, const uint8_t *ad, size_t ad_len)
{
	struct aead_key key;
	if (aead_key_init(&key, raw) != 0)
		return -1;
	int ret = (encrypt ? seal_with : open_with)(&key, nonce, dst, src, len, ad, ad_len);
	aead_key_clear(&key);
	return ret;
}

int aead_seal_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_fresh_key(1, raw, nonce, dst, src, len, ad, ad_len);
}

int aead_open_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_fresh_key(0, raw, nonce, dst, src, len, ad, ad_len);
}

int aead_seal_once(const uint8_t raw[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
                   const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	wg_nonce(nonce, counter);
	return aead_seal_ietf(raw, nonce, dst, src, len, ad, ad_len);
}

int aead_open_once(const uint8_t raw[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
                   const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	wg_nonce(nonce, counter);
	return aead_open_ietf(raw, nonce, dst, src, len, ad, ad_len);
}
