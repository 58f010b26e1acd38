#!/bin/sh
# Linkability on the MCU path: D emulated devices (qemu-system-arm -M microbit, the device image
# of firmware/) run S authentications each against one server; every cleartext field of their
# RESPONSEs (n_D, the IV, the rest of c, t1, u, v1, session, header) must not tell the devices
# apart better than chance, while the report's plain XOR-of-8 generator, fed the same power-ups,
# must (the test's power); and no part of a device's case maps (public, in its flash) may appear
# in any RESPONSE. The statistic and its threshold: tests/firmware/link_stat.c.
#
# Usage: tests/firmware/linkability.sh LINK_STAT [DEVICES [SESSIONS]]   (default 6 devices x 4;
# CI runs 5 x 4)
# Needs qemu-system-arm, arm-none-eabi-gcc and the host build (HWG_BIN or build/bin). Fails,
# naming the Debian packages, without the emulator or the cross compiler.
set -eu

FW_NAME=linkability.sh
FW_ROOT=${HWG_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
link_stat=$1
devices=${2:-6}
sessions=${3:-4}
for tool in qemu-system-arm arm-none-eabi-gcc; do
	command -v $tool >/dev/null 2>&1 || {
		echo "linkability.sh: $tool not found: install the Debian packages qemu-system-arm, gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/deps.sh)" >&2
		exit 1
	}
done
. "$FW_ROOT/firmware/qemu-lib.sh"

FW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwg-link.XXXXXX")
cleanup() {
	fw_server_stop
	rm -rf "$FW_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fw_setup
d=1
while [ $d -le "$devices" ]; do
	fw_enrol $((100 + d)) 3
	[ $d -gt 1 ] || fw_server_start
	d=$((d + 1))
done
: >"$FW_TMP/controls"
ok=0
export FW_KEEP_SRAM=1
# Devices come to the server in a new random order every round, as a fleet does: in a fixed order
# anything that counts the server's HELLOs (the session id's first two bytes are the server's
# table slot, a global counter: src/pufserver/service.c) would repeat each device's position and
# look like a link to it. (A fixed seed per round: the run is repeatable.)
order() {
	awk -v n="$devices" -v seed="$1" 'BEGIN {
		srand(seed); for (i = 1; i <= n; i++) a[i] = i
		for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 1; i <= n; i++) print a[i] }'
}
s=1
while [ $s -le "$sessions" ]; do
	for d in $(order $((20261203 + s))); do
		dev=$((100 + d)) pu=$((1000 + s))
		st=0
		fw_powerup $dev $pu --transcript "$FW_TMP/transcript" >"$FW_TMP/run.log" 2>&1 || st=$?
		if [ $st -eq 0 ] || [ $st -eq 1 ]; then
			echo "dev-$dev $FW_TMP/sram-$dev-$pu.bin $FW_TMP/flash-$dev.bin" >>"$FW_TMP/controls"
			[ $st -ne 0 ] || ok=$((ok + 1))
		else
			echo "linkability.sh: power-up $pu of device $dev failed:" >&2
			cat "$FW_TMP/run.log" >&2
			exit 1
		fi
	done
	s=$((s + 1))
done
echo "$ok of $((devices * sessions)) runs authenticated"
"$link_stat" "$FW_TMP/transcript" "$FW_TMP/controls" $((FW_TRNG - FW_PUF))
