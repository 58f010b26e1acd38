#!/bin/bash
# Where the data path spends its time: one tunnel between two network namespaces (the setup of
# bench/throughput.sh), one iperf3 TCP stream from side a to side b, and while it runs
#   - the system calls of each daemon, counted by perf's syscall tracepoints and printed per GB
#     moved (the cost structure: how many reads, writes, sendmmsg, recvmmsg, epoll_wait per GB);
#   - optionally (-g) a perf cpu-clock profile of each daemon, whose top symbols are printed.
#
# Usage: bench/dataplane-profile.sh [-t SECONDS] [-i IMPL] [-g] [-n TOP] [-o DIR]
#   -i: hwguard binary or "wireguard-go" (default: $HWG_BIN/hwguard, build/bin/hwguard, then PATH)
#   -g: also record a cpu-clock profile (perf record -e cpu-clock -g) of both daemons
#   -n: how many symbols of each profile to print (default 25)
#   -o: keep perf.data files and reports in DIR (default: a temporary directory, removed)
# Needs root, iproute2, wireguard-tools, iperf3 and perf. Set WGT_PREFIX when other suites run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
secs=10 impl="" profile=0 top=25 outdir=""
while getopts "t:i:gn:o:h" opt; do
	case "$opt" in
	t) secs=$OPTARG ;;
	i) impl=$OPTARG ;;
	g) profile=1 ;;
	n) top=$OPTARG ;;
	o) outdir=$OPTARG ;;
	h) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
for t in iperf3 perf; do
	command -v "$t" >/dev/null || { echo "dataplane-profile.sh: needs $t" >&2; exit 1; }
done

# shellcheck source=../tests/interop/lib.sh
. "$root/tests/interop/lib.sh"
# shellcheck source=iperf.sh
. "$here/iperf.sh"
export LOG_LEVEL=error
[ -n "$impl" ] || impl=$(wgt_find_hwguard)
wgt_two_sides "$impl" "$impl" prof
keep=$WGT_DIR
[ -n "$outdir" ] && mkdir -p "$outdir" && keep=$outdir
wgt_config_pair 4
wgt_ping a b >/dev/null || wgt_fail "no connectivity"
wgt_in b iperf3 -s -B "$(wgt_inner4 b)" >"$WGT_DIR/iperf-server.log" 2>&1 &
wgt_wait_for wgt_in a bash -c "exec 3<>/dev/tcp/$(wgt_inner4 b)/5201" || wgt_fail "iperf3 server"

pid_a=$(cat "$WGT_DIR/a.pid") pid_b=$(cat "$WGT_DIR/b.pid")
# Tracepoint counting runs in the kernel: it does not slow the daemons the way strace does.
perf stat -x, -e 'syscalls:sys_enter_*' -p "$pid_a" -o "$keep/syscalls-a.csv" -- sleep "$((secs + 1))" &
stat_a=$!
perf stat -x, -e 'syscalls:sys_enter_*' -p "$pid_b" -o "$keep/syscalls-b.csv" -- sleep "$((secs + 1))" &
stat_b=$!
if [ "$profile" = 1 ]; then
	perf record -q -e cpu-clock -g -p "$pid_a" -o "$keep/perf-a.data" -- sleep "$((secs + 1))" 2>/dev/null &
	rec_a=$!
	perf record -q -e cpu-clock -g -p "$pid_b" -o "$keep/perf-b.data" -- sleep "$((secs + 1))" 2>/dev/null &
	rec_b=$!
fi
sleep 0.5
out=$(wgt_in a iperf3 -c "$(wgt_inner4 b)" -t "$secs" -f m 2>&1)
wait "$stat_a" "$stat_b"
[ "$profile" = 1 ] && wait "$rec_a" "$rec_b"
rate=$(awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i} END {print r}' <<<"$out")
gb=$(iperf_received_gb <<<"$out")
[ -n "$gb" ] || wgt_fail "iperf3 failed: $out"
# The counts cover secs + 1 s; the extra half-seconds around the transfer are idle.
echo "$(basename "$impl"): $rate Mbit/s, $gb GB in ${secs}s (side a sends, side b receives)"
for side in a b; do
	echo "system calls per GB, side $side:"
	awk -F, -v gb="$gb" '$1 ~ /^[0-9]+$/ && $1 > 0 {n = $3; sub("syscalls:sys_enter_", "", n);
		printf "  %-20s %12.0f\n", n, $1 / gb; total += $1} END {printf "  %-20s %12.0f\n", "total", total / gb}' \
		"$keep/syscalls-$side.csv" | sort -k2 -n -r
done
if [ "$profile" = 1 ]; then
	for side in a b; do
		echo "cpu-clock profile, side $side: share by object"
		perf report -i "$keep/perf-$side.data" --no-children --sort dso -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -n 8
		echo "cpu-clock profile, side $side: top $top symbols (self time)"
		perf report -i "$keep/perf-$side.data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -n "$top"
	done
fi
[ -n "$outdir" ] && echo "perf data and counts kept in $outdir"
wgt_pass
