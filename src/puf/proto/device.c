/* Device state machine: Gen on a fresh reading, PRF, encrypted helper data, the next reference
 * masked by t2, and the MAC v1. */
#include <string.h>

#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "puf/debias.h"
#include "puf/proto/device.h"
#include "puf/proto/wire.h"

const char *pufproto_device_strerror(int err)
{
	switch (err) {
	case PUFPROTO_DEV_BAD_STATE:
		return "device state is invalid or no authentication is pending";
	case PUFPROTO_DEV_WRONG_SUITE:
		return "challenge is for another security level";
	case PUFPROTO_DEV_PUF_FAILED:
		return "PUF reading failed";
	case PUFPROTO_DEV_RNG_FAILED:
		return "random number generator failed";
	case PUFPROTO_DEV_FE_FAILED:
		return "fuzzy extractor failed";
	case PUFPROTO_DEV_WRONG_SESSION:
		return "confirmation belongs to another session";
	case PUFPROTO_DEV_BAD_CONFIG:
		return "bad device configuration";
	default:
		return pufproto_wire_strerror(err);
	}
}

uint32_t pufproto_nv_challenges(const struct pufproto_device_nv *nv, const struct pufproto_suite *s)
{
	if (!s->map_len)
		return UINT32_MAX;
	/* at most PUFPROTO_STATE_MAX_HELPER / map_len: y * raw_block_len cannot overflow */
	return nv->helper && nv->helper_len <= PUFPROTO_MAX_HELPER_DATA &&
	                       nv->helper_len % s->map_len == 0
	               ? (uint32_t)(nv->helper_len / s->map_len)
	               : 0;
}

int pufproto_device_init(struct pufproto_device *d, const struct pufproto_device_nv *nv)
{
	struct pufproto_suite s;

	memset(d, 0, sizeof(*d));
	/* a debiased suite needs the case map of its current challenge */
	if (pufproto_suite_get(nv->suite, &s) ||
	    (s.map_len && nv->challenge >= pufproto_nv_challenges(nv, &s)))
		return PUFPROTO_DEV_BAD_STATE;
	d->nv = *nv;
	if (!s.map_len) { /* report suites carry no helper data, whatever the caller left there */
		d->nv.helper = NULL;
		d->nv.helper_len = 0;
	}
	return 0;
}

long pufproto_device_hello(const struct pufproto_device *d, uint8_t *out, size_t cap)
{
	return pufproto_encode_hello(d->nv.suite, out, cap);
}

/* y2 uniform in [0, space) by rejection sampling (bounded: the chance of 64 rejections in a row is
 * below 2^-64). */
static int draw_challenge(struct rng_source *rng, uint32_t space, uint32_t *y)
{
	uint8_t b[4];

	for (int i = 0; i < 64; i++) {
		uint32_t v;

		if (rng->fill(rng, b, sizeof(b)))
			return -1;
		v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		    (uint32_t)b[3] << 24;
		if (space == 0) {
			*y = v;
			return 0;
		}
		/* reject the top partial range so that v % space is uniform */
		if (v < UINT32_MAX - (UINT32_MAX % space)) {
			*y = v % space;
			return 0;
		}
	}
	return -1;
}

int pufproto_read_reference(struct puf_source *puf, const struct pufproto_suite *s, uint32_t y,
                            unsigned readings, uint8_t *z)
{
	uint8_t votes[PUFPROTO_MAX_RESPONSE * 8];
	uint8_t reading[PUFPROTO_MAX_RESPONSE];
	size_t bits = s->response_len * 8;
	int ret = -1;

	if (readings == 0 || readings > 15 || !(readings & 1))
		return -1;
	memset(votes, 0, sizeof(votes));
	for (unsigned r = 0; r < readings; r++) {
		if (puf_read(puf, y, reading, s->read_len))
			goto out;
		for (size_t i = 0; i < bits; i++)
			votes[i] += (reading[i / 8] >> (i % 8)) & 1;
	}
	memset(z, 0, s->response_len);
	for (size_t i = 0; i < bits; i++)
		z[i / 8] |= (uint8_t)((votes[i] > readings / 2) << (i % 8));
	ret = 0;
out:
	secure_wipe(votes, sizeof(votes));
	secure_wipe(reading, sizeof(reading));
	return ret;
}

