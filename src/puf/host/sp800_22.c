#include "puf/host/sp800_22.h"

#include <math.h>

/* Q(a, x) = 1 - P(a, x): the series for P when x < a + 1, Lentz's continued fraction for Q
 * otherwise (both converge fast in their ranges). */
double sp800_22_igamc(double a, double x)
{
	if (x <= 0 || a <= 0)
		return 1.0;
	double lnpre = a * log(x) - x - lgamma(a);
	if (x < a + 1) {
		double term = 1.0 / a, sum = term;
		for (int n = 1; n < 10000; n++) {
			term *= x / (a + n);
			sum += term;
			if (fabs(term) < fabs(sum) * 1e-16)
				break;
		}
		return 1.0 - sum * exp(lnpre);
	}
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
	for (int i = 1; i < 10000; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double delta = d * c;
		h *= delta;
		if (fabs(delta - 1) < 1e-16)
			break;
	}
	return exp(lnpre) * h;
}

double sp800_22_monobit(const uint8_t *bits, size_t n)
{
	if (n == 0)
		return -1;
	long s = 0;
	for (size_t i = 0; i < n; i++)
		s += bits[i] ? 1 : -1;
	return erfc(fabs((double)s) / sqrt((double)n) / sqrt(2.0));
}

double sp800_22_block_frequency(const uint8_t *bits, size_t n, size_t m)
{
	if (m == 0 || n < m)
		return -1;
	size_t blocks = n / m;
	double chi2 = 0;
	for (size_t b = 0; b < blocks; b++) {
		size_t ones = 0;
		for (size_t j = 0; j < m; j++)
			ones += bits[b * m + j] != 0;
		double pi = (double)ones / (double)m - 0.5;
		chi2 += pi * pi;
	}
	chi2 *= 4.0 * (double)m;
	return sp800_22_igamc((double)blocks / 2, chi2 / 2);
}

double sp800_22_runs(const uint8_t *bits, size_t n)
{
	if (n < 2)
		return -1;
	size_t ones = 0;
	for (size_t i = 0; i < n; i++)
		ones += bits[i] != 0;
	double pi = (double)ones / (double)n;
	if (fabs(pi - 0.5) >= 2 / sqrt((double)n)) /* the frequency pre-test failed */
		return 0.0;
	size_t v = 1;
	for (size_t i = 1; i < n; i++)
		v += (bits[i] != 0) != (bits[i - 1] != 0);
	double num = fabs((double)v - 2.0 * (double)n * pi * (1 - pi));
	return erfc(num / (2.0 * sqrt(2.0 * (double)n) * pi * (1 - pi)));
}

double sp800_22_longest_run(const uint8_t *bits, size_t n)
{
	/* SP 800-22 §2.4.4 and §3.4: block length M, classes v_0..v_K, class probabilities pi */
	static const double pi8[] = {0.2148, 0.3672, 0.2305, 0.1875};
	static const double pi128[] = {0.1174, 0.2430, 0.2493, 0.1752, 0.1027, 0.1124};
	static const double pi10k[] = {0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727};
	size_t m;
	int k, lowest;
	const double *pi;
	if (n < 128)
		return -1;
	if (n < 6272) {
		m = 8, k = 3, lowest = 1, pi = pi8;
	} else if (n < 750000) {
		m = 128, k = 5, lowest = 4, pi = pi128;
	} else {
		m = 10000, k = 6, lowest = 10, pi = pi10k;
	}
	size_t blocks = n / m;
	double v[7] = {0};
	for (size_t b = 0; b < blocks; b++) {
		int run = 0, longest = 0;
		for (size_t j = 0; j < m; j++) {
			run = bits[b * m + j] ? run + 1 : 0;
			if (run > longest)
				longest = run;
		}
		int cls = longest - lowest;
		if (cls < 0)
			cls = 0;
		if (cls > k)
			cls = k;
		v[cls]++;
	}
	double chi2 = 0;
	for (int i = 0; i <= k; i++) {
		double expect = (double)blocks * pi[i];
		chi2 += (v[i] - expect) * (v[i] - expect) / expect;
	}
	return sp800_22_igamc(k / 2.0, chi2 / 2);
}
