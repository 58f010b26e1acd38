/* Server side of the PUF authentication protocol v1: what the server knows about padding, the
 * per-candidate full test and the reply (shared/specs/puf-auth-protocol.md §6 step 3). The one
 * search that uses them is src/pufserver/search.c. Portable C, no malloc, no OS.
 *
 * Per-candidate cost is what limits the search, so the test runs in two stages
 * (docs/pufauth-protocol.md §5):
 *   quick: SIMON key schedule of sk_i and ONE block decryption — the last CBC block, whose padding
 *          bytes are fixed for the suite's helper-data length. A wrong key yields random padding,
 *          so all but ~2^-(8 * padding bytes) of the wrong candidates stop here. The server runs it
 *          over many keys at once (src/pufserver/simon_batch.h) with the pattern learnt here;
 *   full:  decrypt all of c, FE.Rec(z_i, hd), PRF, compare t1 and v1 in constant time. */
#ifndef HWG_PUF_PROTO_SERVER_CORE_H
#define HWG_PUF_PROTO_SERVER_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"
#include "puf/proto/wire.h"
#include "puf/puf.h"

/* The padding pattern of the last plaintext block for the suite's helper-data length, learnt from
 * the SKE itself (so it follows whatever padding the SKE defines). */
struct pufproto_prefilter {
	uint8_t usable;                 /* 0: the SKE's layout is not IV || CBC(hd || padding) */
	uint8_t mask[SIMON_MAX_BLOCK];  /* 0xff where the last block holds padding */
	uint8_t value[SIMON_MAX_BLOCK]; /* the padding bytes there */
	uint8_t pad_bytes; /* padding bytes checked: the filter passes 2^-(8 pad_bytes) */
};

/* Returns 0 (f filled; f->usable says whether the quick stage can be used), or -1. */
int pufproto_prefilter_init(const struct pufproto_suite *s, struct pufproto_prefilter *f);

/* What a match yields: the reply tag and the new (key, reference) row. */
struct pufproto_match {
	uint8_t t4[PUFPROTO_MAX_NONCE];
	uint8_t next_sk[PUFPROTO_KEY_LEN];
	uint8_t z_new[PUFPROTO_MAX_RESPONSE];
};

/* Full stage: 1 when (sk, z) is the device that produced m for challenge n_s (out filled), else 0.
 * n_s is the full PUFPROTO_CHALLENGE_LEN challenge as sent. */
int pufproto_candidate_full(const struct pufproto_suite *s, const struct pufproto_prefilter *f,
                            const uint8_t *sk, const uint8_t *z, const uint8_t *n_s,
                            const struct pufproto_response *m, struct pufproto_match *out);

#define PUFPROTO_SERVER_RNG_FAILED (-31)

/* Encodes the CONFIRM for a search outcome: t4 of match, or random bytes of the same length when
 * match is NULL, so that success and failure look alike on the wire. Returns length or < 0. */
long pufproto_server_reply(const struct pufproto_response *m, const struct pufproto_match *match,
                           struct rng_source *rng, uint8_t *out, size_t cap);

#endif
