/* Exhaustive parallel search of a RESPONSE over every live entry of the snapshot, on every core.
 * Each thread scans a contiguous slice with the cheap quick stage and runs the full stage on the
 * survivors; the scan never stops early, so its time depends on the number of entries, not on which
 * one matched. When no entry at all reached the full stage, one full evaluation is run on a dummy
 * so that "no match" is not faster than "match" by an FE.Rec + PRF (docs/pufauth-protocol.md §5).
 */
#ifndef HWG_PUFSERVER_SEARCH_H
#define HWG_PUFSERVER_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/server_core.h"
#include "pufserver/snapshot.h"

struct pufsearch_result {
	int matched;
	size_t entry; /* snapshot entry (2 * device + slot) */
	struct pufproto_match match;
	size_t full_runs; /* entries that passed the quick stage (diagnostics, benchmarks) */
};

/* Number of threads the search uses by default: the online CPUs. */
unsigned pufsearch_default_threads(void);

/* Searches snap for the device that produced m for challenge n_s. threads 0 means the default.
 * Returns 0 (res filled), or -1 when threads could not be started (res says no match). */
int pufsearch_run(const struct pufsnap *snap, unsigned threads, const struct pufproto_response *m,
                  const struct pufproto_prefilter *f, const uint8_t *n_s,
                  struct pufsearch_result *res);

#endif
