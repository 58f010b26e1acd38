#!/usr/bin/env bash
# Installs what is missing, builds hwguard three ways and runs every test:
#   build/        release build: unit, integration and network-namespace interop tests
#   build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer build: unit and integration tests
#   build-fuzz/   clang libFuzzer build: each fuzz target runs briefly from its seed corpus
# Options: --quick (release build only), --no-asan, --no-fuzz, --fuzz-seconds N, -R REGEX (ctest filter).
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1 fuzz=1 fuzz_seconds=${FUZZ_SECONDS:-10} filter=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) asan=0 fuzz=0 ;;
	--no-asan) asan=0 ;;
	--no-fuzz) fuzz=0 ;;
	--fuzz-seconds) fuzz_seconds=$2; shift ;;
	-R) filter=(-R "$2"); shift ;;
	-h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

scripts/deps.sh
jobs=$(nproc)
passed=0 failed=0
summary=()

# Runs ctest and folds its "N tests failed out of M" line into the totals.
run_ctest() {
	local dir=$1; shift
	local log status=0
	log=$(mktemp)
	ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"$jobs" "$@" 2>&1 | tee "$log" || status=$?
	local line total nfail
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
	if [ -n "$line" ]; then
		nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
		total=$(sed -E 's/.*failed out of ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
	elif [ $status -ne 0 ]; then
		failed=$((failed + 1))
	fi
	summary+=("$dir: ${line:-no tests ran (status $status)}")
	rm -f "$log"
}

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "== formatting (clang-format --dry-run)"
if git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run --Werror 2>&1 | head -20 | grep .; then
	echo "test.sh: files above are not clang-formatted" >&2
	failed=$((failed + 1))
	summary+=("clang-format: FAILED")
else
	passed=$((passed + 1))
	summary+=("clang-format: ok")
fi
echo "== tests (release build)"
run_ctest build "${filter[@]}"

if [ $asan -eq 1 ]; then
	echo "== ASan+UBSan build"
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHWGUARD_SANITIZE=ON >/dev/null
	cmake --build build-asan -j"$jobs"
	echo "== tests (ASan+UBSan build; interop runs in the release build)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		run_ctest build-asan -LE 'interop|bench' "${filter[@]}"
fi

if [ $fuzz -eq 1 ]; then
	echo "== libFuzzer build"
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DHWGUARD_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j"$jobs"
	for target in build-fuzz/fuzz/*; do
		[ -x "$target" ] || continue
		name=$(basename "$target")
		corpus=$(mktemp -d)
		# Seeds live beside each layer's targets: fuzz/<layer>/corpus/<target>/.
		for seeds in fuzz/*/corpus/"$name"; do
			if [ -d "$seeds" ]; then cp -r "$seeds/." "$corpus/"; fi
		done
		echo "-- $name (${fuzz_seconds}s)"
		if "$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" \
			>"build-fuzz/$name.log" 2>&1; then
			passed=$((passed + 1))
			summary+=("fuzz $name: ok ($(grep -Eo 'stat::number_of_executed_units: [0-9]+|#[0-9]+ +DONE' "build-fuzz/$name.log" | tail -1))")
		else
			failed=$((failed + 1))
			tail -40 "build-fuzz/$name.log"
			summary+=("fuzz $name: FAILED (build-fuzz/$name.log)")
		fi
		rm -rf "$corpus"
	done
fi

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "hwguard: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
