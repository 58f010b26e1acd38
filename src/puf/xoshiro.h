/* Deterministic pseudo-random numbers for simulation and tests (never for keys): splitmix64 as a
 * counter-based hash and seed expander, xoshiro256** as a fast stream (Blackman & Vigna).
 * Portable C, no malloc, no OS. */
#ifndef HWG_PUF_XOSHIRO_H
#define HWG_PUF_XOSHIRO_H

#include <stdint.h>

struct xoshiro {
	uint64_t s[4];
};

/* The splitmix64 output function: a bijective 64-bit mixer, so mix64(seed ^ index * odd) gives
 * independent-looking values per (seed, index) without keeping state. */
uint64_t mix64(uint64_t x);

/* Seeds the four state words from seed through splitmix64 (never all zero). */
void xoshiro_seed(struct xoshiro *x, uint64_t seed);
uint64_t xoshiro_next(struct xoshiro *x);
/* Uniform in [0, 1) with 53 random bits. */
double xoshiro_uniform(struct xoshiro *x);

#endif
