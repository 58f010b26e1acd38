#include "metrics.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crypto/codec.h"
#include "daemon/text.h"

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->err = -1;
}

void metrics_free(struct metrics *m)
{
	free(m->peers);
	m->peers = NULL;
	m->n_peers = m->cap_peers = 0;
}

/* A short word of [a-z0-9_] (provider names, drop reasons): safe in a label and in text output. */
static int take_word(char out[METRICS_NAME_LEN], const char *s, size_t len)
{
	if (len == 0 || len >= METRICS_NAME_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int take_u64(uint64_t *out, const char *s, size_t len)
{
	return text_parse_uint(s, len, UINT64_MAX, out) == 0 ? 0 : -1;
}

/* "NAME:N" */
static int take_pair(const char *s, size_t len, const char **name, size_t *name_len, uint64_t *n)
{
	const char *colon = memchr(s, ':', len);
	if (!colon)
		return -1;
	*name = s;
	*name_len = (size_t)(colon - s);
	return take_u64(n, colon + 1, len - *name_len - 1);
}

static int take_drop(struct metrics *m, const char *v, size_t len)
{
	const char *name;
	size_t name_len;
	uint64_t n;
	if (take_pair(v, len, &name, &name_len, &n) || m->n_drops == METRICS_MAX_DROPS ||
	    take_word(m->drops[m->n_drops].reason, name, name_len))
		return -1;
	m->drops[m->n_drops++].count = n;
	return 0;
}

static int take_latency(struct metrics *m, const char *v, size_t len)
{
	const char *name;
	size_t name_len;
	uint64_t n, bound = 0;
	if (take_pair(v, len, &name, &name_len, &n) || m->n_latency == METRICS_MAX_BUCKETS)
		return -1;
	if (!(name_len == 3 && !memcmp(name, "inf", 3)) &&
	    (take_u64(&bound, name, name_len) || bound == 0))
		return -1;
	/* Buckets come in increasing order, the unbounded one last. */
	if (m->n_latency > 0) {
		uint64_t prev = m->latency[m->n_latency - 1].bound_us;
		if (prev == 0 || (bound != 0 && bound <= prev))
			return -1;
	}
	m->latency[m->n_latency].bound_us = bound;
	m->latency[m->n_latency++].count = n;
	return 0;
}

static struct metrics_peer *new_peer(struct metrics *m)
{
	if (m->n_peers == m->cap_peers) {
		size_t cap = m->cap_peers ? 2 * m->cap_peers : 16;
		struct metrics_peer *p = realloc(m->peers, cap * sizeof(*p));
		if (!p) {
			m->out_of_memory = true;
			return NULL;
		}
		m->peers = p;
		m->cap_peers = cap;
	}
	struct metrics_peer *p = &m->peers[m->n_peers++];
	memset(p, 0, sizeof(*p));
	return p;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(k, name, klen);
}

int metrics_take_line(struct metrics *m, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	if (!eq)
		return 0;
	const char *k = line, *v = eq + 1;
	size_t klen = (size_t)(eq - line), vlen = len - klen - 1;
	struct metrics_peer *peer = m->n_peers ? &m->peers[m->n_peers - 1] : NULL;
	static const struct {
		const char *name;
		size_t offset;
	} counters[] = {
	        {"hwguard_handshakes_initiated", offsetof(struct metrics, handshakes_initiated)},
	        {"hwguard_handshakes_completed", offsetof(struct metrics, handshakes_completed)},
	        {"hwguard_cookie_replies_sent", offsetof(struct metrics, cookie_replies_sent)},
	        {"hwguard_key_provider_calls", offsetof(struct metrics, key_provider_calls)},
	        {"hwguard_handshakes_pending", offsetof(struct metrics, handshakes_pending)},
	        {"hwguard_key_operations", offsetof(struct metrics, key_operations)},
	        {"hwguard_key_operation_errors", offsetof(struct metrics, key_operation_errors)},
	        {"hwguard_key_operation_ns_total",
	         offsetof(struct metrics, key_operation_ns_total)},
	        {"hwguard_key_operation_ns_max", offsetof(struct metrics, key_operation_ns_max)},
	        {"hwguard_uapi_connections_evicted",
	         offsetof(struct metrics, uapi_connections_evicted)},
	        {"hwguard_uapi_connections_timed_out",
	         offsetof(struct metrics, uapi_connections_timed_out)},
	        {"hwguard_timestamp_mark", offsetof(struct metrics, timestamp_mark)},
	        {"hwguard_timestamp_mark_writes", offsetof(struct metrics, timestamp_mark_writes)},
	};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (key_is(k, klen, counters[i].name)) {
			m->have_counters = true;
			if (!strncmp(counters[i].name, "hwguard_key_operation", 21))
				m->have_key_operations = true;
			return take_u64((uint64_t *)((char *)m + counters[i].offset), v, vlen);
		}
	if (key_is(k, klen, "hwguard_drop")) {
		m->have_counters = true;
		return take_drop(m, v, vlen);
	}
	if (key_is(k, klen, "hwguard_key_operation_latency")) {
		m->have_key_operations = true;
		return take_latency(m, v, vlen);
	}
	if (key_is(k, klen, "hwguard_public_key")) {
		m->have_key = text_parse_key(v, vlen, m->public_key) == 0;
		return m->have_key ? 0 : -1;
	}
	if (key_is(k, klen, "hwguard_key_provider"))
		return take_word(m->provider, v, vlen);
	if (key_is(k, klen, "public_key")) {
		peer = new_peer(m);
		if (!peer)
			return -1;
		return text_parse_key(v, vlen, peer->public_key) == 0 ? 0 : -1;
	}
	if (peer && key_is(k, klen, "last_handshake_time_sec"))
		return take_u64(&peer->last_handshake_sec, v, vlen);
	if (peer && key_is(k, klen, "rx_bytes"))
		return take_u64(&peer->rx_bytes, v, vlen);
	if (peer && key_is(k, klen, "tx_bytes"))
		return take_u64(&peer->tx_bytes, v, vlen);
	if (key_is(k, klen, "errno")) {
		bool neg = vlen > 0 && v[0] == '-';
		uint64_t e;
		if (take_u64(&e, v + neg, vlen - neg) || e > 4095)
			return -1;
		m->have_errno = true;
		m->err = neg ? -(long)e : (long)e;
		return 0;
	}
	return 0;
}

/* ---- text ---- */

static void print_duration(FILE *out, uint64_t ns)
{
	if (ns >= 1000000000ull)
		fprintf(out, "%.2f s", (double)ns / 1e9);
	else if (ns >= 1000000)
		fprintf(out, "%.1f ms", (double)ns / 1e6);
	else
		fprintf(out, "%.1f us", (double)ns / 1e3);
}

void metrics_print_text(const struct metrics *m, const char *ifname, FILE *out)
{
	char pub64[BASE64_LEN(KEY_LEN) + 1];
	fprintf(out, "interface: %s\n", ifname);
	if (m->have_key) {
		base64_encode(pub64, m->public_key, KEY_LEN);
		fprintf(out, "  public key: %s\n  key provider: %s\n", pub64,
		        m->provider[0] ? m->provider : "(not reported)");
	} else {
		fprintf(out, "  public key: (none: no private key set)\n");
	}
	if (!m->have_counters)
		return;
	fprintf(out, "  peers: %zu\n", m->n_peers);
	fprintf(out,
	        "  handshakes: %" PRIu64 " initiated, %" PRIu64 " completed; %" PRIu64
	        " cookie replies sent\n",
	        m->handshakes_initiated, m->handshakes_completed, m->cookie_replies_sent);
	if (m->handshakes_pending)
		fprintf(out, "  handshakes waiting for the key provider: %" PRIu64 "\n",
		        m->handshakes_pending);
	if (m->have_key_operations) {
		fprintf(out, "  key operations: %" PRIu64 " (%" PRIu64 " failed)",
		        m->key_operations, m->key_operation_errors);
		if (m->key_operations) {
			fprintf(out, ", mean ");
			print_duration(out, m->key_operation_ns_total / m->key_operations);
			fprintf(out, ", max ");
			print_duration(out, m->key_operation_ns_max);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "  dropped packets:");
	bool any = false;
	for (unsigned i = 0; i < m->n_drops; i++)
		if (m->drops[i].count) {
			fprintf(out, "%s %s %" PRIu64, any ? "," : "", m->drops[i].reason,
			        m->drops[i].count);
			any = true;
		}
	fprintf(out, "%s\n", any ? "" : " none");
	if (m->uapi_connections_evicted || m->uapi_connections_timed_out)
		fprintf(out,
		        "  control connections closed: %" PRIu64 " idle at the limit, %" PRIu64
		        " timed out\n",
		        m->uapi_connections_evicted, m->uapi_connections_timed_out);
	if (m->timestamp_mark)
		fprintf(out, "  handshake timestamp mark: %" PRIu64 " (%" PRIu64 " writes)\n",
		        m->timestamp_mark, m->timestamp_mark_writes);
}

/* ---- Prometheus text exposition format 0.0.4 ---- */

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{interface="IF"[,label="value"]...}: up to two more labels (NULL names end the list). */
static void series(FILE *out, const char *name, const char *ifname, const char *label1,
                   const char *value1, const char *label2, const char *value2)
{
	fprintf(out, "%s{interface=\"", name);
	label_value(out, ifname);
	fputc('"', out);
	const char *labels[2] = {label1, label2}, *values[2] = {value1, value2};
	for (int i = 0; i < 2 && labels[i]; i++) {
		fprintf(out, ",%s=\"", labels[i]);
		label_value(out, values[i]);
		fputc('"', out);
	}
	fputc('}', out);
}

static void device_counter(FILE *out, const char *ifname, const char *name, const char *help,
                           uint64_t v)
{
	family(out, name, "counter", help);
	series(out, name, ifname, NULL, NULL, NULL, NULL);
	fprintf(out, " %" PRIu64 "\n", v);
}

static void peer_family(FILE *out, const struct metrics *m, const char *ifname, const char *name,
                        const char *type, const char *help, int what, uint64_t now_sec)
{
	bool started = false;
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct metrics_peer *p = &m->peers[i];
		uint64_t v;
		if (what == 0)
			v = p->rx_bytes;
		else if (what == 1)
			v = p->tx_bytes;
		else if (what == 2)
			v = p->last_handshake_sec;
		else if (!p->last_handshake_sec)
			continue; /* no age without a handshake */
		else
			v = now_sec > p->last_handshake_sec ? now_sec - p->last_handshake_sec : 0;
		if (!started)
			family(out, name, type, help);
		started = true;
		char pub64[BASE64_LEN(KEY_LEN) + 1];
		base64_encode(pub64, p->public_key, KEY_LEN);
		series(out, name, ifname, "public_key", pub64, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", v);
	}
}

void metrics_print_prometheus(const struct metrics *m, const char *ifname, uint64_t now_sec,
                              FILE *out)
{
	char pub64[BASE64_LEN(KEY_LEN) + 1] = "";
	if (m->have_key)
		base64_encode(pub64, m->public_key, KEY_LEN);
	family(out, "hwguard_info", "gauge",
	       "Always 1; labels: the interface's public key and key provider (empty without a "
	       "key).");
	series(out, "hwguard_info", ifname, "public_key", pub64, "key_provider", m->provider);
	fprintf(out, " 1\n");
	family(out, "hwguard_peers", "gauge", "Peers configured on the interface.");
	series(out, "hwguard_peers", ifname, NULL, NULL, NULL, NULL);
	fprintf(out, " %zu\n", m->n_peers);
	if (m->have_counters) {
		device_counter(out, ifname, "hwguard_handshakes_initiated_total",
		               "Handshake initiations sent (retransmissions included).",
		               m->handshakes_initiated);
		device_counter(out, ifname, "hwguard_handshakes_completed_total",
		               "Handshakes completed, as initiator or responder.",
		               m->handshakes_completed);
		device_counter(out, ifname, "hwguard_cookie_replies_sent_total",
		               "Cookie replies sent while under load.", m->cookie_replies_sent);
		device_counter(out, ifname, "hwguard_key_provider_calls_total",
		               "Static-key Diffie-Hellman operations the WireGuard core asked for.",
		               m->key_provider_calls);
		family(out, "hwguard_handshakes_pending", "gauge",
		       "Handshakes waiting for a blocking key provider (an SE050) now.");
		series(out, "hwguard_handshakes_pending", ifname, NULL, NULL, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", m->handshakes_pending);
		family(out, "hwguard_dropped_packets_total", "counter",
		       "Packets dropped, by reason (docs/metrics.md).");
		for (unsigned i = 0; i < m->n_drops; i++) {
			series(out, "hwguard_dropped_packets_total", ifname, "reason",
			       m->drops[i].reason, NULL, NULL);
			fprintf(out, " %" PRIu64 "\n", m->drops[i].count);
		}
		device_counter(out, ifname, "hwguard_uapi_connections_evicted_total",
		               "Idle control-socket connections closed to admit a new one at the "
		               "limit.",
		               m->uapi_connections_evicted);
		device_counter(
		        out, ifname, "hwguard_uapi_connections_timed_out_total",
		        "Control-socket connections closed for sending no complete request in "
		        "time.",
		        m->uapi_connections_timed_out);
		family(out, "hwguard_timestamp_mark_seconds", "gauge",
		       "The persisted high-water mark of handshake timestamps (Unix time; 0: "
		       "none).");
		series(out, "hwguard_timestamp_mark_seconds", ifname, NULL, NULL, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", m->timestamp_mark);
		device_counter(out, ifname, "hwguard_timestamp_mark_writes_total",
		               "Writes of the timestamp mark since the daemon started.",
		               m->timestamp_mark_writes);
	}
	if (m->have_key_operations) {
		const char *prov = m->provider[0] ? m->provider : "unknown";
		family(out, "hwguard_key_operations_total", "counter",
		       "Diffie-Hellman operations performed by the key provider.");
		series(out, "hwguard_key_operations_total", ifname, "key_provider", prov, NULL,
		       NULL);
		fprintf(out, " %" PRIu64 "\n", m->key_operations);
		family(out, "hwguard_key_operation_errors_total", "counter",
		       "Key provider operations that failed (device absent, bus error, budget "
		       "spent).");
		series(out, "hwguard_key_operation_errors_total", ifname, "key_provider", prov,
		       NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", m->key_operation_errors);
		family(out, "hwguard_key_operation_duration_seconds", "histogram",
		       "Time the key provider took per operation.");
		uint64_t cumulative = 0;
		for (unsigned i = 0; i < m->n_latency; i++) {
			cumulative += m->latency[i].count;
			fprintf(out, "hwguard_key_operation_duration_seconds_bucket{interface=\"");
			label_value(out, ifname);
			fprintf(out, "\",key_provider=\"%s\",le=\"", prov);
			if (m->latency[i].bound_us)
				fprintf(out, "%g", (double)m->latency[i].bound_us / 1e6);
			else
				fputs("+Inf", out);
			fprintf(out, "\"} %" PRIu64 "\n", cumulative);
		}
		if (m->n_latency == 0 || m->latency[m->n_latency - 1].bound_us != 0) {
			fprintf(out, "hwguard_key_operation_duration_seconds_bucket{interface=\"");
			label_value(out, ifname);
			fprintf(out, "\",key_provider=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", prov,
			        m->key_operations);
		}
		series(out, "hwguard_key_operation_duration_seconds_sum", ifname, "key_provider",
		       prov, NULL, NULL);
		fprintf(out, " %.9f\n", (double)m->key_operation_ns_total / 1e9);
		series(out, "hwguard_key_operation_duration_seconds_count", ifname, "key_provider",
		       prov, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", m->n_latency ? cumulative : m->key_operations);
		family(out, "hwguard_key_operation_duration_max_seconds", "gauge",
		       "The slowest key provider operation since the key was installed.");
		series(out, "hwguard_key_operation_duration_max_seconds", ifname, "key_provider",
		       prov, NULL, NULL);
		fprintf(out, " %.9f\n", (double)m->key_operation_ns_max / 1e9);
	}
	peer_family(out, m, ifname, "hwguard_peer_receive_bytes_total", "counter",
	            "Bytes received from the peer (transport packets, as wg shows them).", 0,
	            now_sec);
	peer_family(out, m, ifname, "hwguard_peer_transmit_bytes_total", "counter",
	            "Bytes sent to the peer.", 1, now_sec);
	peer_family(out, m, ifname, "hwguard_peer_last_handshake_timestamp_seconds", "gauge",
	            "Unix time of the last completed handshake with the peer (0: never).", 2,
	            now_sec);
	peer_family(out, m, ifname, "hwguard_peer_handshake_age_seconds", "gauge",
	            "Seconds since the last completed handshake (peers with one only).", 3,
	            now_sec);
}
