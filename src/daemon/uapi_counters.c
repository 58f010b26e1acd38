#include "daemon/uapi_counters.h"

#include <inttypes.h>

void uapi_format_counters(struct strbuf *sb, const struct uapi_counters_view *c)
{
	strbuf_printf(
	        sb,
	        "hwguard_handshakes_initiated=%" PRIu64 "\nhwguard_handshakes_completed=%" PRIu64
	        "\nhwguard_cookie_replies_sent=%" PRIu64 "\nhwguard_key_provider_calls=%" PRIu64
	        "\nhwguard_handshakes_pending=%" PRIu64 "\n",
	        c->core.handshakes_initiated, c->core.handshakes_completed,
	        c->core.cookie_replies_sent, c->core.key_provider_calls, c->core.static_dh_pending);
	for (int r = 0; r < WG_DROP_REASONS; r++)
		strbuf_printf(sb, "hwguard_drop=%s:%" PRIu64 "\n",
		              wg_drop_reason_name((enum wg_drop_reason)r), c->core.dropped[r]);
	strbuf_printf(sb, "hwguard_drop=tun_offload:%" PRIu64 "\n", c->tun_dropped);
	if (c->has_key) {
		strbuf_printf(sb,
		              "hwguard_key_operations=%" PRIu64
		              "\nhwguard_key_operation_errors=%" PRIu64
		              "\nhwguard_key_operation_ns_total=%" PRIu64
		              "\nhwguard_key_operation_ns_max=%" PRIu64 "\n",
		              c->key.operations, c->key.errors, c->key.total_ns, c->key.max_ns);
		for (unsigned b = 0; b < KEY_PROVIDER_LATENCY_BUCKETS; b++) {
			unsigned bound = key_provider_latency_bound_us(b);
			if (bound)
				strbuf_printf(sb, "hwguard_key_operation_latency=%u:%" PRIu64 "\n",
				              bound, c->key.buckets[b]);
			else
				strbuf_printf(sb, "hwguard_key_operation_latency=inf:%" PRIu64 "\n",
				              c->key.buckets[b]);
		}
	}
	strbuf_printf(sb,
	              "hwguard_uapi_connections_evicted=%" PRIu64
	              "\nhwguard_uapi_connections_timed_out=%" PRIu64
	              "\nhwguard_timestamp_mark=%" PRIu64 "\nhwguard_timestamp_mark_writes=%" PRIu64
	              "\n",
	              c->uapi_connections_evicted, c->uapi_connections_timed_out, c->timestamp_mark,
	              c->timestamp_mark_writes);
}
