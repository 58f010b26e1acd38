#!/usr/bin/env bash
# hwguard demo, on embedded defaults (needs root: network namespaces and TUN):
#  1. WireGuard with the private key in a secure element: an emulated SE050 generates the key at
#     object 0x10000009; wg-quick brings up hwguard with the key *handle* as PrivateKey, facing a
#     stock wireguard-go peer in another network namespace; ping and a short iperf3 go through.
#  2. PUF authentication: a server over SQLite, 20 simulated-PUF devices enrolled, each one
#     authenticates; one is revoked and then fails.
# Installs what is missing and builds first. Everything it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it installs packages, creates network namespaces and TUN devices)" >&2
	exit 1
fi
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
BIN=$PWD/build/bin
export PATH="$BIN:$PATH"

work=$(mktemp -d /tmp/hwguard-demo.XXXXXX)
DEV=hwgdemo-dev SRV=hwgdemo-srv
emu_pid= iperf_pid= serve_pid=
cleanup() {
	set +e
	ip netns exec "$DEV" wg-quick down "$work/hwgdemo0.conf" >/dev/null 2>&1
	for pid in $iperf_pid $serve_pid $emu_pid; do kill "$pid" 2>/dev/null; done
	ip netns pids "$SRV" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$DEV" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.3
	ip netns del "$DEV" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# Waits up to 5 s for a condition.
wait_for() {
	for _ in $(seq 50); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

step "1. WireGuard with the private key in an (emulated) SE050"
export HWGUARD_SE050_BUS="emu:$work/se050.sock"
se050-emu --socket "$work/se050.sock" --store "$work/se050.store" >"$work/se050.log" 2>&1 &
emu_pid=$!
wait_for test -S "$work/se050.sock" || { echo "se050-emu did not start" >&2; exit 1; }
echo "se050-emu is listening on $HWGUARD_SE050_BUS"
handle=$(hwguard-key genkey --se050 0x10000009)
echo "\$ hwguard-key genkey --se050 0x10000009"
echo "$handle        <- a handle: harmless to leak, unlike a private key"
device_pub=$(echo "$handle" | hwguard-key pubkey)
echo "\$ hwguard-key genkey --se050 0x10000009 | hwguard-key pubkey"
echo "$device_pub        <- read from the chip"

# Two hosts joined by a veth pair: the device (hwguard) and the server (stock wireguard-go).
ip netns add "$DEV"
ip netns add "$SRV"
ip link add hwgdemo-a netns "$DEV" type veth peer name hwgdemo-b netns "$SRV"
ip -n "$DEV" addr add 192.0.2.1/24 dev hwgdemo-a
ip -n "$SRV" addr add 192.0.2.2/24 dev hwgdemo-b
for ns in "$DEV" "$SRV"; do ip -n "$ns" link set lo up; done
ip -n "$DEV" link set hwgdemo-a up
ip -n "$SRV" link set hwgdemo-b up

server_key=$(wg genkey)
server_pub=$(echo "$server_key" | wg pubkey)
ip netns exec "$SRV" wireguard-go hwgdemo1 >/dev/null 2>&1
echo "$server_key" >"$work/server.key"
ip netns exec "$SRV" wg set hwgdemo1 listen-port 51820 private-key "$work/server.key" \
	peer "$device_pub" allowed-ips 10.77.0.2/32
ip -n "$SRV" addr add 10.77.0.1/24 dev hwgdemo1
ip -n "$SRV" link set hwgdemo1 up

umask 077
cat >"$work/hwgdemo0.conf" <<EOF
[Interface]
# The SE050 object handle, not a private key: the key never leaves the chip.
PrivateKey = $handle
Address = 10.77.0.2/24

[Peer]
PublicKey = $server_pub
Endpoint = 192.0.2.2:51820
AllowedIPs = 10.77.0.1/32
EOF
umask 022
echo "\$ cat hwgdemo0.conf"
cat "$work/hwgdemo0.conf"
run ip netns exec "$DEV" env WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard wg-quick up "$work/hwgdemo0.conf"
run ip netns exec "$DEV" ping -c 3 -i 0.2 -W 2 10.77.0.1
ip netns exec "$SRV" iperf3 -s -1 -B 10.77.0.1 >/dev/null 2>&1 &
iperf_pid=$!
wait_for ip netns exec "$SRV" sh -c 'ss -ltn | grep -q 10.77.0.1:5201'
run ip netns exec "$DEV" iperf3 -c 10.77.0.1 -t 3 -f m | grep -E 'sender|receiver'
run ip netns exec "$DEV" wg show hwgdemo0
echo "(stock wg derives that 'public key' line from the handle bytes, so it is not the interface's"
echo " key; hwguard-key reads the real one from the daemon, which read it from the chip:)"
run ip netns exec "$DEV" hwguard-key show hwgdemo0
kill -USR1 "$emu_pid" 2>/dev/null && sleep 0.2
echo "Chip operations so far: $(grep -o 'ecdh=[0-9]*' "$work/se050.log" | tail -n 1)"
run ip netns exec "$DEV" wg-quick down "$work/hwgdemo0.conf"

step "2. PUF authentication: 20 simulated devices, one server over SQLite"
db="$work/puf.db"
for i in $(seq 1 20); do
	pufauth enroll --db "$db" --state "$work/dev$i.state" --sim-seed "$i" --name "dev$i" >/dev/null
done
echo "enrolled 20 devices (simulated SRAM PUFs, seeds 1..20) into $db"
port=$((20000 + RANDOM % 20000))
pufauth serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
ok=0
for i in $(seq 1 20); do
	if pufauth auth --state "$work/dev$i.state" --server "127.0.0.1:$port" >/dev/null 2>&1; then
		ok=$((ok + 1))
	else
		echo "dev$i: authentication failed (a fuzzy-extractor failure is possible at 10 % noise)"
	fi
done
echo "$ok of 20 devices authenticated (mutual authentication; each device and server row updated)"
run pufauth revoke --db "$db" dev7
if pufauth auth --state "$work/dev7.state" --server "127.0.0.1:$port"; then
	echo "demo.sh: the revoked device was accepted" >&2
	exit 1
fi
echo "dev7 (revoked) is rejected, as it should be"
run pufauth list --db "$db"
echo
echo "demo.sh: done"
