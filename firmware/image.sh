#!/bin/sh
# Builds the nRF51 (Cortex-M0) images with arm-none-eabi-gcc -Os, --gc-sections, newlib-nano:
#   device.elf     the PUF device (firmware/device_image.c + the protocol's device code)
#   provision.elf  the enrolment image that dumps the PUF region (firmware/provision.c)
# The device-side sources are those of the host libraries hwg_portable, hwg_puf and hwg_pufproto,
# read from their CMakeLists.txt: the firmware compiles the same files as the host build (no copy),
# and a file added there (a new fuzzy extractor, a new suite) is in the next image; the linker
# drops what the device does not call. nrf51.ld holds the budget: linking fails when the image
# exceeds 8 KB of flash or static RAM leaves no room for the boot stack.
#
# A device speaks the one suite it was enrolled with, so the image is built for the default suite
# debiased-128 only (-DHWG_DEVICE_DEBIASED_ONLY: the report suites' reading and the second FE
# layer are left out; -DHWG_SIMON_128_128_ONLY: SIMON-64/128, which only report-64 uses, too);
# --all-suites builds the image that also speaks the report-compatible suites (report-128,
# report-64), which LEAK (docs/puf.md section 6) and cost flash.
#
# Usage: firmware/image.sh [--out DIR] [--check] [--all-suites] [--no-flash-limit]
#   --out DIR         keep the ELF files and device.map in DIR (default: a temporary directory)
#   --check           only build and print the sizes (the CTest test firmware_image)
#   --all-suites      every suite, report-compatible ones included (default: debiased-128 only)
#   --no-flash-limit  link even beyond 8 KB of flash (to measure an image over the budget; it
#                     is not one the part's budget allows)
# Exit status: 0 built, 1 build or link failed (e.g. over budget), 77 no arm-none-eabi-gcc.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC_ARM:-arm-none-eabi-gcc}
SIZE=${SIZE_ARM:-arm-none-eabi-size}
out="" unlimited=0
suites="-DHWG_DEVICE_DEBIASED_ONLY -DHWG_SIMON_128_128_ONLY"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift ;;
	--check) ;;
	--all-suites) suites= ;;
	--no-flash-limit) unlimited=1 ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "image.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "image.sh: $CC not found: install the Debian packages gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/deps.sh)" >&2
	exit 1
fi

# The .c files of `add_library(LIB STATIC ...)` in DIR/CMakeLists.txt, as paths from the root.
lib_sources() {
	awk -v lib="$2" -v dir="$1" '
		$0 ~ "add_library\\(" lib "[ \t]" { on = 1 }
		on {
			for (i = 1; i <= NF; i++) if ($i ~ /\.c\)?$/) { f = $i; sub(/\)$/, "", f); print dir "/" f }
			if ($0 ~ /\)/) on = 0
		}' "$root/$1/CMakeLists.txt"
}
lib_files=$(lib_sources src/crypto/portable hwg_portable; lib_sources src/puf hwg_puf;
	lib_sources src/puf/proto hwg_pufproto)
if [ -z "$lib_files" ] || ! echo "$lib_files" | grep -q 'proto/device.c'; then
	echo "image.sh: could not read the device-side sources from the CMakeLists.txt files" >&2
	exit 1
fi

if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/hwg-fwimage.XXXXXX")
	trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

cflags="-mcpu=cortex-m0 -mthumb -Os -flto -ffat-lto-objects -std=c11 -ffreestanding -ffunction-sections -fdata-sections
	-fno-tree-loop-distribute-patterns -fstack-usage -Wall -Wextra -Werror -Wvla -Isrc -Ifirmware $suites
	${FW_CFLAGS:-}"
ld=${NRF51_LD:-firmware/nrf51.ld}
if [ $unlimited -eq 1 ]; then
	# the same map with the flash region as large as the part's: only the size changes
	sed 's/^\(\tFLASH (rx) *: ORIGIN = 0x00000000, LENGTH = \)8K/\1128K/' "$root/$ld" >"$out/nrf51-unlimited.ld"
	grep -q 'LENGTH = 128K' "$out/nrf51-unlimited.ld" || { echo "image.sh: cannot lift the flash limit of $ld" >&2; exit 1; }
	ld=$out/nrf51-unlimited.ld
fi
ldflags="-nostartfiles --specs=nano.specs -Wl,--gc-sections -Lfirmware -T$ld"
# One object per source (named after it, with its .su stack frames beside it: firmware/size.sh
# reads both), then the two links.
mkdir -p "$out/obj"
objs=""
for src in firmware/nrf51.c firmware/mem.c firmware/handoff.c $lib_files firmware/device_image.c firmware/provision.c; do
	obj="$out/obj/$(basename "$src" .c).o"
	# mem.c is a plain object: calls to memcpy/memset appear only after link-time optimisation,
	# too late for an LTO definition of them to be kept
	extra=
	[ "$src" = firmware/mem.c ] && extra=-fno-lto
	# the device state machine: its frame is most of the stack; keep callees out of it
	[ "$src" = src/puf/proto/device.c ] && extra=-fconserve-stack
	# shellcheck disable=SC2086 # word splitting of the flag list is intended
	(cd "$root" && "$CC" $cflags $extra -c "$src" -o "$obj")
	case "$src" in firmware/device_image.c|firmware/provision.c) ;; *) objs="$objs $obj" ;; esac
done
# shellcheck disable=SC2086
(cd "$root" &&
	"$CC" $cflags $ldflags -Wl,-Map="$out/device.map" -o "$out/device.elf" \
		"$out/obj/device_image.o" $objs &&
	"$CC" $cflags $ldflags -o "$out/provision.elf" "$out/obj/provision.o" $objs)

printf '%-14s %8s %8s %8s %12s\n' image text data bss "flash (B)"
for elf in device provision; do
	set -- $("$SIZE" -B "$out/$elf.elf" | tail -1)
	printf '%-14s %8d %8d %8d %12d\n' "$elf.elf" "$1" "$2" "$3" $(($1 + $2))
done
