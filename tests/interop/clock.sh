#!/bin/bash
# A reboot without a real-time clock (docs/daemon.md "Clock"): hwguard on side a completes a
# handshake with wireguard-go on side b, then restarts with its wall clock two days behind (an
# LD_PRELOAD shim; Linux time namespaces never shift CLOCK_REALTIME). Its next initiation must
# carry a timestamp later than the last one b saw, so b accepts the first initiation: the ping
# succeeds within 3 s, before any retransmission (5 s), and a sent exactly one initiation.
# The control: the same restart without the state directory's mark is rejected by b as a replay,
# which shows that the clock really was behind and that the mark is what fixes it.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
shim="${HWG_BIN:-}/../tests/libhwg_clockshift.so"
[ -f "$shim" ] || wgt_skip "needs the clock shim (build/tests/libhwg_clockshift.so)"
wgt_init ck
behind=$((2 * 86400))
ifa=$(wgt_if a)
state="$WGT_DIR/state-a"

# The counters hwguard reports on its socket (docs/metrics.md).
counter()
{
	printf 'get=1\n\n' | wgt_uapi "$ifa" | sed -n "s/^hwguard_$1=//p"
}

wgt_start a hwguard
wgt_start b wireguard-go
wgt_config_pair 4
wgt_ping a b || wgt_fail "first handshake"
[ -s "$state/$ifa.timestamp" ] || wgt_fail "no timestamp mark in $state"
mark=$(cat "$state/$ifa.timestamp")
now=$(date +%s)
[ "$mark" -ge "$now" ] && [ "$mark" -le $((now + 3600)) ] ||
	wgt_fail "mark $mark is not within the hour after the clock ($now)"
first=$(wgt_in b wg show "$(wgt_if b)" latest-handshakes | awk '{print $2}')

restart_behind()
{
	# b must not initiate a session itself (its timers would, 15 s after a goes quiet): its
	# endpoint for a points nowhere until a's initiation is accepted and teaches it the real one.
	wgt_in b wg set "$(wgt_if b)" peer "$(wgt_pub a)" endpoint 192.0.2.99:9
	wgt_stop a
	WGT_START_ENV="LD_PRELOAD=$shim HWG_CLOCK_OFFSET_S=-$behind" wgt_start a hwguard
	wgt_config_side a 4
	# The shim works: the daemon's log dates are two days back.
	local expect
	expect=$(date -d "@$(($(date +%s) - behind))" +%Y/%m/%d)
	tail -n 1 "$WGT_DIR/a.log" | grep -q " $expect " ||
		wgt_fail "the daemon's clock is not two days behind: $(tail -n 1 "$WGT_DIR/a.log")"
}

# 1. Restart with the clock behind: b takes the first initiation.
restart_behind
grep -q "wall clock is [0-9]* s behind the timestamp mark" "$WGT_DIR/a.log" ||
	wgt_fail "the daemon did not notice that its clock is behind the mark"
wgt_in a ping -c 1 -W 3 "$(wgt_inner4 b)" >/dev/null ||
	wgt_fail "the first handshake after the restart did not complete within 3 s"
[ "$(counter handshakes_initiated)" = 1 ] ||
	wgt_fail "$(counter handshakes_initiated) initiations for one handshake"
[ "$(counter handshakes_completed)" = 1 ] || wgt_fail "handshake not counted as completed"
second=$(wgt_in b wg show "$(wgt_if b)" latest-handshakes | awk '{print $2}')
[ "$second" -gt "$first" ] || wgt_fail "b's latest handshake did not move ($first, $second)"
[ "$(cat "$state/$ifa.timestamp")" -gt "$mark" ] || wgt_fail "the mark did not move forward"
grep -q "Received invalid initiation" "$WGT_DIR/b.log" && wgt_fail "b rejected an initiation"

# 2. Control: the same restart without the mark. b must reject it (replay).
rm -rf "$state"
restart_behind
wgt_in a ping -c 1 -W 3 "$(wgt_inner4 b)" >/dev/null &&
	wgt_fail "b accepted a timestamp two days old: the test cannot tell the mark's effect"
[ "$(counter handshakes_completed)" = 0 ] || wgt_fail "a handshake completed without the mark"
[ "$(counter handshakes_initiated)" -ge 1 ] || wgt_fail "a sent no initiation in the control"
grep -q "Received invalid initiation" "$WGT_DIR/b.log" ||
	wgt_fail "b did not log the rejected initiation"
wgt_pass
