#!/bin/sh
# Interop of the protocol core with Debian's wireguard-go, both as initiator and as responder, in a
# private network namespace. Skips (77) without root, TUN or network namespaces; fails without
# wireguard-go or wg.
# usage: test_interop_wggo.sh PATH_TO_wg_interop_peer
PEER_BIN=$1
NS=wgcore$$
IF=wgt$$ # the UAPI socket directory is shared by every namespace: the name must be unique
DIR=$(mktemp -d /tmp/wgcore-interop.XXXXXX)
umask 077

# Skips only where the machine cannot run the test; a missing tool fails, naming its package.
skip() { echo "SKIP: $1"; rm -rf "$DIR"; exit 77; }
need() { command -v "$1" >/dev/null || { echo "FAIL: needs $1: install the Debian package $2 (scripts/deps.sh)"; rm -rf "$DIR"; exit 1; }; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces and TUN devices)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (a kernel or container without TUN)"
need wireguard-go wireguard-go
need wg wireguard-tools
need ip iproute2
need ping iputils-ping
ip netns add "$NS" 2>/dev/null || skip "cannot create network namespaces"

GOPID=
cleanup() {
	[ -n "$GOPID" ] && kill "$GOPID" 2>/dev/null && wait "$GOPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

run_mode() {
	mode=$1
	ip netns exec "$NS" ip link set lo up
	wg genkey > "$DIR/go.key"
	hex=$(wg pubkey < "$DIR/go.key" | base64 -d | od -An -tx1 | tr -d ' \n')
	ip netns exec "$NS" wireguard-go -f "$IF" > "$DIR/wggo-$mode.log" 2>&1 &
	GOPID=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec "$NS" ip link show "$IF" >/dev/null 2>&1 && break
		sleep 0.2
	done
	ip netns exec "$NS" ip addr add 10.99.0.1/24 dev "$IF"
	ip netns exec "$NS" ip link set "$IF" up
	ip netns exec "$NS" "$PEER_BIN" "$mode" "$hex" > "$DIR/peer-$mode.txt" 2>&1 &
	peer=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -qs '^pub ' "$DIR/peer-$mode.txt" && break
		sleep 0.1
	done
	ourpub=$(sed -n 's/^pub //p' "$DIR/peer-$mode.txt")
	ip netns exec "$NS" wg set "$IF" private-key "$DIR/go.key" listen-port 51999 \
		peer "$ourpub" allowed-ips 10.99.0.2/32 endpoint 127.0.0.1:52000
	if [ "$mode" = resp ]; then
		sleep 2
		ip netns exec "$NS" ping -c 3 -i 0.3 -W 2 10.99.0.2 > "$DIR/ping.txt" 2>&1
	fi
	wait "$peer"
	rc=$?
	cat "$DIR/peer-$mode.txt"
	ip netns exec "$NS" wg show "$IF" latest-handshakes
	kill "$GOPID" 2>/dev/null
	wait "$GOPID" 2>/dev/null
	GOPID=
	ip netns exec "$NS" ip link del "$IF" 2>/dev/null
	if [ "$rc" != 0 ]; then
		echo "FAIL: $mode"; cat "$DIR/wggo-$mode.log"
		exit 1
	fi
	echo "ok: core as $mode"
}

run_mode init
run_mode resp
