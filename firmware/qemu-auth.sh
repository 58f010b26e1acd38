#!/bin/sh
# The PUF device as firmware, run for real: builds the nRF51 images (firmware/image.sh), starts a
# fresh `pufauth serve`, enrols one emulated device (qemu-system-arm -M microbit) from the SRAM
# dumps of its provisioning power-ups, runs N power-up -> authenticate cycles (each one a fresh
# simulated power-up of the same SRAM, the key update persisting in the emulated flash), then cuts
# the power (QEMU killed) in the middle of key updates and checks that the flash still holds the
# old or the new state and that the device authenticates after a reboot. A reset without a power
# cycle must make the device refuse (warm-reset canary).
# The last line is `qemu_auths_ok K/N`.
#
# Usage: firmware/qemu-auth.sh [options] N
#   --suite NAME           debiased-128 (default: the default suite, on the image built for it),
#                          report-128 or report-64 (report-compatible, LEAK; image built with
#                          every suite: firmware/image.sh --all-suites)
#   --model prototype|mcu  SRAM calibration (default prototype: the report's board, 10 % noise;
#                          mcu: a typical MCU SRAM, for the report suites)
#   --device S             the device: its SRAM simulator seed (default 1)
#   --readings E           provisioning power-ups whose dumps enrol it (default 11)
#   --cuts LIST            power cuts during a key update: "none", "all" (before and during each of
#                          its flash operations), or a comma list of b<k> (just before operation k)
#                          and t<k> (during it: each bit it changes, changed or not, at random);
#                          k "last" is the commit word, "mid" the middle operation (inside the
#                          case maps of a debiased-128 record). Default: b1,b7,bmid,blast,t1,
#                          tmid,tlast
#   --keep DIR             keep the server store, flash files and logs in DIR
# Exit status: 0 when all N cycles authenticated, the warm reset was refused and every power cut
# passed; 1 otherwise.
set -eu

FW_NAME=qemu-auth.sh
FW_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FW_ROOT/firmware/qemu-lib.sh"

device=1 readings=11 cuts=b1,b7,bmid,blast,t1,tmid,tlast keep= n=
while [ $# -gt 0 ]; do
	case "$1" in
	--model) FW_MODEL=$2; shift ;;
	--suite) FW_SUITE=$2; shift ;;
	--device) device=$2; shift ;;
	--readings) readings=$2; shift ;;
	--cuts) cuts=$2; shift ;;
	--keep) keep=$2; shift ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "qemu-auth.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) [ -z "$n" ] || { echo "qemu-auth.sh: one N only" >&2; exit 2; }; n=$1 ;;
	esac
	shift
done
case "$n" in
'' | *[!0-9]*) echo "usage: firmware/qemu-auth.sh [options] N   (N >= 1 cycles; see --help)" >&2
	exit 2 ;;
esac
[ "$n" -ge 1 ] || { echo "qemu-auth.sh: N must be at least 1" >&2; exit 2; }

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	FW_TMP=$(cd "$keep" && pwd)
else
	FW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwg-qemu-auth.XXXXXX")
