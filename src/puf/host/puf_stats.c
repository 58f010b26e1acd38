#include "puf/host/puf_stats.h"

#include <math.h>

double stats_shannon(const uint64_t *counts, size_t n)
{
	double total = 0, h = 0;
	for (size_t i = 0; i < n; i++)
		total += (double)counts[i];
	if (total == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (counts[i]) {
			double p = (double)counts[i] / total;
			h -= p * log2(p);
		}
	return h;
}

double stats_min_entropy(const uint64_t *counts, size_t n)
{
	double total = 0;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		total += (double)counts[i];
		if (counts[i] > max)
			max = counts[i];
	}
	return total == 0 ? 0 : -log2((double)max / total);
}

double stats_bit_shannon(double p)
{
	if (p <= 0 || p >= 1)
		return 0;
	return -p * log2(p) - (1 - p) * log2(1 - p);
}

double stats_bit_min_entropy(double p)
{
	return -log2(p > 0.5 ? p : 1 - p);
}

void stats_byte_histogram(const uint8_t *buf, size_t len, uint64_t *hist)
{
	for (size_t i = 0; i < len; i++)
		hist[buf[i]]++;
}

size_t stats_weight(const uint8_t *buf, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += (size_t)__builtin_popcount(buf[i]);
	return w;
}

size_t stats_distance(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t d = 0;
	for (size_t i = 0; i < len; i++)
		d += (size_t)__builtin_popcount(a[i] ^ b[i]);
	return d;
}
