#!/bin/sh
# Server time per authentication as the number of enrolled devices grows (the search is linear in
# it), end to end through the UDP server: `pufauth bench` fills a fresh temporary store quickly
# (100 simulated devices among random rows) and times authentications of random simulated devices.
# Columns: devices, fill time, mean search time, median and p90 end-to-end time, auths/s.
#
# usage: bench/pufauth-server.sh [BUILD_DIR] [SECURITY]   (defaults: build 128)
#   SIZES="1000 10000" AUTHS=20 bench/pufauth-server.sh   to change the sizes and the auth count
set -eu
B=${1:-build}
SEC=${2:-128}
P="$B/bin/pufauth"
[ -x "$P" ] || { echo "no $P: build pufauth first" >&2; exit 1; }
SIZES=${SIZES:-"1000 10000 100000 1000000"}
T=$(mktemp /tmp/pufauth-server-XXXXXX)
trap 'rm -f "$T"' EXIT

echo "pufauth server benchmark: security $SEC, $(nproc) CPUs, $(uname -m)"
printf '%10s %8s %10s %10s %10s %10s %8s\n' devices fill_s search_ms median_ms p90_ms auths/s ok
for n in $SIZES; do
	if [ -n "${AUTHS:-}" ]; then k=$AUTHS
	elif [ "$n" -ge 1000000 ]; then k=20
	elif [ "$n" -ge 100000 ]; then k=50
	else k=200; fi
	"$P" bench --devices "$n" --auths "$k" --security "$SEC" >"$T"
	v() { sed -n "s/^$1 //p" "$T"; }
	printf '%10s %8s %10s %10s %10s %10s %8s\n' "$n" "$(v fill_s)" "$(v search_ms_mean)" \
		"$(v median_ms)" "$(v p90_ms)" "$(v auths_per_s)" "$(v accepted)/$k"
	[ "$(v false_accepts)" = 0 ] || { echo "FALSE ACCEPTS: $(v false_accepts)" >&2; exit 1; }
done
