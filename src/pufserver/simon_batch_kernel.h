/* The lane kernels of simon_batch.c, written once and compiled once per instruction set: this file
 * is included several times, each time with
 *   SB_NAME(x)  the kernel's name suffix (x ## _avx2, ...),
 *   SB_ATTR     its function attribute (a target instruction set, or nothing),
 *   SB_VECTOR   1 for GCC/Clang vector types of SB_L64 64-bit and SB_L32 32-bit lanes, 0 for plain
 *               integers (one lane),
 *   SB_G        how many vectors run side by side: SIMON's rounds form one long dependency chain,
 *               so a single vector leaves the core waiting on latency; G independent chains fill
 *               its pipelines,
 *   SB_EVEN64, SB_ODD64, SB_EVEN32, SB_ODD32  shuffle index lists (vectors only).
 * It undefines all of them at its end. Rotations are written as shift pairs: compilers turn them
 * into rotate instructions where the target has them (scalar x86, AVX-512). Not a header of its
 * own: no include guard on purpose. */

/* The G side-by-side chains must live in registers, which compilers do not guarantee for arrays
 * indexed in a loop: the state of chain g is the variables y<g>, x<g>, and SB_FOR_G(X) writes X(0)
 * .. X(G - 1) out. */
#if SB_G == 1
#define SB_FOR_G(X) X(0)
#elif SB_G == 2
#define SB_FOR_G(X) X(0) X(1)
#elif SB_G == 4
#define SB_FOR_G(X) X(0) X(1) X(2) X(3)
#else
#error "SB_G must be 1, 2 or 4"
#endif

#if SB_VECTOR
typedef uint64_t SB_NAME(v64) __attribute__((vector_size(8 * SB_L64)));
typedef uint32_t SB_NAME(v32) __attribute__((vector_size(4 * SB_L32)));
#define SB_LANE(v, j) ((v)[j])
#else
#define SB_L64        1
#define SB_L32        1
typedef uint64_t SB_NAME(v64);
typedef uint32_t SB_NAME(v32);
#define SB_LANE(v, j) (v)
#endif

