#include "crypto/blake2s.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/portable/secure.h"

/* Fetched once and kept for the life of the process: every handshake message computes several
 * hashes and MACs, and a fetch is a name lookup under a lock. The MAC contexts are templates with
 * their parameters already set; each call duplicates one and only supplies the key. */
static EVP_MD *blake2s_md;
static EVP_MAC_CTX *mac_template;  /* BLAKE2SMAC, 16-byte output */
static EVP_MAC_CTX *hmac_template; /* HMAC over BLAKE2S-256 */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

/* These functions cannot report failure; a wrong digest would be worse than stopping. OpenSSL only
 * fails here when it is out of memory or built without BLAKE2s. */
static void fatal(const char *what)
{
	fprintf(stderr, "hwguard: OpenSSL %s failed\n", what);
	abort();
}

static EVP_MAC_CTX *mac_ctx_with(const char *mac_name, const OSSL_PARAM *params)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, mac_name, NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (ctx && EVP_MAC_CTX_set_params(ctx, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void fetch_all(void)
{
	size_t mac_len = BLAKE2S_MAC_LEN;
	OSSL_PARAM mac_params[] = {
	        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &mac_len),
	        OSSL_PARAM_construct_end(),
	};
	OSSL_PARAM hmac_params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"BLAKE2S-256", 0),
	        OSSL_PARAM_construct_end(),
	};

	blake2s_md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	mac_template = mac_ctx_with("BLAKE2SMAC", mac_params);
	hmac_template = mac_ctx_with("HMAC", hmac_params);
}

static void ensure_fetched(void)
{
	pthread_once(&fetch_once, fetch_all);
	if (!blake2s_md || !mac_template || !hmac_template)
		fatal("BLAKE2s fetch");
}

void blake2s_hash(uint8_t out[BLAKE2S_HASH_LEN], const uint8_t *a, size_t a_len, const uint8_t *b,
                  size_t b_len)
{
	ensure_fetched();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	if (!ctx || EVP_DigestInit_ex2(ctx, blake2s_md, NULL) != 1 ||
	    (a_len > 0 && EVP_DigestUpdate(ctx, a, a_len) != 1) ||
	    (b_len > 0 && EVP_DigestUpdate(ctx, b, b_len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != BLAKE2S_HASH_LEN)
		fatal("BLAKE2s hash");
	EVP_MD_CTX_free(ctx);
}

static void mac_from(const EVP_MAC_CTX *tmpl, uint8_t *out, size_t out_len, const uint8_t *key,
                     size_t key_len, const uint8_t *msg, size_t msg_len, const char *what)
{
	/* EVP_MAC_init treats a NULL key as "keep the previous key", so an empty key needs a
	 * pointer. */
	static const uint8_t empty_key[1];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(tmpl);
	size_t len = 0;
	if (!ctx || EVP_MAC_init(ctx, key_len > 0 ? key : empty_key, key_len, NULL) != 1 ||
	    (msg_len > 0 && EVP_MAC_update(ctx, msg, msg_len) != 1) ||
	    EVP_MAC_final(ctx, out, &len, out_len) != 1 || len != out_len)
		fatal(what);
	EVP_MAC_CTX_free(ctx); /* cleanses the key */
}

void blake2s_mac(uint8_t out[BLAKE2S_MAC_LEN], const uint8_t *key, size_t key_len,
                 const uint8_t *msg, size_t msg_len)
{
	if (key_len < 1 || key_len > 32)
		fatal("BLAKE2s MAC key length");
	ensure_fetched();
	mac_from(mac_template, out, BLAKE2S_MAC_LEN, key, key_len, msg, msg_len, "BLAKE2s MAC");
}

void hmac_blake2s(uint8_t out[BLAKE2S_HASH_LEN], const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t msg_len)
{
	ensure_fetched();
	mac_from(hmac_template, out, BLAKE2S_HASH_LEN, key, key_len, msg, msg_len, "HMAC-BLAKE2s");
}

void wg_kdf(uint8_t out1[32], uint8_t out2[32], uint8_t out3[32], const uint8_t ck[32],
            const uint8_t *input, size_t input_len, int n)
{
	/* Built in locals and copied out at the end, so outputs may alias ck or input (the Noise
	 * code overwrites the chaining key with out1). */
	static const uint8_t one = 1;
	uint8_t prk[BLAKE2S_HASH_LEN];
	uint8_t t[3][BLAKE2S_HASH_LEN + 1]; /* out_i followed by the counter byte of out_(i+1) */

	if (n < 1 || n > 3)
		fatal("KDF output count");
	hmac_blake2s(prk, ck, 32, input, input_len);
	hmac_blake2s(t[0], prk, sizeof(prk), &one, 1);
	for (int i = 1; i < n; i++) {
		t[i - 1][BLAKE2S_HASH_LEN] = (uint8_t)(i + 1);
		hmac_blake2s(t[i], prk, sizeof(prk), t[i - 1], BLAKE2S_HASH_LEN + 1);
	}
	memcpy(out1, t[0], 32);
	if (n >= 2)
		memcpy(out2, t[1], 32);
	if (n >= 3)
		memcpy(out3, t[2], 32);
	secure_wipe(prk, sizeof(prk));
	secure_wipe(t, sizeof(t));
}
