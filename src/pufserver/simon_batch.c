/* SIMON key schedule + one-block decryption over many keys: lane kernels and their run-time choice.
 */
#include <stdatomic.h>
#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "pufserver/simon_batch.h"

/* The designers' z2 and z3 sequences, bit i = the i-th digit as printed (ePrint 2013/404). */
#define Z2 0x3369f885192c0ef5ULL
#define Z3 0x3c2ce51207a635dbULL

/* Round key i = k[i - m] ^ tmp ^ c_i: the paper's ~k ^ z ^ 3 with the complement folded in. */
static uint64_t round_const64(unsigned i)
{
	return ~(uint64_t)3 ^ ((Z2 >> ((i - 2) % 62)) & 1);
}

static uint32_t round_const32(unsigned i)
{
	return ~(uint32_t)3 ^ (uint32_t)((Z3 >> ((i - 4) % 62)) & 1);
}

#ifndef SB_G_SCALAR
#define SB_G_SCALAR 4
#endif
#ifndef SB_G_VEC
#define SB_G_VEC 4
#endif
/* AVX-512 gains more from four chains once several requests share the round keys (the decryption
 * then dominates), and from two on a single request: both are built, and the batch size picks. */
#ifndef SB_G_AVX512
#define SB_G_AVX512 2
#endif

#define SB_NAME(x) x##_scalar
#define SB_ATTR
#define SB_VECTOR 0
#define SB_G      SB_G_SCALAR
#include "pufserver/simon_batch_kernel.h"

/* A group of full lanes is loaded as whole vectors and split into key words with shuffles (the
 * index lists below: even and odd elements); other groups, and big-endian hosts, gather lane by
 * lane. */
#if (defined(__clang__) || __GNUC__ >= 12) && defined(__BYTE_ORDER__) &&                           \
        __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SB_SHUFFLE 1
#else
#define SB_SHUFFLE 0
#endif

#define SB_NAME(x) x##_vec128
#define SB_ATTR
#define SB_VECTOR 1
#define SB_G      SB_G_VEC
#define SB_L64    2
#define SB_L32    4
#define SB_EVEN64 0, 2
#define SB_ODD64  1, 3
#define SB_EVEN32 0, 2, 4, 6
#define SB_ODD32  1, 3, 5, 7
#include "pufserver/simon_batch_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_X86_KERNELS 1

/* 256-bit and 512-bit lanes */
#define SB_EVEN_8  0, 2, 4, 6, 8, 10, 12, 14
#define SB_ODD_8   1, 3, 5, 7, 9, 11, 13, 15
#define SB_EVEN_16 SB_EVEN_8, 16, 18, 20, 22, 24, 26, 28, 30
#define SB_ODD_16  SB_ODD_8, 17, 19, 21, 23, 25, 27, 29, 31

#define SB_NAME(x) x##_avx2
#define SB_ATTR    __attribute__((target("avx2")))
#define SB_VECTOR  1
#define SB_G       SB_G_VEC
#define SB_L64     4
#define SB_L32     8
#define SB_EVEN64  0, 2, 4, 6
#define SB_ODD64   1, 3, 5, 7
#define SB_EVEN32  SB_EVEN_8
#define SB_ODD32   SB_ODD_8
#include "pufserver/simon_batch_kernel.h"

#define SB_NAME(x) x##_avx512
#define SB_ATTR    __attribute__((target("avx512f")))
#define SB_VECTOR  1
#define SB_G       SB_G_AVX512
#define SB_L64     8
#define SB_L32     16
#define SB_EVEN64  SB_EVEN_8
#define SB_ODD64   SB_ODD_8
#define SB_EVEN32  SB_EVEN_16
#define SB_ODD32   SB_ODD_16
#include "pufserver/simon_batch_kernel.h"

/* the same with four chains (the batch size picks, above) */
#define SB_NAME(x) x##_avx512w
#define SB_ATTR    __attribute__((target("avx512f")))
#define SB_VECTOR  1
#define SB_G       4
#define SB_L64     8
#define SB_L32     16
#define SB_EVEN64  SB_EVEN_8
#define SB_ODD64   SB_ODD_8
#define SB_EVEN32  SB_EVEN_16
#define SB_ODD32   SB_ODD_16
#include "pufserver/simon_batch_kernel.h"
#else
#define HAVE_X86_KERNELS 0
#endif

typedef void (*kernel_fn)(const uint8_t *keys, size_t n, const struct simon_batch_query *q,
                          unsigned nq, uint32_t *pass);

struct kernel {
	const char *name;
	kernel_fn k128, k64;
	kernel_fn k128_batch, k64_batch; /* for two requests or more */
};

