#!/bin/sh
# `pufauth mcu` without an emulator: SRAM images are the simulator's power-ups, a state file round
# trips through the flash pages, and bad usage or a missing emulator gets a clear error and status.
set -eu
P="$HWG_BIN/pufauth"
T=$(mktemp -d /tmp/hwg-mcu-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS PATTERN CMD...: CMD exits with STATUS and prints PATTERN (stdout or stderr)
expect() {
	want=$1 pat=$2
	shift 2
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || { cat "$T/out" "$T/err"; fail "$* exited $got, expected $want"; }
	grep -q -- "$pat" "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "$*: no '$pat'"; }
}

expect 0 "Usage: pufauth mcu" "$P" mcu --help
expect 2 "need an action" "$P" mcu
expect 2 "unknown action" "$P" mcu fly

# SRAM images: one power-up of one device, deterministic, another power-up differs
"$P" mcu sram --sim-seed 5 --powerup 1 --bytes 2048 --out "$T/a.bin"
"$P" mcu sram --sim-seed 5 --powerup 1 --bytes 2048 --out "$T/b.bin"
"$P" mcu sram --sim-seed 5 --powerup 2 --bytes 2048 --out "$T/c.bin"
[ "$(wc -c <"$T/a.bin")" -eq 2048 ] || fail "sram image has the wrong size"
cmp -s "$T/a.bin" "$T/b.bin" || fail "the same power-up differs"
! cmp -s "$T/a.bin" "$T/c.bin" || fail "two power-ups are identical"
expect 2 "multiple of 4" "$P" mcu sram --sim-seed 5 --powerup 1 --bytes 2047 --out "$T/x.bin"
expect 2 "unknown --sim-model" "$P" mcu sram --sim-seed 5 --powerup 1 --bytes 64 \
	--sim-model mystery --out "$T/x.bin"
expect 2 "need --sim-seed" "$P" mcu sram --powerup 1 --bytes 64 --out "$T/x.bin"

# state file -> flash pages -> state (a report suite: its record has no case maps; the default
# suite's way into flash, an enrolment from the device's own dump, is tests/firmware/qemu_auth.sh)
"$P" enroll --db "$T/s.db" --state "$T/d.state" --sim-seed 9 --suite report-128 >/dev/null
"$P" mcu flash --state "$T/d.state" --out "$T/flash.bin"
[ "$(wc -c <"$T/flash.bin")" -eq 2048 ] || fail "flash image has the wrong size"
expect 0 "record 1: suite 1, challenge" "$P" mcu state "$T/flash.bin"
head -c 2048 /dev/zero >"$T/zero.bin"
expect 1 "no valid state" "$P" mcu state "$T/zero.bin"
head -c 100 /dev/zero >"$T/short.bin"
expect 2 "not a flash file" "$P" mcu state "$T/short.bin"
printf 'corrupt' >"$T/bad.state"
# the default suite enrolled from the simulator's 64 KB SRAM: case maps of 10 challenges, more than
# a flash page holds; refused with the way out, no file written
"$P" enroll --db "$T/s.db" --state "$T/big.state" --sim-seed 10 >/dev/null
expect 1 "does not fit a 1024-byte flash page" "$P" mcu flash --state "$T/big.state" \
	--out "$T/big.bin"
[ ! -e "$T/big.bin" ] || fail "a flash file was written for a state that does not fit"
expect 2 "pufauth mcu flash" "$P" mcu flash --state "$T/bad.state" --out "$T/x.bin"

# run: usage errors, and no emulator
expect 2 "need --kernel" "$P" mcu run --sram "$T/a.bin" --sram-addr 0x20000000
expect 2 "go together" "$P" mcu run --kernel k --sram "$T/a.bin" --sram-addr 0x20000000 \
	--flash "$T/flash.bin"
expect 2 "needs --cut-at" "$P" mcu run --kernel k --sram "$T/a.bin" --sram-addr 0x20000000 \
	--flash "$T/flash.bin" --flash-addr 0x3f800 --cut 1
expect 2 "warm-reset needs" "$P" mcu run --kernel k --sram "$T/a.bin" --sram-addr 0 --warm-reset
expect 2 "not an address" "$P" mcu run --kernel k --sram "$T/a.bin" --sram-addr 0x2000000g
expect 2 "must not contain" "$P" mcu run --kernel k,x --sram "$T/a.bin" --sram-addr 0
expect 3 "did not start" "$P" mcu run --kernel "$T/none.elf" --sram "$T/a.bin" \
	--sram-addr 0x20000000 --qemu "$T/no-such-qemu" --timeout 2000
echo "pufauth mcu CLI: ok"
