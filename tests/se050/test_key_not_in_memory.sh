#!/bin/bash
# The point of the SE050 provider: after real handshakes in both directions, the memory of an hwguard
# daemon whose key lives in the (emulated) chip does not contain that private key, in any byte order.
# It then rotates to a pre-generated chip key while the daemon runs (docs/se050.md) and checks again.
# A positive control proves the scanner works: the software-key daemon at the other end does hold its
# own private key. Skips (77) without root, namespaces or /dev/net/tun; fails without wg, python3
# or the programs (tests/interop/lib.sh decides).
WGT_PREFIX="${WGT_PREFIX:-hwg}s" # distinct from the interop suite, which may run alongside
. "$(dirname "$0")/../interop/lib.sh"
wgt_require hwguard
BIN=${HWG_BIN:?HWG_BIN must point at build/bin}
[ -x "$BIN/se050-emu" ] && [ -x "$BIN/hwguard-key" ] || wgt_fail "se050-emu/hwguard-key not built in $BIN"
wgt_init mem

SOCK="$WGT_DIR/emu.sock"
export HWGUARD_SE050_BUS="emu:$SOCK"
ID=0x10000009
HANDLE=CQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

# A fresh private key for the chip, clamped, in RFC 7748 order; only the emulator and this script
# ever see it.
PRIV_LE=$(python3 -c 'import os; k=bytearray(os.urandom(32)); k[0]&=248; k[31]&=127; k[31]|=64; print(k.hex())')
PRIV_BE=$(python3 -c 'import sys; print(bytes.fromhex(sys.argv[1])[::-1].hex())' "$PRIV_LE")

NEXT_PRIV=$(python3 -c 'import os; k=bytearray(os.urandom(32)); k[0]&=248; k[31]&=127; k[31]|=64; print(k.hex())')
NEXT_HANDLE=CgAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= # 0x1000000A
"$BIN/se050-emu" --socket "$SOCK" --import "$ID:$PRIV_LE" --import "0x1000000A:$NEXT_PRIV" >>"$WGT_DIR/emu.log" 2>&1 &
EMU_PID=$!
echo "$EMU_PID" >"$WGT_DIR/emu.pid"
# wgt_cleanup exits with the status it finds in $?, so hand it the script's own.
trap 'rc=$?; kill "$(cat "$WGT_DIR/emu.pid" 2>/dev/null)" 2>/dev/null; (exit $rc); wgt_cleanup' EXIT
wgt_wait_for test -S "$SOCK" || wgt_fail "se050-emu did not start"

CHIP_PUB=$(echo "$HANDLE" | "$BIN/hwguard-key" pubkey) || wgt_fail "hwguard-key pubkey"
NEXT_PUB=$(echo "$NEXT_HANDLE" | "$BIN/hwguard-key" pubkey) || wgt_fail "hwguard-key pubkey (next)"
umask 077
echo "$HANDLE" >"$WGT_DIR/a.key"
# Side a's public key comes from the chip, not from `wg pubkey` of the handle.
wgt_pub()
{
	if [ "$1" = a ]; then echo "$CHIP_PUB"; else wg pubkey <"$(wgt_key "$1")"; fi
}

wgt_start a hwguard
wgt_start b hwguard
wgt_config_pair

# a initiates: the chip computes static-static (peer added) and `se` (consuming the response).
wgt_ping a b || wgt_fail "ping a->b with the SE050 key"
# b forgets the session and initiates: the chip computes `es` as responder.
wgt_in b wg set "$(wgt_if b)" peer "$CHIP_PUB" remove
wgt_in b wg set "$(wgt_if b)" peer "$CHIP_PUB" endpoint "$(wgt_outer4 a):51821" \
	allowed-ips "$(wgt_inner4 a)/32"
wgt_ping b a || wgt_fail "ping b->a with the SE050 key"

