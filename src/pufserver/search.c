/* Parallel exhaustive search over the snapshot, for a batch of RESPONSEs. */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "pufserver/search.h"

#define MAX_THREADS 64
/* Below this many entries a thread costs more than it saves. */
#define MIN_ENTRIES_PER_THREAD 2048
/* Keys per quick-stage call: small enough for the pass bits to stay in L1. */
#define CHUNK 512

/* The requests of one suite: they share a cipher, so one quick-stage pass serves them all. */
struct group {
	uint8_t suite_id;
	const struct pufproto_suite *suite;
	struct pufproto_prefilter f;
	unsigned n;
	size_t req[PUFSEARCH_MAX_BATCH];
	struct simon_batch_query q[PUFSEARCH_MAX_BATCH];
};

struct slice {
	const struct pufsnap *snap;
	const struct pufsearch_request *reqs;
	const struct group *groups;
	unsigned ngroups;
	size_t begin, end;
	uint64_t cpu_ns;
	struct pufsearch_result res[PUFSEARCH_MAX_BATCH];
};

unsigned pufsearch_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void full_stage(struct slice *sl, const struct group *g, unsigned k, size_t e,
                       struct pufproto_match *scratch)
{
	const struct pufsnap *s = sl->snap;
	size_t r = g->req[k];
	struct pufsearch_result *res = &sl->res[r];

	res->full_runs++;
	if (pufproto_candidate_full(g->suite, &g->f, s->keys + e * PUFPROTO_KEY_LEN,
	                            s->refs + e * PUFSNAP_REF_STRIDE, sl->reqs[r].n_s,
	                            sl->reqs[r].m, scratch) &&
	    !res->matched) {
		res->matched = 1;
		res->entry = e;
		res->match = *scratch;
	}
}

