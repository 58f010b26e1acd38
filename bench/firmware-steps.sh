#!/bin/sh
# Instructions per protocol step of the PUF device on the emulated Cortex-M0 (qemu-system-arm
# -M microbit), at 128- and 64-bit security: one enrolment and one traced power-up per suite
# (QEMU -singlestep -d exec,nochain: one logged line per executed instruction), counted per step
# by bench/mcu_trace_count.py (inclusive counts restricted to a scope, as callgrind's; steps the
# compiler inlined are found through the debug information). The image is the shipped one built
# with -g, which changes no code (checked: same size). Instruction counts do not depend on the
# host's load; the traced runs are slow (about a minute each on a loaded machine).
#
# Usage: bench/firmware-steps.sh            (needs qemu-system-arm, arm-none-eabi-gcc, python3
#                                             and the host build: build/bin/pufauth or PUFAUTH)
set -eu

FW_NAME=firmware-steps.sh
FW_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FW_ROOT/firmware/qemu-lib.sh"
FW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwg-fwsteps.XXXXXX")
cleanup() {
	fw_server_stop
	rm -rf "$FW_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fw_setup
FW_CFLAGS=-g "$FW_ROOT/firmware/image.sh" --out "$FW_TMP/img-g" >/dev/null
size_of() { arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1 + $2 }'; }
[ "$(size_of "$FW_TMP/img-g/device.elf")" = "$(size_of "$FW_ELF")" ] ||
	fw_die "the -g build differs from the shipped image"
FW_ELF=$FW_TMP/img-g/device.elf

set -- \
	boot_capture:boot_capture boot_capture:pufproto_flash_read boot_capture:sram_drbg_seed \
	boot_capture:pufproto_draw_challenge boot_capture:sram_mcu_capture \
	pufproto_device_begin:pufproto_device_begin pufproto_device_begin:pufproto_read_reference \
	pufproto_device_begin:drbg_fill pufproto_device_begin:fe_gen \
	pufproto_device_begin:pufproto_derive pufproto_device_begin:ske_encrypt \
	pufproto_device_begin:pufproto_mac pufproto_device_begin:pufproto_encode_response \
	pufproto_device_finish:pufproto_device_finish \
	pufproto_device_commit:pufproto_device_commit pufproto_device_commit:pufproto_flash_write
pairs="$*"

# trace BITS POWERUP: one traced power-up; counts into $FW_TMP/count.BITS
trace() {
	st=0
	fw_powerup "$1" "$2" --qemu-arg -singlestep --qemu-arg -d --qemu-arg exec,nochain \
		--qemu-arg -D --qemu-arg "$FW_TMP/trace" --timeout 600000 >"$FW_TMP/run.log" 2>&1 ||
		st=$?
	[ $st -eq 0 ] || { cat "$FW_TMP/run.log" >&2; fw_die "traced run failed (status $st)"; }
	# shellcheck disable=SC2086 # the pairs are separate arguments
	python3 "$FW_ROOT/bench/mcu_trace_count.py" "$FW_ELF" "$FW_TMP/trace" $pairs \
		>"$FW_TMP/count.$1"
	rm -f "$FW_TMP/trace"
}

first=1
for bits in 128 64; do
	FW_SECURITY=$bits
	fw_enrol $bits 5
	[ $first -eq 0 ] || fw_server_start
	first=0
	trace $bits 100
done

get() { awk -v k="$2" '$1 == k { print $2 }' "$FW_TMP/count.$1"; }
row() {
	printf '%-50s %12s %12s\n' "$1" "$(get 128 "$2")" "$(get 64 "$2")"
}
echo "instructions on the emulated Cortex-M0 (ARMv6-M, Thumb), per power-up"
printf '%-50s %12s %12s\n' "step" "lambda=128" "lambda=64"
row "boot: capture for the run (boot_capture)" boot_capture:boot_capture
row "  state from the A/B flash pages" boot_capture:pufproto_flash_read
row "  generator seeded (1024 samples, health, cond.)" boot_capture:sram_drbg_seed
row "  next challenge y2 drawn" boot_capture:pufproto_draw_challenge
row "  z' and z2 read from power-up SRAM" boot_capture:sram_mcu_capture
row "RESPONSE (pufproto_device_begin)" pufproto_device_begin:pufproto_device_begin
row "  z', z2 from the capture" pufproto_device_begin:pufproto_read_reference
row "  random bytes from the generator" pufproto_device_begin:drbg_fill
row "  FE.Gen (2-layer BCH sketch + extractor)" pufproto_device_begin:fe_gen
row "  (t1..t5) = PRF(r, n_S || n_D)" pufproto_device_begin:pufproto_derive
row "  c = SKE.Enc(sk, hd)" pufproto_device_begin:ske_encrypt
row "  v1 = PRF(t3, c || n_D || t1 || u)" pufproto_device_begin:pufproto_mac
row "  message encoding" pufproto_device_begin:pufproto_encode_response
row "CONFIRM check (pufproto_device_finish)" pufproto_device_finish:pufproto_device_finish
row "commit (pufproto_device_commit)" pufproto_device_commit:pufproto_device_commit
row "  A/B flash pages: erase, program, verify" pufproto_device_commit:pufproto_flash_write
for bits in 128 64; do
	t=0
	for k in boot_capture:boot_capture pufproto_device_begin:pufproto_device_begin \
		pufproto_device_finish:pufproto_device_finish \
		pufproto_device_commit:pufproto_device_commit; do
		v=$(get $bits $k)
		case "$v" in '' | *[!0-9]*) ;; *) t=$((t + v)) ;; esac
	done
	eval "total_$bits=$t"
done
printf '%-50s %12s %12s\n' "total of the four steps" "$total_128" "$total_64"
