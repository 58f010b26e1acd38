#!/bin/bash
# The control socket under abuse (docs/daemon.md "Control socket limits"), each case run against
# IMPL; run it with wireguard-go too, where the behaviour is compared:
#  1. a client that pipelines get=1 without reading: the daemon's memory stays bounded
#     (backpressure) and every request is still answered once the client reads (both);
#  2. a client that half-closes after get=1 receives the whole reply, here about 1 MB for 3000
#     peers, not a truncated one (both);
#  3. a set=1 ended by EOF instead of a blank line, with and without a final newline, is applied
#     and answered errno=0 (both);
#  4. 200 idle connections: `wg show` still answers at once and the daemon does not spin; hwguard
#     closes them (the oldest idle one for each newcomer beyond 64, the rest after 10 s);
#     wireguard-go keeps them all open, with no limit;
#  5. the same under a file-descriptor limit of 48 (accept fails with EMFILE): hwguard keeps
#     serving without spinning; wireguard-go's reaction is logged (0.0.20220316 exits);
#  6. hwguard only: `hwguard a:b` says the kernel does not allow ':' in interface names, and a
#     name taken by another kind of interface is reported as such.
# Usage: uapi_abuse.sh IMPL TAG
. "$(dirname "$0")/lib.sh"
impl=${1:?implementation} tag=${2:?tag}
wgt_require "$impl"
client="$(dirname "$0")/uapi_client.py"
wgt_init "$tag"
is_hwguard=false
[ "$(basename "$(wgt_impl_path "$impl")")" = hwguard ] && is_hwguard=true
ifa=$(wgt_if a)
sock=/var/run/wireguard/$ifa.sock
py()
{
	"$WGT_PYTHON" "$client" "$@"
}
result()
{
	# result KEY OUTPUT -> the value of KEY=... in a client's output line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1
}
cpu_ticks()
{
	awk '{print $14 + $15}' "/proc/$1/stat"
}

wgt_start a "$impl"
pid=$(cat "$WGT_DIR/a.pid")
wgt_in a wg set "$ifa" private-key "$(wgt_key a)" peer "$(wgt_pub b)" allowed-ips 10.77.0.2/32 ||
	wgt_fail "wg set"

# 1. Pipelined get=1 without reading.
out=$(py pipeline "$sock" 300000 "$pid") || wgt_fail "pipeline client: $out"
wgt_log "pipeline: $out"
[ "$(result rss_growth_kib "$out")" -lt 8192 ] || wgt_fail "memory grew without bound: $out"
[ "$(result requests "$out")" -gt 1000 ] || wgt_fail "too few requests went out: $out"
[ "$(result replies "$out")" = "$(result requests "$out")" ] || wgt_fail "requests unanswered: $out"

