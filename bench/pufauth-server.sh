#!/bin/sh
# Server time per authentication as the number of enrolled devices grows (the search is linear in
# it), end to end through the UDP server: `pufauth bench` fills a fresh temporary store quickly
# (100 simulated devices among random rows, every device with a live "previous" entry: the steady
# state) and times authentications of random simulated devices, one client at a time, then 8
# clients at once (their RESPONSEs share scans).
# Columns: devices, fill time, mean scan wall time and CPU time (all threads), median and p90
# end-to-end time with one client, auths/s with one client and with 8.
#
# usage: bench/pufauth-server.sh [BUILD_DIR] [SECURITY]   (defaults: build 128)
#   SIZES="1000 10000" AUTHS=20 bench/pufauth-server.sh   to change the sizes and the auth count
#   BENCH_ARGS="--simd avx2" bench/pufauth-server.sh      extra arguments for every run
set -eu
B=${1:-build}
SEC=${2:-128}
P="$B/bin/pufauth"
[ -x "$P" ] || { echo "no $P: build pufauth first" >&2; exit 1; }
SIZES=${SIZES:-"1000 10000 100000 1000000"}
T=$(mktemp /tmp/pufauth-server-XXXXXX)
trap 'rm -f "$T"' EXIT

echo "pufauth server benchmark: security $SEC, $(nproc) CPUs, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%10s %7s %10s %10s %10s %10s %9s %9s %8s\n' devices fill_s search_ms cpu_ms median_ms \
	p90_ms auths/s auths/s@8 ok
for n in $SIZES; do
	if [ -n "${AUTHS:-}" ]; then k=$AUTHS
	elif [ "$n" -ge 1000000 ]; then k=20
	elif [ "$n" -ge 100000 ]; then k=50
	else k=200; fi
	# shellcheck disable=SC2086
	"$P" bench --devices "$n" --auths "$k" --security "$SEC" ${BENCH_ARGS:-} >"$T"
	v() { sed -n "s/^$1 //p" "$T"; }
	[ "$(v false_accepts)" = 0 ] || { echo "FALSE ACCEPTS: $(v false_accepts)" >&2; exit 1; }
	one="$(v fill_s) $(v search_ms_mean) $(v search_cpu_ms_mean) $(v median_ms) $(v p90_ms) $(v auths_per_s)"
	ok="$(v accepted)/$k"
	# shellcheck disable=SC2086
	"$P" bench --devices "$n" --auths $((k * 4)) --concurrency 8 --security "$SEC" ${BENCH_ARGS:-} >"$T"
	[ "$(v false_accepts)" = 0 ] || { echo "FALSE ACCEPTS: $(v false_accepts)" >&2; exit 1; }
	# shellcheck disable=SC2086
	printf '%10s %7s %10s %10s %10s %10s %9s %9s %8s\n' "$n" $one "$(v auths_per_s)" "$ok"
done
