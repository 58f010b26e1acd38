#!/bin/bash
# hwguard with its static key inside an SE050 (the se050-emu emulator on a Unix socket) talks to a
# wireguard-go peer: the key is configured through stock `wg set private-key` as an SE050 handle,
# the peer only knows the public key read from the chip, traffic flows both ways, `wg showconf`
# round-trips the handle, and the UAPI extension lines (read by `hwguard-key show`) carry the real
# public key and the provider name.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
bin=$(dirname "$(wgt_impl_path hwguard)")
[ -x "$bin/se050-emu" ] && [ -x "$bin/hwguard-key" ] || wgt_fail "se050-emu and hwguard-key are not built next to hwguard ($bin)"
wgt_init se
emu_sock="$WGT_DIR/emu.sock"
# In side a's namespace, so that the teardown ends it with the daemon.
(exec ip netns exec "$(wgt_ns a)" "$bin/se050-emu" --socket "$emu_sock" >"$WGT_DIR/emu.log" 2>&1) &
wgt_wait_for test -S "$emu_sock" || wgt_fail "se050-emu did not start"
export HWGUARD_SE050_BUS="emu:$emu_sock"

"$bin/hwguard-key" genkey --se050 0x10000009 >"$WGT_DIR/handle" || wgt_fail "genkey in the SE050"
[ "$(cat "$WGT_DIR/handle")" = "CQAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ] ||
	wgt_fail "unexpected handle $(cat "$WGT_DIR/handle")"
se_pub=$("$bin/hwguard-key" pubkey <"$WGT_DIR/handle") || wgt_fail "public key from the SE050"

wgt_start a hwguard
wgt_start b wireguard-go
wgt_in a wg set "$(wgt_if a)" private-key "$WGT_DIR/handle" listen-port 51821 \
	peer "$(wgt_pub b)" endpoint "$(wgt_outer4 b):51822" allowed-ips "$(wgt_inner4 b)/32" ||
	wgt_fail "wg set with an SE050 handle"
wgt_in a ip addr add "$(wgt_inner4 a)/24" dev "$(wgt_if a)"
wgt_in a ip link set "$(wgt_if a)" up
wgt_in b wg set "$(wgt_if b)" private-key "$(wgt_key b)" listen-port 51822 \
	peer "$se_pub" endpoint "$(wgt_outer4 a):51821" allowed-ips "$(wgt_inner4 a)/32" ||
	wgt_fail "configure b"
wgt_in b ip addr add "$(wgt_inner4 b)/24" dev "$(wgt_if b)"
wgt_in b ip link set "$(wgt_if b)" up

wgt_ping a b || wgt_fail "ping a->b with the key in the SE050 (a initiates: 'se' on the chip)"
wgt_ping b a || wgt_fail "ping b->a"
# A handshake initiated by b ('es' on the chip as responder): b forgets a and re-adds it.
wgt_in b wg set "$(wgt_if b)" peer "$se_pub" remove
wgt_in b wg set "$(wgt_if b)" peer "$se_pub" endpoint "$(wgt_outer4 a):51821" \
	allowed-ips "$(wgt_inner4 a)/32"
wgt_ping b a || wgt_fail "ping b->a after b re-keyed (a responds with the chip)"

wgt_in a wg showconf "$(wgt_if a)" | grep -qx "PrivateKey = $(cat "$WGT_DIR/handle")" ||
	wgt_fail "showconf does not round-trip the handle"
show=$("$bin/hwguard-key" show "$(wgt_if a)" 2>&1) || wgt_fail "hwguard-key show: $show"
echo "$show" | grep -q "$se_pub" || wgt_fail "hwguard-key show lacks the SE050 public key: $show"
echo "$show" | grep -q se050 || wgt_fail "hwguard-key show lacks the provider: $show"
wgt_pass
