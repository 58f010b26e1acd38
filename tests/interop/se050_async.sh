#!/bin/bash
# hwguard with its key in se050-emu (40 ms per ECDH) keeps moving packets while the chip works and
# while it does not answer at all. Side a = hwguard; side b = two wireguard-go interfaces: b (a
# stable session with a, pinged every 20 ms) and c (re-handshakes with a: es on the chip).
#  - c re-handshakes three times (exactly one chip ECDH each: the emulator counts them) and
#    `wg setconf` gives a 300 more peers (b and c listed as they are): no ping to b is lost, the
#    setconf costs no chip operation (the emulator's ECDH count does not move) and keeps b's and
#    c's sessions;
#  - the emulator is frozen (SIGSTOP: the chip answers nothing) while c starts a handshake: the
#    pings go on without loss, `wg show` and `wg set` answer at once; after SIGCONT c's handshake
#    completes with no restart;
#  - frozen again while `wg set private-key` installs a new chip key: that set waits for the chip,
#    `wg show` does not, and a second `wg set` waits for the first.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
wgt_need_se050_tools
wgt_have_python || wgt_skip "needs python3"
wgt_init sa
ifa=$(wgt_if a) ifb=$(wgt_if b) ifc="${WGT_PREFIX}${WGT_TAG}c"
wgt_se050_chip_a "$WGT_DIR/a.key" --latency-ecdh 40
emu=$WGT_EMU_PID apub=$WGT_CHIP_PUB
wg genkey >"$WGT_DIR/c.key"
cpub=$(wg pubkey <"$WGT_DIR/c.key")

wgt_start a hwguard
wgt_start b wireguard-go
(exec ip netns exec "$(wgt_ns b)" wireguard-go -f "$ifc" >"$WGT_DIR/c.log" 2>&1) &
wgt_wait_for wgt_socket_ready "$ifc" || wgt_fail "wireguard-go c"
pid=$(cat "$WGT_DIR/a.pid")
wgt_in a wg set "$ifa" private-key "$WGT_DIR/a.key" listen-port 51821 \
	peer "$(wgt_pub b)" endpoint 192.0.2.2:51822 allowed-ips 10.77.0.2/32 \
	peer "$cpub" endpoint 192.0.2.2:51823 allowed-ips 10.77.0.3/32 || wgt_fail "configure a"
wgt_in a ip addr add 10.77.0.1/24 dev "$ifa"
wgt_in a ip addr add 10.78.0.1/32 dev "$ifa"
wgt_in a ip link set "$ifa" up
wgt_in b wg set "$ifb" private-key "$(wgt_key b)" listen-port 51822 \
	peer "$apub" endpoint 192.0.2.1:51821 allowed-ips 10.77.0.1/32 || wgt_fail "configure b"
wgt_in b ip addr add 10.77.0.2/32 dev "$ifb"
wgt_in b ip link set "$ifb" up
wgt_in b ip route add 10.77.0.1/32 dev "$ifb"
cadd() {
	wgt_in b wg set "$ifc" peer "$apub" endpoint 192.0.2.1:51821 allowed-ips 10.78.0.1/32
}
wgt_in b wg set "$ifc" private-key "$WGT_DIR/c.key" listen-port 51823
cadd
wgt_in b ip addr add 10.77.0.3/32 dev "$ifc"
wgt_in b ip link set "$ifc" up
wgt_in b ip route add 10.78.0.1/32 dev "$ifc"
wgt_ping a b || wgt_fail "a->b"
wgt_in b ping -c 2 -W 5 -I 10.77.0.3 10.78.0.1 >/dev/null || wgt_fail "c->a"

lost() { # ping output file -> number of pings lost
	local sent got
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1")
	echo $((sent - got))
}
c_handshake() { # c forgets a and pings it: a new handshake, a responds ('es' on the chip)
	wgt_in b wg set "$ifc" peer "$apub" remove
	cadd
	wgt_in b ping -c 1 -W "${1:-5}" -I 10.77.0.3 10.78.0.1 >/dev/null
}

# 1. Handshakes and a big setconf while a pings b.
python3 - >"$WGT_DIR/many.conf" <<PY
import base64, os
print("[Interface]\nPrivateKey = $(cat "$WGT_DIR/a.key")\nListenPort = 51821\n")
print("[Peer]\nPublicKey = $(wgt_pub b)\nEndpoint = 192.0.2.2:51822\nAllowedIPs = 10.77.0.2/32\n")
print("[Peer]\nPublicKey = $cpub\nEndpoint = 192.0.2.2:51823\nAllowedIPs = 10.77.0.3/32\n")
for i in range(300):
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.99.%d.%d/32\n" % (
        base64.b64encode(os.urandom(32)).decode(), i // 256, i % 256))
