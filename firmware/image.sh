#!/bin/sh
# Links firmware/device_image.c (a whole device: start-up, SRAM PUF, TRNG, one protocol run) for
# Cortex-M0 and Cortex-M4 at -Os with --gc-sections, and prints the image's flash and static RAM
# and what is left of an 8 KB RAM for the stack. Usage: firmware/image.sh [--check]
# --check: exit 1 unless the image fits the report's device (flash <= 16 KB, static RAM <= 6 KB,
# leaving >= 2 KB of stack): a regression guard for CI.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC_ARM:-arm-none-eabi-gcc}
SIZE=${SIZE_ARM:-arm-none-eabi-size}
check=0
[ "${1:-}" = --check ] && check=1
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "image.sh: $CC not found: install the Debian packages gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/deps.sh)" >&2
	exit 1
fi

sources="firmware/device_image.c
src/puf/proto/device.c src/puf/proto/wire.c src/puf/proto/suite.c src/puf/proto/device_state.c
src/puf/fe.c src/puf/debias.c src/puf/majority.c src/puf/health.c src/puf/trng.c src/puf/sram_mcu.c
src/crypto/portable/secure.c src/crypto/portable/simon.c src/crypto/portable/simon_modes.c
src/crypto/portable/bch63.c"

out=$(mktemp -d "${TMPDIR:-/tmp}/hwg-fwimage.XXXXXX")
trap 'rm -rf "$out"' EXIT
[ -n "${KEEP_ELF:-}" ] && trap - EXIT && echo "image.sh: ELF files kept in $out"
status=0
printf '%-11s %8s %8s %8s %10s %14s\n' cpu text data bss flash "static RAM"
for cpu in cortex-m0 cortex-m4; do
	# shellcheck disable=SC2086 # word splitting of the source list is intended
	(cd "$root" && "$CC" -mcpu=$cpu -mthumb -Os -std=c11 -ffreestanding -ffunction-sections \
		-fdata-sections -Wall -Wextra -Werror -Wvla -Wno-unused-parameter -Isrc \
		-nostartfiles --specs=nano.specs -Wl,--gc-sections -Lfirmware \
		-Tfirmware/device_image.ld -o "$out/$cpu.elf" $sources)
	set -- $("$SIZE" -B "$out/$cpu.elf" | tail -1)
	text=$1 data=$2 bss=$3
	# The NOLOAD PUF region counts as RAM too: bss here already includes .puf_sram/.noinit.
	ram=$((data + bss))
	printf '%-11s %8d %8d %8d %10d %14d   (stack: %d of 8192 bytes)\n' "$cpu" "$text" "$data" \
		"$bss" $((text + data)) "$ram" $((8192 - ram))
	if [ $check -eq 1 ] && { [ $((text + data)) -gt 16384 ] || [ $ram -gt 6144 ]; }; then
		echo "image.sh: $cpu image exceeds the budget (flash 16384, static RAM 6144)" >&2
		status=1
	fi
done
exit $status
