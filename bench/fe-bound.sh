#!/bin/sh
# The key-generation suites on the calibrated SRAM simulator (docs/puf.md section 9): the residual
# min-entropy the public helper data leaves in the key (textbook bound), the failure probability
# per authentication computed exactly on the simulator's model (debiased suites), and the failure
# rate measured over TRIALS simulated authentications of 100 prototype devices. The last line is
#   residual_min_entropy_bits X failure_rate Y trials N
#
# usage: bench/fe-bound.sh [SUITE [TRIALS [DEVICES]]]
#   SUITE    debiased-128 (the default suite), report-128 or report-64 (report-compatible, leaking)
#   TRIALS   simulated authentications, default 10000000
#   DEVICES  simulated devices they are spread over, default 100
# BUILD_DIR (default: build) holds the pufauth binary. Takes about 30 s for debiased-128 and a
# few minutes for the report's suites (their simulation reads every cell), on one core.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$root/build}
P="$B/bin/pufauth"
if [ ! -x "$P" ]; then
	echo "fe-bound.sh: no $P; build first: cmake -S . -B build && cmake --build build" >&2
	exit 1
fi
suite=${1:-default}
trials=${2:-10000000}
devices=${3:-100}
exec "$P" fe-sim --suite "$suite" --trials "$trials" --devices "$devices"
