#!/bin/sh
# Instructions per protocol step of the PUF device on the emulated Cortex-M0 (qemu-system-arm
# -M microbit): one enrolment and one traced power-up of the shipped image (the default suite
# debiased-128), and, for comparison, of the image with every suite (firmware/image.sh
# --all-suites, which does not fit the 8 KB budget: linked with --no-flash-limit) on report-128.
# QEMU -singlestep -d exec,nochain logs one line per executed instruction; bench/mcu_trace_count.py
# counts per step (inclusive counts restricted to a scope, as callgrind's; steps the compiler
# inlined are found through the debug information). The images are built with -g, which changes no
# code (checked: same size). Instruction counts do not depend on the host's load; the traced runs
# are slow (about a minute each on a loaded machine).
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

size_of() { arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1 + $2 }'; }
set -- \
	boot_capture:boot_capture boot_capture:pufproto_flash_read boot_capture:sram_drbg_seed \
	boot_capture:pufproto_device_read_ahead boot_capture:pufproto_draw_challenge \
	boot_capture:debias_pp_extract boot_capture:drbg_fill boot_capture:pufproto_read_reference \
	pufproto_device_begin:pufproto_device_begin pufproto_device_begin:drbg_fill \
	pufproto_device_begin:fe_gen pufproto_device_begin:pufproto_derive \
	pufproto_device_begin:ske_encrypt pufproto_device_begin:pufproto_mac \
	pufproto_device_begin:pufproto_encode_response \
	pufproto_device_finish:pufproto_device_finish \
	pufproto_device_commit:pufproto_device_commit pufproto_device_commit:pufproto_flash_write
pairs="$*"

# trace SUITE DEVICE: build its image with -g, enrol the device on it, one traced power-up; counts
# into $FW_TMP/count.SUITE
trace() {
	FW_SUITE=$1
	fw_setup
	extra=
	[ "$1" = debiased-128 ] || extra="--all-suites --no-flash-limit"
	# shellcheck disable=SC2086 # empty or two options
	FW_CFLAGS=-g "$FW_ROOT/firmware/image.sh" --out "$FW_TMP/img-g" $extra >/dev/null
	[ "$(size_of "$FW_TMP/img-g/device.elf")" = "$(size_of "$FW_TMP/img/device.elf")" ] ||
		fw_die "the -g build differs from the measured image"
	FW_ELF=$FW_TMP/img-g/device.elf
	eval "flash_$(echo "$1" | tr -d -)=$(size_of "$FW_ELF")"
	fw_enrol "$2" 5
	[ -n "${FW_SERVER_PID:-}" ] || fw_server_start
	st=0
	fw_powerup "$2" 100 --qemu-arg -singlestep --qemu-arg -d --qemu-arg exec,nochain \
		--qemu-arg -D --qemu-arg "$FW_TMP/trace" --timeout 600000 >"$FW_TMP/run.log" 2>&1 ||
		st=$?
	[ $st -eq 0 ] || { cat "$FW_TMP/run.log" >&2; fw_die "traced run failed (status $st)"; }
	# shellcheck disable=SC2086 # the pairs are separate arguments
	python3 "$FW_ROOT/bench/mcu_trace_count.py" "$FW_ELF" "$FW_TMP/trace" $pairs \
		>"$FW_TMP/count.$1"
	rm -f "$FW_TMP/trace"
}

trace debiased-128 1
trace report-128 2

get() { awk -v k="$2" '$1 == k { print $2 }' "$FW_TMP/count.$1"; }
row() {
	printf '%-50s %13s %13s\n' "$1" "$(get debiased-128 "$2")" "$(get report-128 "$2")"
}
echo "instructions on the emulated Cortex-M0 (ARMv6-M, Thumb), per power-up"
printf '%-50s %13s %13s\n' "image (bytes of flash)" "$flash_debiased128" "$flash_report128"
printf '%-50s %13s %13s\n' "step" "debiased-128" "report-128"
row "boot: read ahead for the run (boot_capture)" boot_capture:boot_capture
row "  state from the A/B flash pages" boot_capture:pufproto_flash_read
row "  generator seeded (1024 samples, health, cond.)" boot_capture:sram_drbg_seed
row "  PUF read ahead (pufproto_device_read_ahead)" boot_capture:pufproto_device_read_ahead
row "    next challenge y2 drawn" boot_capture:pufproto_draw_challenge
row "    z', z2: debiased walks of 2 x 6,400 B" boot_capture:debias_pp_extract
row "    z', z2: XOR of halves (report suites)" boot_capture:pufproto_read_reference
row "    generator bytes (y2; refills of groups)" boot_capture:drbg_fill
row "RESPONSE (pufproto_device_begin)" pufproto_device_begin:pufproto_device_begin
row "  random bytes from the generator" pufproto_device_begin:drbg_fill
row "  FE.Gen (BCH sketch + extractor)" pufproto_device_begin:fe_gen
row "  (t1..t5) = PRF(r, n_S || n_D)" pufproto_device_begin:pufproto_derive
row "  c = SKE.Enc(sk, hd)" pufproto_device_begin:ske_encrypt
row "  v1 = PRF(t3, c || n_D || t1 || u)" pufproto_device_begin:pufproto_mac
row "  message encoding" pufproto_device_begin:pufproto_encode_response
row "CONFIRM check (pufproto_device_finish)" pufproto_device_finish:pufproto_device_finish
row "commit (pufproto_device_commit)" pufproto_device_commit:pufproto_device_commit
row "  A/B flash pages: erase, program, verify" pufproto_device_commit:pufproto_flash_write
for s in debiased-128 report-128; do
	t=0
	for k in boot_capture:boot_capture pufproto_device_begin:pufproto_device_begin \
		pufproto_device_finish:pufproto_device_finish \
		pufproto_device_commit:pufproto_device_commit; do
		v=$(get $s $k)
		case "$v" in '' | *[!0-9]*) ;; *) t=$((t + v)) ;; esac
	done
	eval "total_$(echo "$s" | tr -d -)=$t"
done
printf '%-50s %13s %13s\n' "total of the four steps" "$total_debiased128" "$total_report128"