static const struct kernel kernels[SIMON_BATCH_IMPLS] = {
        [SIMON_BATCH_SCALAR] = {"scalar", filter_128_scalar, filter_64_scalar, filter_128_scalar,
                                filter_64_scalar},
        [SIMON_BATCH_VEC128] = {"vec128", filter_128_vec128, filter_64_vec128, filter_128_vec128,
                                filter_64_vec128},
#if HAVE_X86_KERNELS
        [SIMON_BATCH_AVX2] = {"avx2", filter_128_avx2, filter_64_avx2, filter_128_avx2,
                              filter_64_avx2},
        [SIMON_BATCH_AVX512] = {"avx512", filter_128_avx512, filter_64_avx512, filter_128_avx512w,
                                filter_64_avx512w},
#else
        [SIMON_BATCH_AVX2] = {"avx2", NULL, NULL, NULL, NULL},
        [SIMON_BATCH_AVX512] = {"avx512", NULL, NULL, NULL, NULL},
#endif
};

/* -1: not chosen yet (the first filter call picks the fastest) */
static atomic_int chosen = -1;

int simon_batch_supported(enum simon_batch_impl impl)
{
	if ((unsigned)impl >= SIMON_BATCH_IMPLS || !kernels[impl].k128)
		return 0;
#if HAVE_X86_KERNELS
	__builtin_cpu_init();
	if (impl == SIMON_BATCH_AVX2)
		return __builtin_cpu_supports("avx2") != 0;
	if (impl == SIMON_BATCH_AVX512)
		return __builtin_cpu_supports("avx512f") != 0;
#endif
	return 1;
}

const char *simon_batch_name(enum simon_batch_impl impl)
{
	return (unsigned)impl < SIMON_BATCH_IMPLS ? kernels[impl].name : "?";
}

static enum simon_batch_impl fastest(void)
{
	for (int i = SIMON_BATCH_IMPLS - 1; i > 0; i--)
		if (simon_batch_supported((enum simon_batch_impl)i))
			return (enum simon_batch_impl)i;
	return SIMON_BATCH_SCALAR;
}

int simon_batch_use(const char *name)
{
	if (!strcmp(name, "auto")) {
		atomic_store(&chosen, (int)fastest());
		return 0;
	}
	for (int i = 0; i < SIMON_BATCH_IMPLS; i++) {
		if (!strcmp(name, kernels[i].name)) {
			if (!simon_batch_supported((enum simon_batch_impl)i))
				return -1;
			atomic_store(&chosen, i);
			return 0;
		}
	}
	return -1;
}

enum simon_batch_impl simon_batch_current(void)
{
	int c = atomic_load(&chosen);

	if (c < 0) {
		c = (int)fastest();
		atomic_store(&chosen, c);
	}
	return (enum simon_batch_impl)c;
}

/* Cipher words are little-endian (the NSA Implementation Guide's byte order, simon.h). */
static void split_words(enum simon_variant v, const uint8_t *b, uint64_t w[2])
{
	if (simon_block_len(v) == 16) {
		w[0] = load_le64(b);
		w[1] = load_le64(b + 8);
	} else {
		w[0] = load_le32(b);
		w[1] = load_le32(b + 4);
	}
}

void simon_batch_query_init(struct simon_batch_query *q, enum simon_variant v, const uint8_t *block,
                            const uint8_t *want, const uint8_t *mask)
{
	split_words(v, block, q->in);
	split_words(v, want, q->want);
	split_words(v, mask, q->mask);
}

static int run(enum simon_batch_impl impl, enum simon_variant v, const uint8_t *keys, size_t n,
               const struct simon_batch_query *q, unsigned nq, uint32_t *pass)
{
	if (nq == 0 || nq > SIMON_BATCH_MAX_QUERIES || (v != SIMON_128_128 && v != SIMON_64_128))
		return -1;
	memset(pass, 0, n * sizeof(*pass));
	if (v == SIMON_128_128)
		(nq > 1 ? kernels[impl].k128_batch : kernels[impl].k128)(keys, n, q, nq, pass);
	else
		(nq > 1 ? kernels[impl].k64_batch : kernels[impl].k64)(keys, n, q, nq, pass);
	return 0;
}

int simon_batch_filter_with(enum simon_batch_impl impl, enum simon_variant v, const uint8_t *keys,
                            size_t n, const struct simon_batch_query *q, unsigned nq,
                            uint32_t *pass)
{
	if (!simon_batch_supported(impl))
		return -1;
	return run(impl, v, keys, n, q, nq, pass);
}

int simon_batch_filter(enum simon_variant v, const uint8_t *keys, size_t n,
                       const struct simon_batch_query *q, unsigned nq, uint32_t *pass)
{
	return run(simon_batch_current(), v, keys, n, q, nq, pass);
}
