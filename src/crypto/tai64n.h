/* TAI64N timestamps as WireGuard sends them: big-endian (2^62 + 10 + unix seconds) || big-endian
 * nanoseconds, with the nanoseconds rounded down to a multiple of 2^24 so timers do not leak. Pure:
 * the caller supplies the wall-clock time. */
#ifndef HWG_CRYPTO_TAI64N_H
#define HWG_CRYPTO_TAI64N_H

#include <stdint.h>

#define TAI64N_LEN 12

void tai64n_encode(uint8_t out[TAI64N_LEN], uint64_t unix_seconds, uint32_t nanoseconds);

/* Ordering of two encoded timestamps (big-endian compare): -1, 0 or 1 as a is earlier, equal or
 * later. */
int tai64n_compare(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN]);

#endif
