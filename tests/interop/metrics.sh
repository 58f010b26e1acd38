#!/bin/bash
# Counters people can see (docs/metrics.md): hwguard's UAPI extension lines, `hwguard-key show`,
# and `hwguard-key show --prometheus`, whose output must be valid Prometheus text exposition format
# (checked by promcheck.py, a strict parser written from the format's specification, and by the
# prometheus_client package's parser). Known traffic is sent first: a
# handshake with wireguard-go, five garbage datagrams (dropped as "malformed"), three pings to a
# tunnel address no peer holds ("no_route"); the figures must say exactly that. Stock `wg show`
# and `wg showconf` must ignore the extension lines (same output shape as for wireguard-go, and a
# showconf | setconf round trip). Against wireguard-go, `hwguard-key show` must say that the daemon
# is not hwguard.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
key="${HWG_BIN:-}/hwguard-key"
[ -x "$key" ] || wgt_skip "needs hwguard-key"
check="$(dirname "$0")/promcheck.py"
wgt_init mx
ifa=$(wgt_if a) ifb=$(wgt_if b)

wgt_start a hwguard
wgt_start b wireguard-go
wgt_config_pair 4
wgt_ping a b || wgt_fail "ping a->b"
wgt_ping b a || wgt_fail "ping b->a"
wgt_in b "$WGT_PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(5):
    s.sendto(b"not wireguard", ("192.0.2.1", 51821))
'
wgt_in a ping -c 3 -i 0.2 -W 1 10.77.0.9 >/dev/null 2>&1
sleep 0.3

# Text.
text=$("$key" show "$ifa") || wgt_fail "hwguard-key show: $text"
echo "$text" | grep -q "public key: $(wgt_pub a)" || wgt_fail "show: public key: $text"
echo "$text" | grep -q "key provider: soft" || wgt_fail "show: provider: $text"
echo "$text" | grep -qE "handshakes: [1-9][0-9]* initiated, [1-9][0-9]* completed" ||
	wgt_fail "show: handshakes: $text"
echo "$text" | grep -qE "dropped packets:.* malformed 5(,|$)" || wgt_fail "show: drops: $text"
echo "$text" | grep -qE "key operations: [1-9][0-9]* \(0 failed\), mean" ||
	wgt_fail "show: key operations: $text"

# Prometheus.
transfer_before=$(wg show "$ifa" transfer)
"$key" show "$ifa" --prometheus >"$WGT_DIR/a.prom" || wgt_fail "show --prometheus"
transfer_after=$(wg show "$ifa" transfer)
"$WGT_PYTHON" "$check" --values "$WGT_DIR/a.prom" >"$WGT_DIR/a.values" ||
	wgt_fail "invalid exposition format: $(cat "$WGT_DIR/a.values")"
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
	wgt_fail "needs prometheus_client: install the Debian package python3-prometheus-client (scripts/deps.sh)"
/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
n = sum(len(f.samples) for f in text_string_to_metric_families(open(sys.argv[1]).read()))
assert n > 20, n
' "$WGT_DIR/a.prom" || wgt_fail "prometheus_client cannot parse the output"
value()
{
	# value NAME LABEL_SUBSTRING -> the sample's value as an integer
	grep -F "  $1{" "$WGT_DIR/a.values" | grep -F "$2" | head -n 1 | awk '{printf "%d\n", $NF}'
}
pub_b=$(wgt_pub b)
[ "$(value hwguard_dropped_packets_total 'reason="malformed"')" = 5 ] ||
	wgt_fail "malformed drops: $(value hwguard_dropped_packets_total 'reason="malformed"')"
[ "$(value hwguard_dropped_packets_total 'reason="no_route"')" -ge 3 ] || wgt_fail "no_route drops"
[ "$(value hwguard_handshakes_completed_total interface)" -ge 1 ] || wgt_fail "handshakes"
ops=$(value hwguard_key_operations_total 'key_provider="soft"')
[ "$ops" -ge 2 ] || wgt_fail "key operations: $ops"
[ "$(value hwguard_key_operation_duration_seconds_count soft)" = "$ops" ] ||
	wgt_fail "histogram count differs from the operations"
