#!/bin/sh
# Device-side cost of the key-generation suites (docs/puf.md section 9.6), in one invocation:
#  1. instructions of the device's protocol run (pufproto_device_begin) and of its PUF reading, per
#     suite, counted by valgrind --tool=callgrind on the host build (x86-64); the driver
#     (tests/puf/fe_device_steps.c) reads one simulated power-up from RAM, as an MCU reads its SRAM
#  2. flash, static RAM and stack on Cortex-M0: the device image of firmware/image.sh as shipped
#     (the default suite only) and with every suite (--all-suites, over the 8 KB budget, linked to
#     measure it), the debiased front end's functions, and their stack frames.
#
# usage: bench/fe-device.sh [BUILD_DIR]     (default: build; needs valgrind and gcc-arm-none-eabi)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$root/build}
D="$B/tests/fe_device_steps"
[ -x "$D" ] || { echo "fe-device.sh: no $D: build the target fe_device_steps first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "fe-device.sh: needs valgrind: install the Debian package valgrind (scripts/deps.sh)" >&2; exit 1; }
CC=${CC_ARM:-arm-none-eabi-gcc}
command -v "$CC" >/dev/null || { echo "fe-device.sh: needs $CC: install the Debian package gcc-arm-none-eabi (scripts/deps.sh)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/fe-device.XXXXXX")
trap 'rm -rf "$T"' EXIT

count() { # inclusive instructions of function $2 in callgrind file $1
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk -v f=":$2 " '{ line = $0 " " } index(line, f) && $1 ~ /^[0-9,]+$/ \
			{ gsub(",", "", $1); print $1; exit }'
}
suites="debiased-128 report-128 report-64"
for s in $suites; do
	valgrind --tool=callgrind --toggle-collect=pufproto_device_begin \
		--callgrind-out-file="$T/cg.$s" "$D" "$s" >/dev/null 2>&1
done
printf '%-52s %13s %13s %13s\n' "device step (instructions, x86-64 host build)" $suites
row() {
	printf '%-52s' "$1"
	for s in $suites; do
		v=$(count "$T/cg.$s" "$2")
		printf ' %13s' "${v:--}"
	done
	printf '\n'
}
row "RESPONSE (pufproto_device_begin)" pufproto_device_begin
row "  PUF readings, debiased: walk of 6,400 B (x2)" debias_pp_extract
row "  PUF readings, report: XOR of halves (x2)" pufproto_read_reference
row "  FE.Gen (BCH code offset + extractor)" fe_gen
row "  SKE.Enc of the helper data" ske_encrypt
a=$(count "$T/cg.debiased-128" pufproto_device_begin)
b=$(count "$T/cg.report-128" pufproto_device_begin)
awk -v a="$a" -v b="$b" 'BEGIN { printf "ratio debiased-128 / report-128: %.2f\n", a / b }'

echo
cd "$root"
printf '%-52s %8s %8s %8s\n' "device image, Cortex-M0 -Os (firmware/image.sh)" text data bss
for variant in "default suite only (the shipped image):" "every suite (--all-suites):"; do
	opts= dir=$T/img
	[ "$variant" = "every suite (--all-suites):" ] && opts="--all-suites --no-flash-limit" dir=$T/img-all
	# shellcheck disable=SC2086 # empty or two options
	firmware/image.sh --out "$dir" $opts >/dev/null
	set -- $(arm-none-eabi-size -B "$dir/device.elf" | tail -1)
	printf '%-52s %8s %8s %8s\n' "  $variant" "$1" "$2" "$3"
done
echo "flash budget 8192: the default image fits; firmware/size.sh checks it with the measured stack"
echo "the debiased front end in the default image (bytes of code; inlined parts count in their caller):"
arm-none-eabi-nm --size-sort -S "$T/img/device.elf" |
	awk '$4 ~ /^(debias_word_polarity|debias_pp_group|debias_pp_extract|debias_pp_case_bits|group_polarities|put_bits|map_case|pufproto_read_debiased|pufproto_nv_challenges|read_response)(\.|$)/ \
		{ n = 0; for (i = 1; i <= length($2); i++) n = n * 16 + index("0123456789abcdef", substr($2, i, 1)) - 1;
		  printf "  %-50s %6d\n", $4, n; total += n } END { printf "  %-50s %6d\n", "total", total }'
echo "stack frames (bytes, -fstack-usage after link-time inlining, the default image):"
cat "$T"/img/device.elf.ltrans*.su | grep -E 'debias_|pufproto_read_debiased|read_response|pufproto_device_begin|boot_capture' |
	awk -F'\t' '{ n = split($1, a, ":"); printf "  %-50s %6d\n", a[n], $2 }'
