/* Security suites of the PUF authentication protocol v1 (shared/specs/puf-auth-protocol.md §6):
 * λ = 128 uses SIMON-128/128, λ = 64 uses SIMON-64/128; every key is 128 bits, nonces and tags are
 * λ bits. All sizes of one run follow from the suite, so the wire format can insist on them
 * exactly. The suite byte travels in every message header and in the device state, so a server
 * serves every suite it knows and each device speaks the one it was enrolled with.
 *
 *   3 "debiased-128" (default for new enrolments): word-polarity Peres debiasing (puf/debias.h)
 *     over 6,400 raw SRAM bytes per challenge, then one code-offset layer of 9 BCH(63,16) blocks.
 *     The helper data and the device's public case map leave >= 144 bits of min-entropy in r
 *     (docs/puf.md §9).
 *   1 "report-128", 2 "report-64": the report's two interleaved layers, kept for comparison.
 *     They LEAK: the helper data alone determines r up to 2^16 guesses (docs/puf.md §6), so an
 *     attacker who reads the device's memory (sk) and records one run recovers r.
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_PROTO_SUITE_H
#define HWG_PUF_PROTO_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/portable/simon.h"
#include "puf/fe.h"

enum pufproto_suite_id {
	PUFPROTO_SUITE_128 = 1,          /* report-128: report-compatible, LEAKS */
	PUFPROTO_SUITE_64 = 2,           /* report-64: report-compatible, LEAKS */
	PUFPROTO_SUITE_DEBIASED_128 = 3, /* debiased-128 */
};

/* What `pufauth enroll` uses unless told otherwise. */
#define PUFPROTO_SUITE_DEFAULT PUFPROTO_SUITE_DEBIASED_128

/* Static buffers are sized by these bounds; pufproto_suite_get() refuses a suite that exceeds them.
 */
#define PUFPROTO_KEY_LEN        16 /* sk, t3, t5: always 128 bits */
#define PUFPROTO_CHALLENGE_LEN  16 /* n_S on the wire; a λ = 64 run uses its first 8 bytes */
#define PUFPROTO_SESSION_LEN    8
#define PUFPROTO_MAX_NONCE      16
#define PUFPROTO_MAX_RESPONSE   72 /* fe_response_len(): 71 bytes for debiased-128 */
#define PUFPROTO_MAX_HELPER     320
#define PUFPROTO_MAX_CIPHERTEXT (PUFPROTO_MAX_HELPER + 3 * SIMON_MAX_BLOCK)
#define PUFPROTO_MAX_FE_RANDOM  128
#define PUFPROTO_MAX_PRF_OUT    (3 * PUFPROTO_MAX_NONCE + PUFPROTO_MAX_RESPONSE + 2 * PUFPROTO_KEY_LEN)

struct pufproto_suite {
	uint8_t id;                 /* enum pufproto_suite_id */
	uint16_t security_bits;     /* λ */
	enum simon_variant cipher;  /* SKE and PRF */
	const struct fe_params *fe; /* fuzzy extractor parameters */
	size_t nonce_len;           /* n_D, t1, t4, v1: λ / 8 */
	size_t response_len;        /* z, u, t2 */
	size_t read_len;            /* bytes asked of the PUF: response_len rounded up to even, as
	                             * the SRAM sources' XOR-of-halves processing needs */
	size_t helper_len;          /* hd */
	size_t ciphertext_len;      /* c = IV || SIMON-CBC(hd) */
	size_t fe_key_len;          /* r */
	size_t fe_random_len;       /* randomness FE.Gen consumes */
	size_t block_len;           /* cipher block: 16 or 8 */
	size_t prf_out_len;         /* t1 || t2 || t3 || t4 || t5 */
	/* Debiased suites read the response through puf/debias.h: raw_block_len raw bytes per
	 * challenge (challenge y starts at y * raw_block_len), pp_groups groups of 4 words, and the
	 * device's public case map of map_len bytes per challenge in non-volatile memory. All 0 for
	 * the report's suites, whose response is the XOR of halves of 2 * read_len raw bytes. */
	size_t raw_block_len;
	size_t pp_groups;
	size_t map_len;
	size_t pp_bits; /* debiased: response bits, blocks x 63 (the top bit of z's last byte is 0)
	                 */
};

/* Fills *s for a suite id. Returns 0, or -1 for an unknown id or a building block whose sizes
 * exceed the PUFPROTO_MAX_* bounds. A device image built with HWG_DEVICE_DEBIASED_ONLY (puf/fe.h)
 * knows only the debiased suites: its report-suite code is left out. */
int pufproto_suite_get(uint8_t id, struct pufproto_suite *s);

/* The suite's name ("debiased-128", "report-128", "report-64"), or NULL for an unknown id. */
const char *pufproto_suite_name(uint8_t id);
/* The id for a name, or 0 when no suite has that name. */
uint8_t pufproto_suite_by_name(const char *name);
/* 1 for the report-compatible suites, whose helper data leaks the key (docs/puf.md §6). */
int pufproto_suite_leaks(uint8_t id);

/* Challenges that raw_bytes of power-up SRAM hold for the suite: raw_block_len bytes each for a
 * debiased suite, 2 * read_len (XOR of halves) for the report's. */
uint32_t pufproto_suite_challenges(const struct pufproto_suite *s, size_t raw_bytes);

/* Offsets of t1..t5 inside the PRF output. */
size_t pufproto_t1_off(const struct pufproto_suite *s);
size_t pufproto_t2_off(const struct pufproto_suite *s);
size_t pufproto_t3_off(const struct pufproto_suite *s);
size_t pufproto_t4_off(const struct pufproto_suite *s);
size_t pufproto_t5_off(const struct pufproto_suite *s);

/* (t1..t5) = PRF(r, n_S || n_D). The PRF key is 128 bits; at λ = 64 the 64-bit r is zero-extended
 * (the key's entropy is r's either way; docs/pufauth-protocol.md [D3]). */
void pufproto_derive(const struct pufproto_suite *s, const uint8_t *r, const uint8_t *n_s,
                     const uint8_t *n_d, uint8_t *t);

/* v1 = PRF(t3, c || n_D || t1 || u), nonce_len bytes. */
void pufproto_mac(const struct pufproto_suite *s, const uint8_t *t3, const uint8_t *c,
                  const uint8_t *n_d, const uint8_t *t1, const uint8_t *u, uint8_t *v1);

#endif
