#!/bin/bash
# Key rotation while hwguard runs and owns the SE050 (se050-emu at 40 ms per ECDH), under traffic
# (a pings b every 50 ms), with no restart: the next key is generated and read through the daemon
# (`hwguard-key genkey/pubkey/list --via`), the server (wireguard-go, side b) replaces the peer,
# the device switches with stock `wg set private-key`. At most one handshake's worth of pings is
# lost; the old key is deleted through the daemon, the one in use cannot be. --via against a daemon
# that is not hwguard, or no daemon, fails with a clear message. docs/se050.md "Key rotation".
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
wgt_need_se050_tools
key="$WGT_BIN/hwguard-key"
wgt_init sr
ifa=$(wgt_if a) ifb=$(wgt_if b)
wgt_se050_chip_a "$WGT_DIR/old.handle" --latency-ecdh 40
oldpub=$WGT_CHIP_PUB

wgt_start a hwguard
wgt_start b wireguard-go
pid=$(cat "$WGT_DIR/a.pid")
wgt_config_v4 a "$WGT_DIR/old.handle" "$(wgt_pub b)"
wgt_config_v4 b "$(wgt_key b)" "$oldpub"
wgt_ping a b || wgt_fail "ping a->b with the old key"

# The chip belongs to the daemon now: direct access is refused, --via goes through it.
"$key" list >/dev/null 2>&1 && wgt_fail "a second owner of the chip was let in"
wgt_in a ping -i 0.05 -c 120 -W 1 10.77.0.2 >"$WGT_DIR/ping.out" 2>&1 &
traffic=$!
sleep 1
"$key" genkey --se050 0x1000000a --via "$ifa" >"$WGT_DIR/new.handle" || wgt_fail "genkey --via"
newpub=$("$key" pubkey --via "$ifa" <"$WGT_DIR/new.handle") || wgt_fail "pubkey --via"
[ "$newpub" != "$oldpub" ] || wgt_fail "the new key is the old one"
"$key" list --via "$ifa" >"$WGT_DIR/list" || wgt_fail "list --via"
grep -q "^0x10000009  x25519  public $oldpub" "$WGT_DIR/list" || wgt_fail "list: $(cat "$WGT_DIR/list")"
grep -q "^0x1000000A  x25519  public $newpub  handle $(cat "$WGT_DIR/new.handle")" "$WGT_DIR/list" ||
	wgt_fail "list lacks the new key: $(cat "$WGT_DIR/list")"
sleep 1
# The rotation itself: the server replaces the peer, then the device switches.
t0=$(date +%s%N)
wgt_in b wg set "$ifb" peer "$newpub" endpoint 192.0.2.1:51821 allowed-ips 10.77.0.1/32 \
	peer "$oldpub" remove || wgt_fail "server: replace the peer"
wgt_in a wg set "$ifa" private-key "$WGT_DIR/new.handle" || wgt_fail "device: switch the key"
t1=$(date +%s%N)
wait "$traffic"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WGT_DIR/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WGT_DIR/ping.out")
lost=$((sent - got))
# Pings the device sends between the two commands go to a server that no longer knows its key:
# those are the procedure's (a quiet machine runs both commands in a few ms). After the switch,
# pings wait for the new handshake (static-static and se on the chip, 40 ms each, plus a round
# trip: about 100 ms) and are delivered, so the handshake itself may cost one in flight at most.
window=$(((t1 - t0) / 1000000))
between=$((window / 50 + 1))
wgt_log "rotation under traffic: $sent pings every 50 ms, $lost lost; the two commands took $window ms ($between pings)"
[ "$sent" = 120 ] || wgt_fail "ping: $(tail -3 "$WGT_DIR/ping.out")"
[ "$lost" -le $((between + 1)) ] ||
	wgt_fail "$lost pings lost, more than the $between sent between the two commands and one"
kill -0 "$pid" 2>/dev/null && [ "$(cat "$WGT_DIR/a.pid")" = "$pid" ] || wgt_fail "the daemon restarted"
show=$("$key" show "$ifa") || wgt_fail "show"
echo "$show" | grep -q "$newpub" || wgt_fail "show: $show"
wgt_in a wg showconf "$ifa" | grep -qx "PrivateKey = $(cat "$WGT_DIR/new.handle")" ||
	wgt_fail "showconf does not have the new handle"
wgt_in a wg show "$ifa" >/dev/null || wgt_fail "wg show"

# Retiring the old key needs no stop either; the key in use is protected.
"$key" delete 0x10000009 --via "$ifa" || wgt_fail "delete --via (old key)"
out=$("$key" delete 0x1000000a --via "$ifa" 2>&1) && wgt_fail "deleted the key in use"
echo "$out" | grep -q "holds the interface's key" || wgt_fail "delete in use: $out"
out=$("$key" genkey --se050 0x1000000a --force --via "$ifa" 2>&1) && wgt_fail "replaced the key in use"
echo "$out" | grep -q "holds the interface's key" || wgt_fail "genkey --force in use: $out"
[ "$("$key" list --via "$ifa" | wc -l)" = 1 ] || wgt_fail "list after delete"
out=$("$key" pubkey --via "$ifa" <"$WGT_DIR/old.handle" 2>&1) && wgt_fail "pubkey of a deleted key"
echo "$out" | grep -q "no such object" || wgt_fail "pubkey of a deleted key: $out"
wgt_ping a b || wgt_fail "ping a->b after the rotation"

# --via needs a hwguard daemon.
out=$("$key" list --via "$ifb" 2>&1) && wgt_fail "--via to wireguard-go succeeded"
echo "$out" | grep -q "not hwguard" || wgt_fail "--via to wireguard-go: $out"
out=$("$key" list --via "${WGT_PREFIX}none" 2>&1) && wgt_fail "--via to no daemon succeeded"
echo "$out" | grep -q "no interface" || wgt_fail "--via to no daemon: $out"
out=$("$key" list --via "$ifa" --bus "$HWGUARD_SE050_BUS" 2>&1) && wgt_fail "--via with --bus"
wgt_pass
