#!/bin/bash
# hwguard-key's command line against se050-emu: genkey/pubkey/list/delete/show/check on applet 3.1
# and 7.2, and the error messages for no chip, a wrong bus, a missing object, an object that is
# not an X25519 key, a full chip and a chip whose memory fails; se050-emu refusing to overwrite a
# key with --import / --add-foreign.
. "$(dirname "$0")/emu_lib.sh" cli
BUS="emu:$SOCK"
# The emulator spaces its WTX requests by its short BWT: 2 x BWT is the wait that matters.
export HWGUARD_SE050_BLOCK_WAIT_MS=0

# The comparison with `wg pubkey` and the stand-in control socket need these; a missing one fails.
command -v wg >/dev/null || fail "needs wg: install the Debian package wireguard-tools (scripts/deps.sh)"
command -v python3 >/dev/null || fail "needs python3: install the Debian package python3 (scripts/deps.sh)"

# expect STATUS PATTERN CMD...: runs CMD, checks its exit status and that stderr matches PATTERN.
expect()
{
	local want=$1 pattern=$2
	shift 2
	"$@" >"$DIR/out" 2>"$DIR/err" </dev/null
	local got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
	[ -z "$pattern" ] || grep -q -- "$pattern" "$DIR/err" || fail "'$*': stderr lacks '$pattern'"
}

# The chip with a short BWT, its objects in STORE (default $DIR/store).
start_chip()
{
	start_emu --store "${STORE:-$DIR/store}" --bwt 50 "$@"
}

# RFC 7748 §6.1 Alice, as an emulator import, and her public key in base64.
ALICE_HEX=77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a
ALICE_PUB=hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
# The handle of object 0x10000009 as published with the original SE050 work.
HANDLE_10000009=CQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

# --- program basics
expect 0 "" "$KEY" --help
grep -q "genkey" "$DIR/out" || fail "--help lists no commands"
expect 0 "" "$KEY" --version
grep -q "^hwguard-key [0-9]" "$DIR/out" || fail "--version output: $(cat "$DIR/out")"
expect 2 "unknown command" "$KEY" frobnicate
expect 2 "" "$KEY"
for c in genkey pubkey list delete show check; do
	expect 0 "" "$KEY" "$c" --help
	grep -q "Usage: hwguard-key $c" "$DIR/out" || fail "$c --help"
done

