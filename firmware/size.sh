#!/bin/sh
# The device image against its budget (the report's 8 KB device): <= 8 KB of flash and <= 4 KB of
# RAM including the stack's measured high-water mark. Builds the nRF51 images (firmware/image.sh),
# prints flash, the RAM map of both phases (firmware/nrf51.ld), the largest functions and stack
# frames, then boots the device under QEMU for one enrolment and one authentication per suite and
# prints the stack high-water marks it reports (stack painting: firmware/device_image.c).
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
-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "size.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

FLASH_BUDGET=8192
RAM_BUDGET=4096
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
sym() { printf '%d' "$(fw_sym "$1")"; }
cc=${CC_ARM:-arm-none-eabi-gcc}
status=0

# ---- flash ----
set -- $(arm-none-eabi-size -B "$FW_ELF" | tail -1)
flash=$(($1 + $2))
set -- $(arm-none-eabi-size -B "$FW_TMP/img/provision.elf" | tail -1)
echo "== flash (Cortex-M0, $cc $("$cc" -dumpversion), -Os, LTO, --gc-sections, newlib-nano)"
printf '  device image       %6d B of %d (%d left)\n' "$flash" $FLASH_BUDGET $((FLASH_BUDGET - flash))
printf '  provisioning image %6d B (flashed before the device image, for enrolment)\n' $(($1 + $2))
printf '  state pages        %6d B (two 1 KB NVMC pages at 0x%x: data, not code)\n' 2048 "$(sym __state_pages)"
[ "$flash" -le $FLASH_BUDGET ] || { echo "size.sh: flash over budget" >&2; status=1; }
echo "  largest functions:"
arm-none-eabi-nm -S --size-sort "$FW_ELF" | awk '$3 ~ /^[tTrR]$/' | tail -8 |
	while read -r _ sz _ name; do printf '    %-44s %5d\n' "$name" $((0x$sz)); done

# ---- RAM map ----
ram=$(sym __ram_start)
handoff=$(($(sym __handoff_end) - ram))
bss_end=$(($(sym __bss_end) - ram))
puf=$(($(sym __trng_start) - $(sym __puf_start)))
trng=$(($(sym __boot_stack_bottom) - $(sym __trng_start)))
boot=$(($(sym __stack_top) - $(sym __boot_stack_bottom)))
echo "== RAM: $RAM_BUDGET B at 0x$(printf '%x' "$ram") (the part has 16 KB; the image uses 4)"
echo "  boot (reset handler, before .data/.bss exist):"
printf '    .handoff     %5d B  state, y2, generator key, two PUF readings for the run\n' "$handoff"
printf '    PUF blocks   %5d B  power-up state, read as challenges (captured, then wiped)\n' "$puf"
printf '    TRNG noise   %5d B  power-up state, conditioned into the generator key, wiped\n' "$trng"
printf '    boot stack   %5d B  reserved\n' "$boot"
echo "  run (over the wiped power-up region):"
printf '    .handoff     %5d B\n' "$handoff"
printf '    .data/.bss   %5d B  message buffers, device state machine\n' $((bss_end - handoff))
printf '    stack        %5d B  available\n' $((RAM_BUDGET - bss_end))
echo "  largest stack frames (bytes, after link-time inlining):"
sort -t"$(printf '\t')" -k2 -n -r "$FW_TMP"/img/device.elf.ltrans*.su 2>/dev/null | head -6 |
	awk -F'\t' '{ n = split($1, a, ":"); printf "    %-44s %5d\n", a[n], $2 }'

# ---- stack high-water, measured ----
if [ $run -eq 0 ]; then
	echo "== stack high-water: not measured (--no-run)"
	exit $status
fi
echo "== stack high-water, measured under qemu-system-arm -M microbit (one enrolment + one run)"
first=1
for bits in 128 64; do
	FW_SECURITY=$bits
	fw_enrol $bits 3
	[ $first -eq 0 ] || fw_server_start
	first=0
	st=0
	fw_powerup $bits 100 >"$FW_TMP/run.log" 2>&1 || st=$?
	line=$(sed -n 's/^device: stack high-water //p' "$FW_TMP/run.log")
	if [ $st -ne 0 ] || [ -z "$line" ]; then
		echo "size.sh: the measuring run at $bits bits failed (status $st):" >&2
		sed 's/^/  | /' "$FW_TMP/run.log" >&2
		status=1
		continue
	fi
	set -- $(echo "$line" | sed 's/[^0-9 ]//g')
	boot_used=$1 boot_size=$2 run_used=$3 run_size=$4 static=$5
	total=$((static + run_used))
	printf '  lambda=%-3s boot stack %4d of %4d B; run stack %4d B + static %4d B = %4d of %d B (%d left)\n' \
		$bits "$boot_used" "$boot_size" "$run_used" "$static" "$total" $RAM_BUDGET $((RAM_BUDGET - total))
	if [ "$boot_used" -ge "$boot_size" ] || [ "$total" -gt $RAM_BUDGET ]; then
		echo "size.sh: RAM over budget at $bits bits" >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "within budget: flash <= $FLASH_BUDGET B, RAM <= $RAM_BUDGET B including the stack"
exit $status
