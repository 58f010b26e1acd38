#!/bin/bash
# hwguard with its static key inside an SE050 (the se050-emu emulator on a Unix socket) talks to a
# wireguard-go peer: the key is configured through stock `wg set private-key` as an SE050 handle,
# the peer only knows the public key read from the chip, traffic flows both ways, `wg showconf`
# round-trips the handle, and the UAPI extension lines (read by `hwguard-key show`) carry the real
# public key and the provider name.
#
# With "i2c SHIM" as arguments the same runs through the i2c-dev backend (src/se050/bus_i2c.c), the
# code a Raspberry Pi runs: the LD_PRELOAD shim SHIM (tests/se050/i2c_shim.c) serves a file as the
# I2C bus device from the emulator. That variant also power-cycles the chip (kills and restarts the
# emulator) while the daemon runs: handshakes fail while it is off, the daemon logs the failure
# once with its cause, and after power returns a new handshake works and the recovery is logged,
# all without restarting the daemon.
. "$(dirname "$0")/lib.sh"
mode=${1:-emu}
wgt_require hwguard wireguard-go
wgt_need_se050_tools
if [ "$mode" = i2c ]; then
	shim=${2:?usage: se050.sh i2c PATH/TO/libhwg_i2c_shim.so}
	[ -f "$shim" ] || wgt_fail "i2c shim $shim not built"
	wgt_init sei
else
	wgt_init se
fi
# (the store keeps the key over the power cycle below)
start_emu()
{
	wgt_se050_emu a "$WGT_BIN/se050-emu" --store "$WGT_DIR/store"
}
start_emu
emu_sock=$WGT_EMU_SOCK
hwg=hwguard
key=("$WGT_BIN/hwguard-key")
if [ "$mode" = i2c ]; then
	dev="$WGT_DIR/i2c-1"
	touch "$dev"
	export HWGUARD_SE050_BUS="i2c:$dev@0x48"
	shim_env=(LD_PRELOAD="$shim" HWG_I2C_SHIM_DEV="$dev" HWG_I2C_SHIM_SOCKET="$emu_sock")
	key=(env "${shim_env[@]}" "$WGT_BIN/hwguard-key")
	# The daemon gets the shim through a wrapper that execs it (so its pid is the daemon's).
	hwg="$WGT_DIR/hwguard-i2c"
	printf '#!/bin/sh\nexec env %s %q "$@"\n' "${shim_env[*]}" "$WGT_BIN/hwguard" >"$hwg"
	chmod +x "$hwg"
else
	export HWGUARD_SE050_BUS="emu:$emu_sock"
fi

"${key[@]}" genkey --se050 0x10000009 >"$WGT_DIR/handle" || wgt_fail "genkey in the SE050"
[ "$(cat "$WGT_DIR/handle")" = "CQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ] ||
	wgt_fail "unexpected handle $(cat "$WGT_DIR/handle")"
se_pub=$("${key[@]}" pubkey <"$WGT_DIR/handle") || wgt_fail "public key from the SE050"

wgt_start a "$hwg"
wgt_start b wireguard-go
wgt_config_v4 a "$WGT_DIR/handle" "$(wgt_pub b)"
wgt_config_v4 b "$(wgt_key b)" "$se_pub"

wgt_ping a b || wgt_fail "ping a->b with the key in the SE050 (a initiates: 'se' on the chip)"
wgt_ping b a || wgt_fail "ping b->a"
# A handshake initiated by b ('es' on the chip as responder): b forgets a and re-adds it.
rehandshake()
{
	wgt_in b wg set "$(wgt_if b)" peer "$se_pub" remove
	wgt_in b wg set "$(wgt_if b)" peer "$se_pub" endpoint "$(wgt_outer4 a):51821" \
		allowed-ips "$(wgt_inner4 a)/32"
}
rehandshake
wgt_ping b a || wgt_fail "ping b->a after b re-keyed (a responds with the chip)"

wgt_in a wg showconf "$(wgt_if a)" | grep -qx "PrivateKey = $(cat "$WGT_DIR/handle")" ||
	wgt_fail "showconf does not round-trip the handle"
show=$("$WGT_BIN/hwguard-key" show "$(wgt_if a)" 2>&1) || wgt_fail "hwguard-key show: $show"
echo "$show" | grep -q "$se_pub" || wgt_fail "hwguard-key show lacks the SE050 public key: $show"
echo "$show" | grep -q se050 || wgt_fail "hwguard-key show lacks the provider: $show"

if [ "$mode" = i2c ]; then
	# Power cut: the chip is gone, b's new handshake cannot complete.
	kill -9 "$WGT_EMU_PID"
	rehandshake
	wgt_no_ping b a || wgt_fail "a handshake completed without the chip"
	wgt_wait_for grep -q "ECDH failed" "$WGT_DIR/a.log" || wgt_fail "the daemon did not log the failure"
	# Power back: the same daemon uses the chip again.
	start_emu
	wgt_ping b a || wgt_fail "no handshake after the chip came back"
	wgt_wait_for grep -q "ECDH works again" "$WGT_DIR/a.log" || wgt_fail "the recovery was not logged"
	[ "$(grep -c "ECDH failed" "$WGT_DIR/a.log")" = 1 ] ||
		wgt_fail "the failure episode was logged more than once: $(grep "ECDH failed" "$WGT_DIR/a.log")"
fi
wgt_pass
