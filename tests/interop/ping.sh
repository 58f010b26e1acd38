#!/bin/bash
# Ping through the tunnel both ways, IPv4 and IPv6 inside, over IPv4 and then IPv6 outside, and
# move 8 MB over TCP each way with a SHA-256 check of what arrived.
# Usage: ping.sh IMPL_A IMPL_B TAG   (side a sends the first packet, so a initiates the handshake)
. "$(dirname "$0")/lib.sh"
impl_a=${1:?impl a} impl_b=${2:?impl b} tag=${3:?tag}
wgt_two_sides "$impl_a" "$impl_b" "$tag"
wgt_config_pair 4

for fam in 4 6; do
	wgt_ping a b "$fam" || wgt_fail "ping a->b IPv$fam inner over IPv4 outer"
	wgt_ping b a "$fam" || wgt_fail "ping b->a IPv$fam inner over IPv4 outer"
done
if wgt_have_python; then
	wgt_tcp_transfer a b || wgt_fail "TCP transfer a->b corrupted or failed"
	wgt_tcp_transfer b a || wgt_fail "TCP transfer b->a corrupted or failed"
fi
[ "$(wgt_handshake_time a)" != 0 ] || wgt_fail "a reports no handshake"
[ "$(wgt_handshake_time b)" != 0 ] || wgt_fail "b reports no handshake"

# Move both endpoints to the IPv6 outer addresses; a fresh peer config forces a new handshake.
for side in a b; do
	other=$(wgt_other "$side")
	wgt_in "$side" wg set "$(wgt_if "$side")" peer "$(wgt_pub "$other")" remove
done
wgt_config_side a 6 2>/dev/null
wgt_config_side b 6 2>/dev/null
for fam in 4 6; do
	wgt_ping a b "$fam" || wgt_fail "ping a->b IPv$fam inner over IPv6 outer"
	wgt_ping b a "$fam" || wgt_fail "ping b->a IPv$fam inner over IPv6 outer"
done
if wgt_have_python; then
	wgt_tcp_transfer a b 4 || wgt_fail "TCP transfer a->b over IPv6 outer corrupted or failed"
fi
wgt_in a wg show "$(wgt_if a)" endpoints | grep -q '\[2001:db8:77::2\]:51822' ||
	wgt_fail "a's endpoint is not the IPv6 outer address"
wgt_pass
