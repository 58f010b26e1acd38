#!/bin/bash
# wg-quick drives hwguard as a userspace implementation (WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard):
# `wg-quick up ./IFNAME.conf` with a full tunnel (0.0.0.0/0, ::/0), which needs the daemon's SO_MARK
# support (wg-quick sets fwmark 51820 and routes everything else into the tunnel), traffic to a
# wireguard-go peer, then `wg-quick down`, after which the daemon must have exited and removed its
# socket.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
wgt_need wg-quick wireguard-tools
# wg-quick full tunnel: ip6tables-restore/iptables-restore for the fwmark rules, sysctl
wgt_need iptables-restore iptables
wgt_need ip6tables-restore iptables
wgt_need sysctl procps
[ -e /sys/module/wireguard ] && wgt_skip "a wireguard kernel module is loaded: wg-quick would use it"
wgt_init wq
hwguard_dir=$(dirname "$(wgt_impl_path hwguard)")

wgt_start b wireguard-go
wgt_config_side b 4

conf="$WGT_DIR/$(wgt_if a).conf"
(
	umask 077
	cat >"$conf" <<CONF
[Interface]
PrivateKey = $(cat "$(wgt_key a)")
Address = $(wgt_inner4 a)/24, $(wgt_inner6 a)/64
ListenPort = 51821

$(wgt_peer_section b "0.0.0.0/0, ::/0")
CONF
)
quick()
{
	(cd "$WGT_DIR" && wgt_in a env PATH="$hwguard_dir:$PATH" WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard \
		wg-quick "$@") >>"$WGT_DIR/a.log" 2>&1
}

quick up "./$(wgt_if a).conf" || wgt_fail "wg-quick up"
grep -q "userspace implementation" "$WGT_DIR/a.log" || wgt_fail "wg-quick did not use a userspace daemon"
pid=$(ip netns pids "$(wgt_ns a)" | head -n 1)
[ -n "$pid" ] && grep -q hwguard "/proc/$pid/cmdline" || wgt_fail "no hwguard process in the namespace"

wgt_ping a b 4 || wgt_fail "ping a->b through the full tunnel"
wgt_ping a b 6 || wgt_fail "IPv6 ping a->b through the full tunnel"
wgt_ping b a 4 || wgt_fail "ping b->a"
[ "$(wgt_in a wg show "$(wgt_if a)" fwmark)" = 0xca6c ] || wgt_fail "fwmark not set by wg-quick"
wgt_in a wg show "$(wgt_if a)" | grep -q "public key: $(wgt_pub a)" || wgt_fail "wg show: public key"

quick down "./$(wgt_if a).conf" || wgt_fail "wg-quick down"
wgt_wait_for wgt_gone "$pid" || wgt_fail "hwguard still runs after wg-quick down"
[ ! -e "/var/run/wireguard/$(wgt_if a).sock" ] || wgt_fail "socket left behind"
! wgt_in a ip link show "$(wgt_if a)" >/dev/null 2>&1 || wgt_fail "interface left behind"
wgt_pass