PY
wgt_in a ping -i 0.02 -c 150 -W 1 10.77.0.2 >"$WGT_DIR/ping1" 2>&1 &
traffic=$!
chip0=$(wgt_emu_ecdh_count)
for i in 1 2 3; do c_handshake || wgt_fail "handshake $i of c"; done
# Exactly one chip ECDH per handshake ('es'; c's static-static is cached since the first one).
chip1=$(wgt_emu_ecdh_count)
[ $((chip1 - chip0)) = 3 ] || wgt_fail "3 handshakes of c ran $((chip1 - chip0)) chip ECDHs, not 3"
hs_b=$(wgt_in a wg show "$ifa" latest-handshakes | grep "$(wgt_pub b)" | cut -f2)
chip_before=$(wgt_emu_ecdh_count)
wgt_in a wg setconf "$ifa" "$WGT_DIR/many.conf" || wgt_fail "wg setconf"
chip_after=$(wgt_emu_ecdh_count)
wait "$traffic"
[ "$(lost "$WGT_DIR/ping1")" = 0 ] || wgt_fail "pings lost during handshakes and setconf: $(tail -2 "$WGT_DIR/ping1")"
[ "$chip_after" = "$chip_before" ] || wgt_fail "wg setconf ran $((chip_after - chip_before)) chip ECDHs"
[ "$(wgt_in a wg show "$ifa" peers | wc -l)" = 302 ] || wgt_fail "setconf: wrong peer count"
[ "$(wgt_in a wg show "$ifa" latest-handshakes | grep "$(wgt_pub b)" | cut -f2)" = "$hs_b" ] ||
	wgt_fail "setconf restarted b's session"
wgt_in b ping -c 1 -W 2 -I 10.77.0.3 10.78.0.1 >/dev/null || wgt_fail "c's session after setconf"

# 2. The chip stops answering while c starts a handshake.
wgt_in a ping -i 0.02 -c 150 -W 1 10.77.0.2 >"$WGT_DIR/ping2" 2>&1 &
traffic=$!
sleep 0.3
kill -STOP "$emu"
wgt_in b wg set "$ifc" peer "$apub" remove
cadd
wgt_in b ping -c 1 -W 1 -I 10.77.0.3 10.78.0.1 >/dev/null 2>&1 # the initiation: es waits
t0=$(date +%s%N)
timeout 2 ip netns exec "$(wgt_ns a)" wg show "$ifa" >/dev/null || wgt_fail "wg show blocked by the chip"
timeout 2 ip netns exec "$(wgt_ns a)" wg set "$ifa" peer "$(wg genkey | wg pubkey)" \
	allowed-ips 10.98.0.1/32 || wgt_fail "wg set blocked by the chip"
t1=$(date +%s%N)
wait "$traffic"
kill -CONT "$emu"
wgt_log "chip frozen: wg show + wg set took $(((t1 - t0) / 1000000)) ms"
[ "$(lost "$WGT_DIR/ping2")" = 0 ] || wgt_fail "pings lost while the chip was frozen: $(tail -2 "$WGT_DIR/ping2")"
# Recovery: no restart, c gets its handshake (its retransmissions reach the chip again).
wgt_in b ping -c 1 -W 20 -I 10.77.0.3 10.78.0.1 >/dev/null || wgt_fail "c's handshake after the chip came back"
c_handshake 10 || wgt_fail "a fresh handshake after the chip came back"

# 3. A set that installs a new chip key waits for the chip (it reads the key's public key) without
# holding up the loop: get is answered meanwhile, and a second set waits for the first (one
# change at a time, as wireguard-go) instead of being applied in the middle of it.
"$WGT_BIN/hwguard-key" genkey --se050 0x1000000b --via "$ifa" >"$WGT_DIR/next.key" || wgt_fail "genkey --via"
nextpub=$("$WGT_BIN/hwguard-key" pubkey --via "$ifa" <"$WGT_DIR/next.key") || wgt_fail "pubkey --via"
xpub=$(wg genkey | wg pubkey)
kill -STOP "$emu"
wgt_in a wg set "$ifa" private-key "$WGT_DIR/next.key" &
first=$!
sleep 0.3
wgt_in a wg set "$ifa" peer "$xpub" allowed-ips 10.98.0.2/32 &
second=$!
sleep 0.3
timeout 2 ip netns exec "$(wgt_ns a)" wg show "$ifa" peers >"$WGT_DIR/peers" ||
	wgt_fail "wg show blocked while a set waits for the chip"
grep -q "$xpub" "$WGT_DIR/peers" && wgt_fail "a set was applied while another was under way"
kill -0 "$first" 2>/dev/null || wgt_fail "the key change did not wait for the chip"
kill -CONT "$emu"
wait "$first" || wgt_fail "wg set private-key (new chip key)"
wait "$second" || wgt_fail "the second wg set"
wgt_in a wg show "$ifa" peers | grep -q "$xpub" || wgt_fail "the second set was lost"
"$WGT_BIN/hwguard-key" show "$ifa" | grep -q "$nextpub" || wgt_fail "the new key is not installed"
kill -0 "$pid" 2>/dev/null || wgt_fail "the daemon died"
wgt_pass