static void scan_group(struct slice *sl, const struct group *g, struct pufproto_match *scratch)
{
	const struct pufsnap *s = sl->snap;
	uint32_t pass[CHUNK];

	for (size_t e = sl->begin; e < sl->end; e += CHUNK) {
		size_t n = sl->end - e < CHUNK ? sl->end - e : CHUNK;

		if (!g->f.usable || g->f.pad_bytes == 0 ||
		    simon_batch_filter(g->suite->cipher, s->keys + e * PUFPROTO_KEY_LEN, n, g->q,
		                       g->n, pass)) {
			/* no padding to check, or a cipher without a quick stage: every candidate
			 * goes on to the full stage */
			for (size_t j = 0; j < n; j++)
				pass[j] = (uint32_t)(((uint64_t)1 << g->n) - 1);
		}
		for (size_t j = 0; j < n; j++) {
			size_t entry = e + j;

			if (!pass[j] || !s->live[entry] || s->suite[entry / 2] != g->suite_id)
				continue;
			for (unsigned k = 0; k < g->n; k++)
				if (pass[j] >> k & 1)
					full_stage(sl, g, k, entry, scratch);
		}
	}
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *scan(void *arg)
{
	struct slice *sl = arg;
	struct pufproto_match scratch;
	uint64_t t0 = thread_cpu_ns();

	memset(sl->res, 0, sizeof(sl->res));
	for (unsigned g = 0; g < sl->ngroups; g++)
		scan_group(sl, &sl->groups[g], &scratch);
	secure_wipe(&scratch, sizeof(scratch));
	sl->cpu_ns = thread_cpu_ns() - t0;
	return NULL;
}

/* Sorts the requests into suite groups and prepares each one's quick-stage queries: the last
 * ciphertext block, and the padding its plaintext must show (the previous block XOR the padding,
 * since c is CBC). */
static unsigned make_groups(const struct pufsearch_request *reqs, size_t n, struct group *groups)
{
	unsigned ng = 0;

	for (size_t r = 0; r < n; r++) {
		const struct pufproto_response *m = reqs[r].m;
		struct group *g = NULL;

		for (unsigned i = 0; i < ng && !g; i++)
			if (groups[i].suite_id == m->suite.id)
				g = &groups[i];
		if (!g) {
			g = &groups[ng++];
			memset(g, 0, sizeof(*g));
			g->suite_id = m->suite.id;
			g->suite = &m->suite;
			pufproto_prefilter_init(&m->suite, &g->f);
		}
		{
			size_t b = m->suite.block_len, last = m->suite.ciphertext_len - b;
			uint8_t want[SIMON_MAX_BLOCK];

			for (size_t i = 0; i < b; i++)
				want[i] = (uint8_t)((g->f.value[i] ^ m->c[last - b + i]) &
				                    g->f.mask[i]);
			simon_batch_query_init(&g->q[g->n], m->suite.cipher, m->c + last, want,
			                       g->f.mask);
		}
		g->req[g->n++] = r;
	}
	return ng;
}

int pufsearch_run(const struct pufsnap *snap, unsigned threads, struct pufsearch_request *reqs,
                  size_t n, uint64_t *cpu_ns)
{
	struct slice sl[MAX_THREADS];
	struct group groups[PUFSEARCH_MAX_BATCH];
	pthread_t tid[MAX_THREADS];
	size_t entries = pufsnap_entries(snap), per;
	unsigned started = 0, ngroups;
	int ret = 0;

	for (size_t r = 0; r < n; r++)
		memset(&reqs[r].res, 0, sizeof(reqs[r].res));
	if (cpu_ns)
		*cpu_ns = 0;
	if (n == 0 || n > PUFSEARCH_MAX_BATCH)
		return n == 0 ? 0 : -1;
	ngroups = make_groups(reqs, n, groups);
	if (threads == 0)
		threads = pufsearch_default_threads();
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (entries / threads < MIN_ENTRIES_PER_THREAD)
		threads = entries / MIN_ENTRIES_PER_THREAD
		                  ? (unsigned)(entries / MIN_ENTRIES_PER_THREAD)
		                  : 1;
	per = (entries + threads - 1) / threads;
	per += per & 1; /* keep a device's two entries in one slice */
	for (unsigned t = 0; t < threads; t++) {
		sl[t].snap = snap;
		sl[t].reqs = reqs;
		sl[t].groups = groups;
		sl[t].ngroups = ngroups;
		sl[t].begin = t * per < entries ? t * per : entries;
		sl[t].end = (t + 1) * per < entries ? (t + 1) * per : entries;
	}
	/* slice 0 runs on the calling thread */
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tid[t], NULL, scan, &sl[t]) != 0) {
			ret = -1;
			break;
		}
		started = t;
	}
	scan(&sl[0]);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	/* slices are in entry order, so the first match found is the lowest entry */
	for (unsigned t = 0; t < threads && ret == 0; t++) {
		for (size_t r = 0; r < n; r++) {
			struct pufsearch_result *res = &reqs[r].res;

			res->full_runs += sl[t].res[r].full_runs;
			if (sl[t].res[r].matched && !res->matched) {
				res->matched = 1;
				res->entry = sl[t].res[r].entry;
				res->match = sl[t].res[r].match;
			}
		}
	}
	for (unsigned t = 0; t < threads; t++) {
		if (cpu_ns && (t == 0 || t <= started))
			*cpu_ns += sl[t].cpu_ns;
		secure_wipe(sl[t].res, sizeof(sl[t].res));
	}
	secure_wipe(groups, sizeof(groups));
	if (ret) {
		for (size_t r = 0; r < n; r++)
			secure_wipe(&reqs[r].res, sizeof(reqs[r].res));
		return -1;
	}
	for (size_t r = 0; r < n; r++) {
		if (reqs[r].res.full_runs == 0) {
			uint8_t zero[PUFSNAP_REF_STRIDE] = {0};
			struct pufproto_prefilter f;
			struct pufproto_match scratch;

			pufproto_prefilter_init(&reqs[r].m->suite, &f);
			pufproto_candidate_full(&reqs[r].m->suite, &f, zero, zero, reqs[r].n_s,
			                        reqs[r].m, &scratch);
			secure_wipe(&scratch, sizeof(scratch));
		}
	}
	return 0;
}
