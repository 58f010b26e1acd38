/* PUF quality statistics (host side, libm): entropy estimates, Hamming weight and distance. */
#ifndef HWG_PUF_PUF_STATS_H
#define HWG_PUF_PUF_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Shannon and min-entropy in bits of the distribution given by counts (n bins). */
double stats_shannon(const uint64_t *counts, size_t n);
double stats_min_entropy(const uint64_t *counts, size_t n);
/* For one bit with P(1) = p. */
double stats_bit_shannon(double p);
double stats_bit_min_entropy(double p);

/* Adds the byte values of buf to hist[256]. */
void stats_byte_histogram(const uint8_t *buf, size_t len, uint64_t *hist);
size_t stats_weight(const uint8_t *buf, size_t len);
size_t stats_distance(const uint8_t *a, const uint8_t *b, size_t len);

#endif
