#!/bin/bash
# pufauth analyze / fe-sim: help, option errors, and the figures they must reproduce on small runs.
set -u
bin=${HWG_BIN:-build/bin}/pufauth
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pb-tools.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$bin" fe-sim --help | grep -q "failures F of N" || fail "fe-sim --help"
"$bin" analyze --help | grep -q -- "--dump" || fail "analyze --help"
"$bin" fe-sim --noise 0.6 --trials 10 2>"$tmp/err"; [ $? -eq 2 ] || fail "fe-sim accepted noise 0.6"
grep -q "noise needs a number" "$tmp/err" || fail "fe-sim error message"
"$bin" fe-sim --noise 0.1 2>/dev/null; [ $? -eq 2 ] || fail "fe-sim without --trials"
"$bin" fe-sim --noise 0.1 --trials 10 --bogus 1 2>/dev/null; [ $? -eq 2 ] || fail "unknown option"
"$bin" fe-sim --noise 0.1 --trials -5 2>/dev/null; [ $? -eq 2 ] || fail "negative trials"
"$bin" analyze --sim nope 2>/dev/null; [ $? -eq 2 ] || fail "unknown model"
"$bin" analyze --size 100 2>/dev/null; [ $? -eq 2 ] || fail "size not a multiple of 128"
"$bin" analyze --dump 2>/dev/null; [ $? -eq 2 ] || fail "--dump without files"
printf 'garbage' >"$tmp/bad.bin"
"$bin" analyze --dump "$tmp/bad.bin" 2>"$tmp/err"; [ $? -ne 0 ] || fail "bad dump accepted"
grep -q "record 0" "$tmp/err" || fail "bad dump message"

# single layer at 10 %: near the exact binomial 84.3 % success; ends with the failures line
out=$("$bin" fe-sim --layers 1 --noise 0.1 --trials 20000 --fast --seed 3) || fail "fe-sim run"
last=$(echo "$out" | tail -1)
echo "$last" | grep -Eq '^failures [0-9]+ of 20000$' || fail "last line: $last"
f=$(echo "$last" | cut -d' ' -f2)
[ "$f" -gt 2800 ] && [ "$f" -lt 3500 ] || fail "single-layer failures $f of 20000"
# full Gen/Rec and the fast model agree trial by trial (same seed, same error patterns)
a=$("$bin" fe-sim --layers 2 --noise 0.2 --trials 3000 --seed 4 | tail -1)
b=$("$bin" fe-sim --layers 2 --noise 0.2 --trials 3000 --seed 4 --fast | tail -1)
[ "$a" = "$b" ] || fail "full '$a' vs fast '$b'"

# analyze on a small simulated prototype, then on dumps written from the same kind of data
"$bin" analyze --devices 8 --readings 3 --size 16384 --fe-trials 5 --save-dump "$tmp/d.bin" \
	>"$tmp/a.txt" || fail "analyze sim"
grep -q "XOR of halves" "$tmp/a.txt" || fail "analyze output"
grep -q "longest run of ones" "$tmp/a.txt" || fail "analyze TRNG tests"
grep -q "polarities differing between devices 0\.[45]" "$tmp/a.txt" || fail "analyze polarity statistics"
"$bin" analyze --dump "$tmp/d.bin" >"$tmp/b.txt" || fail "analyze dump"
grep -q "8 devices x 3 readings x 16384 raw bytes" "$tmp/b.txt" || fail "dump shape"
# the entropy and distance lines come from the same readings, so they are identical
diff <(grep -A2 "XOR of halves (k=2)" "$tmp/a.txt") <(grep -A2 "XOR of halves (k=2)" "$tmp/b.txt") >/dev/null ||
	fail "dump statistics differ from the simulation's"

# --plots: gnuplot runs on a script file, never through a shell, so a directory name full of shell
# and gnuplot syntax reaches it verbatim (and runs nothing).
command -v gnuplot >/dev/null || fail "needs gnuplot (Debian package gnuplot-nox; scripts/deps.sh)"
pdir="$tmp/it's \$(touch pwned) \`touch pwned\` @x"
abs_bin=$(cd "$(dirname "$bin")" && pwd)/pufauth
(cd "$tmp" && "$abs_bin" analyze --devices 4 --readings 3 --size 1024 --fe-trials 2 --plots "$pdir") \
	>"$tmp/p.txt" || fail "analyze --plots"