# The interface reports the chip's public key and provider through the UAPI extension lines.
"$BIN/hwguard-key" show "$(wgt_if a)" >"$WGT_DIR/show.out" 2>&1 || wgt_fail "hwguard-key show: $(cat "$WGT_DIR/show.out")"
grep -q "public key: $CHIP_PUB" "$WGT_DIR/show.out" || wgt_fail "show: $(cat "$WGT_DIR/show.out")"
grep -q "key provider: se050" "$WGT_DIR/show.out" || wgt_fail "show provider: $(cat "$WGT_DIR/show.out")"

# The chip did the work: at least static-static, se and es.
kill -USR1 "$EMU_PID"
sleep 0.2
ecdh=$(grep -o 'ecdh=[0-9]*' "$WGT_DIR/emu.log" | tail -n 1 | cut -d= -f2)
[ "${ecdh:-0}" -ge 3 ] || wgt_fail "the chip did ${ecdh:-0} ECDHs, expected at least 3"

# scan PID HEX...: prints the indices of the needles found in the process's readable memory.
scan()
{
	python3 - "$@" <<'PY'
import sys
pid = int(sys.argv[1])
needles = [bytes.fromhex(h) for h in sys.argv[2:]]
found = set()
CHUNK = 8 << 20
# Sanitizer builds reserve terabytes of shadow memory that hold no process data: skip huge regions.
LIMIT = 4 << 30
with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
    for line in maps:
        f = line.split()
        if "r" not in f[1] or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if hi - lo > LIMIT:
            continue
        tail = b""
        for at in range(lo, hi, CHUNK):
            try:
                mem.seek(at)
                data = mem.read(min(CHUNK, hi - at))
            except (OSError, OverflowError, ValueError):
                tail = b""
                continue
            data = tail + data
            for i, n in enumerate(needles):
                if n in data:
                    found.add(i)
            tail = data[-31:]
print(" ".join(str(i) for i in sorted(found)))
PY
}

B_PRIV=$(python3 -c 'import base64,sys; print(base64.b64decode(open(sys.argv[1]).read()).hex())' "$(wgt_key b)")
found_b=$(scan "$(cat "$WGT_DIR/b.pid")" "$B_PRIV") || wgt_fail "cannot scan side b's memory"
[ "$found_b" = 0 ] || wgt_fail "positive control: the scanner did not find b's software key in b's memory"

found_a=$(scan "$(cat "$WGT_DIR/a.pid")" "$PRIV_LE" "$PRIV_BE") || wgt_fail "cannot scan side a's memory"
[ -z "$found_a" ] || wgt_fail "the SE050-held private key is in the daemon's memory (needles: $found_a)"
wgt_log "chip ECDHs: $ecdh; key absent from hwguard's memory; control found"

# Rotation as docs/se050.md describes it, while the daemon runs: the server side (b) replaces the
# peer, the device (a) switches to the pre-generated handle; traffic flows with the new key.
wgt_in b wg set "$(wgt_if b)" peer "$NEXT_PUB" endpoint "$(wgt_outer4 a):51821" \
	allowed-ips "$(wgt_inner4 a)/32" peer "$CHIP_PUB" remove || wgt_fail "server-side peer swap"
echo "$NEXT_HANDLE" >"$WGT_DIR/next.key"
wgt_in a wg set "$(wgt_if a)" private-key "$WGT_DIR/next.key" || wgt_fail "switching to the next handle"
"$BIN/hwguard-key" show "$(wgt_if a)" >"$WGT_DIR/show.out" 2>&1 || wgt_fail "show after rotation"
grep -q "public key: $NEXT_PUB" "$WGT_DIR/show.out" || wgt_fail "after rotation: $(cat "$WGT_DIR/show.out")"
wgt_ping a b || wgt_fail "ping a->b after rotation"
found_a=$(scan "$(cat "$WGT_DIR/a.pid")" "$PRIV_LE" "$PRIV_BE" "$NEXT_PRIV") || wgt_fail "scan after rotation"
[ -z "$found_a" ] || wgt_fail "an SE050-held private key is in the daemon's memory after rotation ($found_a)"
wgt_log "rotated to the next chip key while running"
wgt_pass
