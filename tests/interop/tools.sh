#!/bin/bash
# wg(8) against hwguard: show, showconf, set, setconf, addconf round trips, the errors wg prints
# for the daemon's negative errno replies, and the raw UAPI behaviour wireguard-go has (errno signs,
# masked prefixes, allowed_ip=- removal, the hwguard_public_key extension line).
. "$(dirname "$0")/lib.sh"
wgt_require hwguard
wgt_init tl
wgt_start a hwguard
ifa=$(wgt_if a)
w()
{
	wgt_in a wg "$@"
}

# An empty interface.
[ "$(w show "$ifa" private-key)" = "(none)" ] || wgt_fail "fresh interface has a key"

peer1=$(wg genkey | wg pubkey)
peer2=$(wg genkey | wg pubkey)
w set "$ifa" private-key "$(wgt_key a)" listen-port 51821 \
	peer "$peer1" allowed-ips 10.1.2.3/8,fd00::1/64 endpoint 192.0.2.9:51820 persistent-keepalive 25 \
	peer "$peer2" allowed-ips 192.168.7.0/24 endpoint "[2001:db8::9]:1234" || wgt_fail "wg set"

w show "$ifa" | grep -q "public key: $(wgt_pub a)" || wgt_fail "wg show: wrong public key"
[ "$(w show "$ifa" private-key)" = "$(cat "$(wgt_key a)")" ] || wgt_fail "private key round trip"
[ "$(w show "$ifa" listen-port)" = 51821 ] || wgt_fail "listen port"
w show "$ifa" allowed-ips | grep "^$peer1" | grep -q "10.0.0.0/8" || wgt_fail "prefix not masked"
w show "$ifa" allowed-ips | grep "^$peer1" | grep -q "fd00::/64" || wgt_fail "v6 prefix not masked"
w show "$ifa" endpoints | grep "^$peer2" | grep -q "\[2001:db8::9\]:1234" || wgt_fail "v6 endpoint"
w show "$ifa" persistent-keepalive | grep "^$peer1" | grep -q 25 || wgt_fail "keepalive"
[ "$(w show interfaces | tr ' ' '\n' | grep -c "^$ifa$")" = 1 ] || wgt_fail "wg show interfaces"

# showconf -> setconf round trip is a fixed point.
w showconf "$ifa" >"$WGT_DIR/conf1" || wgt_fail "showconf"
w setconf "$ifa" "$WGT_DIR/conf1" || wgt_fail "setconf"
w showconf "$ifa" >"$WGT_DIR/conf2"
# (prefixes of a peer may be listed in any order: one per line, then sorted)
sed -e 's/^AllowedIPs = //' -e 's/, /\n/g' "$WGT_DIR/conf1" | sort >"$WGT_DIR/s1"
sed -e 's/^AllowedIPs = //' -e 's/, /\n/g' "$WGT_DIR/conf2" | sort >"$WGT_DIR/s2"
diff "$WGT_DIR/s1" "$WGT_DIR/s2" >&2 || wgt_fail "showconf/setconf is not a fixed point"

# setconf replaces peers; addconf adds.
cat >"$WGT_DIR/conf3" <<CONF
[Interface]
PrivateKey = $(cat "$(wgt_key a)")
ListenPort = 51821

[Peer]
PublicKey = $peer2
AllowedIPs = 10.9.0.0/16
CONF
w setconf "$ifa" "$WGT_DIR/conf3" || wgt_fail "setconf replace"
[ "$(w show "$ifa" peers)" = "$peer2" ] || wgt_fail "setconf did not replace the peers"
[ "$(w show "$ifa" allowed-ips | awk '{print $2}')" = 10.9.0.0/16 ] ||
	wgt_fail "setconf did not replace the allowed IPs"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.0/16\n' "$peer1" >"$WGT_DIR/conf4"
w addconf "$ifa" "$WGT_DIR/conf4" || wgt_fail "addconf"
[ "$(w show "$ifa" peers | wc -l)" = 2 ] || wgt_fail "addconf did not add a peer"
w set "$ifa" peer "$peer1" remove || wgt_fail "remove"
[ "$(w show "$ifa" peers)" = "$peer2" ] || wgt_fail "peer not removed"

