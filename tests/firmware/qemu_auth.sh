#!/bin/sh
# CI run of the emulated device: firmware/size.sh (flash, RAM map and the measured stack within the
# budget), then firmware/qemu-auth.sh with a few power-up -> authenticate cycles of the default
# suite and power cuts before and during the first, the middle (in the case maps) and the last
# flash operation of a key update.
# Fails, naming the Debian packages, without qemu-system-arm or arm-none-eabi-gcc.
set -eu
root=${HWG_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in qemu-system-arm arm-none-eabi-gcc; do
	command -v $tool >/dev/null 2>&1 || {
		echo "qemu_auth.sh: $tool not found: install the Debian packages qemu-system-arm, gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/deps.sh)" >&2
		exit 1
	}
done
[ -z "${HWG_BIN:-}" ] || export PUFAUTH="$HWG_BIN/pufauth"
"$root/firmware/size.sh"
out=$("$root/firmware/qemu-auth.sh" --readings 5 --cuts b1,bmid,blast,t1,tmid,tlast 3) || {
	echo "$out"
	exit 1
}
echo "$out"
[ "$(echo "$out" | tail -1)" = "qemu_auths_ok 3/3" ]
