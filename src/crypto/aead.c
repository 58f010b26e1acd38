#include "crypto/aead.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"

/* Fetched once: an implicit fetch by EVP_chacha20_poly1305() on every keying is a name lookup
 * under a lock. */
static EVP_CIPHER *chacha_cipher;
static pthread_once_t chacha_once = PTHREAD_ONCE_INIT;

static void fetch_cipher(void)
{
	chacha_cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

static const EVP_CIPHER *cipher(void)
{
	pthread_once(&chacha_once, fetch_cipher);
	return chacha_cipher;
}

static void wg_nonce(uint8_t nonce[AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	store_le64(nonce + 4, counter);
}

/* EVP takes int lengths; WireGuard messages are far below that. */
static int lengths_ok(size_t len, size_t ad_len)
{
	return len <= (size_t)INT_MAX - AEAD_TAG_LEN && ad_len <= (size_t)INT_MAX;
}

/* ctx is keyed for encryption; only the nonce is set here, which resets the Poly1305 state. */
static int seal_with(EVP_CIPHER_CTX *ctx, const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst,
                     const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t scratch[AEAD_TAG_LEN];
	int outl;

	if (!lengths_ok(len, ad_len))
		return -1;
	if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1)
		return -1;
	if (ad_len > 0 && EVP_EncryptUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return -1;
	if (len > 0 && EVP_EncryptUpdate(ctx, dst, &outl, src, (int)len) != 1)
		return -1;
	if (EVP_EncryptFinal_ex(ctx, scratch, &outl) != 1)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, dst + len) != 1)
		return -1;
	return 0;
}

static int open_with(EVP_CIPHER_CTX *ctx, const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst,
                     const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t tag[AEAD_TAG_LEN];
	uint8_t scratch[AEAD_TAG_LEN];
	int outl;

	if (len < AEAD_TAG_LEN || !lengths_ok(len, ad_len))
		return -1;
	size_t ct_len = len - AEAD_TAG_LEN;
	/* Copied first: with dst == src the tag must survive the in-place decryption. */
	memcpy(tag, src + ct_len, AEAD_TAG_LEN);

	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1)
		return -1;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, tag) != 1)
		return -1;
	if (ad_len > 0 && EVP_DecryptUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return -1;
	if (ct_len > 0 && EVP_DecryptUpdate(ctx, dst, &outl, src, (int)ct_len) != 1)
		goto reject;
	if (EVP_DecryptFinal_ex(ctx, scratch, &outl) != 1)
		goto reject;
	return 0;
reject:
	/* Never hand out plaintext that failed authentication. */
	secure_wipe(dst, ct_len);
	return -1;
}

static EVP_CIPHER_CTX *keyed_ctx(const uint8_t raw[AEAD_KEY_LEN], int enc)
{
	const EVP_CIPHER *c = cipher();
	EVP_CIPHER_CTX *ctx = c ? EVP_CIPHER_CTX_new() : NULL;
	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, c, NULL, raw, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int aead_key_init(struct aead_key *key, const uint8_t raw[AEAD_KEY_LEN])
{
	key->enc = keyed_ctx(raw, 1);
	key->dec = keyed_ctx(raw, 0);
	if (!key->enc || !key->dec) {
		aead_key_clear(key);
		return -1;
	}
	return 0;
}

void aead_key_clear(struct aead_key *key)
{
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(key->enc);
	EVP_CIPHER_CTX_free(key->dec);
	key->enc = NULL;
	key->dec = NULL;
}

int aead_seal(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	if (!key->enc)
		return -1;
	wg_nonce(nonce, counter);
	return seal_with(key->enc, nonce, dst, src, len, ad, ad_len);
}

int aead_open(const struct aead_key *key, uint64_t counter, uint8_t *dst, const uint8_t *src,
              size_t len, const uint8_t *ad, size_t ad_len)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	if (!key->dec)
		return -1;
	wg_nonce(nonce, counter);
	return open_with(key->dec, nonce, dst, src, len, ad, ad_len);
}

/* One operation under a context keyed for it alone. */
static int with_fresh_ctx(int encrypt, const uint8_t raw[AEAD_KEY_LEN],
                          const uint8_t nonce[AEAD_NONCE_LEN], uint8_t *dst, const uint8_t *src,
                          size_t len, const uint8_t *ad, size_t ad_len)
{
	EVP_CIPHER_CTX *ctx = keyed_ctx(raw, encrypt);
	if (!ctx)
		return -1;
	int ret = (encrypt ? seal_with : open_with)(ctx, nonce, dst, src, len, ad, ad_len);
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int aead_seal_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_fresh_ctx(1, raw, nonce, dst, src, len, ad, ad_len);
}

int aead_open_ietf(const uint8_t raw[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
                   uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t ad_len)
{
	return with_fresh_ctx(0, raw, nonce, dst, src, len, ad, ad_len);
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
