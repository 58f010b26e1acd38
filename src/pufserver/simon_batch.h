/* The server's quick stage (docs/pufauth-protocol.md §5) over many keys at once: for every key, the
 * SIMON key schedule and the decryption of one ciphertext block, then a masked comparison of the
 * plaintext with an expected pattern (the SKE padding). Keys sit side by side in SIMD lanes (one
 * candidate per lane), and the round keys of a group of lanes serve every query of the batch, so a
 * scan shared by Q requests pays the key schedule once per candidate instead of Q times.
 *
 * For the variants with 128-bit keys, SIMON-128/128 and SIMON-64/128 (the protocol's suites). The
 * kernel is chosen at run time:
 * AVX-512 (8 or 16 lanes), AVX2 (4 or 8), 128-bit vectors (SSE2 on x86-64, NEON elsewhere) or plain
 * C (one key at a time, portable to anything). Every kernel gives the same answer; the tests check
 * them against the designers' vectors and crypto/portable/simon.c on random inputs.
 *
 * Constant time in the keys: no table look-ups, no data-dependent branches; the work depends only
 * on the number of keys and queries. The round keys are wiped before returning. */
#ifndef HWG_PUFSERVER_SIMON_BATCH_H
#define HWG_PUFSERVER_SIMON_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/portable/simon.h"

/* Queries one pass can answer (pass[] holds one bit per query). */
#define SIMON_BATCH_MAX_QUERIES 32

/* One ciphertext block and the plaintext pattern a right key must produce, as cipher words (word 0
 * is y, the block's first half; 32-bit variants use the low halves). */
struct simon_batch_query {
	uint64_t in[2];
	uint64_t want[2];
	uint64_t mask[2];
};

enum simon_batch_impl {
	SIMON_BATCH_SCALAR, /* plain C, one key at a time */
	SIMON_BATCH_VEC128, /* 128-bit vectors: SSE2 on x86-64 */
	SIMON_BATCH_AVX2,
	SIMON_BATCH_AVX512,
	SIMON_BATCH_IMPLS
};

/* Fills q: decrypting block (the variant's block length) must give bytes equal to want wherever
 * mask has 0xff. */
void simon_batch_query_init(struct simon_batch_query *q, enum simon_variant v, const uint8_t *block,
                            const uint8_t *want, const uint8_t *mask);

/* For each of the n keys (16 bytes each, back to back), sets bit j of pass[i] when key i decrypts
 * query j's block to its pattern, and clears the other bits. nq is 1..SIMON_BATCH_MAX_QUERIES.
 * Uses the kernel chosen by simon_batch_use() (by default the fastest this CPU runs). Returns 0, or
 * -1 for another variant or a bad nq (pass untouched). */
int simon_batch_filter(enum simon_variant v, const uint8_t *keys, size_t n,
                       const struct simon_batch_query *q, unsigned nq, uint32_t *pass);

/* The same with a given kernel (tests, benchmarks); also -1 when this CPU cannot run it. */
int simon_batch_filter_with(enum simon_batch_impl impl, enum simon_variant v, const uint8_t *keys,
                            size_t n, const struct simon_batch_query *q, unsigned nq,
                            uint32_t *pass);

/* 1 when this CPU (and this build) can run impl. */
int simon_batch_supported(enum simon_batch_impl impl);

/* "scalar", "vec128", "avx2", "avx512". */
const char *simon_batch_name(enum simon_batch_impl impl);

/* Chooses the kernel for simon_batch_filter by name ("auto": the fastest supported). Call before
 * any search starts. Returns 0, or -1 (unknown or unsupported here; the choice is unchanged). */
int simon_batch_use(const char *name);

/* The kernel simon_batch_filter uses. */
enum simon_batch_impl simon_batch_current(void);

#endif
