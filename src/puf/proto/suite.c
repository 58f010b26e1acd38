/* Suite parameters and the two PRF uses shared by device and server. */
#include <string.h>

#include "crypto/portable/secure.h"
#include "crypto/portable/simon_modes.h"
#include "puf/debias.h"
#include "puf/proto/suite.h"

/* debiased-128: 400 groups of four words (6,400 raw bytes) per challenge yield 650 bits on average
 * on the calibrated prototype SRAM (1.625 per group, standard deviation 0.70), so the 567 bits of
 * nine BCH blocks are short with probability ~1e-9 (docs/puf.md §9.4); enrolment checks it. */
#define DEBIASED_GROUPS 400

static const struct {
	uint8_t id;
	const char *name;
} suite_names[] = {
        {PUFPROTO_SUITE_DEBIASED_128, "debiased-128"},
        {PUFPROTO_SUITE_128, "report-128"},
        {PUFPROTO_SUITE_64, "report-64"},
};

const char *pufproto_suite_name(uint8_t id)
{
	for (size_t i = 0; i < sizeof(suite_names) / sizeof(suite_names[0]); i++)
		if (suite_names[i].id == id)
			return suite_names[i].name;
	return NULL;
}

uint8_t pufproto_suite_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(suite_names) / sizeof(suite_names[0]); i++)
		if (!strcmp(suite_names[i].name, name))
			return suite_names[i].id;
	return 0;
}

int pufproto_suite_leaks(uint8_t id)
{
	return id == PUFPROTO_SUITE_128 || id == PUFPROTO_SUITE_64;
}

int pufproto_suite_get(uint8_t id, struct pufproto_suite *s)
{
	memset(s, 0, sizeof(*s));
	switch (id) {
#ifndef HWG_DEVICE_DEBIASED_ONLY
	case PUFPROTO_SUITE_128:
		s->security_bits = 128;
		s->cipher = SIMON_128_128;
		s->fe = &FE_PARAMS_128;
		break;
	case PUFPROTO_SUITE_64:
		s->security_bits = 64;
		s->cipher = SIMON_64_128;
		s->fe = &FE_PARAMS_64;
		break;
#endif
	case PUFPROTO_SUITE_DEBIASED_128:
		s->security_bits = 128;
		s->cipher = SIMON_128_128;
		s->fe = &FE_PARAMS_128_DEBIASED;
		s->pp_groups = DEBIASED_GROUPS;
		s->raw_block_len = DEBIASED_GROUPS * DEBIAS_PP_GROUP_BYTES;
		s->map_len = debias_pp_map_len(DEBIASED_GROUPS);
		s->pp_bits = (size_t)s->fe->blocks * 63;
		break;
	default:
		return -1;
	}
	s->id = id;
	s->nonce_len = s->security_bits / 8;
	s->response_len = fe_response_len(s->fe);
	s->read_len = s->response_len + (s->response_len & 1);
	s->helper_len = fe_helper_len(s->fe);
	s->fe_key_len = fe_key_len(s->fe);
	s->fe_random_len = fe_gen_random_len(s->fe);
	s->block_len = simon_block_len(s->cipher);
	s->ciphertext_len = ske_ciphertext_len(s->cipher, s->helper_len);
	/* t1 (λ) || t2 (response) || t3 (key) || t4 (λ) || t5 (key) */
	s->prf_out_len = 2 * s->nonce_len + s->response_len + 2 * PUFPROTO_KEY_LEN;
	if (s->response_len == 0 || s->read_len > PUFPROTO_MAX_RESPONSE || s->helper_len == 0 ||
	    s->helper_len > PUFPROTO_MAX_HELPER || s->ciphertext_len > PUFPROTO_MAX_CIPHERTEXT ||
	    s->ciphertext_len < s->helper_len + s->block_len ||
	    s->fe_random_len > PUFPROTO_MAX_FE_RANDOM || s->fe_key_len > PUFPROTO_KEY_LEN ||
	    s->fe_key_len == 0 || s->prf_out_len > PUFPROTO_MAX_PRF_OUT)
		return -1;
	return 0;
}

uint32_t pufproto_suite_challenges(const struct pufproto_suite *s, size_t raw_bytes)
{
	size_t n = raw_bytes / (s->map_len ? s->raw_block_len : 2 * s->read_len);

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

size_t pufproto_t1_off(const struct pufproto_suite *s)
{
	(void)s;
	return 0;
}

size_t pufproto_t2_off(const struct pufproto_suite *s)
{
	return s->nonce_len;
}

size_t pufproto_t3_off(const struct pufproto_suite *s)
{
	return s->nonce_len + s->response_len;
}

size_t pufproto_t4_off(const struct pufproto_suite *s)
{
	return pufproto_t3_off(s) + PUFPROTO_KEY_LEN;
}

size_t pufproto_t5_off(const struct pufproto_suite *s)
{
	return pufproto_t4_off(s) + s->nonce_len;
}

void pufproto_derive(const struct pufproto_suite *s, const uint8_t *r, const uint8_t *n_s,
                     const uint8_t *n_d, uint8_t *t)
{
	uint8_t key[PUFPROTO_KEY_LEN] = {0};
	uint8_t in[2 * PUFPROTO_MAX_NONCE];

	memcpy(key, r, s->fe_key_len);
	memcpy(in, n_s, s->nonce_len);
	memcpy(in + s->nonce_len, n_d, s->nonce_len);
	simon_prf(s->cipher, key, in, 2 * s->nonce_len, t, s->prf_out_len);
	secure_wipe(key, sizeof(key));
}

void pufproto_mac(const struct pufproto_suite *s, const uint8_t *t3, const uint8_t *c,
                  const uint8_t *n_d, const uint8_t *t1, const uint8_t *u, uint8_t *v1)
{
	/* absorbed in place: a joined copy would cost a device ~0.5 KB of stack */
	const struct simon_prf_part in[] = {{c, s->ciphertext_len},
	                                    {n_d, s->nonce_len},
	                                    {t1, s->nonce_len},
	                                    {u, s->response_len}};
	simon_prf_parts(s->cipher, t3, in, sizeof(in) / sizeof(in[0]), v1, s->nonce_len);
}
