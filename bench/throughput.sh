#!/bin/bash
# WireGuard throughput through a tunnel between two network namespaces joined by a veth pair:
# iperf3 (one TCP stream, inner IPv4) for each pair of implementations, several runs each, printing
# per-pair medians and the hwguard/wireguard-go ratios. Both daemons and iperf3 share this host's
# CPUs, so figures are comparable only within one invocation on one machine.
#
# Usage: bench/throughput.sh [-r RUNS] [-t SECONDS] [-P STREAMS] [-p "PAIR ..."] [-b HWGUARD]
#   PAIR is A-B with A, B in {wggo, hwg}; default: "wggo-wggo hwg-hwg hwg-wggo wggo-hwg".
#   -b: the hwguard binary (default: $HWG_BIN/hwguard, build/bin/hwguard, then PATH).
# Needs root, iproute2, wireguard-go, wireguard-tools and iperf3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=5 secs=5 streams=1 pairs="wggo-wggo hwg-hwg hwg-wggo wggo-hwg" hwg=""

usage()
{
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}
while getopts "r:t:P:p:b:h" opt; do
	case "$opt" in
	r) runs=$OPTARG ;;
	t) secs=$OPTARG ;;
	P) streams=$OPTARG ;;
	p) pairs=$OPTARG ;;
	b) hwg=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

if [ -z "$hwg" ]; then
	for c in "${HWG_BIN:-}/hwguard" "$root/build/bin/hwguard" "$(command -v hwguard 2>/dev/null)"; do
		[ -x "$c" ] && hwg=$c && break
	done
fi
command -v iperf3 >/dev/null || { echo "throughput.sh: needs iperf3" >&2; exit 1; }

# shellcheck source=../tests/interop/lib.sh
. "$root/tests/interop/lib.sh"
export LOG_LEVEL=error # verbose logging costs throughput in wireguard-go
wgt_require wireguard-go
case "$pairs" in *hwg*) [ -n "$hwg" ] && [ -x "$hwg" ] || { echo "throughput.sh: hwguard binary not found (-b)" >&2; exit 1; } ;; esac

impl_of()
{
	case "$1" in
	wggo) echo wireguard-go ;;
	hwg) echo "$hwg" ;;
	*) echo "throughput.sh: unknown implementation '$1'" >&2; exit 2 ;;
	esac
}

median()
{
	sort -n | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A result
n=0
for pair in $pairs; do
	a=${pair%-*} b=${pair#*-}
	n=$((n + 1))
	wgt_init "b$n"
	wgt_start a "$(impl_of "$a")"
	wgt_start b "$(impl_of "$b")"
	wgt_config_pair 4
	wgt_ping a b >/dev/null || wgt_fail "$pair: no connectivity"
	wgt_in b iperf3 -s -B "$(wgt_inner4 b)" >"$WGT_DIR/iperf-server.log" 2>&1 &
	server=$!
	wgt_wait_for wgt_in a bash -c "exec 3<>/dev/tcp/$(wgt_inner4 b)/5201" || wgt_fail "iperf3 server"
	sleep 0.5
	: >"$WGT_DIR/rates"
	for i in $(seq "$runs"); do
		rate=$(wgt_in a iperf3 -c "$(wgt_inner4 b)" -t "$secs" -P "$streams" -f m 2>&1 |
			awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i} END {print r}')
		[ -n "$rate" ] || rate=0
		echo "$rate" >>"$WGT_DIR/rates"
		printf '%-10s run %d/%d: %8.1f Mbit/s\n' "$pair" "$i" "$runs" "$rate"
	done
	result[$pair]=$(median <"$WGT_DIR/rates")
	result[$pair.min]=$(sort -n "$WGT_DIR/rates" | head -n 1)
	result[$pair.max]=$(sort -n "$WGT_DIR/rates" | tail -n 1)
	kill "$server" 2>/dev/null
	wgt_teardown
	rm -rf "$WGT_DIR"
done
trap - EXIT

echo
echo "WireGuard throughput, iperf3 TCP, $streams stream(s), $runs x ${secs}s per pair, $(nproc) CPUs, $(uname -r)"
printf '%-10s %10s %10s %10s\n' pair "median" min max
for pair in $pairs; do
	printf '%-10s %10s %10s %10s  Mbit/s\n' "$pair" "${result[$pair]}" "${result[$pair.min]}" "${result[$pair.max]}"
done
ref=${result[wggo-wggo]:-}
if [ -n "$ref" ] && [ "$ref" != nan ] && [ "$ref" != 0 ]; then
	for pair in $pairs; do
		[ "$pair" = wggo-wggo ] && continue
		awk -v p="$pair" -v x="${result[$pair]}" -v r="$ref" \
			'BEGIN {printf "ratio %s / wggo-wggo: %.2f\n", p, x / r}'
	done
fi