int pufproto_read_debiased(struct puf_source *puf, const struct pufproto_suite *s,
                           const struct pufproto_device_nv *nv, uint32_t y, struct rng_source *rng,
                           uint8_t *z)
{
	const uint8_t *raw = NULL;

	if (s->map_len && y < pufproto_nv_challenges(nv, s))
		raw = puf_read_raw(puf, (size_t)y * s->raw_block_len, s->raw_block_len);
	return raw ? debias_pp_extract(raw, s->pp_groups, nv->helper + (size_t)y * s->map_len, rng,
	                               z, s->pp_bits)
	           : -1;
}

/* The suite's reading of f(x, y): debiased through the state's case map, or the report's. */
static int read_response(struct puf_source *puf, const struct pufproto_suite *s,
                         const struct pufproto_device_nv *nv, uint32_t y, unsigned readings,
                         struct rng_source *rng, uint8_t *z)
{
#ifdef HWG_DEVICE_DEBIASED_ONLY
	(void)readings;
	return pufproto_read_debiased(puf, s, nv, y, rng, z);
#else
	return s->map_len ? pufproto_read_debiased(puf, s, nv, y, rng, z)
	                  : pufproto_read_reference(puf, s, y, readings, z);
#endif
}

long pufproto_device_begin(struct pufproto_device *d, const struct pufproto_device_config *cfg,
                           const uint8_t *challenge, size_t len, struct rng_source *rng,
                           struct puf_source *puf, uint8_t *out, size_t cap)
{
	struct pufproto_challenge ch;
	struct pufproto_suite s;
	uint8_t z[PUFPROTO_MAX_RESPONSE], z2[PUFPROTO_MAX_RESPONSE], u[PUFPROTO_MAX_RESPONSE];
	uint8_t fe_random[PUFPROTO_MAX_FE_RANDOM], r[PUFPROTO_KEY_LEN];
	uint8_t hd[PUFPROTO_MAX_HELPER], c[PUFPROTO_MAX_CIPHERTEXT];
	uint8_t n_d[PUFPROTO_MAX_NONCE], iv[SIMON_MAX_BLOCK], v1[PUFPROTO_MAX_NONCE];
	uint8_t t[PUFPROTO_MAX_PRF_OUT];
	uint32_t y2, space;
	long ret;
	int err;

	pufproto_device_abort(d);
	if (cfg->reference_readings == 0 || cfg->reference_readings > 15 ||
	    !(cfg->reference_readings & 1))
		return PUFPROTO_DEV_BAD_CONFIG;
	if ((err = pufproto_parse_challenge(challenge, len, &ch)))
		return err;
	if (pufproto_suite_get(d->nv.suite, &s))
		return PUFPROTO_DEV_BAD_STATE;
	if (ch.suite != s.id)
		return PUFPROTO_DEV_WRONG_SUITE;

