#include "puf/host/fe_bound.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/bch63.h"
#include "puf/debias.h"
#include "puf/host/debias_enroll.h"
#include "puf/fe.h"
#include "puf/host/fe_model.h"
#include "puf/xoshiro.h"

#define WORD_BITS  16 /* processed copies of a word's lean */
#define GRID_HALF  12.0
#define GRID_STEPS 24000

static double phi_cdf(double x)
{
	return 0.5 * erfc(-x / 1.4142135623730951);
}

/* P(Binomial(n, a) > n / 2), n odd */
static double majority(unsigned n, double a)
{
	double s = 0;
	for (unsigned j = n / 2 + 1; j <= n; j++)
		s += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0)) * pow(a, j) *
		     pow(1 - a, n - j);
	return s;
}

/* One cell whose mismatch is N(mu, 1) around the value it leans to (the half-word's lean or the
 * 0xAA pattern): joint law of "against its lean" in the enrolment majority of K readings (bit 2),
 * the device's reading (bit 1) and the reference's reading (bit 0). */
static void cell_law(double mu, double lambda1, unsigned K, double *law)
{
	double h = 2 * GRID_HALF / GRID_STEPS;

	memset(law, 0, 8 * sizeof(*law));
	for (int i = 0; i <= GRID_STEPS; i++) {
		double m = mu - GRID_HALF + i * h;
		double w = exp(-0.5 * (m - mu) * (m - mu)) * 0.3989422804014327 * h;
		if (i == 0 || i == GRID_STEPS)
			w *= 0.5; /* trapezoid */
		double a = phi_cdf(-m / lambda1), e = majority(K, a);
		double pe[2] = {1 - e, e}, p1[2] = {1 - a, a};
		for (int x = 0; x < 8; x++)
			law[x] += w * pe[x >> 2] * p1[(x >> 1) & 1] * p1[x & 1];
	}
}

static int outcome(int d)
{
	return d < 8 ? FE_BOUND_SAME : d > 8 ? FE_BOUND_FLIP : FE_BOUND_TIE;
}

static double binom_pmf(unsigned n, unsigned k, double p)
{
	if (k > n)
		return 0;
	return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)) * pow(p, k) *
	       pow(1 - p, n - k);
}

/* The word law: outcomes of the enrolment majority, the device and the reference. */
static void word_law(const struct fe_bound_config *c, double word[3][3][3], double *pos_with)
{
	double ord[8], pat[8], pos[8] = {0};
	static double dist[17][17][17], next[17][17][17];

	cell_law(c->word_bias, c->sim->lambda1, c->enroll_readings, ord);
	cell_law(c->sim->pattern_shift, c->sim->lambda1, c->enroll_readings, pat);
	/* a processed position is against the lean when exactly one of its two cells is */
	for (int u = 0; u < 8; u++)
		for (int v = 0; v < 8; v++)
			pos[u ^ v] += ord[u] * pat[v];
	*pos_with = pos[0] + pos[1] + pos[4] + pos[5]; /* the device's reading is with the lean */
	memset(dist, 0, sizeof(dist));
	dist[0][0][0] = 1;
	for (int k = 0; k < WORD_BITS; k++) {
		memset(next, 0, sizeof(next));
		for (int a = 0; a <= k; a++)
			for (int b = 0; b <= k; b++)
				for (int r = 0; r <= k; r++) {
					double p = dist[a][b][r];
					if (p == 0)
						continue;
					for (int x = 0; x < 8; x++)
						next[a + (x >> 2)][b + ((x >> 1) & 1)]
						    [r + (x & 1)] += p * pos[x];
				}
		memcpy(dist, next, sizeof(dist));
	}
	memset(word, 0, 27 * sizeof(double));
	for (int a = 0; a <= WORD_BITS; a++)
		for (int b = 0; b <= WORD_BITS; b++)
			for (int r = 0; r <= WORD_BITS; r++) {
				double p = dist[a][b][r];
				if (p == 0)
					continue;
				int fe = outcome(a), fr = c->ref_is_enrolment ? fe : outcome(r);
				if (c->iid_noise <= 0) {
					word[fe][outcome(b)][fr] += p;
					continue;
				}
				/* stress: the device flips each of the reference's 16 processed
				 * bits independently */
				int base = c->ref_is_enrolment ? a : r;
				for (int x = 0; x <= base; x++)
					for (int y = 0; y <= WORD_BITS - base; y++)
						word[fe][outcome(base - x + y)][fr] +=
						        p *
						        binom_pmf((unsigned)base, (unsigned)x,
						                  c->iid_noise) *
						        binom_pmf((unsigned)(WORD_BITS - base),
						                  (unsigned)y, c->iid_noise);
			}
}

