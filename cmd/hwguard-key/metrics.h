/* What `hwguard-key show IFNAME` reads from a daemon's `get` reply and how it prints it: as text,
 * or in the Prometheus text exposition format (version 0.0.4) for node_exporter's textfile
 * collector. Each metric is documented in docs/metrics.md. The reply parser is pure (fuzzed:
 * fuzz_metrics). */
#ifndef HWGUARD_KEY_METRICS_H
#define HWGUARD_KEY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keys/provider.h"

#define METRICS_MAX_DROPS   32
#define METRICS_NAME_LEN    32
#define METRICS_MAX_BUCKETS 16

struct metrics_peer {
	uint8_t public_key[KEY_LEN];
	uint64_t last_handshake_sec; /* 0: never */
	uint64_t rx_bytes, tx_bytes;
};

struct metrics {
	bool have_key;
	uint8_t public_key[KEY_LEN];
	char provider[METRICS_NAME_LEN];
	bool have_counters; /* the daemon is hwguard (its extension lines are there) */
	uint64_t handshakes_initiated, handshakes_completed, cookie_replies_sent;
	uint64_t key_provider_calls;
	uint64_t handshakes_pending; /* a gauge: waiting for a blocking key provider now */
	struct {
		char reason[METRICS_NAME_LEN];
		uint64_t count;
	} drops[METRICS_MAX_DROPS];
	unsigned n_drops;
	bool have_key_operations;
	uint64_t key_operations, key_operation_errors, key_operation_ns_total, key_operation_ns_max;
	struct {
		uint64_t bound_us; /* 0: unbounded (+Inf) */
		uint64_t count;    /* in this bucket only */
	} latency[METRICS_MAX_BUCKETS];
	unsigned n_latency;
	uint64_t uapi_connections_evicted, uapi_connections_timed_out;
	uint64_t timestamp_mark, timestamp_mark_writes;
	struct metrics_peer *peers;
	size_t n_peers, cap_peers;
	bool have_errno;
	long err;
	bool out_of_memory;
};

void metrics_init(struct metrics *m);
void metrics_free(struct metrics *m);
/* Takes one line of the reply, without its '\n'. Unknown keys are ignored, as `wg` does; returns
 * -1 for a malformed value of a key it reads (the daemon is not speaking hwguard's protocol). */
int metrics_take_line(struct metrics *m, const char *line, size_t len);

void metrics_print_text(const struct metrics *m, const char *ifname, FILE *out);
/* now_sec: the wall clock, for the handshake ages. */
void metrics_print_prometheus(const struct metrics *m, const char *ifname, uint64_t now_sec,
                              FILE *out);

#endif