fi
cleanup() {
	fw_server_stop
	[ -n "$keep" ] || rm -rf "$FW_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fw_setup
echo "image: $(sed -n 's/^device.elf *\([0-9]*\) .*/\1/p' "$FW_TMP/image.txt") bytes of flash;" \
	"model $FW_MODEL, suite $FW_SUITE, device $device"
fw_enrol "$device" "$readings"
fw_server_start
echo "enrolled from $readings provisioning power-ups: $("$PUFAUTH" mcu state "$FW_TMP/flash-$device.bin")"

log=$FW_TMP/run.log
# one power-up; the outcome word of the bridge's "device:" line, or "error"
powerup() {
	st=0
	fw_powerup "$device" "$@" >"$log" 2>&1 || st=$?
	cat "$log" >>"$FW_TMP/all.log"
	return $st
}

ok=0 ops=
i=1
while [ "$i" -le "$n" ]; do
	st=0
	if [ "$i" -eq 1 ]; then
		# the first cycle also counts the flash operations of a key update (for the cuts)
		powerup $((1000 + i)) --cut 1000000 --cut-at "$FW_ERASE" --cut-at "$FW_WRITE" || st=$?
		ops=$(sed -n 's/.*made \([0-9]*\) flash operations.*/\1/p' "$log")
	else
		powerup $((1000 + i)) || st=$?
	fi
	outcome=$(sed -n 's/^device: //p' "$log" | head -1)
	stack=$(sed -n 's/^device: stack high-water \(.*\); static.*/\1/p' "$log")
	if [ $st -eq 0 ]; then
		ok=$((ok + 1))
		echo "cycle $i/$n: $outcome (stack: $stack)"
	else
		echo "cycle $i/$n: FAILED (status $st): ${outcome:-no report}"
		sed 's/^/  | /' "$log"
	fi
	i=$((i + 1))
done

# A reset without a power cycle: the RAM keeps its wiped power-up region and the warm-reset
# canary, so the device must refuse to use it as a PUF reading or as noise.
warm_ok=0
st=0
powerup 1900 --warm-reset || st=$?
if [ $st -eq 0 ] && grep -q "warm reset refused" "$log"; then
	warm_ok=1
	echo "warm reset after an authentication: refused, as it must be"
else
	echo "warm reset: FAILED (status $st)"
	sed 's/^/  | /' "$log"
fi

# Power cuts during a key update. A cut before the commit word (the last operation) is complete
# must leave the old record; a torn commit word leaves the old or the new one; either way the
# next power-up must authenticate (the server still knows the old key as "previous").
cut_ok=0 cut_n=0
if [ "$cuts" != none ]; then
	[ -n "$ops" ] && [ "$ops" -gt 0 ] || fw_die "could not count the flash operations of a key update"
	if [ "$cuts" = all ]; then
		cuts=
		k=1
		while [ "$k" -le "$ops" ]; do cuts="$cuts b$k t$k"; k=$((k + 1)); done
	fi
	pu=2000
	for c in $(echo "$cuts" | tr ',' ' '); do
		mode=${c%"${c#?}"} k=${c#?}
		[ "$k" = last ] && k=$ops
		[ "$k" = mid ] && k=$(((ops + 1) / 2))
		case "$mode$k" in
		[bt][0-9]*) ;;
		*) fw_die "bad cut '$c' (b<k> or t<k>)" ;;
		esac
		[ "$k" -ge 1 ] && [ "$k" -le "$ops" ] || fw_die "cut '$c': a key update has $ops operations"
		cut_n=$((cut_n + 1))
		tear=
		[ "$mode" = t ] && tear=--tear
		old=$("$PUFAUTH" mcu state "$FW_TMP/flash-$device.bin")
		old_seq=$(echo "$old" | sed -n 's/^record \([0-9]*\):.*/\1/p')
		st=0
		# shellcheck disable=SC2086 # $tear is empty or one word
		powerup $pu --cut "$k" --cut-at "$FW_ERASE" --cut-at "$FW_WRITE" $tear || st=$?
		after=$("$PUFAUTH" mcu state "$FW_TMP/flash-$device.bin" || true)
		after_seq=$(echo "$after" | sed -n 's/^record \([0-9]*\):.*/\1/p')
		verdict=
		if [ $st -ne 4 ]; then
			verdict="the power cut did not happen (status $st)"
		elif [ -z "$after_seq" ]; then
			verdict="no valid state left in flash"
		elif [ "$after" = "$old" ]; then
			kept=old
		elif [ "$k" -eq "$ops" ] && [ "$mode" = t ] && [ "$after_seq" -eq $((old_seq + 1)) ]; then
			kept=new
		else
			verdict="flash holds '$after', expected the old '$old'"
		fi
		if [ -z "$verdict" ]; then
			st=0
			powerup $((pu + 1)) || st=$?
			[ $st -eq 0 ] || verdict="reboot after the cut did not authenticate (status $st)"
		fi
		if [ -z "$verdict" ]; then
			cut_ok=$((cut_ok + 1))
			echo "power cut $( [ "$mode" = t ] && echo during || echo before) flash operation" \
				"$k/$ops: $kept state kept, reboot authenticated"
		else
			echo "power cut $c: FAILED: $verdict"
			sed 's/^/  | /' "$log"
		fi
		pu=$((pu + 2))
	done
	echo "power_cuts_ok $cut_ok/$cut_n"
fi
echo "qemu_auths_ok $ok/$n"
[ "$ok" -eq "$n" ] && [ "$cut_ok" -eq "$cut_n" ] && [ $warm_ok -eq 1 ]
