#!/bin/bash
# WireGuard throughput through a tunnel between two network namespaces joined by a veth pair:
# iperf3 (one TCP stream, inner IPv4) for each pair of implementations, several runs each, printing
# per-pair medians and the hwguard/wireguard-go ratios. Both daemons and iperf3 share this host's
# CPUs, so figures are comparable only within one invocation on one machine; the runs of all pairs
# are interleaved so that background load spreads evenly over them.
#
# Usage: bench/throughput.sh [-r RUNS] [-t SECONDS] [-P STREAMS] [-p "PAIR ..."] [-b HWGUARD]
#                            [-k REKEYS] [-l ECDH_MS]
#   PAIR is A-B with A, B in {wggo, hwg, hwgse}; default: "wggo-wggo hwg-hwg hwg-wggo wggo-hwg".
#   hwgse: hwguard whose static key lives in an SE050 (se050-emu, ECDH_MS per ECDH, default 40).
#   -k: forced handshakes per run (side a drops and re-adds its peer, evenly spaced; default 0).
#   -b: the hwguard binary (default: $HWG_BIN/hwguard, build/bin/hwguard, then PATH).
# Needs root, iproute2, wireguard-go, wireguard-tools and iperf3.
# Prints hwguard/wireguard-go ratios, and SE050/software ratios for pairs of the same shape.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=5 secs=5 streams=1 pairs="wggo-wggo hwg-hwg hwg-wggo wggo-hwg" hwg="" rekeys=0 ecdh_ms=40

usage()
{
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}
while getopts "r:t:P:p:b:k:l:h" opt; do
	case "$opt" in
	r) runs=$OPTARG ;;
	t) secs=$OPTARG ;;
	P) streams=$OPTARG ;;
	p) pairs=$OPTARG ;;
	b) hwg=$OPTARG ;;
	k) rekeys=$OPTARG ;;
	l) ecdh_ms=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

if [ -z "$hwg" ]; then
	for c in "${HWG_BIN:-}/hwguard" "$root/build/bin/hwguard" "$(command -v hwguard 2>/dev/null)"; do
		[ -x "$c" ] && hwg=$c && break
	done
fi
command -v iperf3 >/dev/null || { echo "throughput.sh: needs iperf3: install the Debian package iperf3 (scripts/deps.sh)" >&2; exit 1; }

# shellcheck source=../tests/interop/lib.sh
. "$root/tests/interop/lib.sh"
export LOG_LEVEL=error # verbose logging costs throughput in wireguard-go
wgt_require wireguard-go
case "$pairs" in *hwg*) [ -n "$hwg" ] && [ -x "$hwg" ] || { echo "throughput.sh: hwguard binary not found (-b)" >&2; exit 1; } ;; esac

impl_of()
{
	case "$1" in
	wggo) echo wireguard-go ;;
	hwg | hwgse) echo "$hwg" ;;
	*) echo "throughput.sh: unknown implementation '$1'" >&2; exit 2 ;;
	esac
}

median()
{
	sort -n | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

case "$pairs" in *hwgse*)
	emu=$(dirname "$hwg")/se050-emu hwgkey=$(dirname "$hwg")/hwguard-key
	[ -x "$emu" ] && [ -x "$hwgkey" ] || { echo "throughput.sh: hwgse needs se050-emu and hwguard-key next to hwguard" >&2; exit 1; } ;;
esac

# An SE050 for side $1 (one emulator per daemon: a daemon owns its chip): key 0x10000009 in it.
# Sets SIDE_KEY_$1 (the handle file) and SIDE_PUB_$1.
start_se050()
{
	local side=$1 sock="$WGT_DIR/emu-$1.sock"
	(exec ip netns exec "$(wgt_ns "$side")" "$emu" --socket "$sock" --latency-ecdh "$ecdh_ms" \
		>"$WGT_DIR/emu-$side.log" 2>&1) &
	wgt_wait_for test -S "$sock" || wgt_fail "se050-emu for side $side"
	HWGUARD_SE050_BUS="emu:$sock" "$hwgkey" genkey --se050 0x10000009 >"$WGT_DIR/$side.handle" ||
		wgt_fail "genkey in the SE050 of side $side"
	eval "SIDE_KEY_$side=\$WGT_DIR/\$side.handle"
	eval "SIDE_PUB_$side=\$(HWGUARD_SE050_BUS=emu:\$sock \$hwgkey pubkey <\$WGT_DIR/\$side.handle)"
}