/* Every combination of four words' polarities through the device's own case logic. A word's lean
 * is uniform, so its law over absolute polarities (enrolment, device, reference; 2 = tie) is the
 * average of the relative law under both leans. */
static void group_law(const double word[3][3][3], struct fe_bound_result *r)
{
	double w1[27] = {0};
	int pe[27], pd[27], pr[27];

	for (int i = 0; i < 27; i++)
		pe[i] = i / 9 == 2 ? -1 : i / 9, pd[i] = (i / 3) % 3 == 2 ? -1 : (i / 3) % 3,
		pr[i] = i % 3 == 2 ? -1 : i % 3;
	for (int lean = 0; lean < 2; lean++)
		for (int e = 0; e < 3; e++)
			for (int d = 0; d < 3; d++)
				for (int f = 0; f < 3; f++) {
					/* relative outcome -> absolute polarity index */
					int ae = e == FE_BOUND_TIE ? 2 : lean ^ e;
					int ad = d == FE_BOUND_TIE ? 2 : lean ^ d;
					int af = f == FE_BOUND_TIE ? 2 : lean ^ f;
					w1[ae * 9 + ad * 3 + af] += 0.5 * word[e][d][f];
				}
	memset(r->case_prob, 0, sizeof(r->case_prob));
	memset(r->wrong, 0, sizeof(r->wrong));
	for (int i0 = 0; i0 < 27; i0++)
		for (int i1 = 0; i1 < 27; i1++)
			for (int i2 = 0; i2 < 27; i2++)
				for (int i3 = 0; i3 < 27; i3++) {
					const int idx[4] = {i0, i1, i2, i3};
					double p = w1[i0] * w1[i1] * w1[i2] * w1[i3];
					if (p == 0)
						continue;
					int e[4], d[4], f[4];
					for (int k = 0; k < 4; k++)
						e[k] = pe[idx[k]], d[k] = pd[idx[k]],
						f[k] = pr[idx[k]];
					unsigned kase = debias_pp_case(e), vd, vr;
					unsigned bits = debias_pp_case_bits(kase);
					r->case_prob[kase] += p;
					if (!bits)
						continue;
					int okd = debias_pp_group(kase, d, &vd);
					int okr = debias_pp_group(kase, f, &vr);
					if (okd && okr) {
						unsigned diff = (vd ^ vr) & ((1u << bits) - 1);
						r->wrong[kase][(diff & 1) + (diff >> 1)] += p;
					} else { /* random fill: each bit differs w.p. 1/2 */
						static const double half[3][3] = {
						        {1, 0, 0},
						        {0.5, 0.5, 0},
						        {0.25, 0.5, 0.25}};
						for (unsigned w = 0; w <= bits; w++)
							r->wrong[kase][w] += p * half[bits][w];
					}
				}
	double bits = 0, errs = 0;
	for (int k = 0; k < 4; k++) {
		unsigned nb = debias_pp_case_bits((unsigned)k);
		bits += r->case_prob[k] * nb;
		for (unsigned w = 0; w <= nb; w++)
			errs += r->wrong[k][w] * w;
		if (r->case_prob[k] > 0)
			for (unsigned w = 0; w < 3; w++)
				r->wrong[k][w] /= r->case_prob[k];
	}
	r->bits_per_group = bits;
	r->bit_error = bits > 0 ? errs / bits : 1;
}

/* c[0..T] with c[T] absorbing ">= T" */
static void add_group(double *c, const double *w, unsigned nb, unsigned T)
{
	double n[BCH63_T + 2] = {0};
	for (unsigned e = 0; e <= T; e++)
		for (unsigned k = 0; k <= nb; k++) {
			unsigned t = e + k > T ? T : e + k;
			n[t] += c[e] * w[k];
		}
	memcpy(c, n, (T + 1) * sizeof(*c));
}

/* Worst composition of a block: 63 bits plus one bit of a straddling group at each end, all from
 * BOTH, ONE and CROSS groups, each group counted whole. */