# --- software keys behave like wg genkey / wg pubkey
soft=$("$KEY" genkey) || fail "genkey"
[ ${#soft} = 44 ] || fail "genkey printed '$soft'"
pub=$(echo "$soft" | "$KEY" pubkey) || fail "pubkey of a software key"
if command -v wg >/dev/null; then
	[ "$pub" = "$(echo "$soft" | wg pubkey)" ] || fail "pubkey differs from wg pubkey"
fi
echo "not base64" | "$KEY" pubkey 2>"$DIR/err" && fail "pubkey accepted garbage"
grep -q "not a base64 key" "$DIR/err" || fail "pubkey garbage message"

# --- no chip, wrong bus
expect 1 "no SE050 emulator listening" "$KEY" genkey --se050 0x10000009 --bus "$BUS"
expect 1 "unknown SE050 bus" "$KEY" list --bus spi:/dev/spidev0.0
expect 1 "malformed SE050 bus" "$KEY" list --bus "i2c:/dev/i2c-1@0x99"
expect 1 "no such I2C bus device" "$KEY" list --bus i2c:/dev/se-no-such-i2c-bus
echo "$HANDLE_10000009" | HWGUARD_SE050_BUS="$BUS" "$KEY" pubkey 2>"$DIR/err" &&
	fail "pubkey of a handle without a chip"
grep -q "no SE050 emulator" "$DIR/err" || fail "pubkey without chip: $(cat "$DIR/err")"

# --- object ids
expect 2 "customer range" "$KEY" genkey --se050 0x7FFF0206 --bus "$BUS"
expect 2 "customer range" "$KEY" genkey --se050 0 --bus "$BUS"
expect 2 "not an object id" "$KEY" genkey --se050 twelve --bus "$BUS"
expect 2 "needs --se050" "$KEY" genkey --force

start_chip --import "0x10000001:$ALICE_HEX" --add-foreign 0x20

# --- genkey in the chip prints the handle; pubkey reads the chip
expect 0 "" "$KEY" genkey --se050 0x10000009 --bus "$BUS"
[ "$(cat "$DIR/out")" = "$HANDLE_10000009" ] || fail "handle: $(cat "$DIR/out")"
chip_pub=$(echo "$HANDLE_10000009" | HWGUARD_SE050_BUS="$BUS" "$KEY" pubkey) || fail "pubkey of handle"
[ ${#chip_pub} = 44 ] || fail "chip pubkey '$chip_pub'"
# A handle naming an id that does not exist (0x01000010, byte order swapped by mistake).
echo "EAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" | "$KEY" pubkey --bus "$BUS" 2>"$DIR/err" &&
	fail "pubkey of a missing object"
grep -q "no object with this id" "$DIR/err" || fail "missing object message: $(cat "$DIR/err")"
# Imported RFC 7748 key: the chip's byte order is undone correctly.
alice=$(echo "AQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" | "$KEY" pubkey --bus "$BUS") ||
	fail "pubkey of 0x10000001"
[ "$alice" = "$ALICE_PUB" ] || fail "RFC 7748 public key through the chip: $alice"

# --- refusing to overwrite; --force replaces
expect 1 "already exists" "$KEY" genkey --se050 0x10000009 --bus "$BUS"
again=$(echo "$HANDLE_10000009" | "$KEY" pubkey --bus "$BUS")
[ "$again" = "$chip_pub" ] || fail "a refused genkey changed the key"
expect 0 "" "$KEY" genkey --se050 0x10000009 --force --bus "$BUS"
forced=$(echo "$HANDLE_10000009" | "$KEY" pubkey --bus "$BUS")
[ "$forced" != "$chip_pub" ] || fail "--force did not replace the key"

# --- list
expect 0 "" "$KEY" list --bus "$BUS"
grep -q "^0x10000009  x25519  public $forced  handle $HANDLE_10000009" "$DIR/out" || fail "list: $(cat "$DIR/out")"
grep -q "^0x10000001  x25519  public $ALICE_PUB" "$DIR/out" || fail "list lacks the imported key"
grep -q "^0x00000020  other" "$DIR/out" || fail "list lacks the foreign object"

# --- wrong object kinds
echo "IAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" | "$KEY" pubkey --bus "$BUS" 2>"$DIR/err" &&
	fail "pubkey of a P-256 object"
grep -q "not an X25519 key pair" "$DIR/err" || fail "foreign object message: $(cat "$DIR/err")"

# --- delete
expect 0 "" "$KEY" delete 0x10000009 --bus "$BUS"
expect 1 "no such object" "$KEY" delete 0x10000009 --bus "$BUS"
echo "$HANDLE_10000009" | "$KEY" pubkey --bus "$BUS" 2>"$DIR/err" && fail "pubkey of a deleted key"
grep -q "no object with this id" "$DIR/err" || fail "deleted object message: $(cat "$DIR/err")"
expect 2 "" "$KEY" delete --bus "$BUS"

# --- check: the bring-up report, with a given key and with a scratch key
expect 0 "" "$KEY" check --bus "$BUS" --se050 0x10000001
grep -q "^result: ok" "$DIR/out" || fail "check: $(cat "$DIR/out")"
for step in "open link, select applet" "get version" "free persistent memory" "read the public key" \
	"ECDH on the chip" "host X25519 of the chip's key"; do
	grep -q "^  $step .* ok " "$DIR/out" || fail "check lacks step '$step': $(cat "$DIR/out")"
done
grep -q "BWT 50 ms, IFSC 254 bytes" "$DIR/out" || fail "check: ATR line: $(cat "$DIR/out")"
grep -q "MPOT 1 ms, SEGT 100 us" "$DIR/out" || fail "check: guard times: $(cat "$DIR/out")"
grep -q "applet 3.1.0 (SE050 A/B/C/F)" "$DIR/out" || fail "check: applet: $(cat "$DIR/out")"
grep -q "the shared secrets agree" "$DIR/out" || fail "check: verification: $(cat "$DIR/out")"
grep -q "$ALICE_PUB" "$DIR/out" || fail "check: public key: $(cat "$DIR/out")"
expect 0 "" "$KEY" check --bus "$BUS"
grep -q "generate a scratch key .* ok .*0x7BFFFFFF" "$DIR/out" || fail "check scratch: $(cat "$DIR/out")"
grep -q "delete the scratch key .* ok" "$DIR/out" || fail "check scratch delete: $(cat "$DIR/out")"
expect 0 "" "$KEY" genkey --se050 0x7BFFFFFF --bus "$BUS"
expect 1 "" "$KEY" check --bus "$BUS"
grep -q "object 0x7BFFFFFF exists" "$DIR/out" || fail "check with the scratch id taken: $(cat "$DIR/out")"
grep -q "^result: FAILED" "$DIR/out" || fail "check did not fail: $(cat "$DIR/out")"
expect 0 "" "$KEY" delete 0x7BFFFFFF --bus "$BUS"
expect 1 "" "$KEY" check --bus "$BUS" --se050 0x00000020
grep -q "read the public key .*FAIL" "$DIR/out" || fail "check of a P-256 object: $(cat "$DIR/out")"
expect 2 "customer range" "$KEY" check --bus "$BUS" --se050 0

# --- the emulator never overwrites a key from its command line
stop_emu
expect 2 "already holds that object" "$EMU" --socket "$SOCK" --store "$DIR/store" --import "0x10000001:$ALICE_HEX"
expect 2 "already holds that object" "$EMU" --socket "$SOCK" --store "$DIR/store" --add-foreign 0x20
# a key is exactly 64 hex digits: "+f" (which sscanf's %2x reads as 0x0f), a space, 63 or 65 digits
for bad in "+f${ALICE_HEX#??}" " f${ALICE_HEX#??}" "${ALICE_HEX#?}" "${ALICE_HEX}0"; do
	expect 2 "bad --import value" "$EMU" --socket "$SOCK" --store "$DIR/store" --import "0x10000005:$bad"
done
start_chip

# --- keys survive an emulator restart
stop_emu
start_chip
again=$(echo "AQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" | "$KEY" pubkey --bus "$BUS") || fail "after restart"
[ "$again" = "$ALICE_PUB" ] || fail "key lost across a restart"

# --- applet 7.2 (SE050E, SE051): a type per curve, CreateECCurve before a key
stop_emu
STORE="$DIR/store72" start_chip --applet 7.2 --add-foreign 0x20
expect 0 "" "$KEY" genkey --se050 0x10000009 --bus "$BUS"
[ "$(cat "$DIR/out")" = "$HANDLE_10000009" ] || fail "7.2 handle: $(cat "$DIR/out")"
pub72=$(echo "$HANDLE_10000009" | "$KEY" pubkey --bus "$BUS") || fail "7.2 pubkey"
expect 0 "" "$KEY" list --bus "$BUS"
grep -q "^0x10000009  x25519  public $pub72" "$DIR/out" || fail "7.2 list: $(cat "$DIR/out")"
grep -q "^0x00000020  other (type 0x29, curve 0x03)" "$DIR/out" || fail "7.2 list foreign: $(cat "$DIR/out")"
expect 0 "" "$KEY" check --bus "$BUS"
grep -q "applet 7.2.0 (SE050E or SE051)" "$DIR/out" || fail "7.2 check: $(cat "$DIR/out")"
expect 0 "" "$KEY" check --bus "$BUS" --se050 0x10000009
expect 0 "" "$KEY" delete 0x10000009 --bus "$BUS"
expect 1 "no such object" "$KEY" delete 0x10000009 --bus "$BUS"

# --- a full chip and a chip whose memory fails name their cause
stop_emu
STORE="$DIR/store-full" start_chip --max-objects 1
expect 0 "" "$KEY" genkey --se050 0x10 --bus "$BUS"
expect 1 "the SE050's memory is full (status 6A84); delete objects" "$KEY" genkey --se050 0x11 --bus "$BUS"
stop_emu
mkdir "$DIR/vanishing"
STORE="$DIR/vanishing/store" start_chip
rmdir "$DIR/vanishing" # the emulator can no longer write its store: its "NVM" fails
expect 1 "the SE050 reported a failure (status 6581)" "$KEY" genkey --se050 0x12 --bus "$BUS"
stop_emu

# --- show: the daemon's extension lines, from a stand-in control socket
if command -v python3 >/dev/null; then
	mkdir -p "$DIR/run"
	hex=$(python3 -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$ALICE_PUB")
	python3 - "$DIR/run/se0.sock" "$hex" <<'PY' &
import os, socket, sys
path, hexkey = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
c, _ = s.accept()
req = b""
while not req.endswith(b"\n\n"):
    d = c.recv(4096)
    if not d:
        break
    req += d
if req == b"get=1\n\n":
    c.sendall(("private_key=" + "00" * 32 + "\nlisten_port=51820\nhwguard_public_key=" + hexkey +
               "\nhwguard_key_provider=se050\nerrno=0\n\n").encode())
else:
    c.sendall(b"errno=22\n\n")
c.close()
PY
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -S "$DIR/run/se0.sock" ] && break
		sleep 0.05
	done
	HWGUARD_RUN_DIR="$DIR/run" "$KEY" show se0 >"$DIR/out" 2>"$DIR/err" || fail "show"
	grep -q "public key: $ALICE_PUB" "$DIR/out" || fail "show output: $(cat "$DIR/out")"
	grep -q "key provider: se050" "$DIR/out" || fail "show provider: $(cat "$DIR/out")"
	wait "$FAKE_PID"
fi
HWGUARD_RUN_DIR="$DIR/run" "$KEY" show se9 2>"$DIR/err" && fail "show of a missing interface"
grep -q "no interface se9" "$DIR/err" || fail "show missing message: $(cat "$DIR/err")"
expect 2 "not an interface name" "$KEY" show ../etc

echo PASS
