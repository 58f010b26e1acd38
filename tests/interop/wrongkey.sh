#!/bin/bash
# A peer with the wrong key gets nothing through, in either direction, and no handshake completes:
# side a expects a public key that b does not hold (so b's initiations name an unknown peer, and
# a's initiations fail b's mac1 check). Then a learns the right key and traffic flows.
# Usage: wrongkey.sh IMPL_A IMPL_B TAG
. "$(dirname "$0")/lib.sh"
impl_a=${1:?impl a} impl_b=${2:?impl b} tag=${3:?tag}
wgt_two_sides "$impl_a" "$impl_b" "$tag"
wgt_config_side b 4

wrong=$(wg genkey | wg pubkey)
wgt_config_v4 a "$(wgt_key a)" "$wrong"

wgt_no_ping a b || wgt_fail "a->b got through with a wrong peer key"
wgt_no_ping b a || wgt_fail "b->a got through to a peer that does not know b's key"
[ "$(wgt_handshake_time a)" = 0 ] || wgt_fail "a completed a handshake with a wrong key"
[ "$(wgt_handshake_time b)" = 0 ] || wgt_fail "b completed a handshake with a wrong key"
rx=$(wgt_in b wg show "$(wgt_if b)" transfer | awk '{print $2}')
[ "$rx" = 0 ] || wgt_fail "b accepted $rx bytes from an unauthenticated peer"

# The right key fixes it: the failure above was the key, not the setup.
wgt_in a wg set "$(wgt_if a)" peer "$wrong" remove
wgt_in a wg set "$(wgt_if a)" peer "$(wgt_pub b)" endpoint "$(wgt_outer4 b):51822" \
	allowed-ips "$(wgt_inner4 b)/32"
wgt_ping a b || wgt_fail "ping with the right key"
wgt_pass
