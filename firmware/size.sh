#!/bin/sh
# The device image against its budget (the report's 8 KB device): <= 8 KB of flash and <= 4 KB of
# working RAM including the stack's measured high-water mark, for the image a device ships: the
# default suite debiased-128 (firmware/image.sh). Builds the nRF51 images, prints flash (and what
# the image with the report-compatible suites as well would take), the RAM map of both phases
# (firmware/nrf51.ld), the largest functions and stack frames, then boots the device under QEMU
# for one enrolment and one authentication and prints the stack high-water marks it reports
# (stack painting: firmware/device_image.c).
#
# Usage: firmware/size.sh [--no-run]
#   --no-run  static figures only (no QEMU, no pufauth build needed); the stack is then not checked
# Exit status: 0 within budget, 1 over budget or a measuring run failed, 2 bad usage.
set -eu

FW_NAME=size.sh
FW_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FW_ROOT/firmware/qemu-lib.sh"

run=1
case "${1:-}" in
'') ;;
--no-run) run=0 ;;
-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "size.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

FLASH_BUDGET=8192
RAM_BUDGET=4096
FW_SUITE=debiased-128
FW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwg-fwsize.XXXXXX")
cleanup() {
	fw_server_stop
	rm -rf "$FW_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ $run -eq 1 ]; then
	fw_setup
else
	"$FW_ROOT/firmware/image.sh" --out "$FW_TMP/img" >"$FW_TMP/image.txt" || exit 1
	FW_ELF=$FW_TMP/img/device.elf
fi
"$FW_ROOT/firmware/image.sh" --all-suites --no-flash-limit --out "$FW_TMP/img-all" >/dev/null ||
	exit 1
sym() { printf '%d' "$(fw_sym "$1")"; }
flash_of() { arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1 + $2 }'; }
cc=${CC_ARM:-arm-none-eabi-gcc}
status=0

# ---- flash ----
flash=$(flash_of "$FW_ELF")
all=$(flash_of "$FW_TMP/img-all/device.elf")
echo "== flash (Cortex-M0, $cc $("$cc" -dumpversion), -Os, LTO, --gc-sections, newlib-nano)"
printf '  device image       %6d B of %d (%d left): the default suite debiased-128\n' \
	"$flash" $FLASH_BUDGET $((FLASH_BUDGET - flash))
if [ "$all" -le $FLASH_BUDGET ]; then
	printf '  every suite        %6d B (image.sh --all-suites: report-128 and report-64 too; fits)\n' "$all"
else
	printf '  every suite        %6d B (image.sh --all-suites: report-128 and report-64 too;\n' "$all"
	printf '                              %d B over the budget: not shipped)\n' $((all - FLASH_BUDGET))
fi
printf '  provisioning image %6d B (flashed before the device image, for enrolment)\n' \
	"$(flash_of "$FW_TMP/img/provision.elf")"
printf '  state pages        %6d B (two 1 KB NVMC pages at 0x%x: data, not code)\n' 2048 "$(sym __state_pages)"
[ "$flash" -le $FLASH_BUDGET ] || { echo "size.sh: flash over budget" >&2; status=1; }
echo "  largest functions:"
arm-none-eabi-nm -S --size-sort "$FW_ELF" | awk '$3 ~ /^[tTrR]$/' | tail -8 |
	while read -r _ sz _ name; do printf '    %-44s %5d\n' "$name" $((0x$sz)); done

# ---- RAM map ----
ram=$(sym __ram_start)
ram_end=$(sym __ram_end)
bss=$(($(sym __bss_end) - ram))
top=$(sym __stack_top)
handoff=$((ram_end - top))
puf=$(($(sym __puf_end) - $(sym __puf_start)))
trng=$(($(sym __boot_stack_bottom) - $(sym __trng_start)))
boot=$((top - $(sym __boot_stack_bottom)))
[ $((ram_end - ram)) -eq $RAM_BUDGET ] || { echo "size.sh: the RAM region is not $RAM_BUDGET B" >&2; status=1; }
printf '== RAM: the part has 16 KB at 0x%x; the working RAM is the top %d B (0x%x..0x%x)\n' \
	"$(sym __puf_start)" $RAM_BUDGET "$ram" "$ram_end"
echo "  boot (reset handler, before .data/.bss exist): power-up state read in place, then wiped"
printf '    0x%x PUF         %5d B  power-up state: %d challenges of 6,400 B (debiased-128)\n' \
	"$(sym __puf_start)" "$puf" $((puf / 6400))
printf '    0x%x TRNG noise  %5d B  power-up state, conditioned into the generator key\n' \
	"$(sym __trng_start)" "$trng"
printf '    0x%x boot stack  %5d B  reserved (working RAM)\n' "$(sym __boot_stack_bottom)" "$boot"
printf '    0x%x .handoff    %5d B  state, generator, y2, z'"'"' and z2 for the run (working RAM)\n' \
	"$top" "$handoff"
echo "  run (the power-up region is wiped; below 0x$(printf '%x' "$ram") nothing is used):"
printf '    0x%x .data/.bss  %5d B  message buffers, device state machine\n' "$ram" "$bss"
printf '    0x%x stack       %5d B  available, growing down to .bss\n' "$(sym __bss_end)" $((top - ram - bss))
printf '    0x%x .handoff    %5d B\n' "$top" "$handoff"
echo "  largest stack frames (bytes, after link-time inlining):"
sort -t"$(printf '\t')" -k2 -n -r "$FW_TMP"/img/device.elf.ltrans*.su 2>/dev/null | head -6 |
	awk -F'\t' '{ n = split($1, a, ":"); printf "    %-44s %5d\n", a[n], $2 }'

# ---- stack high-water, measured ----
if [ $run -eq 0 ]; then
	echo "== stack high-water: not measured (--no-run)"
	exit $status
fi
echo "== stack high-water, measured under qemu-system-arm -M microbit (one enrolment + one run)"
fw_enrol 1 3
fw_server_start
st=0
fw_powerup 1 100 >"$FW_TMP/run.log" 2>&1 || st=$?
line=$(sed -n 's/^device: stack high-water //p' "$FW_TMP/run.log")
if [ $st -ne 0 ] || [ -z "$line" ]; then
	echo "size.sh: the measuring run failed (status $st):" >&2
	sed 's/^/  | /' "$FW_TMP/run.log" >&2
	exit 1
fi
set -- $(echo "$line" | sed 's/[^0-9 ]//g')
boot_used=$1 boot_size=$2 run_used=$3 run_size=$4 static=$5
total=$((static + run_used))
printf '  %s: boot stack %4d of %4d B (+ .handoff %d = %d B at boot);\n' "$FW_SUITE" \
	"$boot_used" "$boot_size" "$handoff" $((boot_used + handoff))
printf '  run stack %4d B + static %4d B = %4d of %d B (%d left)\n' \
	"$run_used" "$static" "$total" $RAM_BUDGET $((RAM_BUDGET - total))
if [ "$boot_used" -ge "$boot_size" ] || [ "$total" -gt $RAM_BUDGET ]; then
	echo "size.sh: RAM over budget" >&2
	status=1
fi
[ $status -eq 0 ] && echo "within budget: flash <= $FLASH_BUDGET B, RAM <= $RAM_BUDGET B including the stack"
exit $status