static double block_failure(const struct fe_bound_result *r)
{
	const unsigned T = BCH63_T + 1, total = BCH63_N + 2;
	double worst = 0;

	for (unsigned two = 0; 2 * two <= total; two++) {
		unsigned one = total - 2 * two;
		for (unsigned both = 0; both <= two; both++) {
			double c[BCH63_T + 2] = {1};
			for (unsigned i = 0; i < both; i++)
				add_group(c, r->wrong[DEBIAS_PP_BOTH], 2, T);
			for (unsigned i = 0; i < two - both; i++)
				add_group(c, r->wrong[DEBIAS_PP_ONE], 2, T);
			for (unsigned i = 0; i < one; i++)
				add_group(c, r->wrong[DEBIAS_PP_CROSS], 1, T);
			if (c[T] > worst)
				worst = c[T];
		}
	}
	return worst;
}

int fe_bound_exact(const struct fe_bound_config *c, struct fe_bound_result *r)
{
	double pos_with;

	if (!c->sim || c->sim->pattern_shift <= 0 || c->enroll_readings == 0 ||
	    c->enroll_readings % 2 == 0 || c->enroll_readings > 255 || c->blocks == 0 ||
	    c->iid_noise >= 0.5)
		return -1;
	memset(r, 0, sizeof(*r));
	word_law(c, r->word, &pos_with);
	group_law((const double(*)[3][3])r->word, r);
	r->block_failure = block_failure(r);
	r->auth_failure = c->blocks * r->block_failure;
	/* likeliest processed word: the lean (1 bit) with all 16 copies agreeing */
	r->polarity_min_entropy = 1 - WORD_BITS * log2(pos_with);
	return 0;
}

/* ---- simulation ---- */

struct alias {
	unsigned n;
	double *prob;
	unsigned *other;
};

