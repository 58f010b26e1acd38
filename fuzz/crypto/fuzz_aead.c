/* crypto/aead.c (ChaCha20-Poly1305 composed from OpenSSL's ChaCha20 and Poly1305, through a scratch
 * buffer and block-aligned chunks) against OpenSSL's own ChaCha20-Poly1305 cipher. Input: 32 key
 * bytes, 8 counter bytes, 1 AD length byte, then AD and message. The message is sealed by both and
 * must give the same bytes; it is also opened as if it were a received packet (ciphertext and
 * tag), and aead_open must accept exactly when OpenSSL does, with the same plaintext, and leave
 * its output untouched when it refuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/aead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER  41
#define MAX_MSG 8192 /* four of aead.c's chunks */

static int reference(int enc, const uint8_t key[32], const uint8_t nonce[12], uint8_t *out,
                     const uint8_t *in, size_t len, const uint8_t *ad, size_t ad_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl,
	        ok = c && EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, key, nonce, enc) == 1;
	size_t ct_len = enc ? len : len - 16;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(in + ct_len)) == 1;
	if (ok && ad_len > 0)
		ok = EVP_CipherUpdate(c, NULL, &outl, ad, (int)ad_len) == 1;
	if (ok && ct_len > 0)
		ok = EVP_CipherUpdate(c, out, &outl, in, (int)ct_len) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + ct_len, &outl) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t want[MAX_MSG + 16], got[MAX_MSG + 16];
	if (size < HEADER)
		return 0;
	const uint8_t *key = data;
	uint64_t counter = 0;
	for (int i = 0; i < 8; i++)
		counter |= (uint64_t)data[32 + i] << (8 * i);
	size_t ad_len = data[40];
	if (size - HEADER < ad_len)
		return 0;
	const uint8_t *ad = data + HEADER;
	const uint8_t *msg = ad + ad_len;
	size_t len = size - HEADER - ad_len;
	if (len > MAX_MSG)
		return 0;
	uint8_t nonce[12] = {0};
	memcpy(nonce + 4, data + 32, 8);

	struct aead_key k;
	if (aead_key_init(&k, key) != 0)
		abort();
	if (reference(1, key, nonce, want, msg, len, ad, ad_len) != 0 ||
	    aead_seal(&k, counter, got, msg, len, ad, ad_len) != 0 ||
	    memcmp(want, got, len + 16) != 0)
		abort();

	if (len >= 16) {
		int ref = reference(0, key, nonce, want, msg, len, ad, ad_len);
		memset(got, 0xa5, len);
		int mine = aead_open(&k, counter, got, msg, len, ad, ad_len);
		if (mine != ref)
			abort();
		for (size_t i = 0; i < len - 16; i++)
			if (got[i] != (mine == 0 ? want[i] : 0xa5))
				abort();
	}
	aead_key_clear(&k);
	return 0;
}
