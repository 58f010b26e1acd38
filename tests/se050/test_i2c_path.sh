#!/bin/bash
# The i2c-dev backend (src/se050/bus_i2c.c), exactly as a Raspberry Pi runs it, against se050-emu:
# an LD_PRELOAD shim ($1, tests/se050/i2c_shim.c) serves a file as the I2C bus device. hwguard-key
# genkey/pubkey/list/check/delete go through open/ioctl(I2C_FUNCS, I2C_SLAVE, I2C_PEC)/read/write;
# the three errnos adapter drivers use for an address NACK are each mapped; a wrong address, a
# missing device node and an adapter without plain I2C are reported as such; a restarted emulator
# (a power-cycled chip) is used again by the same process.
SHIM=${1:?usage: test_i2c_path.sh PATH/TO/libhwg_i2c_shim.so}
. "$(dirname "$0")/emu_lib.sh" i2c
DEV="$DIR/i2c-7"
BUS="i2c:$DEV@0x48"

# Through the shim; ASan builds preload it ahead of their runtime, which is harmless here.
shimmed()
{
	LD_PRELOAD="$SHIM" HWG_I2C_SHIM_DEV="$DEV" HWG_I2C_SHIM_SOCKET="$SOCK" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

stat_of()
{
	sed -n "s/^$1=//p" "$DIR/stats"
}

touch "$DEV" # the "device node": the shim answers for it, the kernel never sees it
start_emu --store "$DIR/store"

# Without the shim the file is what it is: not an I2C adapter.
"$KEY" list --bus "$BUS" >"$DIR/out" 2>"$DIR/err" && fail "a plain file passed for an I2C bus"
grep -q "cannot do plain I2C transfers" "$DIR/err" || fail "plain file: unclear error"
[ "$(stat_of frames_in)" = 0 ] || fail "traffic reached the emulator without the shim"

shimmed "$KEY" genkey --se050 0x10000009 --bus "$BUS" >"$DIR/out" 2>"$DIR/err" || fail "genkey over i2c-dev"
[ "$(cat "$DIR/out")" = "CQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ] || fail "handle: $(cat "$DIR/out")"
pub=$(shimmed "$KEY" pubkey --bus "$BUS" <"$DIR/out" 2>"$DIR/err") || fail "pubkey over i2c-dev"
shimmed "$KEY" list --bus "$BUS" >"$DIR/out" 2>"$DIR/err" || fail "list over i2c-dev"
grep -q "^0x10000009  x25519  public $pub" "$DIR/out" || fail "list: $(cat "$DIR/out")"
[ "$(stat_of frames_in)" -gt 0 ] || fail "the emulator saw no frames"
[ "$(stat_of guard_nacks)" = 0 ] || fail "guard times not kept over i2c-dev"

# Each errno an adapter driver may use for an address NACK (the busy chip) is a NACK to the driver.
for e in ENXIO EREMOTEIO EIO; do
	HWG_I2C_SHIM_NACK_ERRNO=$e shimmed "$KEY" check --se050 0x10000009 --bus "$BUS" \
		>"$DIR/out" 2>"$DIR/err" || fail "check with NACK as $e"
	grep -q "^result: ok" "$DIR/out" || fail "check result with $e"
done

# A restarted emulator is a power-cycled chip: the next command of a new process works, and the
# key is still there.
stop_emu
start_emu --store "$DIR/store"
shimmed "$KEY" check --bus "$BUS" >"$DIR/out" 2>"$DIR/err" || fail "check after a restart"
grep -q "scratch key.*ok" "$DIR/out" || fail "check scratch key: $(cat "$DIR/out")"
shimmed "$KEY" delete 0x10000009 --bus "$BUS" 2>"$DIR/err" || fail "delete over i2c-dev"

# Nothing at that address: every transaction NACKed, reported as no chip.
shimmed "$KEY" list --bus "i2c:$DEV@0x49" >"$DIR/out" 2>"$DIR/err" && fail "a wrong address answered"
grep -q "no SE050 answers on this bus" "$DIR/err" || fail "wrong address: unclear error"
# No device node at all.
shimmed "$KEY" list --bus "i2c:$DIR/i2c-9" >"$DIR/out" 2>"$DIR/err" && fail "a missing bus answered"
grep -q "no such I2C bus device" "$DIR/err" || fail "missing bus: unclear error"
echo PASS
