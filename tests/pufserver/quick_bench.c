/* Driver for bench/pufauth-quick.sh: the quick stage's cost per candidate key, in thread CPU time
 * (which, unlike wall time, hardly depends on what else a shared machine runs), for the general
 * SIMON of crypto/portable/simon.c one key at a time (the peer: what the quick stage costs without
 * lanes) and for every lane kernel this CPU runs, with 1 and 8 requests per scan. Prints one line
 * per measurement and the ratios to the peer. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/portable/secure.h"
#include "crypto/portable/simon.h"
#include "puf/xoshiro.h"
#include "pufserver/simon_batch.h"
#include "support/test_rng.h"

#define KEYS  (1 << 16)
#define CHUNK 512

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The peer: key schedule, one block decryption and the padding compare, one key at a time. */
static double general_ns(enum simon_variant v, const uint8_t *keys, const uint8_t *block,
                         const uint8_t *mask)
{
	double best = 1e9;
	size_t b = simon_block_len(v), passed = 0;

	for (int rep = 0; rep < 3; rep++) {
		double t0 = cpu_s();

		for (size_t i = 0; i < KEYS; i++) {
			struct simon_ctx ctx;
			uint8_t out[SIMON_MAX_BLOCK], d = 0;

			simon_init(&ctx, v, keys + i * 16);
			simon_decrypt_block(&ctx, out, block);
			for (size_t j = 0; j < b; j++)
				d |= (uint8_t)(out[j] & mask[j]);
			passed += d == 0;
		}
		if (cpu_s() - t0 < best)
			best = cpu_s() - t0;
	}
	return passed > KEYS ? 0 : best / KEYS * 1e9;
}

static double kernel_ns(enum simon_batch_impl impl, enum simon_variant v, const uint8_t *keys,
                        const struct simon_batch_query *q, unsigned nq)
{
	static uint32_t pass[CHUNK];
	double best = 1e9;

	for (int rep = 0; rep < 3; rep++) {
		double t0 = cpu_s();

		for (size_t i = 0; i < KEYS; i += CHUNK)
			simon_batch_filter_with(impl, v, keys + i * 16, CHUNK, q, nq, pass);
		if (cpu_s() - t0 < best)
			best = cpu_s() - t0;
	}
	return best / KEYS * 1e9;
}

int main(void)
{
	uint8_t *keys = malloc((size_t)KEYS * 16), block[16], zero[16] = {0}, mask[16] = {0};
	struct simon_batch_query q[8];
	struct xoshiro x;

	if (!keys)
		return 1;
	xoshiro_seed(&x, 5);
	for (size_t i = 0; i < (size_t)KEYS * 16; i += 8) {
		uint64_t r = xoshiro_next(&x);

		memcpy(keys + i, &r, 8);
	}
	for (int v = 0; v < 2; v++) {
		enum simon_variant var = v ? SIMON_64_128 : SIMON_128_128;
		size_t b = simon_block_len(var);
		double peer;

		/* the suite's padding check: the last 2 bytes at lambda = 128, the block at 64 */
		memset(mask, 0, sizeof(mask));
		memset(mask + (v ? 0 : 14), 0xff, v ? 8 : 2);
		for (unsigned k = 0; k < 8; k++) {
			test_rng_bytes(&x, block, b);
			simon_batch_query_init(&q[k], var, block, zero, mask);
		}
		peer = general_ns(var, keys, block, mask);
		printf("%s general SIMON, one key at a time: %.1f ns per candidate\n",
		       v ? "SIMON-64/128 " : "SIMON-128/128", peer);
		for (int impl = 0; impl < SIMON_BATCH_IMPLS; impl++) {
			double one, eight;

			if (!simon_batch_supported((enum simon_batch_impl)impl))
				continue;
			one = kernel_ns((enum simon_batch_impl)impl, var, keys, q, 1);
			eight = kernel_ns((enum simon_batch_impl)impl, var, keys, q, 8) / 8;
			printf("%s %-7s 1 request: %6.1f ns per candidate (%4.1fx)   8 requests: "
			       "%6.1f "
			       "ns per candidate per request (%4.1fx)\n",
			       v ? "SIMON-64/128 " : "SIMON-128/128",
			       simon_batch_name((enum simon_batch_impl)impl), one, peer / one,
			       eight, peer / eight);
		}
	}
	secure_wipe(keys, (size_t)KEYS * 16);
	free(keys);
	return 0;
}