for n in inter_hd intra_hd raw_bytes; do
	[ "$(head -c 8 "$pdir/$n.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$n.png is not a PNG image"
	[ -s "$pdir/$n.dat" ] && [ -s "$pdir/$n.gp" ] || fail "$n: data or script missing"
	grep -qF "plot: $pdir/$n.png" "$tmp/p.txt" || fail "$n: not reported"
done
[ ! -e "$tmp/pwned" ] || fail "a shell ran the plot command"
# without gnuplot the data and scripts are still written, and the run succeeds
(PATH=/nonexistent "$bin" analyze --devices 4 --readings 3 --size 1024 --fe-trials 2 \
	--plots "$tmp/np") >"$tmp/np.txt" || fail "analyze --plots without gnuplot"
grep -q "gnuplot not found" "$tmp/np.txt" || fail "no message without gnuplot"
[ -s "$tmp/np/inter_hd.gp" ] && [ ! -e "$tmp/np/inter_hd.png" ] || fail "files without gnuplot"
# the protocol suites on the simulated SRAM: bench/fe-bound.sh in small (the bench runs 10^7)
src=${HWG_SOURCE:-.}
out=$(BUILD_DIR=$(dirname "$(dirname "$bin")") "$src/bench/fe-bound.sh" debiased-128 20000 4) ||
	fail "fe-bound.sh debiased-128"
last=$(echo "$out" | tail -1)
echo "$last" | grep -Eq '^residual_min_entropy_bits 144 failure_rate 0 trials 20000$' ||
	fail "fe-bound last line: $last"
# the exact bound per authentication, on one reading as reference, is below 10^-6
bound=$(echo "$out" | grep -m1 "reference = one reading (every" | sed -E 's/.*authentication failure <= ([0-9.e+-]+).*/\1/')
awk -v b="$bound" 'BEGIN { exit !(b > 0 && b < 1e-6) }' || fail "exact bound '$bound'"
echo "$out" | grep -q "public: the challenge's case map" || fail "fe-bound names what is public"
# the report's suite: the textbook bound is negative, the output says it leaks
out=$("$bin" fe-sim --suite report-128 --trials 400 --devices 2) || fail "fe-sim report-128"
echo "$out" | grep -q "LEAKS" || fail "report-128 not labelled as leaking"
echo "$out" | tail -1 | grep -Eq '^residual_min_entropy_bits -[0-9]+ failure_rate [0-9.e+-]+ trials 400$' ||
	fail "report-128 last line: $(echo "$out" | tail -1)"
# enrolment: the default suite is debiased-128, with case maps in a version-2 state record; the
# report's suites are selectable and say that they leak
out=$("$bin" enroll --db "$tmp/s.db" --state "$tmp/a.state" --sim-seed 3 2>"$tmp/err") ||
	fail "enroll: $(cat "$tmp/err")"
echo "$out" | grep -q "suite debiased-128, 128-bit security" || fail "enroll default: $out"
[ ! -s "$tmp/err" ] || fail "enroll default warned: $(cat "$tmp/err")"
[ "$(od -An -tu1 -j4 -N2 "$tmp/a.state" | tr -s ' ')" = " 2 3" ] || fail "state version/suite"
[ "$(wc -c <"$tmp/a.state")" -gt 1000 ] || fail "state without the 10 case maps"
"$bin" enroll --db "$tmp/s.db" --state "$tmp/b.state" --sim-seed 4 --suite report-128 \
	>/dev/null 2>"$tmp/err" || fail "enroll report-128"
grep -q "report-compatible and leaks" "$tmp/err" || fail "report-128 enrolled without a warning"
"$bin" enroll --db "$tmp/s.db" --state "$tmp/c.state" --sim-seed 5 --suite nope 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown --suite" "$tmp/err" || fail "enroll accepted an unknown suite"
"$bin" enroll --db "$tmp/s.db" --state "$tmp/c.state" --sim-seed 5 --suite report-64 \
	--security 64 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "not both" "$tmp/err" || fail "enroll accepted --suite and --security"
# an SRAM without the prototype's half-word structure is refused, not enrolled with a weak key
"$bin" enroll --db "$tmp/s.db" --state "$tmp/c.state" --sim-seed 5 --sim-model mcu 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "cannot use it" "$tmp/err" || fail "enroll on the mcu model"
[ ! -e "$tmp/c.state" ] || fail "refused enrolment left a state file"

"$bin" fe-sim --suite nope 2>"$tmp/err"; [ $? -eq 2 ] || fail "unknown suite accepted"
grep -q "unknown --suite" "$tmp/err" || fail "unknown suite message"
echo "ok"