# A prefix moves between peers.
w set "$ifa" peer "$peer1" allowed-ips 10.9.0.0/16 || wgt_fail "move prefix"
w show "$ifa" allowed-ips | grep "^$peer2" | grep -q "10.9.0.0/16" && wgt_fail "prefix not moved"

# Errors: the daemon answers negative errno values, which wg turns into readable messages.
wgt_in a python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 51899))
open(sys.argv[1], "w").write("bound")
time.sleep(30)' "$WGT_DIR/holder" &
holder=$!
wgt_wait_for test -s "$WGT_DIR/holder" || wgt_fail "could not occupy a port"
out=$(w set "$ifa" listen-port 51899 2>&1) && wgt_fail "listen port in use accepted"
kill "$holder"
echo "$out" | grep -q "Address already in use" || wgt_fail "wrong message for a busy port: $out"
[ "$(w show "$ifa" listen-port)" = 51821 ] || wgt_fail "failed rebind lost the old port"

# setconf without PrivateKey sends private_key=0...0: the key is removed.
printf '[Interface]\nListenPort = 51821\n' >"$WGT_DIR/conf5"
w setconf "$ifa" "$WGT_DIR/conf5" || wgt_fail "setconf without key"
[ "$(w show "$ifa" private-key)" = "(none)" ] || wgt_fail "zero key did not remove the key"
[ -z "$(w show "$ifa" peers)" ] || wgt_fail "setconf without peers kept peers"

if wgt_have_python; then
	k=$(printf '%064d' 0 | tr 0 1)
	r=$(printf 'set=1\nfoo=1\n\n' | wgt_uapi "$ifa")
	[ "$r" = "errno=-22" ] || wgt_fail "unknown key: $r"
	r=$(printf 'set=1\nnoequals\n\n' | wgt_uapi "$ifa")
	[ "$r" = "errno=-71" ] || wgt_fail "line without '=': $r"
	r=$(printf 'set=1\npublic_key=%s\nprotocol_version=2\n\n' "$k" | wgt_uapi "$ifa")
	[ "$r" = "errno=-22" ] || wgt_fail "protocol_version=2: $r"
	[ -z "$(w show "$ifa" peers)" ] || wgt_fail "a rejected request left a peer behind"
	r=$(printf 'get=1\nx\n' | wgt_uapi "$ifa")
	[ "$r" = "errno=-22" ] || wgt_fail "trailing bytes after get: $r"
	r=$(printf 'set=1\npublic_key=%s\nallowed_ip=10.1.0.0/16\nallowed_ip=10.2.0.0/16\n\n' "$k" |
		wgt_uapi "$ifa")
	[ "$r" = "errno=0" ] || wgt_fail "add prefixes: $r"
	r=$(printf 'set=1\npublic_key=%s\nallowed_ip=-10.1.0.0/16\n\n' "$k" | wgt_uapi "$ifa")
	[ "$r" = "errno=0" ] || wgt_fail "allowed_ip=-: $r"
	got=$(printf 'get=1\n\n' | wgt_uapi "$ifa" | grep '^allowed_ip=' | tr '\n' ' ')
	[ "$got" = "allowed_ip=10.2.0.0/16 " ] || wgt_fail "allowed_ip=- removal: $got"
	w set "$ifa" private-key "$(wgt_key a)"
	hex=$(wgt_pub a | base64 -d | od -An -tx1 | tr -d ' \n')
	printf 'get=1\n\n' | wgt_uapi "$ifa" | grep -qx "hwguard_public_key=$hex" ||
		wgt_fail "no hwguard_public_key extension line"
	printf 'get=1\n\n' | wgt_uapi "$ifa" | grep -qx "hwguard_key_provider=soft" ||
		wgt_fail "no hwguard_key_provider extension line"
	# two requests on one connection, as the protocol allows
	r=$(printf 'set=1\nlisten_port=51821\n\nget=1\n\n' | wgt_uapi "$ifa" | head -n 1)
	[ "$r" = "errno=0" ] || wgt_fail "pipelined requests: $r"
fi
wgt_pass
