/* Exhaustive parallel search of RESPONSEs over every live entry of the snapshot, on every core.
 * Several RESPONSEs that wait at the same moment share one scan: each thread walks a contiguous
 * slice of the entries, computes each candidate key's SIMON key schedule once for all of them
 * (simon_batch.h: the quick stage, one candidate per SIMD lane), and runs the full stage on the
 * survivors. The scan never stops early, so its time depends on the number of entries and of
 * requests, not on which entry matched. A request for which no entry reached the full stage gets
 * one full evaluation on a dummy, so that "no match" is not faster than "match" by an FE.Rec + PRF
 * (docs/pufauth-protocol.md §5). */
#ifndef HWG_PUFSERVER_SEARCH_H
#define HWG_PUFSERVER_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/server_core.h"
#include "pufserver/simon_batch.h"
#include "pufserver/snapshot.h"

/* RESPONSEs one scan can carry. */
#define PUFSEARCH_MAX_BATCH SIMON_BATCH_MAX_QUERIES

struct pufsearch_result {
	int matched;
	size_t entry; /* snapshot entry (2 * device + slot) */
	struct pufproto_match match;
	size_t full_runs; /* entries that passed the quick stage (diagnostics, benchmarks) */
};

/* One RESPONSE to search for: the parsed message and the challenge n_S it answers. */
struct pufsearch_request {
	const struct pufproto_response *m;
	const uint8_t *n_s;
	struct pufsearch_result res; /* filled by pufsearch_run */
};

/* Number of threads the search uses by default: the online CPUs. */
unsigned pufsearch_default_threads(void);

/* Searches snap for the device behind each of the n requests (1..PUFSEARCH_MAX_BATCH) in one scan.
 * threads 0 means the default. cpu_ns (may be NULL) receives the CPU time the scan's threads
 * spent: unlike the wall time it hardly depends on what else the machine runs. Returns 0 (every
 * res filled), or -1 when threads could not be started (every res says no match). */
int pufsearch_run(const struct pufsnap *snap, unsigned threads, struct pufsearch_request *reqs,
                  size_t n, uint64_t *cpu_ns);

#endif
