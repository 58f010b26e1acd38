/* Four NIST SP 800-22 rev. 1a statistical tests (host side, libm): frequency (monobit), frequency
 * within a block, runs, longest run of ones in a block. Input: one bit per byte (0 or 1), in
 * sequence order epsilon_1 .. epsilon_n. Each returns the test's P-value (>= 0.01 passes), or -1
 * when n is below the test's minimum. Reference P-values: tests/puf/test_stats.c. */
#ifndef HWG_PUF_SP800_22_H
#define HWG_PUF_SP800_22_H

#include <stddef.h>
#include <stdint.h>

double sp800_22_monobit(const uint8_t *bits, size_t n);
double sp800_22_block_frequency(const uint8_t *bits, size_t n, size_t m);
double sp800_22_runs(const uint8_t *bits, size_t n);
/* Block length M = 8, 128 or 10^4 by n, as §2.4.2 prescribes (n >= 128). */
double sp800_22_longest_run(const uint8_t *bits, size_t n);

/* The regularized upper incomplete gamma function Q(a, x) (the STS's igamc). */
double sp800_22_igamc(double a, double x);

#endif