age=$(value hwguard_peer_handshake_age_seconds "$pub_b")
[ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -lt 60 ] || wgt_fail "handshake age: '$age'"
rx=$(value hwguard_peer_receive_bytes_total "$pub_b")
tx=$(value hwguard_peer_transmit_bytes_total "$pub_b")
rx0=$(echo "$transfer_before" | awk '{print $2}') tx0=$(echo "$transfer_before" | awk '{print $3}')
rx1=$(echo "$transfer_after" | awk '{print $2}') tx1=$(echo "$transfer_after" | awk '{print $3}')
[ "$rx" -ge "$rx0" ] && [ "$rx" -le "$rx1" ] && [ "$rx" -gt 0 ] || wgt_fail "rx $rx vs wg $rx0..$rx1"
[ "$tx" -ge "$tx0" ] && [ "$tx" -le "$tx1" ] && [ "$tx" -gt 0 ] || wgt_fail "tx $tx vs wg $tx0..$tx1"
grep -q "hwguard_info{interface=\"$ifa\",public_key=\"$(wgt_pub a)\",key_provider=\"soft\"} 1" \
	"$WGT_DIR/a.prom" || wgt_fail "hwguard_info"

# --output: atomic file for node_exporter's textfile collector.
mkdir "$WGT_DIR/textfile"
"$key" show "$ifa" --prometheus --output "$WGT_DIR/textfile/$ifa.prom" || wgt_fail "--output"
"$WGT_PYTHON" "$check" "$WGT_DIR/textfile/$ifa.prom" >/dev/null || wgt_fail "--output: invalid format"
[ "$(ls "$WGT_DIR/textfile")" = "$ifa.prom" ] || wgt_fail "--output left files: $(ls "$WGT_DIR/textfile")"

# The checker has teeth: broken variants of the same output must fail.
broken()
{
	"$WGT_PYTHON" "$check" "$WGT_DIR/broken.prom" >/dev/null 2>&1 && wgt_fail "promcheck accepted: $1"
	return 0
}
head -c -1 "$WGT_DIR/a.prom" >"$WGT_DIR/broken.prom" && broken "no final newline"
sed '0,/le="0.001"}/s/le="0.001"} [0-9]*/le="0.001"} 99999/' "$WGT_DIR/a.prom" >"$WGT_DIR/broken.prom" &&
	broken "non-cumulative histogram"
{ cat "$WGT_DIR/a.prom"; grep -m1 '^hwguard_peers{' "$WGT_DIR/a.prom"; } >"$WGT_DIR/broken.prom" &&
	broken "a family split in two groups"
sed 's/^hwguard_peers{interface="\([^"]*\)"}/hwguard_peers{interface="\1",interface="x"}/' \
	"$WGT_DIR/a.prom" >"$WGT_DIR/broken.prom" && broken "a duplicate label"
sed 's/^# TYPE hwguard_peers gauge/# TYPE hwguard_peers gauges/' "$WGT_DIR/a.prom" \
	>"$WGT_DIR/broken.prom" && broken "an unknown type"

# Stock wg ignores the extension lines: same dump shape as wireguard-go's, showconf round-trips.
printf 'get=1\n\n' | wgt_uapi "$ifa" | grep -q '^hwguard_drop=malformed:5$' || wgt_fail "no UAPI drop line"
fields()
{
	wgt_in "$1" wg show "$2" dump | awk '{print NF}' | tr '\n' ' '
}
[ "$(fields a "$ifa")" = "$(fields b "$ifb")" ] ||
	wgt_fail "wg show dump differs in shape: $(fields a "$ifa") vs $(fields b "$ifb")"
wg showconf "$ifa" >"$WGT_DIR/a.conf" || wgt_fail "wg showconf"
grep -qi hwguard "$WGT_DIR/a.conf" && wgt_fail "extension lines leaked into showconf"
wg show "$ifa" | grep -q "latest handshake" || wgt_fail "wg show lost the handshake"
wg setconf "$ifa" "$WGT_DIR/a.conf" || wgt_fail "showconf | setconf"
[ "$(wg showconf "$ifa")" = "$(cat "$WGT_DIR/a.conf")" ] || wgt_fail "showconf changed after setconf"

# wireguard-go has no counters: hwguard-key says so instead of printing nothing.
out=$("$key" show "$ifb" 2>&1) && wgt_fail "hwguard-key show accepted wireguard-go: $out"
echo "$out" | grep -q "not hwguard" || wgt_fail "message for wireguard-go: $out"
wgt_pass
