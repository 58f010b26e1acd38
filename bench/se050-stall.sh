#!/usr/bin/env bash
# Data-path stall while the SE050 does an ECDH: side a = hwguard with its key in se050-emu
# (--latency-ecdh $ECDH), side b = wireguard-go (peer b) plus a second wireguard-go (peer c, ifname
# ...c, port 51823). a pings b every 5 ms over a stable session; c re-handshakes N times (c drops and
# re-adds peer a, then pings a: a answers as responder, 'es' on the chip). Also N peer additions
# (`wg set` on a adds a dummy peer; before the key worker, static-static ran on the chip inside the
# UAPI request), and one `wg setconf` of a with PEERS dummy peers plus b and c as they are (the
# phase line says how long the command took: "setconf peers=1000 seconds=X").
# Prints the ping RTT distribution in each phase.
# Usage (root): [MODE=se|soft] [ECDH=ms] [N=count] [PEERS=count] bench/se050-stall.sh
#   (HWG_BIN defaults to build/bin)
# Figures: docs/se050.md "The chip off the data path".
ECDH=${ECDH:-40} N=${N:-10} MODE=${MODE:-se} PEERS=${PEERS:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
WGT_PREFIX=${WGT_PREFIX:-hst}
. "$root/tests/interop/lib.sh"
bin=${HWG_BIN:-$root/build/bin}
wgt_init st
export LOG_LEVEL=error
ifa=$(wgt_if a) ifb=$(wgt_if b) ifc="${WGT_PREFIX}${WGT_TAG}c"
if [ "$MODE" = se ]; then
	sock="$WGT_DIR/emu.sock"
	(exec ip netns exec "$(wgt_ns a)" "$bin/se050-emu" --socket "$sock" --latency-ecdh "$ECDH" >"$WGT_DIR/emu.log" 2>&1) &
	wgt_wait_for test -S "$sock" || wgt_fail emu
	export HWGUARD_SE050_BUS="emu:$sock"
	"$bin/hwguard-key" genkey --se050 0x10000009 >"$WGT_DIR/a.key"
	apub=$("$bin/hwguard-key" pubkey <"$WGT_DIR/a.key")
else
	wg genkey >"$WGT_DIR/a.key"; apub=$(wg pubkey <"$WGT_DIR/a.key")
fi
wg genkey >"$WGT_DIR/c.key"; cpub=$(wg pubkey <"$WGT_DIR/c.key")
HWG_BIN=$bin wgt_start a hwguard
wgt_start b wireguard-go
(exec ip netns exec "$(wgt_ns b)" wireguard-go -f "$ifc" >"$WGT_DIR/c.log" 2>&1) &
wgt_wait_for wgt_socket_ready "$ifc" || wgt_fail "c"
wgt_in a wg set "$ifa" private-key "$WGT_DIR/a.key" listen-port 51821 \
	peer "$(wgt_pub b)" endpoint 192.0.2.2:51822 allowed-ips 10.77.0.2/32 \
	peer "$cpub" endpoint 192.0.2.2:51823 allowed-ips 10.77.0.3/32
wgt_in a ip addr add 10.77.0.1/24 dev "$ifa"; wgt_in a ip addr add 10.78.0.1/32 dev "$ifa"; wgt_in a ip link set "$ifa" up
wgt_in b wg set "$ifb" private-key "$(wgt_key b)" listen-port 51822 peer "$apub" endpoint 192.0.2.1:51821 allowed-ips 10.77.0.1/32
wgt_in b ip addr add 10.77.0.2/32 dev "$ifb"; wgt_in b ip link set "$ifb" up
wgt_in b ip route add 10.77.0.1/32 dev "$ifb"
cadd() { wgt_in b wg set "$ifc" peer "$apub" endpoint 192.0.2.1:51821 allowed-ips 10.78.0.1/32; }
wgt_in b wg set "$ifc" private-key "$WGT_DIR/c.key" listen-port 51823
cadd
wgt_in b ip addr add 10.77.0.3/32 dev "$ifc"; wgt_in b ip link set "$ifc" up; wgt_in b ip route add 10.78.0.1/32 dev "$ifc"
wgt_ping a b >/dev/null || wgt_fail "a->b"
wgt_in b ping -c 2 -W 2 -I 10.77.0.3 10.78.0.1 >/dev/null || wgt_fail "c->a"
phase() { # name, action [times]
	wgt_in a ping -i 0.005 -c $((N * 60)) 10.77.0.2 >"$WGT_DIR/ping-$1" 2>&1 &
	local p=$!
	sleep 0.3
	for i in $(seq "${3:-$N}"); do "$2"; sleep 0.25; done
	wait "$p"
	grep -o 'time=[0-9.]*' "$WGT_DIR/ping-$1" | cut -d= -f2 | sort -n | awk -v n="${LABEL:-$1}" '{v[NR]=$1} END {
		printf "%-10s pings=%d median=%.2f p99=%.2f max=%.2f ms; above 10 ms: ", n, NR, v[int(NR/2)], v[int(NR*0.99)], v[NR];
		c=0; for (i=1;i<=NR;i++) if (v[i]>10) c++; print c}'
}
idle() { :; }
handshake() { # c forgets a, re-adds it and pings: a new handshake, a responds
	wgt_in b wg set "$ifc" peer "$apub" remove; cadd
	wgt_in b ping -c 1 -W 1 -I 10.77.0.3 10.78.0.1 >/dev/null
}
ssadd() { # a dummy peer on a: static-static on the chip inside the UAPI request
	local k; k=$(wg genkey | wg pubkey)
	wgt_in a wg set "$ifa" peer "$k" allowed-ips 10.99.0.$((RANDOM % 250 + 1))/32
}
# The configuration `wg showconf a` gives now (b and c as they are) plus PEERS dummy peers.
python3 - "$PEERS" >"$WGT_DIR/many.conf" <<PY
import base64, os, sys
print("[Interface]\nPrivateKey = $(cat "$WGT_DIR/a.key")\nListenPort = 51821\n")
print("[Peer]\nPublicKey = $(wgt_pub b)\nEndpoint = 192.0.2.2:51822\nAllowedIPs = 10.77.0.2/32\n")
print("[Peer]\nPublicKey = $cpub\nEndpoint = 192.0.2.2:51823\nAllowedIPs = 10.77.0.3/32\n")
for i in range(int(sys.argv[1])):
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.%d/32\n" % (
        base64.b64encode(os.urandom(32)).decode(), 100 + i // 65536, i // 256 % 256, i % 256))
PY
setconf() { # one wg setconf with PEERS peers, timed
	local t0 t1
	t0=$(date +%s.%N)
	wgt_in a wg setconf "$ifa" "$WGT_DIR/many.conf" || echo "wg setconf failed" >&2
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}' >"$WGT_DIR/setconf.seconds"
}
echo "mode=$MODE ecdh=${ECDH}ms N=$N"
phase idle idle
phase handshake handshake
phase peer-add ssadd
LABEL=setconf phase setconf-ping setconf 1 >"$WGT_DIR/setconf.line"
echo "setconf peers=$PEERS seconds=$(cat "$WGT_DIR/setconf.seconds") $(sed 's/^setconf *//' "$WGT_DIR/setconf.line")"
[ "$(wgt_in a wg show "$ifa" peers | wc -l)" = $((PEERS + 2)) ] || echo "setconf: peer count is wrong" >&2
[ "$MODE" = se ] && tail -1 "$WGT_DIR/emu.log"
wgt_pass
