/* pufauth analyze: SRAM PUF quality from simulated devices or recorded power-up dumps: entropy
 * (Shannon and min-entropy, per bit and per byte), fractional Hamming weight, intra- and
 * inter-device Hamming distance, debiasing options compared, fuzzy-extractor failure rate, and the
 * SRAM TRNG's output under four SP 800-22 tests. Definitions: docs/puf.md "Measuring". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "puf/debias.h"
#include "puf/fe.h"
#include "puf/host/puf_stats.h"
#include "puf/host/sp800_22.h"
#include "puf/sram_dump.h"
#include "puf/host/sram_file.h"
#include "puf/host/sram_sim.h"
#include "puf/trng.h"
#include "puf/xoshiro.h"

#define FE_RAW_LEN 128 /* raw bytes behind one 504-bit response: 64 processed bytes, 63 used */

struct data {
	size_t devices, readings, size; /* size: raw bytes per reading */
	uint8_t *raw;                   /* devices * readings * size */
	const char *source;
	/* simulator only: fresh power-ups for the FE test */
	struct sram_sim *sims;
};

static uint8_t *reading(const struct data *d, size_t dev, size_t k)
{
	return d->raw + (dev * d->readings + k) * d->size;
}

/* Random fill of groups that do not fit their case (statistics only, never keys). */
static int analyze_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	static struct xoshiro x = {{5, 6, 7, 8}};
	(void)src;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)xoshiro_next(&x);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth analyze [--sim prototype|mcu] [--devices N] [--readings K] [--seed "
	        "S]\n"
	        "                       [--size BYTES] [--fe-trials T] [--plots DIR]\n"
	        "       pufauth analyze --dump FILE... [--fe-trials T] [--plots DIR]\n\n"
	        "SRAM PUF statistics of simulated devices (default: prototype, 90 devices, 11 "
	        "readings,\n"
	        "8192 raw bytes each) or of power-up dump files (format: src/puf/sram_dump.h).\n\n"
	        "  --sim MODEL     prototype (the report's SASEBO-GII SRAM) or mcu "
	        "(ATmega2560-like)\n"
	        "  --devices N     simulated devices (2 .. 1000)\n"
	        "  --readings K    power-ups per device (2 .. 101)\n"
	        "  --seed S        seed of the simulated population (default 1)\n"
	        "  --size BYTES    raw SRAM bytes per reading, a multiple of 128 (128 .. 1048576)\n"
	        "  --lambda1 L     override the model's noise parameter (calibration), keeping "
	        "the\n"
	        "                  per-reading bias\n"
	        "  --fe-trials T   fresh readings per simulated device for the FE failure rate "
	        "(default 200)\n"
	        "  --dump FILE...  analyse these dump files instead (every following argument not\n"
	        "                  starting with -- is a file)\n"
	        "  --save-dump F   also write the simulated readings to dump file F (for --dump)\n"
	        "  --plots DIR     write histogram data, gnuplot scripts and (with gnuplot) PNG\n"
	        "                  images into DIR\n"
	        "  --help          this text\n");
}

