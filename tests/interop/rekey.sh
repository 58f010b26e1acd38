#!/bin/bash
# Traffic survives forced new handshakes and a restart of the peer:
#  1. side a forgets its peer and re-adds it: the next packet starts a fresh handshake (a rekey);
#  2. both sides switch to a new preshared key, and a forced rekey uses it;
#  3. a preshared key on one side only: no new session can form;
#  4. side b's daemon restarts with the same key and comes back.
# Usage: rekey.sh IMPL_A IMPL_B TAG
. "$(dirname "$0")/lib.sh"
impl_a=${1:?impl a} impl_b=${2:?impl b} tag=${3:?tag}
wgt_two_sides "$impl_a" "$impl_b" "$tag"
wgt_config_pair 4
wgt_ping a b || wgt_fail "initial ping"

# Re-adds b as a's peer (with an optional PSK file), which drops a's sessions with it.
readd_peer_on_a()
{
	local psk=${1:-/dev/null}
	wgt_in a wg set "$(wgt_if a)" peer "$(wgt_pub b)" remove || wgt_fail "remove peer"
	wgt_in a wg set "$(wgt_if a)" peer "$(wgt_pub b)" preshared-key "$psk" \
		endpoint "$(wgt_outer4 b):51822" allowed-ips "$(wgt_inner4 b)/32,$(wgt_inner6 b)/128" ||
		wgt_fail "re-add peer"
}

hs_before=$(wgt_handshake_time b)
sleep 1.1 # handshake times have a one-second resolution
readd_peer_on_a
wgt_ping a b || wgt_fail "ping after a forced rekey"
wgt_ping b a 6 || wgt_fail "ping b->a after a forced rekey"
[ "$(wgt_handshake_time b)" -gt "$hs_before" ] || wgt_fail "b saw no new handshake"

# A new preshared key on both sides.
(umask 077 && wg genpsk >"$WGT_DIR/psk")
wgt_in b wg set "$(wgt_if b)" peer "$(wgt_pub a)" preshared-key "$WGT_DIR/psk" || wgt_fail "psk b"
hs_before=$(wgt_handshake_time b)
sleep 1.1
readd_peer_on_a "$WGT_DIR/psk"
wgt_ping a b || wgt_fail "ping after a rekey with a new preshared key"
[ "$(wgt_handshake_time b)" -gt "$hs_before" ] || wgt_fail "no new handshake with the PSK"

# Mismatched preshared keys: a's initiation is answered, but a cannot open the response.
(umask 077 && wg genpsk >"$WGT_DIR/psk2")
readd_peer_on_a "$WGT_DIR/psk2"
wgt_no_ping a b || wgt_fail "traffic passed with mismatched preshared keys"
readd_peer_on_a "$WGT_DIR/psk"
wgt_ping a b || wgt_fail "ping after restoring the preshared key"

# Restart of b: same key, fresh state. b speaks first (a still holds the old session).
wgt_stop b
wgt_start b "$impl_b"
wgt_config_side b 4
wgt_in b wg set "$(wgt_if b)" peer "$(wgt_pub a)" preshared-key "$WGT_DIR/psk" || wgt_fail "psk b after the restart"
wgt_ping b a || wgt_fail "ping b->a after b restarted"
wgt_ping a b || wgt_fail "ping a->b after b restarted"
wgt_ping a b 6 || wgt_fail "IPv6 ping a->b after b restarted"
wgt_pass
