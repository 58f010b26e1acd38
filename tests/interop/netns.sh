#!/bin/bash
# The network-namespace pattern of wireguard.com/netns ("Ordinary containerization"), as
# wireguard-go's tests/netns.sh uses it: the daemon starts in namespace a, where the outer network
# is, and its interface is moved into a container namespace c. The daemon must keep serving: its
# UDP socket (and any new one after a listen-port change) stays in a, its UAPI socket stays where
# it was created, the interface is configured inside c the way wg-quick would (wg setconf,
# address, MTU, link up), and traffic flows between c and a wireguard-go peer in b: ping, an 8 MB
# SHA-256-checked TCP transfer each way, then roaming of both ends. The interface then moves on
# from c to d (the daemon must find it again), and its deletion there ends the daemon. Finally a
# second daemon's interface is moved into a namespace that is then deleted: the kernel deletes the
# interface with it, and that daemon must exit too (the daemon must not keep that namespace alive).
# Usage: netns.sh IMPL TAG   (IMPL runs in a; the peer in b is wireguard-go)
. "$(dirname "$0")/lib.sh"
impl=${1:?implementation} tag=${2:?tag}
wgt_require "$impl" wireguard-go
wgt_init "$tag"
is_hwguard=false
[ "$(basename "$(wgt_impl_path "$impl")")" = hwguard ] && is_hwguard=true
ifa=$(wgt_if a)
sock=/var/run/wireguard/$ifa.sock

wgt_start a "$impl"
wgt_start b wireguard-go
pid=$(cat "$WGT_DIR/a.pid")
wgt_add_ns c
wgt_add_ns d

# Move the fresh interface into the container before it is configured, as wireguard.com/netns does.
ip -n "$(wgt_ns a)" link set "$ifa" netns "$(wgt_ns c)" || wgt_fail "ip link set netns"
sleep 0.3
kill -0 "$pid" 2>/dev/null || wgt_fail "the daemon exited when its interface moved to another namespace"
wgt_in c ip link show "$ifa" >/dev/null || wgt_fail "the interface is not in c"
[ -S "$sock" ] && wg show "$ifa" >/dev/null || wgt_fail "the UAPI socket stopped answering after the move"

# wg-quick's steps, inside the container: setconf, address, MTU, up.
conf="$WGT_DIR/$ifa.conf"
(
	umask 077
	cat >"$conf" <<CONF
[Interface]
PrivateKey = $(cat "$(wgt_key a)")
ListenPort = 51821

$(wgt_peer_section b "$(wgt_inner4 b)/32, $(wgt_inner6 b)/128")
CONF
)
wgt_in c wg setconf "$ifa" "$conf" || wgt_fail "wg setconf after the move"
wgt_in c ip -4 address add "$(wgt_inner4 a)/24" dev "$ifa"
wgt_in c ip -6 address add "$(wgt_inner6 a)/64" dev "$ifa" nodad
wgt_in c ip link set mtu 1380 up dev "$ifa"
wgt_config_side b 4

wgt_ping c b || wgt_fail "ping c->b through the moved interface"
wgt_ping c b 6 || wgt_fail "IPv6 ping c->b through the moved interface"
wgt_ping b c || wgt_fail "ping b->c"
wgt_tcp_transfer c b 8 || wgt_fail "8 MB TCP c->b"
wgt_tcp_transfer b c 8 || wgt_fail "8 MB TCP b->c"
if $is_hwguard; then
	grep -q "MTU updated: 1380" "$WGT_DIR/a.log" || wgt_fail "the daemon did not see the MTU set inside c"
fi

# The UDP socket is in a, not in c.
udp_in()
{
	wgt_in "$1" ss -Hulnp "sport = :$2" 2>/dev/null | grep -q "pid=$pid,"
}
udp_in a 51821 || wgt_fail "the UDP socket is not in namespace a"
udp_in c 51821 && wgt_fail "a UDP socket appeared in namespace c"

# Roaming, 1: the peer's port changes; the moved interface learns it from authenticated packets.
wgt_in b wg set "$(wgt_if b)" listen-port 51833 || wgt_fail "b: new listen port"
wgt_ping b c || wgt_fail "ping b->c from b's new port"
wg show "$ifa" endpoints | grep -q "$(wgt_outer4 b):51833" ||
	wgt_fail "the moved interface did not learn b's new port: $(wg show "$ifa" endpoints)"
# Roaming, 2: our own port changes after the move; the new socket must open in a as well.
wgt_in c wg set "$ifa" listen-port 51831 || wgt_fail "new listen port after the move"
if $is_hwguard; then
	udp_in a 51831 || wgt_fail "the new UDP socket is not in namespace a"
	udp_in c 51831 && wgt_fail "the new UDP socket opened in namespace c"
fi
wgt_ping c b || wgt_fail "ping c->b from our new port"
wgt_in b wg show "$(wgt_if b)" endpoints | grep -q "$(wgt_outer4 a):51831" ||
	wgt_fail "b did not learn our new port: $(wgt_in b wg show "$(wgt_if b)" endpoints)"

# On from c to d: the daemon finds the interface again; traffic continues.
wgt_in c ip link set "$ifa" netns "$(wgt_ns d)" || wgt_fail "move c->d"
wgt_in d ip -4 address add "$(wgt_inner4 a)/24" dev "$ifa"
wgt_in d ip link set mtu 1360 up dev "$ifa"
wgt_ping d b || wgt_fail "ping d->b after the second move"
if $is_hwguard; then
	wgt_wait_for grep -q "MTU updated: 1360" "$WGT_DIR/a.log" ||
		wgt_fail "the daemon did not follow the interface into d"
fi
kill -0 "$pid" 2>/dev/null || wgt_fail "the daemon exited after the second move"

# Deleting the interface where it lives now ends the daemon, which removes its socket.
wgt_in d ip link del "$ifa" || wgt_fail "ip link del in d"
wgt_wait_for wgt_gone "$pid" || wgt_fail "the daemon survived the deletion of its moved interface"
wgt_wait_for test ! -e "$sock" || wgt_fail "socket left after the deletion"
rm -f "$WGT_DIR/a.pid"

# A namespace deleted with the interface inside takes the interface with it.
wgt_add_ns e
wgt_start a "$impl"
pid=$(cat "$WGT_DIR/a.pid")
ip -n "$(wgt_ns a)" link set "$ifa" netns "$(wgt_ns e)" || wgt_fail "move into e"
sleep 0.3
kill -0 "$pid" 2>/dev/null || wgt_fail "the second daemon exited at the move"
ip netns del "$(wgt_ns e)"
wgt_wait_for wgt_gone "$pid" ||
	wgt_fail "the daemon survived the deletion of the namespace holding its interface"
rm -f "$WGT_DIR/a.pid"
wgt_pass
