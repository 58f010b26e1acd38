#!/bin/bash
# The slowest chip NXP's host tolerates, literally: se050-emu --latency 3000 --wtx-interval 1300
# (every command three times BWT, WTX requests 1.3 x BWT apart) with the driver's default waits
# (no HWGUARD_SE050_BLOCK_WAIT_MS): hwguard-key genkey, pubkey, list, check and delete all succeed,
# the chip's WTX requests are answered, and the host never writes to the chip while it computes
# nor breaks a guard time. About a minute of waiting, so it runs in the release build only (a
# sanitizer adds nothing to a test that sleeps): exit 77 in a sanitizer build.
. "$(dirname "$0")/emu_lib.sh" slow
if grep -q "^HWGUARD_SANITIZE:BOOL=ON" "$BIN/../CMakeCache.txt" 2>/dev/null; then
	echo "SKIP: timing test, release build only"
	exit 77
fi
BUS="emu:$SOCK"
unset HWGUARD_SE050_BLOCK_WAIT_MS

start_emu --store "$DIR/store" --latency 3000 --wtx-interval 1300

run()
{
	"$@" >"$DIR/out" 2>"$DIR/err" </dev/null || fail "'$*' failed against a chip slower than BWT"
}
run "$KEY" genkey --se050 0x10000009 --bus "$BUS"
cp "$DIR/out" "$DIR/handle"
"$KEY" pubkey --bus "$BUS" <"$DIR/handle" >"$DIR/pub" 2>"$DIR/err" || fail "pubkey"
run "$KEY" list --bus "$BUS"
grep -q "^0x10000009  x25519  public $(cat "$DIR/pub")" "$DIR/out" || fail "list"
run "$KEY" check --se050 0x10000009 --bus "$BUS"
grep -q "^result: ok" "$DIR/out" || fail "check"
wtx=$(sed -n 's/.*WTX answered \([0-9]*\),.*/\1/p' "$DIR/out")
[ "${wtx:-0}" -ge 5 ] || fail "check answered only ${wtx:-0} WTX requests"
run "$KEY" delete 0x10000009 --bus "$BUS"
stop_emu
stat_of()
{
	sed -n "s/^$1=//p" "$DIR/stats"
}
[ "$(stat_of ignored_busy)" = 0 ] || fail "the host wrote $(stat_of ignored_busy) frames to a computing chip"
[ "$(stat_of guard_nacks)" = 0 ] || fail "guard times broken $(stat_of guard_nacks) times"
[ "$(stat_of ecdh)" = 1 ] || fail "the chip ran $(stat_of ecdh) ECDHs, not 1"
echo "PASS ($(stat_of commands) commands, $(stat_of wtx_sent) WTX requests)"
