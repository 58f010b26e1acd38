#!/bin/sh
# The server's quick stage per candidate key (docs/pufauth-protocol.md §5), in thread CPU time:
# the general SIMON one key at a time (the peer, what the quick stage costs without lanes) against
# every lane kernel this CPU runs, with 1 and with 8 requests sharing a scan. Ratios are to the peer
# of the same run, so they hold on a busy machine; CPU time hardly moves with the load either.
#
# usage: bench/pufauth-quick.sh [BUILD_DIR]     (default: build)
set -eu
B=${1:-build}
D="$B/tests/pufserver_quick_bench"
[ -x "$D" ] || { echo "no $D: build the target pufserver_quick_bench first" >&2; exit 1; }
echo "pufauth quick stage: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$D"
