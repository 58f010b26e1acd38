#!/bin/bash
# Roaming: side b's outer endpoint changes; its next authenticated packet teaches side a the new
# endpoint, and a's replies follow it (wireguard-reference.md §1.8). Three moves:
#  1. b's listen port changes (a NAT rebinding, as a seen from a);
#  2. b's outer IPv4 address changes (only when b is hwguard: Debian's wireguard-go 0.0.20220316
#     keeps sending from its vanished sticky source address and never recovers); b must fall back to
#     a kernel-chosen source address;
#  3. b talks to a over IPv6 instead of IPv4.
# Usage: roam.sh IMPL_A IMPL_B TAG   (b roams; a must update the endpoint)
. "$(dirname "$0")/lib.sh"
impl_a=${1:?impl a} impl_b=${2:?impl b} tag=${3:?tag}
wgt_two_sides "$impl_a" "$impl_b" "$tag"
wgt_config_pair 4
wgt_ping a b || wgt_fail "initial ping"

a_endpoints()
{
	wgt_in a wg show "$(wgt_if a)" endpoints
}
a_endpoints | grep -q "192.0.2.2:51822" || wgt_fail "initial endpoint: $(a_endpoints)"

# 1. new port
wgt_in b wg set "$(wgt_if b)" listen-port 51833 || wgt_fail "b: new listen port"
wgt_ping b a || wgt_fail "ping b->a from the new port"
a_endpoints | grep -q "192.0.2.2:51833" || wgt_fail "a did not learn b's new port: $(a_endpoints)"
wgt_ping a b || wgt_fail "ping a->b after b changed its port"

# 2. new address
if [ "$(basename "$(wgt_impl_path "$impl_b")")" = hwguard ]; then
	veth_b="${WGT_PREFIX}${WGT_TAG}vb"
	# (delete the primary address first: it would take a secondary one in its subnet with it)
	wgt_in b ip addr del 192.0.2.2/24 dev "$veth_b"
	wgt_in b ip addr add 192.0.2.3/24 dev "$veth_b"
	wgt_ping b a || wgt_fail "ping b->a from the new address"
	a_endpoints | grep -q "192.0.2.3:51833" ||
		wgt_fail "a did not learn b's new address: $(a_endpoints)"
	wgt_ping a b || wgt_fail "ping a->b after b changed its address"
fi

# 3. IPv6 outer
wgt_in b wg set "$(wgt_if b)" peer "$(wgt_pub a)" endpoint "[$(wgt_outer6 a)]:51821"
wgt_ping b a 6 || wgt_fail "ping b->a over IPv6 outer"
a_endpoints | grep -q "\[2001:db8:77::2\]:51833" ||
	wgt_fail "a did not learn b's IPv6 endpoint: $(a_endpoints)"
wgt_ping a b 6 || wgt_fail "ping a->b over IPv6 outer after roaming"
wgt_pass
