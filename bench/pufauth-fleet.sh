#!/bin/sh
# Scale-out: the same load against SQLite and PostgreSQL stores, with one and with two servers on
# the store (`pufauth bench --servers S`: each server its own connection, snapshot, socket and
# threads, as separate `pufauth serve` processes would have). PostgreSQL is a private server in a
# temporary directory (tests/pufserver/pg_lib.sh; as root it runs as the user postgres).
# Columns: store, servers, auths/s with 8 clients, median and p90 end-to-end time, mean scan CPU
# time, RESPONSEs per scan.
#
# usage: bench/pufauth-fleet.sh [BUILD_DIR]      (default: build)
#   DEVICES=100000 AUTHS=400 bench/pufauth-fleet.sh
set -eu
B=${1:-build}
P="$B/bin/pufauth"
[ -x "$P" ] || { echo "no $P: build pufauth first" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEVICES=${DEVICES:-100000}
AUTHS=${AUTHS:-400}
T=$(mktemp -d /tmp/pufauth-fleet-XXXXXX)
. "$HERE/tests/pufserver/pg_lib.sh"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start

echo "pufauth scale-out: $DEVICES devices (steady state), $AUTHS authentications by 8 clients, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %8s %9s %10s %10s %10s %9s\n' store servers auths/s median_ms p90_ms cpu_ms per_scan
run=0
for store in sqlite postgresql; do
	for servers in 1 2; do
		run=$((run + 1))
		if [ $store = sqlite ]; then db=$T/s$run.db; else pg_createdb "b$run"; db=$(pg_uri "b$run"); fi
		"$P" bench --devices "$DEVICES" --auths "$AUTHS" --concurrency 8 --servers $servers \
			--db "$db" >"$T/out"
		v() { sed -n "s/^$1 //p" "$T/out"; }
		[ "$(v false_accepts)" = 0 ] || { echo "FALSE ACCEPTS" >&2; exit 1; }
		printf '%-11s %8s %9s %10s %10s %10s %9s\n' $store $servers "$(v auths_per_s)" \
			"$(v median_ms)" "$(v p90_ms)" "$(v search_cpu_ms_mean)" "$(v requests_per_scan_mean)"
	done
done
