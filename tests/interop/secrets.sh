#!/bin/bash
# No secret ever reaches a log: two hwguard daemons at the most verbose level (LOG_LEVEL=debug) with
# a preshared key do handshakes, move data, and change their private keys and PSK through `wg set`
# (so the keys pass through the UAPI parser and the key-change paths). Then no log holds any of the
# private keys or preshared keys, in hex (either case) or base64. The control at the end proves the
# search would find a key that is there.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard
wgt_init sec
export LOG_LEVEL=debug
wgt_start a hwguard
wgt_start b hwguard
wgt_config_pair 4
secrets=("$(wgt_key a)" "$(wgt_key b)")

psk=$(wg genpsk)
echo "$psk" >"$WGT_DIR/psk"
secrets+=("$WGT_DIR/psk")
for side in a b; do
	wgt_in "$side" wg set "$(wgt_if "$side")" peer "$(wgt_pub "$(wgt_other "$side")")" \
		preshared-key "$WGT_DIR/psk" || wgt_fail "setting the PSK on $side"
done
wgt_ping a b || wgt_fail "ping a->b with a PSK"
wgt_ping b a || wgt_fail "ping b->a with a PSK"

# A new private key on a (the peer b learns its new public key): the key-change path runs.
old_pub=$(wgt_pub a)
(umask 077 && wg genkey >"$WGT_DIR/a2.key")
secrets+=("$WGT_DIR/a2.key")
wgt_in a wg set "$(wgt_if a)" private-key "$WGT_DIR/a2.key" || wgt_fail "new key on a"
wgt_in b wg set "$(wgt_if b)" peer "$old_pub" remove \
	peer "$(wg pubkey <"$WGT_DIR/a2.key")" preshared-key "$WGT_DIR/psk" \
	endpoint "$(wgt_outer4 a):51821" allowed-ips "$(wgt_inner4 a)/32" || wgt_fail "b learns a's new key"
wgt_ping a b || wgt_fail "ping a->b after the key change"

# Searches the logs for every secret: base64, lowercase and uppercase hex.
found_in_logs()
{
	local f b64 hex
	for f in "$@"; do
		b64=$(tr -d '\n' <"$f")
		hex=$(base64 -d <"$f" | od -An -tx1 | tr -d ' \n')
		grep -F -q -i -e "$b64" -e "$hex" "$WGT_DIR"/*.log && { echo "$f"; return 0; }
	done
	return 1
}
[ -s "$WGT_DIR/a.log" ] && [ -s "$WGT_DIR/b.log" ] || wgt_fail "the daemons wrote no debug log"
if leaked=$(found_in_logs "${secrets[@]}"); then
	wgt_fail "a secret ($leaked) appears in a daemon log"
fi
# Control: a key written into a log file is found, so the search itself works.
echo "control $(wg genkey | tee "$WGT_DIR/control.key")" >"$WGT_DIR/control.log"
found_in_logs "$WGT_DIR/control.key" >/dev/null || wgt_fail "control: the search missed a key"
rm -f "$WGT_DIR/control.log"
wgt_log "$(wc -l <"$WGT_DIR/a.log") + $(wc -l <"$WGT_DIR/b.log") debug log lines, no key in them"
wgt_pass