	/* z' = f(x, y1); (r, hd) = FE.Gen(z') */
	if (read_response(puf, &s, &d->nv, d->nv.challenge, 1, rng, z)) {
		ret = PUFPROTO_DEV_PUF_FAILED;
		goto out;
	}
	/* y2 only among the challenges the state has case maps for */
	space = pufproto_nv_challenges(&d->nv, &s);
	if (cfg->challenge_space != 0 && cfg->challenge_space < space)
		space = cfg->challenge_space;
	if (space == UINT32_MAX)
		space = 0; /* all 2^32 values */
	if (rng->fill(rng, fe_random, s.fe_random_len) || rng->fill(rng, n_d, s.nonce_len) ||
	    rng->fill(rng, iv, s.block_len) || draw_challenge(rng, space, &y2)) {
		ret = PUFPROTO_DEV_RNG_FAILED;
		goto out;
	}
	if (fe_gen(s.fe, z, fe_random, r, hd)) {
		ret = PUFPROTO_DEV_FE_FAILED;
		goto out;
	}
	/* (t1..t5) = PRF(r, n_S || n_D); c = SKE.Enc(sk, hd) */
	pufproto_derive(&s, r, ch.n_s, n_d, t);
	if (ske_encrypt(s.cipher, d->nv.sk, iv, hd, s.helper_len, c, sizeof(c))) {
		ret = PUFPROTO_DEV_FE_FAILED;
		goto out;
	}
	/* z2 = f(x, y2); u = z2 xor t2; v1 = PRF(t3, c || n_D || t1 || u) */
	if (read_response(puf, &s, &d->nv, y2, cfg->reference_readings, rng, z2)) {
		ret = PUFPROTO_DEV_PUF_FAILED;
		goto out;
	}
	for (size_t i = 0; i < s.response_len; i++)
		u[i] = z2[i] ^ t[pufproto_t2_off(&s) + i];
	pufproto_mac(&s, t + pufproto_t3_off(&s), c, n_d, t + pufproto_t1_off(&s), u, v1);

	ret = pufproto_encode_response(&s, ch.session, c, n_d, t + pufproto_t1_off(&s), u, v1, out,
	                               cap);
	if (ret < 0)
		goto out;
	memcpy(d->session, ch.session, PUFPROTO_SESSION_LEN);
	memcpy(d->t4, t + pufproto_t4_off(&s), s.nonce_len);
	d->next.suite = s.id;
	memcpy(d->next.sk, t + pufproto_t5_off(&s), PUFPROTO_KEY_LEN);
	d->next.challenge = y2;
	d->next.helper = d->nv.helper; /* enrolment's case maps: never changed by a run */
	d->next.helper_len = d->nv.helper_len;
	d->pending = 1;
out:
	secure_wipe(z, sizeof(z));
	secure_wipe(z2, sizeof(z2));
	secure_wipe(fe_random, sizeof(fe_random));
	secure_wipe(r, sizeof(r));
	secure_wipe(hd, sizeof(hd));
	secure_wipe(t, sizeof(t));
	return ret;
}

int pufproto_device_finish(struct pufproto_device *d, const uint8_t *msg, size_t len)
{
	struct pufproto_confirm m;
	struct pufproto_suite s;
	int err, ok;

	if (!d->pending || pufproto_suite_get(d->nv.suite, &s))
		return PUFPROTO_DEV_BAD_STATE;
	if ((err = pufproto_parse_confirm(msg, len, s.id, &m)))
		return err;
	if (memcmp(m.session, d->session, PUFPROTO_SESSION_LEN) != 0)
		return PUFPROTO_DEV_WRONG_SESSION;
	ok = ct_equal(m.t4, d->t4, s.nonce_len);
	d->pending = 0;
	secure_wipe(d->t4, sizeof(d->t4));
	if (!ok) {
		secure_wipe(&d->next, sizeof(d->next));
		return PUFPROTO_DEVICE_REJECT;
	}
	d->accepted = 1;
	return PUFPROTO_DEVICE_ACCEPT;
}

int pufproto_device_commit(struct pufproto_device *d, struct pufproto_nv_store *st)
{
	if (!d->accepted)
		return -1;
	if (st->commit(st, &d->next))
		return -1;
	secure_wipe(&d->nv, sizeof(d->nv));
	d->nv = d->next;
	secure_wipe(&d->next, sizeof(d->next));
	d->accepted = 0;
	return 0;
}

void pufproto_device_abort(struct pufproto_device *d)
{
	d->pending = 0;
	d->accepted = 0;
	secure_wipe(d->t4, sizeof(d->t4));
	secure_wipe(&d->next, sizeof(d->next));
	memset(d->session, 0, sizeof(d->session));
}
