#!/bin/bash
# The attack on the SE050's wear budget (issue 9): hs_flood sends 5 initiations/s with a valid mac1
# from one real address (192.0.2.3) and answers the cookie replies, so every one it sends reaches
# the chip unless the responder holds it back. hwguard (side a, key in se050-emu, a small budget:
# burst 8, 12 per minute, so that the attack drains it within seconds) must still complete every
# handshake of its configured peer (wireguard-go, side b, from its configured endpoint), and the
# chip must not run more ECDHs than the budget allows. docs/se050.md "Fair use of the chip".
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
wgt_need_se050_tools
flood="$WGT_BIN/../tests/hs_flood"
[ -x "$flood" ] || wgt_skip "needs hs_flood"
wgt_init sf
ifa=$(wgt_if a) ifb=$(wgt_if b)
wgt_se050_chip_a "$WGT_DIR/a.key" --latency-ecdh 40
apub=$WGT_CHIP_PUB
apub_hex=$(echo "$apub" | base64 -d | od -An -tx1 | tr -d ' \n')
export HWGUARD_SE050_DH_RATE=12,8
BURST=8 PER_MINUTE=12

wgt_start a hwguard
wgt_start b wireguard-go
chip0=$(wgt_emu_ecdh_count)
wgt_in a wg set "$ifa" private-key "$WGT_DIR/a.key" listen-port 51821 \
	peer "$(wgt_pub b)" endpoint 192.0.2.2:51822 allowed-ips 10.77.0.2/32 || wgt_fail "configure a"
start=$(date +%s) # the budget starts full when the key is opened
wgt_in a ip addr add 10.77.0.1/24 dev "$ifa"
wgt_in a ip link set "$ifa" up
wgt_in b ip addr add 192.0.2.3/24 dev "${WGT_PREFIX}${WGT_TAG}vb"
bconf() {
	wgt_in b wg set "$ifb" private-key "$(wgt_key b)" listen-port 51822 \
		peer "$apub" endpoint 192.0.2.1:51821 allowed-ips 10.77.0.1/32
}
bconf
wgt_in b ip addr add 10.77.0.2/24 dev "$ifb"
wgt_in b ip link set "$ifb" up

wgt_in b "$flood" 192.0.2.1:51821 "$apub_hex" 5 40 192.0.2.3 >"$WGT_DIR/flood.out" 2>&1 &
attacker=$!
sleep 3 # the attack drains the budget down to the reserve
ok=0
for i in 1 2 3 4; do
	# A new handshake from b: it forgets a and talks to it again. Under load its first
	# initiation gets a cookie; the retransmission 5 s later carries mac2.
	wgt_in b wg set "$ifb" peer "$apub" remove
	bconf
	if wgt_in b ping -c 1 -W 15 10.77.0.1 >/dev/null; then
		ok=$((ok + 1))
	else
		wgt_log "handshake $i of the legitimate peer failed"
	fi
done
wait "$attacker"
chip=$(($(wgt_emu_ecdh_count) - chip0))
elapsed=$(($(date +%s) - start + 1))
allowed=$((BURST + PER_MINUTE * elapsed / 60 + 1))
wgt_log "legitimate handshakes: $ok of 4; attacker: $(cat "$WGT_DIR/flood.out"); chip ECDHs: $chip in ${elapsed} s (budget $allowed)"
grep -Eq 'sent=(1[6-9][0-9]|2[0-9][0-9])' "$WGT_DIR/flood.out" || wgt_fail "the attacker did not run"
grep -Eq 'cookies=[1-9]' "$WGT_DIR/flood.out" || wgt_fail "the attacker got no cookie: never under load?"
[ "$ok" = 4 ] || wgt_fail "the legitimate peer completed $ok of 4 handshakes"
[ "$chip" -le "$allowed" ] || wgt_fail "$chip chip ECDHs, more than the budget's $allowed"
# the attack did reach the chip: more ECDHs than the legitimate peer's (static-static + 4 es)
[ "$chip" -gt 5 ] || wgt_fail "only $chip chip ECDHs: the attack never got through"
wgt_pass
