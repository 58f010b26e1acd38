/* Parallel exhaustive search over the snapshot. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "pufserver/search.h"

#define MAX_THREADS 64
/* Below this many entries a thread costs more than it saves. */
#define MIN_ENTRIES_PER_THREAD 2048

struct slice {
	const struct pufsnap *snap;
	const struct pufproto_response *m;
	const struct pufproto_prefilter *f;
	const uint8_t *n_s;
	size_t begin, end;
	struct pufsearch_result res;
};

unsigned pufsearch_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void scan(struct slice *sl)
{
	const struct pufsnap *s = sl->snap;
	const struct pufproto_suite *suite = &sl->m->suite;
	struct pufproto_match scratch;
	struct simon_quick_scratch ctx;

	memset(&sl->res, 0, sizeof(sl->res));
	memset(&ctx, 0, sizeof(ctx));
	for (size_t e = sl->begin; e < sl->end; e++) {
		if (!s->live[e] || s->suite[e / 2] != suite->id)
			continue;
		if (!pufproto_candidate_quick(suite, sl->f, s->keys + e * PUFPROTO_KEY_LEN, sl->m,
		                              &ctx))
			continue;
		sl->res.full_runs++;
		if (pufproto_candidate_full(suite, sl->f, s->keys + e * PUFPROTO_KEY_LEN,
		                            s->refs + e * PUFSNAP_REF_STRIDE, sl->n_s, sl->m,
		                            &scratch) &&
		    !sl->res.matched) {
			sl->res.matched = 1;
			sl->res.entry = e;
			sl->res.match = scratch;
		}
	}
	secure_wipe(&ctx, sizeof(ctx));
	secure_wipe(&scratch, sizeof(scratch));
}

static void *scan_thread(void *arg)
{
	scan(arg);
	return NULL;
}

int pufsearch_run(const struct pufsnap *snap, unsigned threads, const struct pufproto_response *m,
                  const struct pufproto_prefilter *f, const uint8_t *n_s,
                  struct pufsearch_result *res)
{
	struct slice sl[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	size_t entries = pufsnap_entries(snap), per;
	unsigned started = 0;
	int ret = 0;

	memset(res, 0, sizeof(*res));
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
		sl[t].m = m;
		sl[t].f = f;
		sl[t].n_s = n_s;
		sl[t].begin = t * per < entries ? t * per : entries;
		sl[t].end = (t + 1) * per < entries ? (t + 1) * per : entries;
	}
	/* slice 0 runs on the calling thread */
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tid[t], NULL, scan_thread, &sl[t]) != 0) {
			ret = -1;
			break;
		}
		started = t;
	}
	scan(&sl[0]);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	if (ret) {
		for (unsigned t = 0; t < threads; t++)
			secure_wipe(&sl[t].res, sizeof(sl[t].res));
		return -1;
	}
	/* slices are in entry order, so the first match found is the lowest entry */
	for (unsigned t = 0; t < threads; t++) {
		res->full_runs += sl[t].res.full_runs;
		if (sl[t].res.matched && !res->matched) {
			res->matched = 1;
			res->entry = sl[t].res.entry;
			res->match = sl[t].res.match;
		}
		secure_wipe(&sl[t].res, sizeof(sl[t].res));
	}
	if (res->full_runs == 0) {
		uint8_t zero[PUFSNAP_REF_STRIDE] = {0};
		struct pufproto_match scratch;

		pufproto_candidate_full(&m->suite, f, zero, zero, n_s, m, &scratch);
		secure_wipe(&scratch, sizeof(scratch));
	}
	return 0;
}
