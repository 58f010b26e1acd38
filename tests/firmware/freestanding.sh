#!/bin/sh
# The portable part builds without a C library: every source of hwg_portable, hwg_puf and
# hwg_pufproto (the sources of the device image, firmware/image.sh) is compiled with the host
# compiler, -std=c11 -ffreestanding, and -nostdinc: only the compiler's own headers and
# freestanding/string.h (memcpy, memset, memcmp) are found, so `#include <stdio.h>` fails. The
# objects are then linked with -nostdlib into an image with its own entry point, with
# firmware/mem.c as the only C library and the compiler's runtime (libgcc) for its helpers, and
# without --gc-sections: a call to malloc, getrandom, sqrt or any other function the device does
# not have, from any function, is an undefined symbol. Both the image's configuration (the default
# suite only) and the one with every suite are built.
#
# Usage: freestanding.sh CC SOURCE...   (tests/firmware/CMakeLists.txt passes the libraries' sources)
# Exit status: 0 built and linked, 1 a source did not compile or the link found an undefined symbol.
set -eu

[ $# -ge 2 ] || { echo "usage: freestanding.sh CC SOURCE..." >&2; exit 2; }
cc=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hwg-freestanding.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The compiler's own headers (stddef.h, stdint.h, ...): gcc and clang both answer this.
cc_include=$("$cc" -print-file-name=include)
[ -f "$cc_include/stddef.h" ] || { echo "freestanding.sh: no stddef.h in '$cc_include'" >&2; exit 1; }
runtime=$("$cc" -print-libgcc-file-name)

cat >"$tmp/entry.c" <<'END'
/* Entry point of the image: nothing runs it, it only gives the linker an image to complete. */
void _start(void);
void _start(void)
{
	for (;;)
		;
}
END

status=0
for config in "-DHWG_DEVICE_DEBIASED_ONLY -DHWG_SIMON_128_128_ONLY" ""; do
	name=${config:+default-suite}
	name=${name:-all-suites}
	mkdir -p "$tmp/$name"
	objs=""
	for src in "$@" "$root/firmware/mem.c" "$tmp/entry.c"; do
		obj="$tmp/$name/$(basename "$src" .c).o"
		# shellcheck disable=SC2086 # the configuration is a list of flags
		if ! "$cc" -std=c11 -ffreestanding -nostdinc -isystem "$here/freestanding" \
			-isystem "$cc_include" -idirafter "$here/freestanding/after" -I"$root/src" $config -Os -fno-pie -fno-stack-protector \
			-Wall -Wextra -Werror -Wvla -c "$src" -o "$obj"; then
			echo "freestanding.sh ($name): $src does not compile without a C library" >&2
			status=1
		fi
		objs="$objs $obj"
	done
	[ $status -eq 0 ] || continue
	# shellcheck disable=SC2086
	if ! "$cc" -nostdlib -static -Wl,-e,_start -o "$tmp/$name/image" $objs "$runtime"; then
		echo "freestanding.sh ($name): the portable code calls functions a device does not have" >&2
		status=1
		continue
	fi
	echo "freestanding.sh ($name): $# sources compiled with -ffreestanding -nostdinc, linked with -nostdlib"
done
exit $status