# Like wgt_config_side, with the key (file) and public keys chosen per side.
config_side()
{
	local side=$1 other port oport key opub
	other=$(wgt_other "$side")
	case "$side" in a) port=51821 oport=51822 ;; b) port=51822 oport=51821 ;; esac
	eval "key=\$SIDE_KEY_$side opub=\$SIDE_PUB_$other"
	wgt_in "$side" wg set "$(wgt_if "$side")" private-key "$key" listen-port "$port" \
		peer "$opub" endpoint "$(wgt_outer4 "$other"):$oport" allowed-ips "$(wgt_inner4 "$other")/32" ||
		wgt_fail "wg set on side $side"
	wgt_in "$side" ip addr add "$(wgt_inner4 "$side")/24" dev "$(wgt_if "$side")"
	wgt_in "$side" ip link set "$(wgt_if "$side")" up
}

# Forces $1 handshakes within $2 seconds: side a forgets its peer and re-adds it, so the next packet
# starts a new handshake (with an SE050 key on side a: static-static and 'se' on the chip).
force_rekeys()
{
	local count=$1 span=$2 i
	for i in $(seq "$count"); do
		sleep "$(awk -v s="$span" -v c="$count" 'BEGIN {print s / (c + 1)}')"
		wgt_in a wg set "$(wgt_if a)" peer "$SIDE_PUB_b" remove
		wgt_in a wg set "$(wgt_if a)" peer "$SIDE_PUB_b" endpoint "$(wgt_outer4 b):51822" \
			allowed-ips "$(wgt_inner4 b)/32"
	done
}

# Every pair is set up first and the runs are interleaved (run 1 of each pair, then run 2, ...), so
# that a change in the machine's background load spreads over all pairs instead of favouring one.
declare -A result
declare -a tags dirs
select_pair()
{
	WGT_TAG=${tags[$1]} WGT_DIR=${dirs[$1]}
	SIDE_PUB_b=$(cat "$WGT_DIR/pub-b")
}
cleanup_all()
{
	local rc=$? k
	set +e
	for k in "${!tags[@]}"; do
		select_pair "$k"
		wgt_teardown
		rm -rf "$WGT_DIR"
	done
	exit "$rc"
}

