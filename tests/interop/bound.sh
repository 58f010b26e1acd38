#!/bin/bash
# The interface key bound at startup (HWGUARD_KEY=se050:ID, the way wg-quick can pass it): a
# PrivateKey-less config applied with stock `wg setconf` (it sends private_key=0…0) keeps the SE050
# key and the tunnel to a wireguard-go peer keeps working; `wg set private-key <software key>` is
# refused with "Operation not permitted"; `wg showconf | wg setconf` round-trips. Then, without
# binding, the standard semantics: the same PrivateKey-less config removes the key. Last, wg-quick up
# with HWGUARD_KEY and a config without PrivateKey.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
wgt_need_se050_tools
wgt_init bk
wgt_se050_chip_a "$WGT_DIR/handle"
se_pub=$WGT_CHIP_PUB
ifa=$(wgt_if a)
# `wg show public-key` derives the key from private_key (a handle here): ask the daemon instead.
has_pub()
{
	"$WGT_BIN/hwguard-key" show "$ifa" 2>&1 | grep -qF "$1"
}

"$WGT_BIN/hwguard" --help | grep -q -- "--key se050:OBJECT_ID" || wgt_fail "--help lacks --key"
out=$("$WGT_BIN/hwguard" --key se050:0x10000010 -f "${WGT_PREFIX}bkx" 2>&1) &&
	wgt_fail "a missing SE050 object was accepted"
echo "$out" | grep -q "no object with this id" || wgt_fail "unclear error for a missing object: $out"

HWGUARD_KEY=se050:0x10000009 wgt_start a hwguard
has_pub "$se_pub" ||
	wgt_fail "the bound key is not installed at startup"

wgt_start b wireguard-go
wgt_config_v4 b "$(wgt_key b)" "$se_pub"

# A config without PrivateKey, as wg-quick strips it from a file that has none.
cat >"$WGT_DIR/a.conf" <<CONF
[Interface]
ListenPort = 51821

$(wgt_peer_section b)
CONF
wgt_in a wg setconf "$ifa" "$WGT_DIR/a.conf" || wgt_fail "wg setconf without PrivateKey"
has_pub "$se_pub" ||
	wgt_fail "wg setconf without PrivateKey dropped the bound key"
grep -q "keeping the bound se050 key" "$WGT_DIR/a.log" || wgt_fail "no verbose log of the kept key"
wgt_in a ip addr add "$(wgt_inner4 a)/24" dev "$ifa"
wgt_in a ip link set "$ifa" up
wgt_ping a b || wgt_fail "ping a->b with the bound SE050 key"
hs=$(wgt_handshake_time a)

# A reload while the session is up (wg-quick strip | wg syncconf also sends private_key=0…0, but
# keeps the peers): the key and the session stay, traffic continues both ways.
wgt_in a wg syncconf "$ifa" "$WGT_DIR/a.conf" || wgt_fail "wg syncconf without PrivateKey"
wgt_ping b a || wgt_fail "ping b->a after wg syncconf"
[ "$(wgt_handshake_time a)" = "$hs" ] || wgt_fail "syncconf with private_key=0 restarted the session"

# Another key is refused, with wg's message for EPERM, and nothing changes.
err=$(wgt_in a wg set "$ifa" private-key "$(wgt_key a)" 2>&1) &&
	wgt_fail "wg set private-key <software key> was accepted on a bound interface"
echo "$err" | grep -q "Operation not permitted" || wgt_fail "unexpected refusal message: $err"
has_pub "$se_pub" || wgt_fail "the refused key replaced the bound one"

# showconf reports the handle; feeding it back keeps the chip key (setconf replaces the peers, so
# a new handshake runs on the chip).
wgt_in a wg showconf "$ifa" >"$WGT_DIR/a.show"
grep -qx "PrivateKey = $(cat "$WGT_DIR/handle")" "$WGT_DIR/a.show" ||
	wgt_fail "showconf does not report the handle"
wgt_in a wg setconf "$ifa" "$WGT_DIR/a.show" || wgt_fail "wg showconf | wg setconf"
has_pub "$se_pub" || wgt_fail "the showconf round trip changed the key"
wgt_ping a b || wgt_fail "ping a->b after the showconf round trip"

# Without binding: the standard UAPI semantics (zeros remove the key), and any key may be set.
wgt_stop a
wgt_start a hwguard
wgt_in a wg set "$ifa" private-key "$WGT_DIR/handle" || wgt_fail "unbound: wg set private-key handle"
has_pub "$se_pub" || wgt_fail "unbound: handle not applied"
wgt_in a wg setconf "$ifa" "$WGT_DIR/a.conf" || wgt_fail "unbound: wg setconf"
[ "$(wgt_in a wg show "$ifa" public-key)" = "(none)" ] ||
	wgt_fail "unbound: a config without PrivateKey kept the key"
wgt_in a wg set "$ifa" private-key "$(wgt_key a)" || wgt_fail "unbound: software key refused"
has_pub "$(wgt_pub a)" || wgt_fail "unbound: software key not set"

# wg-quick passes the daemon nothing but the name: HWGUARD_KEY binds the key, and the config has no
# PrivateKey at all.
# (with the wireguard kernel module loaded wg-quick would use it, so that part cannot run here)
wgt_need wg-quick wireguard-tools
[ -e /sys/module/wireguard ] && wgt_log "a wireguard kernel module is loaded: the wg-quick part is left out"
if [ ! -e /sys/module/wireguard ]; then
	wgt_stop a
	conf="$WGT_DIR/$ifa.conf"
	{
		echo "[Interface]"
		echo "Address = $(wgt_inner4 a)/24"
		sed 1d "$WGT_DIR/a.conf"
	} >"$conf"
	(cd "$WGT_DIR" && wgt_in a env PATH="$WGT_BIN:$PATH" WG_QUICK_USERSPACE_IMPLEMENTATION=hwguard \
		HWGUARD_KEY=se050:0x10000009 wg-quick up "./$ifa.conf") >>"$WGT_DIR/a.log" 2>&1 ||
		wgt_fail "wg-quick up with HWGUARD_KEY and no PrivateKey"
	has_pub "$se_pub" || wgt_fail "wg-quick: the bound key is not installed"
	wgt_ping a b || wgt_fail "wg-quick: ping a->b with the bound key"
	(cd "$WGT_DIR" && wgt_in a env PATH="$WGT_BIN:$PATH" wg-quick down "./$ifa.conf") >>"$WGT_DIR/a.log" 2>&1 ||
		wgt_fail "wg-quick down"
fi
wgt_pass
