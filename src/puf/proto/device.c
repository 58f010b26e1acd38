/* Device state machine: Gen on a fresh reading, PRF, encrypted helper data, the next reference
 * masked by t2, and the MAC v1. */
#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "puf/debias.h"
#include "puf/majority.h"
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

/* Rejection sampling is bounded: the chance of 64 rejections in a row is below 2^-64. */
int pufproto_draw_challenge(struct rng_source *rng, uint32_t space, uint32_t *y)
{
	uint8_t b[4];

	for (int i = 0; i < 64; i++) {
		uint32_t v;

		if (rng->fill(rng, b, sizeof(b)))
			return -1;
		v = load_le32(b);
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

/* The majority of several readings, in its own frame: its vote counters need not sit on the
 * device's stack when it reads once (the MCU case). */
static __attribute__((noinline)) int read_majority(struct puf_source *puf,
                                                   const struct pufproto_suite *s, uint32_t y,
                                                   unsigned readings, uint8_t *z)
{
	uint8_t votes[PUFPROTO_MAX_RESPONSE * 8];
	uint8_t reading[PUFPROTO_MAX_RESPONSE];
	int ret = puf_majority(puf, y, readings, reading, s->read_len, votes);

	if (ret == 0)
		memcpy(z, reading, s->response_len);
	secure_wipe(votes, sizeof(votes));
	secure_wipe(reading, sizeof(reading));
	return ret;
}

int pufproto_read_reference(struct puf_source *puf, const struct pufproto_suite *s, uint32_t y,
                            unsigned readings, uint8_t *z)
{
	uint8_t reading[PUFPROTO_MAX_RESPONSE];
	int ret;

	if (readings == 0 || readings > 15 || !(readings & 1))
		return -1;
	if (readings > 1)
		return read_majority(puf, s, y, readings, z);
	/* one reading is the reference as read; the bytes past response_len (read_len rounds up)
	 * are dropped, as the majority drops them */
	ret = puf_read(puf, y, reading, s->read_len);
	if (ret == 0)
		memcpy(z, reading, s->response_len);
	secure_wipe(reading, sizeof(reading));
	return ret ? -1 : 0;
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

/* The challenges y2 is drawn from: those the state has case maps for, within cfg's space. 0 means
 * all 2^32 values (pufproto_draw_challenge). */
static uint32_t next_space(const struct pufproto_device_nv *nv, const struct pufproto_suite *s,
                           const struct pufproto_device_config *cfg)
{
	uint32_t space = pufproto_nv_challenges(nv, s);

	if (cfg->challenge_space != 0 && cfg->challenge_space < space)
		space = cfg->challenge_space;
	return space == UINT32_MAX ? 0 : space;
}

static int readings_valid(unsigned readings)
{
	return readings != 0 && readings <= 15 && (readings & 1);
}

int pufproto_device_read_ahead(const struct pufproto_device_nv *nv,
                               const struct pufproto_device_config *cfg, struct rng_source *rng,
                               struct puf_source *puf, struct pufproto_readings *r)
{
	struct pufproto_suite s;
	int ret = 0;

	if (pufproto_suite_get(nv->suite, &s))
		return PUFPROTO_DEV_BAD_STATE;
	if (!readings_valid(cfg->reference_readings))
		return PUFPROTO_DEV_BAD_CONFIG;
	r->y1 = nv->challenge;
	if (pufproto_draw_challenge(rng, next_space(nv, &s, cfg), &r->y2))
		ret = PUFPROTO_DEV_RNG_FAILED;
	else if (read_response(puf, &s, nv, r->y1, 1, rng, r->z1) ||
	         read_response(puf, &s, nv, r->y2, cfg->reference_readings, rng, r->z2))
		ret = PUFPROTO_DEV_PUF_FAILED;
	if (ret)
		secure_wipe(r, sizeof(*r));
	return ret;
}

void pufproto_device_use_readings(struct pufproto_device *d, struct pufproto_readings *r)
{
	d->ahead = r;
}

long pufproto_device_begin(struct pufproto_device *d, const struct pufproto_device_config *cfg,
                           const uint8_t *challenge, size_t len, struct rng_source *rng,
                           struct puf_source *puf, uint8_t *out, size_t cap)
{
	struct pufproto_challenge ch;
	struct pufproto_suite s;
	/* Buffers of different steps share memory, so that the deepest call (FE.Gen's extractor,
	 * the SKE) sits on one step's buffers, not on all of them: on a 4 KB device this frame is
	 * most of the stack (firmware/README.md "RAM plan"). x: z' and FE.Gen's randomness until
	 * FE.Gen, then c. y: hd from FE.Gen to SKE.Enc, then u (z2 masked in place) and v1. */
	union {
		struct {
			uint8_t z[PUFPROTO_MAX_RESPONSE];
			uint8_t fe_random[PUFPROTO_MAX_FE_RANDOM];
		} gen;
		uint8_t c[PUFPROTO_MAX_CIPHERTEXT];
	} x;
	union {
		uint8_t hd[PUFPROTO_MAX_HELPER];
		struct {
			uint8_t u[PUFPROTO_MAX_RESPONSE];
			uint8_t v1[PUFPROTO_MAX_NONCE];
		} mac;
	} y;
	uint8_t r[PUFPROTO_KEY_LEN], n_d[PUFPROTO_MAX_NONCE], iv[SIMON_MAX_BLOCK];
	uint8_t t[PUFPROTO_MAX_PRF_OUT];
	struct pufproto_readings *ahead = d->ahead;
	uint32_t y2 = 0; /* from ahead or drawn below; gcc -O3 cannot see that */
	long ret;
	int err;

	pufproto_device_abort(d);
	if (!readings_valid(cfg->reference_readings))
		return PUFPROTO_DEV_BAD_CONFIG;
	if ((err = pufproto_parse_challenge(challenge, len, &ch)))
		return err;
	if (pufproto_suite_get(d->nv.suite, &s))
		return PUFPROTO_DEV_BAD_STATE;
	if (ch.suite != s.id)
		return PUFPROTO_DEV_WRONG_SUITE;

	/* z' = f(x, y1), read now or at power-up; (r, hd) = FE.Gen(z') */
	if (ahead) {
		if (ahead->y1 != d->nv.challenge) {
			ret = PUFPROTO_DEV_BAD_CONFIG;
			goto out;
		}
		memcpy(x.gen.z, ahead->z1, s.response_len);
		y2 = ahead->y2;
	} else if (read_response(puf, &s, &d->nv, d->nv.challenge, 1, rng, x.gen.z)) {
		ret = PUFPROTO_DEV_PUF_FAILED;
		goto out;
	}
	if (rng->fill(rng, x.gen.fe_random, s.fe_random_len) || rng->fill(rng, n_d, s.nonce_len) ||
	    rng->fill(rng, iv, s.block_len) ||
	    (!ahead && pufproto_draw_challenge(rng, next_space(&d->nv, &s, cfg), &y2))) {
		ret = PUFPROTO_DEV_RNG_FAILED;
		goto out;
	}
	if (fe_gen(s.fe, x.gen.z, x.gen.fe_random, r, y.hd)) {
		ret = PUFPROTO_DEV_FE_FAILED;
		goto out;
	}
	secure_wipe(&x.gen, sizeof(x.gen));
	/* (t1..t5) = PRF(r, n_S || n_D); c = SKE.Enc(sk, hd) */
	pufproto_derive(&s, r, ch.n_s, n_d, t);
	if (ske_encrypt(s.cipher, d->nv.sk, iv, y.hd, s.helper_len, x.c, sizeof(x.c))) {
		ret = PUFPROTO_DEV_FE_FAILED;
		goto out;
	}
	secure_wipe(y.hd, sizeof(y.hd));
	/* z2 = f(x, y2); u = z2 xor t2; v1 = PRF(t3, c || n_D || t1 || u) */
	if (ahead)
		memcpy(y.mac.u, ahead->z2, s.response_len);
	else if (read_response(puf, &s, &d->nv, y2, cfg->reference_readings, rng, y.mac.u)) {
		ret = PUFPROTO_DEV_PUF_FAILED;
		goto out;
	}
	for (size_t i = 0; i < s.response_len; i++)
		y.mac.u[i] ^= t[pufproto_t2_off(&s) + i];
	pufproto_mac(&s, t + pufproto_t3_off(&s), x.c, n_d, t + pufproto_t1_off(&s), y.mac.u,
	             y.mac.v1);

	ret = pufproto_encode_response(&s, ch.session, x.c, n_d, t + pufproto_t1_off(&s), y.mac.u,
	                               y.mac.v1, out, cap);
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
	secure_wipe(&x, sizeof(x));
	secure_wipe(&y, sizeof(y));
	secure_wipe(r, sizeof(r));
	secure_wipe(t, sizeof(t));
	if (ahead) /* one run's readings: a second begin() must not reuse them */
		secure_wipe(ahead, sizeof(*ahead));
	d->ahead = NULL;
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
