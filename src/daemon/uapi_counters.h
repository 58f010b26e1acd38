/* hwguard's own counters in a UAPI `get` reply: extension lines of the device section, after the
 * key lines and before the first peer, every key prefixed hwguard_ so that `wg` ignores them
 * (docs/metrics.md lists each one). Pure text; it links against the core only for the drop
 * reasons' names. */
#ifndef HWG_DAEMON_UAPI_COUNTERS_H
#define HWG_DAEMON_UAPI_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/strbuf.h"
#include "keys/provider.h"
#include "wg/wg.h"

/* hwguard's counters (docs/metrics.md), gathered by the caller from the core
 * (wg_device_stats), the key provider (key_provider_stats_read) and the daemon. */
struct uapi_counters_view {
	struct wg_device_stats core;
	bool has_key; /* key: the installed provider's dh() statistics */
	struct key_provider_stats key;
	uint64_t tun_dropped;                /* TUN packets that could not be segmented */
	uint64_t uapi_connections_evicted;   /* idle connections closed for a new one at the cap */
	uint64_t uapi_connections_timed_out; /* connections that sent no complete request in time */
	uint64_t timestamp_mark;             /* the persisted TAI64N mark (Unix seconds; 0: none) */
	uint64_t timestamp_mark_writes;      /* times it was written since the start */
};

/* The lines:
 *   hwguard_handshakes_initiated=N, hwguard_handshakes_completed=N,
 *   hwguard_cookie_replies_sent=N, hwguard_key_provider_calls=N,
 *   hwguard_handshakes_pending=N (a gauge: handshakes waiting for a blocking key provider),
 *   hwguard_drop=REASON:N (one line per reason, wg_drop_reason_name, plus tun_offload),
 *   with a key: hwguard_key_operations=N, hwguard_key_operation_errors=N,
 *   hwguard_key_operation_ns_total=N, hwguard_key_operation_ns_max=N,
 *   hwguard_key_operation_latency=BOUND_US:N (per bucket, not cumulative; the last bound "inf"),
 *   hwguard_uapi_connections_evicted=N, hwguard_uapi_connections_timed_out=N,
 *   hwguard_timestamp_mark=SECONDS, hwguard_timestamp_mark_writes=N. */
void uapi_format_counters(struct strbuf *sb, const struct uapi_counters_view *c);

#endif