static int alias_init(struct alias *a, const double *w, unsigned n)
{
	double sum = 0, *scaled = malloc(n * sizeof(double));
	unsigned *small = malloc(n * sizeof(unsigned)), *large = malloc(n * sizeof(unsigned));
	unsigned ns = 0, nl = 0;

	a->n = n;
	a->prob = malloc(n * sizeof(double));
	a->other = malloc(n * sizeof(unsigned));
	if (!scaled || !small || !large || !a->prob || !a->other) {
		free(scaled), free(small), free(large);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		sum += w[i];
	for (unsigned i = 0; i < n; i++) {
		scaled[i] = sum > 0 ? w[i] * n / sum : 1;
		a->other[i] = i;
		if (scaled[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		unsigned s = small[--ns], l = large[nl - 1];
		a->prob[s] = scaled[s];
		a->other[s] = l;
		scaled[l] -= 1 - scaled[s];
		if (scaled[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl)
		a->prob[large[--nl]] = 1;
	while (ns)
		a->prob[small[--ns]] = 1;
	free(scaled), free(small), free(large);
	return 0;
}

static unsigned alias_draw(const struct alias *a, struct xoshiro *x)
{
	double u = xoshiro_uniform(x) * a->n;
	unsigned i = (unsigned)u;
	if (i >= a->n)
		i = a->n - 1;
	return (u - i) < a->prob[i] ? i : a->other[i];
}

static void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->other);
}

/* Number of arrivals of a unit-rate Poisson process in [0, lambda]. */
static unsigned poisson(struct xoshiro *x, double lambda)
{
	unsigned n = 0;
	for (double t = -log(1 - xoshiro_uniform(x)); t <= lambda; t -= log(1 - xoshiro_uniform(x)))
		n++;
	return n;
}

/* Per word of one device: P(polarity 0, 1, tie) for one reading, from its cells. */
static void word_polarity_law(const struct sram_sim *sim, unsigned word, double *p)
{
	double ones[WORD_BITS + 1] = {1};
	for (unsigned j = 0; j < WORD_BITS; j++) {
		double lo = sram_sim_cell_p1(sim, word * 32 + j);
		double hi = sram_sim_cell_p1(sim, word * 32 + 16 + j);
		double x = lo * (1 - hi) + hi * (1 - lo); /* processed bit is 1 */
		double y = (j & 1) ? 1 - x : x;           /* XOR with the 0xAAAA pattern */
		for (int k = (int)j + 1; k >= 0; k--)
			ones[k] = ones[k] * (1 - y) + (k ? ones[k - 1] * y : 0);
	}
	p[0] = p[1] = p[2] = 0;
	for (int k = 0; k <= WORD_BITS; k++)
		p[k > 8 ? 1 : k < 8 ? 0 : 2] += ones[k];
}

struct sim_device {
	unsigned words, used_groups, nbits;
	uint8_t *map;
	int *base;        /* likeliest outcome per word: 0, 1 or -1 */
	double (*law)[3]; /* P(0), P(1), P(tie) per word */
	unsigned *offset; /* first output bit of each used group */
	unsigned *stamp;  /* per word: trial*2+reading that deviated it */
	int *dev_pol;     /* the deviated outcome */
	struct alias words_by_rate;
	double total_rate;
};

static int pol_index(int pol)
{
	return pol < 0 ? 2 : pol;
}

static int reading_pol(const struct sim_device *d, unsigned w, unsigned stamp)
{
	return d->stamp[w] == stamp ? d->dev_pol[w] : d->base[w];
}

/* Draws which words leave their likeliest outcome in one reading, and to what. */
static void deviate(struct sim_device *d, struct xoshiro *x, unsigned stamp, unsigned *list,
                    unsigned *n)
{
	unsigned k = poisson(x, d->total_rate);
	for (unsigned i = 0; i < k; i++) {
		unsigned w = alias_draw(&d->words_by_rate, x);
		if (d->stamp[w] == stamp)
			continue;
		const double *p = d->law[w];
		int b = pol_index(d->base[w]);
		double rest = 1 - p[b], u = xoshiro_uniform(x) * rest;
		int o = -1;
		for (int j = 0; j < 3 && o < 0; j++) {
			if (j == b)
				continue;
			if (u < p[j])
				o = j;
			else
				u -= p[j];
		}
		if (o < 0) /* rounding at the top end: the likelier of the other two */
			o = b == 0   ? (p[1] >= p[2] ? 1 : 2)
			    : b == 1 ? (p[0] >= p[2] ? 0 : 2)
			             : (p[0] >= p[1] ? 0 : 1);
		d->stamp[w] = stamp;
		d->dev_pol[w] = o == 2 ? -1 : o;
		list[(*n)++] = w;
	}
}

static void group_output(const struct sim_device *d, unsigned g, unsigned stamp, struct xoshiro *x,
                         unsigned *v, uint64_t *refilled)
{
	int pol[4];
	for (int i = 0; i < 4; i++)
		pol[i] = reading_pol(d, 4 * g + (unsigned)i, stamp);
	if (!debias_pp_group((d->map[g / 4] >> (2 * (g % 4))) & 3u, pol, v)) {
		*v = (unsigned)xoshiro_next(x);
		(*refilled)++;
	}
}

static void free_device(struct sim_device *d)
{
	free(d->map), free(d->base), free(d->law), free(d->offset);
	free(d->stamp), free(d->dev_pol);
	alias_free(&d->words_by_rate);
}

int fe_bound_simulate(const struct fe_bound_sim_config *c, struct fe_bound_sim_result *r)
{
	const struct fe_params fp = {
	        .security_bits = 128, .blocks = (uint8_t)c->blocks, .layers = 1};
	unsigned nbits = c->blocks * BCH63_N;
	struct xoshiro x;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!c->sim || c->sim->pattern_shift <= 0 || !fe_params_valid(&fp) || c->groups == 0 ||
	    c->groups * DEBIAS_PP_GROUP_BYTES > SRAM_SIM_RAW_MAX || c->devices == 0)
		return -1;
	xoshiro_seed(&x, c->seed ^ 0x73696d756c617465ULL);
	struct sram_sim *sim = malloc(sizeof(*sim));
	uint8_t *zref = malloc((nbits + 7) / 8);
	unsigned *list = malloc(4 * c->groups * 2 * sizeof(unsigned) + 64);
	unsigned *touched = malloc(c->groups * sizeof(unsigned));
	unsigned *gstamp = calloc(c->groups, sizeof(unsigned));
	unsigned *always = malloc(c->groups * sizeof(unsigned));
	double *rates = malloc(4 * c->groups * sizeof(double));
	if (!sim || !zref || !list || !touched || !gstamp || !always || !rates)
		goto out;
	double yield_sum = 0;
	unsigned yield_n = 0, gen = 0;
	for (unsigned dev = 0; dev < c->devices; dev++) {
		struct sim_device d = {0};
		d.words = 4 * c->groups;
		d.map = malloc(debias_pp_map_len(c->groups));
		d.base = malloc(d.words * sizeof(int));
		d.law = malloc(d.words * sizeof(*d.law));
		d.offset = malloc(c->groups * sizeof(unsigned));
		d.stamp = calloc(d.words, sizeof(unsigned));
		d.dev_pol = malloc(d.words * sizeof(int));
		if (!d.map || !d.base || !d.law || !d.offset || !d.stamp || !d.dev_pol) {
			free_device(&d);
			goto out;
		}
		sram_sim_init(sim, c->sim, c->seed + 1 + dev, c->groups * DEBIAS_PP_GROUP_BYTES);
		long yield = debias_pp_enroll(&sim->base, 0, c->groups, c->enroll_readings, d.map,
		                              zref, nbits);
		if (yield < 0) {
			free_device(&d);
			goto out;
		}
		yield_sum += (double)yield;
		yield_n++;
		if ((unsigned long)yield < nbits) {
			r->short_devices++;
			free_device(&d);
			continue;
		}
		/* each word's law for one reading, and its likeliest outcome */
		for (unsigned w = 0; w < d.words; w++) {
			word_polarity_law(sim, w, d.law[w]);
			int b = d.law[w][1] > d.law[w][0] ? 1 : 0;
			if (d.law[w][2] > d.law[w][b])
				b = 2;
			d.base[w] = b == 2 ? -1 : b;
			double q = 1 - d.law[w][b];
			rates[w] = q > 1e-300 ? -log1p(-q) : 0;
			d.total_rate += rates[w];
		}
		if (alias_init(&d.words_by_rate, rates, d.words)) {
			free_device(&d);
			goto out;
		}
		/* groups carrying the first nbits bits, and which of them differ at the likeliest
		 * outcomes (not fitting, or not the enrolled output) */
		unsigned nalways = 0, off = 0;
		for (unsigned g = 0; g < c->groups && off < nbits; g++) {
			unsigned kase = (d.map[g / 4] >> (2 * (g % 4))) & 3u, v, ve = 0;
			unsigned bits = debias_pp_case_bits(kase);
			d.offset[g] = off;
			d.used_groups = g + 1;
			if (!bits)
				continue;
			for (unsigned b = 0; b < bits && off + b < nbits; b++)
				ve |= (unsigned)((zref[(off + b) / 8] >> ((off + b) % 8)) & 1) << b;
			int pol[4] = {d.base[4 * g], d.base[4 * g + 1], d.base[4 * g + 2],
			              d.base[4 * g + 3]};
			int fits = debias_pp_group(kase, pol, &v);
			if (!fits || (c->ref_is_enrolment && ((v ^ ve) & ((1u << bits) - 1))))
				always[nalways++] = g;
			off += bits;
		}
		for (uint64_t t = 0; t < c->trials; t++) {
			uint64_t err[FE_MAX_BLOCKS] = {0};
			unsigned n = 0, nt = 0;
			unsigned sd = 2 * (unsigned)(t & 0x7fffffff) + 1, sr = sd + 1;
			if (t && (t & 0x7fffffff) == 0)
				memset(d.stamp, 0, d.words * sizeof(unsigned));
			deviate(&d, &x, sd, list, &n);
			if (!c->ref_is_enrolment)
				deviate(&d, &x, sr, list, &n);
			gen++;
			for (unsigned i = 0; i < n + nalways; i++) {
				unsigned g = i < n ? list[i] / 4 : always[i - n];
				if (g >= d.used_groups || gstamp[g] == gen)
					continue;
				gstamp[g] = gen;
				touched[nt++] = g;
			}
			for (unsigned i = 0; i < nt; i++) {
				unsigned g = touched[i],
				         kase = (d.map[g / 4] >> (2 * (g % 4))) & 3u;
				unsigned bits = debias_pp_case_bits(kase), vd, vr = 0;
				if (!bits)
					continue;
				group_output(&d, g, sd, &x, &vd, &r->refilled);
				if (c->ref_is_enrolment) {
					for (unsigned b = 0; b < bits && d.offset[g] + b < nbits;
					     b++) {
						unsigned i2 = d.offset[g] + b;
						vr |= (unsigned)((zref[i2 / 8] >> (i2 % 8)) & 1)
						      << b;
					}
				} else {
					group_output(&d, g, sr, &x, &vr, &r->refilled);
				}
				unsigned diff = vd ^ vr;
				for (unsigned b = 0; b < bits; b++) {
					unsigned i2 = d.offset[g] + b;
					if (i2 < nbits && ((diff >> b) & 1)) {
						err[i2 / BCH63_N] |= UINT64_C(1) << (i2 % BCH63_N);
						r->bit_errors++;
					}
				}
			}
			enum fe_model_result res = fe_model_decode(&fp, err);
			r->failures += res != FE_MODEL_OK;
			r->wrong_keys += res == FE_MODEL_WRONG_KEY;
			r->trials++;
		}
		free_device(&d);
	}
	r->mean_yield = yield_n ? yield_sum / yield_n : 0;
	ret = 0;
out:
	free(sim), free(zref), free(list), free(touched), free(gstamp), free(always), free(rates);
	return ret;
}
