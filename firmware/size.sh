#!/bin/sh
# Cross-compiles the device-side PUF code (src/puf device files + src/crypto/portable) for Cortex-M0
# and Cortex-M4 at -Os and prints flash (text + data) and RAM (data + bss) per component, plus the
# largest stack frames (-fstack-usage). CMake-independent: needs only arm-none-eabi-gcc/-size.
# Usage: firmware/size.sh [extra .c files...]   (e.g. the protocol's device state machine)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC_ARM:-arm-none-eabi-gcc}
SIZE=${SIZE_ARM:-arm-none-eabi-size}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "size.sh: $CC not found: install the Debian packages gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/deps.sh)" >&2
	exit 1
fi

# what a device links (the simulator PRNG and the dump-file parser are host tools)
puf="fe debias majority health trng sram_mcu"
portable="secure simon simon_modes bch63"
sources=""
for f in $puf; do sources="$sources src/puf/$f.c"; done
for f in $portable; do sources="$sources src/crypto/portable/$f.c"; done
sources="$sources $*"

out=$(mktemp -d "${TMPDIR:-/tmp}/pb-fwsize.XXXXXX")
trap 'rm -rf "$out"' EXIT

for cpu in cortex-m0 cortex-m4; do
	echo "== $cpu, -Os ($("$CC" -dumpversion)) =="
	printf '%-34s %8s %8s %8s %8s %8s\n' component text data bss flash ram
	tf=0
	tr=0
	for src in $sources; do
		name=$(basename "$src" .c)
		obj="$out/$cpu-$name.o"
		(cd "$root" && "$CC" -mcpu=$cpu -mthumb -Os -std=c11 -ffreestanding -ffunction-sections \
			-fdata-sections -fstack-usage -Wall -Wextra -Werror -Wvla -Wno-unused-parameter \
			-Isrc -c "$src" -o "$obj")
		set -- $("$SIZE" -B "$obj" | tail -1)
		text=$1 data=$2 bss=$3
		printf '%-34s %8d %8d %8d %8d %8d\n' "$src" "$text" "$data" "$bss" $((text + data)) \
			$((data + bss))
		tf=$((tf + text + data))
		tr=$((tr + data + bss))
	done
	printf '%-34s %35d %8d\n' "total (static)" "$tf" "$tr"
	echo "largest stack frames (bytes; add the callees' for a call chain):"
	cat "$out"/$cpu-*.su | sort -t"$(printf '\t')" -k2 -n -r | head -6 |
		awk -F'\t' '{ n = split($1, a, ":"); printf "  %-40s %6d %s\n", a[n], $2, $3 }'
	echo
done