static int parse_ull(const char *opt, const char *s, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = (*s == '-' || *s == '+') ? 0 : strtoull(s, &end, 0);
	if (*s == '-' || *s == '+' || errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "pufauth analyze: %s needs an integer in [%llu, %llu], got '%s'\n",
		        opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- data sources ---- */

static int load_sim(struct data *d, const struct sram_sim_params *params, uint64_t seed)
{
	d->raw = malloc(d->devices * d->readings * d->size);
	d->sims = calloc(d->devices, sizeof(*d->sims));
	double *p1 = malloc(d->size * 8 * sizeof(double));
	if (!d->raw || !d->sims || !p1) {
		free(p1);
		fprintf(stderr, "pufauth analyze: out of memory\n");
		return -1;
	}
	for (size_t dev = 0; dev < d->devices; dev++) {
		sram_sim_init(&d->sims[dev], params, mix64(seed * 1000003 + dev),
		              (uint32_t)d->size);
		for (size_t c = 0; c < d->size * 8; c++)
			p1[c] = sram_sim_cell_p1(&d->sims[dev], (uint32_t)c);
		for (size_t k = 0; k < d->readings; k++)
			sram_sim_powerup_cached(&d->sims[dev], k, 0, p1, reading(d, dev, k),
			                        d->size);
	}
	free(p1);
	return 0;
}

static int load_dumps(struct data *d, struct sram_dump_set *set, char **files, size_t nfiles)
{
	char err[512];
	for (size_t i = 0; i < nfiles; i++)
		if (sram_dump_set_load(set, files[i], err, sizeof(err))) {
			fprintf(stderr, "pufauth analyze: %s\n", err);
			return -1;
		}
	/* devices in order of first appearance; readings = the fewest any device has */
	uint32_t *ids = malloc(set->nrecords * sizeof(*ids));
	size_t *count = calloc(set->nrecords, sizeof(*count));
	size_t ndev = 0, minsize = SIZE_MAX;
	for (size_t r = 0; r < set->nrecords && ids && count; r++) {
		size_t j = 0;
		while (j < ndev && ids[j] != set->records[r].device_id)
			j++;
		if (j == ndev)
			ids[ndev++] = set->records[r].device_id;
		count[j]++;
		if (set->records[r].data_len < minsize)
			minsize = set->records[r].data_len;
	}
	size_t minread = SIZE_MAX;
	for (size_t j = 0; j < ndev; j++)
		if (count[j] < minread)
			minread = count[j];
	int rc = -1;
	if (!ids || !count)
		fprintf(stderr, "pufauth analyze: out of memory\n");
	else if (ndev < 2 || minread < 2)
		fprintf(stderr,
		        "pufauth analyze: need at least 2 devices with 2 readings each (got %zu "
		        "devices, fewest readings %zu)\n",
		        ndev, ndev ? minread : 0);
	else if (minsize < FE_RAW_LEN)
		fprintf(stderr, "pufauth analyze: dumps need at least %d bytes of data\n",
		        FE_RAW_LEN);
	else {
		d->devices = ndev;
		d->readings = minread;
		d->size = minsize / FE_RAW_LEN * FE_RAW_LEN;
		d->raw = malloc(d->devices * d->readings * d->size);
		if (!d->raw) {
			fprintf(stderr, "pufauth analyze: out of memory\n");
		} else {
			for (size_t j = 0; j < ndev; j++) {
				size_t k = 0;
				for (size_t r = 0; r < set->nrecords && k < minread; r++)
					if (set->records[r].device_id == ids[j])
						memcpy(reading(d, j, k++), set->records[r].data,
						       d->size);
			}
			rc = 0;
		}
	}
	free(ids);
	free(count);
	return rc;
}

static int save_dump(const struct data *d, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "pufauth analyze: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t header[SRAM_DUMP_HEADER_LEN];
	for (size_t dev = 0; dev < d->devices; dev++)
		for (size_t k = 0; k < d->readings; k++) {
			sram_dump_header((uint32_t)dev, (uint32_t)k, (uint32_t)d->size, header);
			fwrite(header, 1, sizeof(header), f);
			fwrite(reading(d, dev, k), 1, d->size, f);
		}
	if (fclose(f)) {
		fprintf(stderr, "pufauth analyze: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

/* ---- statistics ---- */

typedef void (*transform_fn)(const uint8_t *raw, size_t len, uint8_t *out, unsigned k);

static void xor_k(const uint8_t *raw, size_t len, uint8_t *out, unsigned k)
{
	if (k == 1)
		memcpy(out, raw, len);
	else
		debias_xor_k(raw, len, k, out);
}

struct variant_stats {
	double byte_h_min, byte_h_mean, byte_h_max; /* per-board byte Shannon / 8 */
	double byte_m_min, byte_m_mean, byte_m_max; /* per-board byte min-entropy / 8 */
	double hw_mean;                             /* fractional Hamming weight */
	double bit_h, bit_m;                        /* per-position across devices */
	double intra_ref, intra_pair, inter;        /* fractions */
	double inter_min, inter_max;
};

static void majority(const struct data *d, const uint8_t *processed, size_t plen, size_t dev,
                     uint8_t *ref)
{
	memset(ref, 0, plen);
	for (size_t i = 0; i < plen * 8; i++) {
		size_t ones = 0;
		for (size_t k = 0; k < d->readings; k++)
			ones += (processed[(dev * d->readings + k) * plen + i / 8] >> (i % 8)) & 1;
		if (2 * ones > d->readings)
			ref[i / 8] |= (uint8_t)(1u << (i % 8));
	}
}

static int variant(const struct data *d, unsigned k, struct variant_stats *st, uint8_t **refs_out,
                   size_t *plen_out, FILE *inter_hist, FILE *intra_hist)
{
	size_t plen = d->size / k;
	uint8_t *proc = malloc(d->devices * d->readings * plen);
	uint8_t *refs = malloc(d->devices * plen);
	if (!proc || !refs) {
		free(proc);
		free(refs);
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->byte_h_min = st->byte_m_min = 1e9;
	for (size_t dev = 0; dev < d->devices; dev++)
		for (size_t r = 0; r < d->readings; r++)
			xor_k(reading(d, dev, r), d->size, proc + (dev * d->readings + r) * plen,
			      k);
	double intra_ref = 0, intra_pair = 0, hw = 0;
	for (size_t dev = 0; dev < d->devices; dev++) {
		const uint8_t *r0 = proc + dev * d->readings * plen;
		uint64_t hist[256] = {0};
		stats_byte_histogram(r0, plen, hist);
		double h = stats_shannon(hist, 256) / 8, m = stats_min_entropy(hist, 256) / 8;
		st->byte_h_mean += h / (double)d->devices;
		st->byte_m_mean += m / (double)d->devices;
		st->byte_h_min = fmin(st->byte_h_min, h);
		st->byte_h_max = fmax(st->byte_h_max, h);
		st->byte_m_min = fmin(st->byte_m_min, m);
		st->byte_m_max = fmax(st->byte_m_max, m);
		hw += (double)stats_weight(r0, plen) / (double)(plen * 8) / (double)d->devices;
		majority(d, proc, plen, dev, refs + dev * plen);
		for (size_t r = 0; r < d->readings; r++) {
			const uint8_t *rr = proc + (dev * d->readings + r) * plen;
			size_t dist = stats_distance(rr, refs + dev * plen, plen);
			intra_ref += (double)dist;
			if (intra_hist)
				fprintf(intra_hist, "%.5f\n",
				        64.0 * (double)dist / (double)(plen * 8));
			if (r + 1 < d->readings)
				intra_pair += (double)stats_distance(rr, rr + plen, plen);
		}
	}
	st->hw_mean = hw;
	st->intra_ref = intra_ref / (double)(d->devices * d->readings * plen * 8);
	st->intra_pair = intra_pair / (double)(d->devices * (d->readings - 1) * plen * 8);
	/* per bit position across devices (first reading) */
	double bh = 0, bm = 0;
	for (size_t i = 0; i < plen * 8; i++) {
		size_t ones = 0;
		for (size_t dev = 0; dev < d->devices; dev++)
			ones += (proc[dev * d->readings * plen + i / 8] >> (i % 8)) & 1;
		double p = (double)ones / (double)d->devices;
		bh += stats_bit_shannon(p);
		bm += stats_bit_min_entropy(p);
	}
	st->bit_h = bh / (double)(plen * 8);
	st->bit_m = bm / (double)(plen * 8);
	/* inter-device distance between references, all pairs */
	double inter = 0;
	size_t pairs = 0;
	st->inter_min = 1, st->inter_max = 0;
	for (size_t a = 0; a < d->devices; a++)
		for (size_t b = a + 1; b < d->devices; b++) {
			double f = (double)stats_distance(refs + a * plen, refs + b * plen, plen) /
			           (double)(plen * 8);
			inter += f;
			pairs++;
			st->inter_min = fmin(st->inter_min, f);
			st->inter_max = fmax(st->inter_max, f);
			if (inter_hist)
				fprintf(inter_hist, "%.5f\n", f * 64);
		}
	st->inter = inter / (double)pairs;
	free(proc);
	if (refs_out) {
		*refs_out = refs;
		*plen_out = plen;
	} else {
		free(refs);
	}
	return 0;
}

static void print_variant(const char *name, const struct variant_stats *s)
{
	printf("  %-22s byte Shannon %5.1f %% (%5.1f..%5.1f)  byte min-entropy %5.1f %% "
	       "(%5.1f..%5.1f)\n",
	       name, 100 * s->byte_h_mean, 100 * s->byte_h_min, 100 * s->byte_h_max,
	       100 * s->byte_m_mean, 100 * s->byte_m_min, 100 * s->byte_m_max);
	printf("  %-22s HW %5.1f %%  per-bit across devices: Shannon %5.1f %%, min-entropy %5.1f "
	       "%%\n",
	       "", 100 * s->hw_mean, 100 * s->bit_h, 100 * s->bit_m);
	printf("  %-22s intra-HD vs reference %5.2f %% (%.1f of 64), reading to reading %5.2f %%; "
	       "inter-HD %5.2f %% (%.1f of 64, range %.1f..%.1f)\n",
	       "", 100 * s->intra_ref, 64 * s->intra_ref, 100 * s->intra_pair, 100 * s->inter,
	       64 * s->inter, 64 * s->inter_min, 64 * s->inter_max);
}

/* ---- fuzzy extractor on real readings ---- */

static void fe_failures(const struct data *d, const uint8_t *refs, size_t plen, unsigned trials,
                        const struct fe_params *p, unsigned long *fail, unsigned long *total)
{
	uint8_t fresh_raw[FE_RAW_LEN], resp[FE_RAW_LEN / 2], rnd[128], helper[256], key[16],
	        key2[16];
	struct xoshiro x;
	xoshiro_seed(&x, 42);
	*fail = *total = 0;
	for (size_t dev = 0; dev < d->devices; dev++) {
		size_t n = d->sims ? trials : d->readings;
		for (size_t t = 0; t < n; t++) {
			if (d->sims)
				sram_sim_powerup(&d->sims[dev], d->readings + t, 0, fresh_raw,
				                 FE_RAW_LEN);
			else
				memcpy(fresh_raw, reading(d, dev, t), FE_RAW_LEN);
			debias_xor_halves(fresh_raw, FE_RAW_LEN, resp);
			for (size_t i = 0; i < fe_gen_random_len(p); i++)
				rnd[i] = (uint8_t)xoshiro_next(&x);
			/* the device runs Gen on its fresh reading, the server Rec on the reference
			 */
			fe_gen(p, resp, rnd, key, helper);
			int bad = fe_rec(p, refs + dev * plen, helper, key2) ||
			          memcmp(key, key2, fe_key_len(p));
			*fail += (unsigned long)bad;
			(*total)++;
		}
	}
}

/* ---- TRNG ---- */

/* SP 800-22 §4.2.1: each test on m sequences; the proportion passing (P >= 0.01) should be at least
 * 0.99 - 3 sqrt(0.99 * 0.01 / m) (0.960 for m = 100). A single sequence's P < 0.01 happens to 1 %
 * of random sequences, so one P-value alone proves little. */
static void sp800_22_report(const uint8_t *out, size_t n, uint8_t *bits)
{
	enum { SEQ_BITS = 100000, MAX_SEQ = 100 };
	for (size_t i = 0; i < n * 8; i++)
		bits[i] = (out[i / 8] >> (i % 8)) & 1;
	size_t m = n * 8 / SEQ_BITS;
	if (m > MAX_SEQ)
		m = MAX_SEQ;
	if (m == 0) {
		printf("    too little output for SP 800-22 (%zu bits; %d per sequence)\n", n * 8,
		       SEQ_BITS);
		return;
	}
	double need = 0.99 - 3 * sqrt(0.99 * 0.01 / (double)m);
	printf("    SP 800-22 on %zu sequences of %d bits (pass: proportion >= %.3f):\n", m,
	       SEQ_BITS, need);
	const char *names[4] = {"monobit", "block frequency (M=128)", "runs",
	                        "longest run of ones"};
	for (int t = 0; t < 4; t++) {
		size_t pass = 0;
		double first = 0;
		for (size_t q = 0; q < m; q++) {
			const uint8_t *b = bits + q * SEQ_BITS;
			double pv = t == 0   ? sp800_22_monobit(b, SEQ_BITS)
			            : t == 1 ? sp800_22_block_frequency(b, SEQ_BITS, 128)
			            : t == 2 ? sp800_22_runs(b, SEQ_BITS)
			                     : sp800_22_longest_run(b, SEQ_BITS);
			pass += pv >= 0.01;
			if (q == 0)
				first = pv;
		}
		printf("      %-26s %3zu/%zu pass  (first sequence P = %.6f)  %s\n", names[t], pass,
		       m, first, (double)pass / (double)m >= need ? "pass" : "FAIL");
	}
}

static void trng_report(const struct data *d)
{
	size_t cap = d->devices * d->readings * (d->size / 8);
	uint8_t *out = malloc(cap), *bits = malloc(cap * 8);
	if (!out || !bits) {
		free(out);
		free(bits);
		return;
	}
	printf("\nTRNG (output bit = XOR of bit b of 8 words; SP 800-90B health tests at H = "
	       "0.25/sample):\n");
	for (int cond = 0; cond < 2; cond++) {
		size_t refused = 0, runs = 0, n = 0;
		for (size_t dev = 0; dev < d->devices; dev++)
			for (size_t k = 0; k < d->readings; k++) {
				struct sram_trng t;
				(cond ? sram_trng_init_conditioned : sram_trng_init)(
				        &t, reading(d, dev, k), d->size, &HEALTH_CONFIG_H025);
				/* what is left after the 1,024 start-up samples */
				size_t len =
				        (d->size - 1024 / 32 * 32) / (cond ? 512 / 16 : 32 / 4);
				len -= len % 16;
				runs++;
				if (t.base.fill(&t.base, out + n, len)) {
					refused++;
					continue;
				}
				n += len;
			}
		printf("  %s: %zu power-ups, %zu refused by the health tests, %zu output bytes\n",
		       cond ? "conditioned (512 samples -> 128 bits via SIMON-PRF)"
		            : "plain XOR-of-8 (the report's)",
		       runs, refused, n);
		sp800_22_report(out, n, bits);
	}
	/* noise min-entropy per output bit: per device and position, across its readings */
	double hm = 0;
	size_t positions = d->size / 32 * 32;
	for (size_t dev = 0; dev < d->devices; dev++)
		for (size_t i = 0; i < positions; i++) {
			size_t ones = 0, group = i / 32 * 32, lane = i % 32;
			for (size_t k = 0; k < d->readings; k++) {
				const uint8_t *r = reading(d, dev, k) + group;
				unsigned v = 0;
				for (size_t w = 0; w < 8; w++)
					v ^= (r[4 * w + lane / 8] >> (lane % 8)) & 1;
				ones += v;
			}
			hm += stats_bit_min_entropy((double)ones / (double)d->readings);
		}
	printf("  noise min-entropy per output bit (within a device, %zu readings): %.3f\n",
	       d->readings, hm / (double)(d->devices * positions));
	free(out);
	free(bits);
}

/* ---- plots ---- */

/* The default suite's front end on this data (docs/puf.md §9.7): the assumptions its bound rests
 * on, measured. Word polarities of reading 0 of every device, and of the bitwise majority of the
 * readings for the case maps. */
static void polarity_report(const struct data *d)
{
	size_t words = d->size / 4, groups = d->size / DEBIAS_PP_GROUP_BYTES;
	int *pol = malloc(d->devices * words * sizeof(int));
	uint8_t *maj = malloc(d->size), *map = malloc(debias_pp_map_len(groups) + 1);
	uint8_t *ref = malloc(1);
	double bias_min = 1, bias_max = 0, ties = 0, neighbours = 0, yield = 0, changed = 0;
	double inter = 0, bit_err = 0, out_ones = 0, out_bits = 0;
	size_t pairs = 0, compared = 0;

	printf("\nDefault suite's front end (word polarity: majority of the XOR of halves against "
	       "0xAAAA; Peres cases from the majority of the readings; docs/puf.md section 9):\n");
	if (!pol || !maj || !map || !ref || words < 2 || groups == 0) {
		printf("  not enough data\n");
		goto out;
	}
	for (size_t dev = 0; dev < d->devices; dev++) {
		size_t ones = 0, decided = 0, same = 0, nb = 0;
		int *p = pol + dev * words;
		for (size_t w = 0; w < words; w++) {
			p[w] = debias_word_polarity(reading(d, dev, 0) + 4 * w);
			ties += p[w] < 0;
			if (p[w] >= 0) {
				ones += (size_t)p[w];
				decided++;
			}
			if (w && p[w] >= 0 && p[w - 1] >= 0) {
				same += p[w] == p[w - 1];
				nb++;
			}
			if (d->readings > 1) {
				int q = debias_word_polarity(reading(d, dev, 1) + 4 * w);
				changed += q != p[w];
			}
		}
		double b = decided ? (double)ones / (double)decided : 0;
		bias_min = fmin(bias_min, b), bias_max = fmax(bias_max, b);
		neighbours += nb ? (double)same / (double)nb : 0;
		/* case maps from the majority of the readings; output of reading 0 and 1 under them
		 */
		for (size_t i = 0; i < d->size; i++) {
			uint8_t v = 0;
			for (int bit = 0; bit < 8; bit++) {
				size_t c = 0;
				for (size_t k = 0; k < d->readings; k++)
					c += (reading(d, dev, k)[i] >> bit) & 1;
				v |= (uint8_t)((2 * c > d->readings) << bit);
			}
			maj[i] = v;
		}
		size_t n = debias_pp_select(maj, groups, map, ref, 0);
		yield += (double)n;
		if (n > 0 && d->readings > 1) {
			uint8_t *o = malloc((n + 7) / 8), *q = malloc((n + 7) / 8);
			struct rng_source rng = {analyze_fill};
			if (o && q &&
			    !debias_pp_extract(reading(d, dev, 0), groups, map, &rng, o, n) &&
			    !debias_pp_extract(reading(d, dev, 1), groups, map, &rng, q, n)) {
				for (size_t i = 0; i < n; i++) {
					int a = (o[i / 8] >> (i % 8)) & 1,
					    c = (q[i / 8] >> (i % 8)) & 1;
					bit_err += a != c;
					out_ones += a;
				}
				out_bits += (double)n;
			}
			free(o), free(q);
		}
	}
	for (size_t a = 0; a < d->devices; a++)
		for (size_t b = a + 1; b < d->devices; b++) {
			size_t diff = 0, both = 0;
			for (size_t w = 0; w < words; w++) {
				int x = pol[a * words + w], y = pol[b * words + w];
				if (x >= 0 && y >= 0) {
					diff += x != y;
					both++;
				}
			}
			inter += both ? (double)diff / (double)both : 0;
			pairs++;
		}
	compared = d->devices * words;
	printf("  polarity ones per board %.3f..%.3f (any bias is removed by the cases; a board "
	       "far from 0.5 yields fewer bits)\n",
	       bias_min, bias_max);
	printf("  polarities differing between devices %.3f (0.5: the lean is per device, the "
	       "assumption the bound rests on)\n",
	       pairs ? inter / (double)pairs : 0);
	printf("  neighbouring words with equal polarity %.3f (0.5: no spatial correlation)\n",
	       neighbours / (double)d->devices);
	printf("  tied words %.2g per reading", ties / (double)compared);
	if (d->readings > 1)
		printf(", words changed between two readings %.2g", changed / (double)compared);
	printf("\n  yield %.1f bits per 6,400 raw bytes (debiased-128 needs 567)\n",
	       yield / (double)d->devices * 6400.0 / (double)d->size);
	if (out_bits > 0)
		printf("  output bits: ones %.4f, differing between reading 0 and 1 %.2g\n",
		       out_ones / out_bits, bit_err / out_bits);
out:
	free(pol), free(maj), free(map), free(ref);
}

/* DIR/NAME.EXT into buf; -1 (with a message) when it does not fit. */
static int plot_path(char *buf, size_t size, const char *dir, const char *name, const char *ext)
{
	int n = snprintf(buf, size, "%s/%s.%s", dir, name, ext);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "pufauth analyze: path too long: %s/%s.%s\n", dir, name, ext);
		return -1;
	}
	return 0;
}

/* Writes s as a gnuplot single-quoted string, in which only the quote itself needs escaping (by
 * doubling it). A newline would end the command, so the caller refuses paths that hold one. */
static void gnuplot_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

enum plot_result { PLOT_DRAWN, PLOT_FAILED, PLOT_NO_GNUPLOT };

/* Writes DIR/NAME.gp, a gnuplot script that draws the histogram of the numbers in DIR/NAME.dat
 * into DIR/NAME.png, and runs gnuplot on it. gnuplot gets the script's path as its only argument
 * (no shell), so paths and titles reach it verbatim, whatever characters they hold. */
static enum plot_result plot(const char *dir, const char *name, const char *title,
                             const char *xlabel, double binwidth)
{
	char script[4096], data[4096], png[4096];
	if (plot_path(script, sizeof(script), dir, name, "gp") ||
	    plot_path(data, sizeof(data), dir, name, "dat") ||
	    plot_path(png, sizeof(png), dir, name, "png"))
		return PLOT_FAILED;
	if (strchr(dir, '\n')) {
		fprintf(stderr, "pufauth analyze: cannot plot into a directory whose name holds a "
		                "newline\n");
		return PLOT_FAILED;
	}
	FILE *f = fopen(script, "w");
	if (!f) {
		fprintf(stderr, "pufauth analyze: cannot write %s: %s\n", script, strerror(errno));
		return PLOT_FAILED;
	}
	fprintf(f, "set terminal png size 800,500\nset output ");
	gnuplot_string(f, png);
	fprintf(f, "\nset title ");
	gnuplot_string(f, title);
	fprintf(f, "\nset xlabel ");
	gnuplot_string(f, xlabel);
	fprintf(f,
	        "\nset ylabel 'count'\nbinwidth = %g\nbin(x) = binwidth * floor(x / binwidth)\n"
	        "plot ",
	        binwidth);
	gnuplot_string(f, data);
	fprintf(f, " using (bin($1)):(1.0) smooth freq with boxes notitle\n");
	if (fclose(f)) {
		fprintf(stderr, "pufauth analyze: cannot write %s: %s\n", script, strerror(errno));
		return PLOT_FAILED;
	}

	char *argv[] = {"gnuplot", script, NULL};
	pid_t pid;
	int err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (err == ENOENT)
		return PLOT_NO_GNUPLOT;
	if (err) {
		fprintf(stderr, "pufauth analyze: cannot run gnuplot: %s\n", strerror(err));
		return PLOT_FAILED;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "pufauth analyze: waiting for gnuplot: %s\n",
			        strerror(errno));
			return PLOT_FAILED;
		}
	/* 127: the child could not exec gnuplot. glibc reports that as ENOENT above, but not where
	 * the spawn is emulated as a plain fork (qemu-user). */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return PLOT_NO_GNUPLOT;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pufauth analyze: gnuplot failed on %s\n", script);
		return PLOT_FAILED;
	}
	printf("  plot: %s\n", png);
	return PLOT_DRAWN;
}

int cmd_analyze(int argc, char **argv)
{
	const struct sram_sim_params *params = &SRAM_SIM_PROTOTYPE;
	struct sram_sim_params tuned;
	double lambda1 = 0;
	unsigned long long devices = 90, readings = 11, seed = 1, size = 8192, fe_trials = 200;
	const char *plots = NULL, *save = NULL;
	char **files = NULL;
	size_t nfiles = 0;
	int rc = 2;
	struct data d = {0};
	struct sram_dump_set set = {0};
	uint8_t *refs = NULL;
	size_t plen = 0;
	FILE *inter_hist = NULL, *intra_hist = NULL;
	char path[4096];
	int write_failed = 0;
	struct variant_stats st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--dump")) {
			files = argv + i + 1;
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
				i++;
				nfiles++;
			}
			if (!nfiles) {
				fprintf(stderr,
				        "pufauth analyze: --dump needs at least one file\n");
				return 2;
			}
			continue;
		}
		if (i + 1 >= argc)
			return cli_argument_error("analyze", "unknown option or missing value:", a,
			                          usage);
		const char *v = argv[++i];
		int bad = 0;
		if (!strcmp(a, "--sim")) {
			params = sram_sim_params_by_name(v);
			if (!params) {
				fprintf(stderr,
				        "pufauth analyze: unknown model '%s' (prototype or mcu)\n",
				        v);
				return 2;
			}
		} else if (!strcmp(a, "--devices"))
			bad = parse_ull(a, v, 2, 1000, &devices);
		else if (!strcmp(a, "--readings"))
			bad = parse_ull(a, v, 2, 101, &readings);
		else if (!strcmp(a, "--seed"))
			bad = parse_ull(a, v, 0, UINT64_MAX, &seed);
		else if (!strcmp(a, "--size"))
			bad = parse_ull(a, v, FE_RAW_LEN, 1 << 20, &size) ||
			      (size % FE_RAW_LEN ? (fprintf(stderr,
			                                    "pufauth analyze: --size must be a "
			                                    "multiple of %d\n",
			                                    FE_RAW_LEN),
			                            1)
			                         : 0);
		else if (!strcmp(a, "--lambda1")) {
			char *end;
			lambda1 = strtod(v, &end);
			if (*end || end == v || !(lambda1 > 0 && lambda1 < 10)) {
				fprintf(stderr,
				        "pufauth analyze: --lambda1 needs a number in (0, 10)\n");
				return 2;
			}
		} else if (!strcmp(a, "--fe-trials"))
			bad = parse_ull(a, v, 1, 1000000, &fe_trials);
		else if (!strcmp(a, "--plots"))
			plots = v;
		else if (!strcmp(a, "--save-dump"))
			save = v;
		else
			return cli_argument_error("analyze", "unknown option", a, usage);
		if (bad)
			return 2;
	}

	if (nfiles) {
		if (load_dumps(&d, &set, files, nfiles))
			goto out;
		d.source = "dump files";
	} else {
		d.devices = devices, d.readings = readings, d.size = size;
		if (lambda1 >
		    0) { /* keep the per-reading bias: scale the means with sqrt(1 + lambda1^2) */
			double f = sqrt(1 + lambda1 * lambda1) /
			           sqrt(1 + params->lambda1 * params->lambda1);
			tuned = *params;
			tuned.lambda1 = lambda1;
			tuned.lambda2 *= f;
			tuned.pattern_shift *= f;
			tuned.word_bias_min *= f;
			tuned.word_bias_max *= f;
			params = &tuned;
		}
		if (load_sim(&d, params, seed))
			goto out;
		d.source = params->name;
		if (save && save_dump(&d, save))
			goto out;
	}
	printf("pufauth analyze: %s, %zu devices x %zu readings x %zu raw bytes%s\n", d.source,
	       d.devices, d.readings, d.size, nfiles ? "" : " (simulated)");
	if (!nfiles)
		printf("  model: lambda1 %.3f, lambda2 %.3f, pattern shift %.3f, word bias "
		       "%.3f..%.3f, seed "
		       "%llu\n",
		       params->lambda1, params->lambda2, params->pattern_shift,
		       params->word_bias_min, params->word_bias_max, seed);

	if (plots) {
		if (mkdir(plots, 0755) && errno != EEXIST) {
			fprintf(stderr, "pufauth analyze: cannot create %s: %s\n", plots,
			        strerror(errno));
			goto out;
		}
		if (plot_path(path, sizeof(path), plots, "inter_hd", "dat"))
			goto out;
		inter_hist = fopen(path, "w");
		if (inter_hist && !plot_path(path, sizeof(path), plots, "intra_hd", "dat"))
			intra_hist = fopen(path, "w");
		if (!inter_hist || !intra_hist) {
			fprintf(stderr, "pufauth analyze: cannot write %s: %s\n", path,
			        strerror(errno));
			goto out;
		}
	}

	printf("\nEntropy and Hamming distances (byte entropies per board; per-bit across "
	       "devices):\n");
	static const struct {
		unsigned k;
		const char *name;
	} variants[] = {{1, "raw"},
	                {2, "XOR of halves (k=2)"},
	                {4, "XOR of 4 halves"},
	                {8, "XOR of 8 halves"}};
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		if (d.size % (2 * variants[v].k))
			continue;
		if (variant(&d, variants[v].k, &st, variants[v].k == 2 ? &refs : NULL, &plen,
		            variants[v].k == 2 ? inter_hist : NULL,
		            variants[v].k == 2 ? intra_hist : NULL)) {
			fprintf(stderr, "pufauth analyze: out of memory\n");
			goto out;
		}
		print_variant(variants[v].name, &st);
		if (variants[v].k == 2) {
			/* the textbook code-offset bound for 8 blocks at this rate */
			double h = fmin(st.byte_m_min, st.bit_m);
			printf("  %-22s code-offset bound: 504 x %.3f - 8 x 47 = %.1f bits (needs "
			       ">= 128)\n",
			       "", h, 504 * h - 376);
		}
	}
	if (inter_hist && fclose(inter_hist))
		write_failed = 1;
	if (intra_hist && fclose(intra_hist))
		write_failed = 1;
	inter_hist = intra_hist = NULL;
	if (write_failed) {
		fprintf(stderr, "pufauth analyze: cannot write the histograms into %s\n", plots);
		goto out;
	}
	/* von Neumann: per-board only (which bits survive differs per reading) */
	{
		uint64_t hist[256];
		double mmin = 1e9, hmin = 1e9, rate = 0;
		uint8_t *vn = malloc(d.size);
		for (size_t dev = 0; vn && dev < d.devices; dev++) {
			size_t nbits =
			        debias_von_neumann(reading(&d, dev, 0), d.size, vn, d.size * 8);
			memset(hist, 0, sizeof(hist));
			stats_byte_histogram(vn, nbits / 8, hist);
			mmin = fmin(mmin, stats_min_entropy(hist, 256) / 8);
			hmin = fmin(hmin, stats_shannon(hist, 256) / 8);
			rate += (double)nbits / (double)(d.size * 8) / (double)d.devices;
		}
		free(vn);
		printf("  %-22s byte Shannon >= %5.1f %%, byte min-entropy >= %5.1f %% (worst "
		       "board); "
		       "%.3f output bits per raw bit\n",
		       "von Neumann (pairs)", 100 * hmin, 100 * mmin, rate);
	}

	printf("\nFuzzy extractor (504-bit response = XOR of halves of raw bytes 0..127; Gen on a "
	       "fresh "
	       "reading, Rec on the server's reference):\n");
	{
		const struct fe_params one = {128, 8, 1};
		unsigned long fail, total;
		uint8_t *single = malloc(d.devices * (FE_RAW_LEN / 2));
		for (size_t dev = 0; single && dev < d.devices; dev++)
			debias_xor_halves(reading(&d, dev, 0), FE_RAW_LEN,
			                  single + dev * (FE_RAW_LEN / 2));
		for (int ref = 0; ref < 2 && single; ref++) {
			const uint8_t *r = ref ? single : refs;
			size_t stride = ref ? FE_RAW_LEN / 2 : plen;
			printf("  reference = %s:\n",
			       ref ? "one reading (reading 0)" : "majority of the readings");
			fe_failures(&d, r, stride, (unsigned)fe_trials, &one, &fail, &total);
			printf("    1 layer : %lu failures of %lu (%.3f %%)\n", fail, total,
			       100.0 * fail / total);
			fe_failures(&d, r, stride, (unsigned)fe_trials, &FE_PARAMS_128, &fail,
			            &total);
			printf("    2 layers: %lu failures of %lu (%.3g %%)\n", fail, total,
			       100.0 * fail / total);
		}
		free(single);
	}

	polarity_report(&d);
	trng_report(&d);

	if (plots) {
		printf("\nPlots (data, gnuplot scripts and PNG images in %s):\n", plots);
		FILE *f = NULL;
		if (!plot_path(path, sizeof(path), plots, "raw_bytes", "dat"))
			f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "pufauth analyze: cannot write %s/raw_bytes.dat\n", plots);
			goto out;
		}
		for (size_t i = 0; i < d.size; i++)
			fprintf(f, "%u\n", reading(&d, 0, 0)[i]);
		if (fclose(f)) {
			fprintf(stderr, "pufauth analyze: cannot write %s\n", path);
			goto out;
		}
		static const struct {
			const char *name, *title, *xlabel;
			double binwidth;
		} plots_drawn[] = {
		        {"inter_hd", "Inter-device Hamming distance (XOR of halves)", "bits of 64",
		         0.05},
		        {"intra_hd",
		         "Intra-device distance to the majority reference (XOR of halves)",
		         "bits of 64", 0.05},
		        {"raw_bytes", "Raw byte values, device 0", "byte value", 1},
		};
		for (size_t i = 0; i < sizeof(plots_drawn) / sizeof(plots_drawn[0]); i++) {
			enum plot_result r = plot(plots, plots_drawn[i].name, plots_drawn[i].title,
			                          plots_drawn[i].xlabel, plots_drawn[i].binwidth);
			if (r == PLOT_NO_GNUPLOT) {
				printf("  gnuplot not found (Debian: gnuplot-nox): no PNG images; "
				       "run gnuplot on %s/*.gp later\n",
				       plots);
				break;
			}
			if (r == PLOT_FAILED)
				goto out;
		}
	}
	rc = 0;
out:
	if (inter_hist)
		fclose(inter_hist);
	if (intra_hist)
		fclose(intra_hist);
	free(refs);
	free(d.raw);
	free(d.sims);
	sram_dump_set_free(&set);
	return rc;
}