# 2. Half-close after get=1, with a reply larger than the socket buffers.
PUB_B="$(wgt_pub b)" "$WGT_PYTHON" -c '
import base64, os
print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.77.0.2/32" % os.environ["PUB_B"])
for i in range(3000):
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.0/24"
          % (base64.b64encode(os.urandom(32)).decode(), 100 + i // 256, i % 256))
' >"$WGT_DIR/peers.conf"
wg addconf "$ifa" "$WGT_DIR/peers.conf" || wgt_fail "wg addconf 3000 peers"
out=$(py halfclose "$sock") || wgt_fail "halfclose client: $out"
wgt_log "half-close: $out"
[ "$(result complete "$out")" = 1 ] && [ "$(result peers "$out")" = 3001 ] ||
	wgt_fail "truncated reply after a half-close: $out"

# 3. set=1 ended by EOF.
for body in 'listen_port=12345\n' 'listen_port=12346'; do
	out=$(py seteof "$sock" "$body") || wgt_fail "seteof client: $out"
	[ "$out" = "reply='errno=0\n\n'" ] || wgt_fail "set ended by EOF ($body): $out"
	want=${body#listen_port=}
	[ "$(wg show "$ifa" listen-port)" = "${want%\\n}" ] || wgt_fail "set ended by EOF not applied ($body)"
done

# 4. Idle connections.
py idle "$sock" 200 12 >"$WGT_DIR/idle.out" &
idler=$!
sleep 1
t0=$(cpu_ticks "$pid")
sleep 2
t1=$(cpu_ticks "$pid")
start=$(date +%s%N)
timeout 5 wg show "$ifa" >/dev/null || wgt_fail "wg show did not answer with idle connections open"
ms=$((($(date +%s%N) - start) / 1000000))
# Then, all connected and idle for more than a second (evictable, nobody waiting), until their
# timeout: the daemon must sleep.
sleep 1
t2=$(cpu_ticks "$pid")
sleep 3
t3=$(cpu_ticks "$pid")
wgt_log "idle: wg show answered in $ms ms; CPU ticks: $((t1 - t0)) in 2 s while connecting, $((t3 - t2)) in 3 s idle"
[ "$ms" -lt 3000 ] || wgt_fail "wg show took $ms ms"
[ $((t1 - t0)) -lt 20 ] || wgt_fail "the daemon used $((t1 - t0)) ticks in 2 s while connecting"
[ $((t3 - t2)) -lt 20 ] || wgt_fail "the daemon used $((t3 - t2)) ticks in 3 s with idle connections"
wait "$idler"
out=$(tail -n 1 "$WGT_DIR/idle.out")
wgt_log "idle connections after 12 s: $out"
counter()
{
	printf 'get=1\n\n' | wgt_uapi "$ifa" | sed -n "s/^hwguard_$1=//p"
}
if $is_hwguard; then
	[ "$(result open "$out")" = 0 ] || wgt_fail "idle connections were not closed: $out"
	[ "$(counter uapi_connections_evicted)" -ge 136 ] || wgt_fail "evictions: $(counter uapi_connections_evicted)"
	[ "$(counter uapi_connections_timed_out)" -ge 1 ] || wgt_fail "no idle timeout counted"
else
	[ "$(result open "$out")" = 200 ] || wgt_log "note: wireguard-go closed some: $out"
fi

# 5. Under a file-descriptor limit.
wgt_stop a
(exec ip netns exec "$(wgt_ns a)" prlimit --nofile=48 env LOG_LEVEL=verbose \
	HWGUARD_STATE_DIR="$WGT_DIR/state-a" "$(wgt_impl_path "$impl")" -f "$ifa" \
	>>"$WGT_DIR/a.log" 2>&1) &
echo $! >"$WGT_DIR/a.pid"
pid=$(cat "$WGT_DIR/a.pid")
wgt_wait_for wgt_socket_ready "$ifa" || wgt_fail "no restart under the fd limit"
py idle "$sock" 100 4 >"$WGT_DIR/idle2.out" &
idler=$!
sleep 1.5
if kill -0 "$pid" 2>/dev/null; then
	t0=$(cpu_ticks "$pid")
	sleep 2
	t1=$(cpu_ticks "$pid")
	timeout 5 wg show "$ifa" >/dev/null
	answered=$?
fi
wait "$idler"
if kill -0 "$pid" 2>/dev/null; then
	wgt_log "fd limit: alive, $((t1 - t0)) CPU ticks in 2 s, wg show status $answered"
	alive=true
else
	wgt_log "fd limit: $impl exited; its last log line: $(tail -n 1 "$WGT_DIR/a.log")"
	alive=false
fi
if $is_hwguard; then
	$alive || wgt_fail "hwguard died under the fd limit"
	[ $((t1 - t0)) -lt 20 ] || wgt_fail "spinning at the fd limit: $((t1 - t0)) ticks in 2 s"
	[ "$answered" = 0 ] || wgt_fail "wg show did not answer at the fd limit"
fi
wgt_stop a 2>/dev/null || true

# 6. Interface names.
if $is_hwguard; then
	hwg=$(wgt_impl_path hwguard)
	out=$(wgt_in a "$hwg" -f 'a:b' 2>&1) && wgt_fail "a:b accepted"
	echo "$out" | grep -q "':'" || wgt_fail "message for a:b: $out"
	wgt_in a ip link add "${WGT_PREFIX}${tag}x" type veth peer name "${WGT_PREFIX}${tag}y"
	out=$(wgt_in a "$hwg" -f "${WGT_PREFIX}${tag}x" 2>&1) && wgt_fail "a veth's name accepted"
	echo "$out" | grep -q "another type" || wgt_fail "message for a taken name: $out"
else
	out=$(wgt_in a "$(wgt_impl_path "$impl")" -f 'a:b' 2>&1)
	wgt_log "for comparison, $impl a:b says: $(echo "$out" | grep -v '[│┌└]' | tail -n 1)"
fi
wgt_pass