/* SIMON-128/128: 68 rounds, two key words. */
SB_ATTR static void SB_NAME(filter_128)(const uint8_t *keys, size_t n,
                                        const struct simon_batch_query *q, unsigned nq,
                                        uint32_t *pass)
{
	typedef SB_NAME(v64) V;
	enum { L = SB_L64, G = SB_G, STEP = SB_L64 * SB_G };
	V rk[68][G], a[2 * G];
	uint64_t lane[2][STEP], kc[68];

	for (unsigned r = 2; r < 68; r++)
		kc[r] = round_const64(r);
	for (size_t i = 0; i < n; i += STEP) {
		size_t lanes = n - i < STEP ? n - i : STEP;

#if SB_VECTOR && SB_SHUFFLE
		if (lanes == STEP) {
			memcpy(a, keys + i * 16, sizeof(a));
			for (unsigned g = 0; g < G; g++) {
				rk[0][g] =
				        __builtin_shufflevector(a[2 * g], a[2 * g + 1], SB_EVEN64);
				rk[1][g] =
				        __builtin_shufflevector(a[2 * g], a[2 * g + 1], SB_ODD64);
			}
		} else
#endif
		{
			/* lanes past the end repeat the first key; their results are dropped */
			for (size_t j = 0; j < STEP; j++) {
				const uint8_t *k = keys + (i + (j < lanes ? j : 0)) * 16;

				lane[0][j] = load_le64(k);
				lane[1][j] = load_le64(k + 8);
			}
			memcpy(rk[0], lane[0], sizeof(rk[0]));
			memcpy(rk[1], lane[1], sizeof(rk[1]));
		}
		for (unsigned r = 2; r < 68; r++) {
			for (unsigned g = 0; g < G; g++) {
				V t = (rk[r - 1][g] >> 3) | (rk[r - 1][g] << 61);

				t ^= (t >> 1) | (t << 63);
				rk[r][g] = rk[r - 2][g] ^ t ^ kc[r];
			}
		}
		for (unsigned k = 0; k < nq; k++) {
#define SB_START(g) V y##g = (V){0} + q[k].in[0], x##g = (V){0} + q[k].in[1];
#define SB_ROUND(g)                                                                                \
	{                                                                                          \
		V t = y##g;                                                                        \
		y##g = x##g ^ (((t << 1) | (t >> 63)) & ((t << 8) | (t >> 56))) ^                  \
		       ((t << 2) | (t >> 62)) ^ rk[r][g];                                          \
		x##g = t;                                                                          \
	}
#define SB_CHECK(g)                                                                                \
	{                                                                                          \
		V d = ((y##g ^ q[k].want[0]) & q[k].mask[0]) |                                     \
		      ((x##g ^ q[k].want[1]) & q[k].mask[1]);                                      \
		for (size_t j = 0; j < L && g * L + j < lanes; j++)                                \
			pass[i + g * L + j] |= (uint32_t)(SB_LANE(d, j) == 0) << k;                \
	}
			SB_FOR_G(SB_START)
			for (unsigned r = 68; r-- > 0;) {
				SB_FOR_G(SB_ROUND)
			}
			SB_FOR_G(SB_CHECK)
#undef SB_START
#undef SB_ROUND
#undef SB_CHECK
		}
	}
	secure_wipe(rk, sizeof(rk));
	secure_wipe(a, sizeof(a));
	secure_wipe(lane, sizeof(lane));
}

/* SIMON-64/128: 44 rounds, four 32-bit key words. */
SB_ATTR static void SB_NAME(filter_64)(const uint8_t *keys, size_t n,
                                       const struct simon_batch_query *q, unsigned nq,
                                       uint32_t *pass)
{
	typedef SB_NAME(v32) V;
	enum { L = SB_L32, G = SB_G, STEP = SB_L32 * SB_G };
	V rk[44][G], a[4 * G];
	uint32_t lane[4][STEP], kc[44];

	for (unsigned r = 4; r < 44; r++)
		kc[r] = round_const32(r);
	for (size_t i = 0; i < n; i += STEP) {
		size_t lanes = n - i < STEP ? n - i : STEP;

#if SB_VECTOR && SB_SHUFFLE
		if (lanes == STEP) {
			memcpy(a, keys + i * 16, sizeof(a));
			for (unsigned g = 0; g < G; g++) {
				const V *b = a + 4 * g;
				V even01 = __builtin_shufflevector(b[0], b[1], SB_EVEN32);
				V odd01 = __builtin_shufflevector(b[0], b[1], SB_ODD32);
				V even23 = __builtin_shufflevector(b[2], b[3], SB_EVEN32);
				V odd23 = __builtin_shufflevector(b[2], b[3], SB_ODD32);

				rk[0][g] = __builtin_shufflevector(even01, even23, SB_EVEN32);
				rk[2][g] = __builtin_shufflevector(even01, even23, SB_ODD32);
				rk[1][g] = __builtin_shufflevector(odd01, odd23, SB_EVEN32);
				rk[3][g] = __builtin_shufflevector(odd01, odd23, SB_ODD32);
			}
		} else
#endif
		{
			for (size_t j = 0; j < STEP; j++) {
				const uint8_t *k = keys + (i + (j < lanes ? j : 0)) * 16;

				for (unsigned w = 0; w < 4; w++)
					lane[w][j] = load_le32(k + 4 * w);
			}
			for (unsigned w = 0; w < 4; w++)
				memcpy(rk[w], lane[w], sizeof(rk[w]));
		}
		for (unsigned r = 4; r < 44; r++) {
			for (unsigned g = 0; g < G; g++) {
				V t = ((rk[r - 1][g] >> 3) | (rk[r - 1][g] << 29)) ^ rk[r - 3][g];

				t ^= (t >> 1) | (t << 31);
				rk[r][g] = rk[r - 4][g] ^ t ^ kc[r];
			}
		}
		for (unsigned k = 0; k < nq; k++) {
			uint32_t in0 = (uint32_t)q[k].in[0], in1 = (uint32_t)q[k].in[1];
			uint32_t want0 = (uint32_t)q[k].want[0], want1 = (uint32_t)q[k].want[1];
			uint32_t mask0 = (uint32_t)q[k].mask[0], mask1 = (uint32_t)q[k].mask[1];

#define SB_START(g) V y##g = (V){0} + in0, x##g = (V){0} + in1;
#define SB_ROUND(g)                                                                                \
	{                                                                                          \
		V t = y##g;                                                                        \
		y##g = x##g ^ (((t << 1) | (t >> 31)) & ((t << 8) | (t >> 24))) ^                  \
		       ((t << 2) | (t >> 30)) ^ rk[r][g];                                          \
		x##g = t;                                                                          \
	}
#define SB_CHECK(g)                                                                                \
	{                                                                                          \
		V d = ((y##g ^ want0) & mask0) | ((x##g ^ want1) & mask1);                         \
		for (size_t j = 0; j < L && g * L + j < lanes; j++)                                \
			pass[i + g * L + j] |= (uint32_t)(SB_LANE(d, j) == 0) << k;                \
	}
			SB_FOR_G(SB_START)
			for (unsigned r = 44; r-- > 0;) {
				SB_FOR_G(SB_ROUND)
			}
			SB_FOR_G(SB_CHECK)
#undef SB_START
#undef SB_ROUND
#undef SB_CHECK
		}
	}
	secure_wipe(rk, sizeof(rk));
	secure_wipe(a, sizeof(a));
	secure_wipe(lane, sizeof(lane));
}

#undef SB_LANE
#undef SB_FOR_G
/* the parameters too: each inclusion defines its own */
#undef SB_NAME
#undef SB_ATTR
#undef SB_VECTOR
#undef SB_G
#undef SB_L64
#undef SB_L32
#undef SB_EVEN64
#undef SB_ODD64
#undef SB_EVEN32
#undef SB_ODD32
