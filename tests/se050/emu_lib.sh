# shellcheck shell=bash
# Shared start of the tests of hwguard-key against se050-emu with no daemon and no namespaces
# (test_hwguard_key.sh, test_i2c_path.sh, test_slow_chip.sh).
#
# Usage: . "$(dirname "$0")/emu_lib.sh" NAME
# Sets BIN (HWG_BIN: build/bin), KEY (hwguard-key), EMU (se050-emu), DIR (a scratch directory
# /tmp/se-NAME.XXXXXX) and SOCK (the emulator's socket in it). At exit, whatever the script left
# running in the background is stopped and DIR removed.
set -u
BIN=${HWG_BIN:?HWG_BIN must point at build/bin}
# shellcheck disable=SC2034 # for the scripts that source this
KEY="$BIN/hwguard-key"
EMU="$BIN/se050-emu"
DIR=$(mktemp -d "/tmp/se-$1.XXXXXX")
SOCK="$DIR/emu.sock"
EMU_PID=

cleanup()
{
	local pid
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$DIR"
}
trap cleanup EXIT

# fail MESSAGE: exits 1 after printing what the last command ("$DIR/out", "$DIR/err") said.
fail()
{
	echo "FAIL: $*" >&2
	[ -f "$DIR/err" ] && { echo "--- stderr of the last command:" >&2; cat "$DIR/err" >&2; }
	[ -f "$DIR/out" ] && { echo "--- stdout of the last command:" >&2; cat "$DIR/out" >&2; }
	exit 1
}

# start_emu ARGS...: se050-emu on SOCK with ARGS, its counters in "$DIR/stats" and its log in
# "$DIR/emu.log"; waits until it answers (at most 5 s). Sets EMU_PID.
start_emu()
{
	rm -f "$DIR/stats"
	"$EMU" --socket "$SOCK" --stats-file "$DIR/stats" "$@" 2>>"$DIR/emu.log" &
	EMU_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && [ -f "$DIR/stats" ] && return 0
		sleep 0.05
	done
	fail "se050-emu did not start"
}

stop_emu()
{
	kill "$EMU_PID"
	wait "$EMU_PID"
	EMU_PID=
}