n=0
for pair in $pairs; do
	a=${pair%-*} b=${pair#*-}
	n=$((n + 1))
	wgt_init "b$n"
	tags[$n]=$WGT_TAG dirs[$n]=$WGT_DIR
	trap cleanup_all EXIT
	for side in a b; do
		eval "kind=\$$side"
		if [ "$kind" = hwgse ]; then
			start_se050 "$side"
			HWGUARD_SE050_BUS="emu:$WGT_DIR/emu-$side.sock" wgt_start "$side" "$(impl_of "$kind")"
		else
			eval "SIDE_KEY_$side=\$(wgt_key \$side) SIDE_PUB_$side=\$(wgt_pub \$side)"
			wgt_start "$side" "$(impl_of "$kind")"
		fi
	done
	echo "$SIDE_PUB_b" >"$WGT_DIR/pub-b"
	config_side a
	config_side b
	wgt_ping a b >/dev/null || wgt_fail "$pair: no connectivity"
	wgt_in b iperf3 -s -B "$(wgt_inner4 b)" >"$WGT_DIR/iperf-server.log" 2>&1 &
	wgt_wait_for wgt_in a bash -c "exec 3<>/dev/tcp/$(wgt_inner4 b)/5201" || wgt_fail "iperf3 server"
	: >"$WGT_DIR/rates"
done
sleep 0.5

for i in $(seq "$runs"); do
	k=0
	for pair in $pairs; do
		k=$((k + 1))
		select_pair "$k"
		rekeyer=""
		if [ "$rekeys" -gt 0 ]; then
			force_rekeys "$rekeys" "$secs" &
			rekeyer=$!
		fi
		out=$(wgt_in a iperf3 -c "$(wgt_inner4 b)" -t "$secs" -P "$streams" -f m 2>&1)
		# Receiver rate; the sender's TCP retransmissions (the field after its rate) show loss.
		rate=$(awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i} END {print r}' <<<"$out")
		retr=$(awk '/sender/ {for (i = 1; i < NF; i++) if ($i == "Mbits/sec") r = $(i + 1)} END {print r}' <<<"$out")
		[ -n "$rekeyer" ] && wait "$rekeyer"
		[ -n "$rate" ] || rate=0
		echo "$rate" >>"$WGT_DIR/rates"
		echo "${retr:-0}" >>"$WGT_DIR/retr"
		printf '%-11s run %d/%d: %8.1f Mbit/s, %s retransmissions\n' "$pair" "$i" "$runs" "$rate" "${retr:-?}"
	done
done

k=0
for pair in $pairs; do
	k=$((k + 1))
	select_pair "$k"
	result[$pair]=$(median <"$WGT_DIR/rates")
	result[$pair.min]=$(sort -n "$WGT_DIR/rates" | head -n 1)
	result[$pair.max]=$(sort -n "$WGT_DIR/rates" | tail -n 1)
	result[$pair.retr]=$(median <"$WGT_DIR/retr")
	wgt_teardown # also ends the iperf3 server and se050-emu in the namespaces
	# se050-emu prints its counters when it exits: the chip ECDHs of the whole pair's life.
	result[$pair.ecdh]=$(cat "$WGT_DIR"/emu-*.log 2>/dev/null |
		awk -F'ecdh=' 'NF > 1 {split($2, v, " "); n += v[1]; seen = 1} END {if (seen) print n}')
	rm -rf "$WGT_DIR"
	unset "tags[$k]"
done
trap - EXIT

echo
echo "WireGuard throughput, iperf3 TCP, $streams stream(s), $runs x ${secs}s per pair, $(nproc) CPUs, $(uname -r)"
case "$pairs" in *hwgse*) echo "hwgse: SE050 key in se050-emu, ${ecdh_ms} ms per ECDH" ;; esac
[ "$rekeys" -gt 0 ] && echo "$rekeys forced handshakes per run (side a re-adds its peer)"
printf '%-11s %10s %10s %10s %12s\n' pair "median" min max "retr/run"
for pair in $pairs; do
	printf '%-11s %10s %10s %10s %12s  Mbit/s%s\n' "$pair" "${result[$pair]}" "${result[$pair.min]}" \
		"${result[$pair.max]}" "${result[$pair.retr]}" \
		"${result[$pair.ecdh]:+  (chip ECDHs: ${result[$pair.ecdh]})}"
done
ref=${result[wggo-wggo]:-}
if [ -n "$ref" ] && [ "$ref" != nan ] && [ "$ref" != 0 ]; then
	for pair in $pairs; do
		[ "$pair" = wggo-wggo ] && continue
		awk -v p="$pair" -v x="${result[$pair]}" -v r="$ref" \
			'BEGIN {printf "ratio %s / wggo-wggo: %.2f\n", p, x / r}'
	done
fi
# The SE050 against the software key for the same pair shape (hwgse-X against hwg-X, and so on).
for pair in $pairs; do
	case "$pair" in *hwgse*) ;; *) continue ;; esac
	soft=$(echo "$pair" | sed 's/hwgse/hwg/g')
	[ -n "${result[$soft]:-}" ] || continue
	awk -v p="$pair" -v s="$soft" -v x="${result[$pair]}" -v r="${result[$soft]}" \
		'BEGIN {if (r > 0) printf "ratio %s / %s (SE050 / software key): %.3f\n", p, s, x / r}'
done
