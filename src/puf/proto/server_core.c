/* The padding the quick stage checks, the full per-candidate test, and the reply. */
#include <string.h>

#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "puf/proto/server_core.h"

/* CBC-decrypts c = IV || C_1..C_n with ctx into out (n blocks). */
static void cbc_decrypt(const struct simon_ctx *ctx, size_t b, const uint8_t *c, size_t c_len,
                        uint8_t *out)
{
	size_t n = c_len / b - 1;

	for (size_t i = 0; i < n; i++) {
		simon_decrypt_block(ctx, out + i * b, c + (i + 1) * b);
		for (size_t j = 0; j < b; j++)
			out[i * b + j] ^= c[i * b + j];
	}
}

/* One trial of learning the layout: encrypts a known plaintext and decrypts it by hand. Returns 0
 * and the last block's padding when c = IV || CBC(hd || padding), -1 otherwise. */
static int learn_padding(const struct pufproto_suite *s, uint8_t seed, uint8_t *last)
{
	uint8_t key[PUFPROTO_KEY_LEN], iv[SIMON_MAX_BLOCK], hd[PUFPROTO_MAX_HELPER];
	uint8_t c[PUFPROTO_MAX_CIPHERTEXT], p[PUFPROTO_MAX_CIPHERTEXT];
	struct simon_ctx ctx;
	size_t b = s->block_len;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(seed * 31 + i);
	for (size_t i = 0; i < b; i++)
		iv[i] = (uint8_t)(seed * 17 + 3 * i);
	for (size_t i = 0; i < s->helper_len; i++)
		hd[i] = (uint8_t)(seed * 7 + 5 * i + 1);
	if (ske_encrypt(s->cipher, key, iv, hd, s->helper_len, c, sizeof(c)) ||
	    simon_init(&ctx, s->cipher, key))
		return -1;
	cbc_decrypt(&ctx, b, c, s->ciphertext_len, p);
	simon_clear(&ctx);
	if (memcmp(c, iv, b) != 0 || memcmp(p, hd, s->helper_len) != 0)
		return -1;
	memcpy(last, p + s->ciphertext_len - 2 * b, b);
	return 0;
}

int pufproto_prefilter_init(const struct pufproto_suite *s, struct pufproto_prefilter *f)
{
	uint8_t a[SIMON_MAX_BLOCK], b2[SIMON_MAX_BLOCK];
	size_t b = s->block_len, padded, data_in_last;

	memset(f, 0, sizeof(*f));
	if (b == 0 || s->ciphertext_len % b != 0 || s->ciphertext_len < 2 * b)
		return 0;
	padded = s->ciphertext_len - b;
	if (padded < s->helper_len)
		return 0;
	if (learn_padding(s, 1, a) || learn_padding(s, 2, b2))
		return 0;
	data_in_last = s->helper_len > padded - b ? s->helper_len - (padded - b) : 0;
	for (size_t i = data_in_last; i < b; i++) {
		/* padding that differs between keys/plaintexts carries no redundancy */
		if (a[i] != b2[i])
			return 0;
		f->mask[i] = 0xff;
		f->value[i] = a[i];
		f->pad_bytes++;
	}
	f->usable = 1;
	return 0;
}

int pufproto_candidate_full(const struct pufproto_suite *s, const struct pufproto_prefilter *f,
                            const uint8_t *sk, const uint8_t *z, const uint8_t *n_s,
                            const struct pufproto_response *m, struct pufproto_match *out)
{
	uint8_t p[PUFPROTO_MAX_CIPHERTEXT], r[PUFPROTO_KEY_LEN], t[PUFPROTO_MAX_PRF_OUT];
	uint8_t v1[PUFPROTO_MAX_NONCE];
	int ok;

	memset(r, 0, sizeof(r));
	if (f->usable) {
		struct simon_ctx ctx;
		size_t b = s->block_len, last = s->ciphertext_len - 2 * b;
		uint8_t diff = 0;

		simon_init(&ctx, s->cipher, sk);
		cbc_decrypt(&ctx, b, m->c, s->ciphertext_len, p);
		simon_clear(&ctx);
		for (size_t i = 0; i < b; i++)
			diff |= (uint8_t)((p[last + i] ^ f->value[i]) & f->mask[i]);
		ok = diff == 0;
	} else {
		ok = ske_decrypt(s->cipher, sk, m->c, s->ciphertext_len, p, sizeof(p)) ==
		     (long)s->helper_len;
	}
	/* Rec and the PRF run whatever the padding said, so that a tampered c costs the same. */
	ok &= fe_rec(s->fe, z, p, r) == 0;
	pufproto_derive(s, r, n_s, m->n_d, t);
	ok &= ct_equal(t + pufproto_t1_off(s), m->t1, s->nonce_len);
	pufproto_mac(s, t + pufproto_t3_off(s), m->c, m->n_d, m->t1, m->u, v1);
	ok &= ct_equal(v1, m->v1, s->nonce_len);
	if (ok) {
		memcpy(out->t4, t + pufproto_t4_off(s), s->nonce_len);
		memcpy(out->next_sk, t + pufproto_t5_off(s), PUFPROTO_KEY_LEN);
		for (size_t i = 0; i < s->response_len; i++)
			out->z_new[i] = m->u[i] ^ t[pufproto_t2_off(s) + i];
	}
	secure_wipe(p, sizeof(p));
	secure_wipe(r, sizeof(r));
	secure_wipe(t, sizeof(t));
	return ok;
}

long pufproto_server_reply(const struct pufproto_response *m, const struct pufproto_match *match,
                           struct rng_source *rng, uint8_t *out, size_t cap)
{
	struct pufproto_confirm c;
	long n;

	c.suite = m->suite.id;
	memcpy(c.session, m->session, PUFPROTO_SESSION_LEN);
	c.t4_len = m->suite.nonce_len;
	if (match)
		memcpy(c.t4, match->t4, c.t4_len);
	else if (rng->fill(rng, c.t4, c.t4_len))
		return PUFPROTO_SERVER_RNG_FAILED;
	n = pufproto_encode_confirm(&c, out, cap);
	secure_wipe(&c, sizeof(c));
	return n;
}
