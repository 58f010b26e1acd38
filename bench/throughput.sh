#!/bin/bash
# WireGuard throughput through a tunnel between two network namespaces joined by a veth pair:
# iperf3 (one TCP stream, inner IPv4) for each pair of implementations, several runs each, printing
# per-pair medians, the ping round trip over the idle tunnel, the CPU seconds each daemon used per
# gigabyte moved, and ratios. Both daemons and iperf3 share this host's CPUs, so figures are
# comparable only within one invocation on one machine; the runs of all pairs are interleaved so
# that background load spreads evenly over them.
#
# Usage: bench/throughput.sh [-r RUNS] [-t SECONDS] [-P STREAMS] [-p "PAIR ..."] [-b HWGUARD]
#                            [-B [NAME=]HWGUARD]... [-k REKEYS] [-l ECDH_MS] [-i IDLE_PEERS]
#   PAIR is "veth" or A-B with A, B in {wggo, hwg, hwgse, hwgidle} or a name given with -B;
#   default: "veth wggo-wggo hwg-hwg hwg-wggo wggo-hwg".
#   veth: no tunnel, iperf3 straight over the veth between the same two namespaces, with the veth
#     MTU set to the tunnel's (1420): the link every tunnel figure is a fraction of.
#   hwgse: hwguard whose static key lives in an SE050 (se050-emu, ECDH_MS per ECDH, default 40).
#   hwgidle: hwguard with IDLE_PEERS (-i, default 100000) more peers configured, which never send;
#     the set that adds them runs under a ping, whose worst round trip shows any stall.
#   -B: another hwguard binary (say, a build of an earlier commit) as pair side NAME (default
#     "base"), to compare side by side; repeat for several. CPU ratios are printed against base.
#   -k: forced handshakes per run (side a drops and re-adds its peer, evenly spaced; default 0).
#   -b: the hwguard binary (default: $HWG_BIN/hwguard, build/bin/hwguard, then PATH).
# Needs root, iproute2, wireguard-go, wireguard-tools, iperf3 and python3 (for hwgidle).
# Prints hwguard/wireguard-go and tunnel/veth ratios, CPU s/GB per daemon (from /proc/PID/stat;
# side a sends, side b receives), and SE050/software ratios for pairs of the same shape.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=5 secs=5 streams=1 pairs="veth wggo-wggo hwg-hwg hwg-wggo wggo-hwg" hwg="" rekeys=0
ecdh_ms=40 idle_peers=100000
declare -A others # -B NAME=BINARY

usage()
{
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
}
while getopts "r:t:P:p:b:B:k:l:i:h" opt; do
	case "$opt" in
	r) runs=$OPTARG ;;
	t) secs=$OPTARG ;;
	P) streams=$OPTARG ;;
	p) pairs=$OPTARG ;;
	b) hwg=$OPTARG ;;
	B)
		case "$OPTARG" in
		*=*) others[${OPTARG%%=*}]=${OPTARG#*=} ;;
		*) others[base]=$OPTARG ;;
		esac
		;;
	k) rekeys=$OPTARG ;;
	l) ecdh_ms=$OPTARG ;;
	i) idle_peers=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

command -v iperf3 >/dev/null || { echo "throughput.sh: needs iperf3: install the Debian package iperf3 (scripts/deps.sh)" >&2; exit 1; }

# shellcheck source=../tests/interop/lib.sh
. "$root/tests/interop/lib.sh"
# shellcheck source=iperf.sh
. "$here/iperf.sh"
[ -n "$hwg" ] || hwg=$(wgt_find_hwguard)
export LOG_LEVEL=error # verbose logging costs throughput in wireguard-go
wgt_require wireguard-go
case "$pairs" in *hwg*) [ -n "$hwg" ] && [ -x "$hwg" ] || { echo "throughput.sh: hwguard binary not found (-b)" >&2; exit 1; } ;; esac
for name in "${!others[@]}"; do
	case "$name" in wggo | hwg | hwgse | hwgidle | veth | "") echo "throughput.sh: -B $name: reserved name" >&2; exit 2 ;; esac
	[ -x "${others[$name]}" ] || { echo "throughput.sh: -B $name: ${others[$name]} is not executable" >&2; exit 1; }
done
for pair in $pairs; do
	[ "$pair" = veth ] && continue
	for side in "${pair%-*}" "${pair#*-}"; do
		case "$side" in wggo | hwg | hwgse | hwgidle) continue ;; esac
		[ -n "${others[$side]:-}" ] ||
			{ echo "throughput.sh: pair $pair: unknown side '$side' (give its binary with -B $side=PATH)" >&2; exit 2; }
	done
done
case "$pairs" in *hwgidle*) command -v python3 >/dev/null || { echo "throughput.sh: hwgidle needs python3" >&2; exit 1; } ;; esac

impl_of()
{
	case "$1" in
	wggo) echo wireguard-go ;;
	hwg | hwgse | hwgidle) echo "$hwg" ;;
	*)
		[ -n "${others[$1]:-}" ] && echo "${others[$1]}" && return
		echo "throughput.sh: unknown implementation '$1' (give its binary with -B $1=PATH)" >&2
		exit 2
		;;
	esac
}

median()
{
	sort -n | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

case "$pairs" in *hwgse*)
	emu=$(dirname "$hwg")/se050-emu hwgkey=$(dirname "$hwg")/hwguard-key
	[ -x "$emu" ] && [ -x "$hwgkey" ] || { echo "throughput.sh: hwgse needs se050-emu and hwguard-key next to hwguard" >&2; exit 1; } ;;
esac

# An SE050 for side $1 (one emulator per daemon: a daemon owns its chip): key 0x10000009 in it.
# Sets SIDE_KEY_$1 (the handle file) and SIDE_PUB_$1.
start_se050()
{
	local side=$1 sock
	wgt_se050_emu "$side" "$emu" --latency-ecdh "$ecdh_ms"
	sock=$WGT_EMU_SOCK
	HWGUARD_SE050_BUS="emu:$sock" "$hwgkey" genkey --se050 0x10000009 >"$WGT_DIR/$side.handle" ||
		wgt_fail "genkey in the SE050 of side $side"
	eval "SIDE_KEY_$side=\$WGT_DIR/\$side.handle"
	eval "SIDE_PUB_$side=\$(HWGUARD_SE050_BUS=emu:\$sock \$hwgkey pubkey <\$WGT_DIR/\$side.handle)"
}

# The tunnel's side $1 with the key (file) and public keys chosen per side.
config_side()
{
	local side=$1 key opub
	eval "key=\$SIDE_KEY_$side opub=\$SIDE_PUB_$(wgt_other "$side")"
	wgt_config_v4 "$side" "$key" "$opub"
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

# Adds $2 peers that never send to side $1's interface, in one UAPI set (random public keys, one
# /32 each in 10.128.0.0/9 and no endpoint), while a ping crosses the tunnel every 10 ms: the
# ping's worst round trip and losses show whether the set stalled the data path. Writes
# "seconds max_ms lost" to $WGT_DIR/idle-set-$1.
add_idle_peers()
{
	local side=$1 count=$2 t0 t1
	wgt_idle_peers_request "$count" >"$WGT_DIR/idle-$side.uapi"
	# exec: $! must be ping itself, so that SIGINT makes it print its summary and stop.
	(exec ip netns exec "$(wgt_ns "$side")" ping -q -i 0.01 -W 5 -w 3600 \
		"$(wgt_inner4 "$(wgt_other "$side")")" >"$WGT_DIR/idle-ping-$side" 2>&1) &
	local pinger=$!
	sleep 0.3
	t0=$(date +%s.%N)
	# (waiting as long as a large set may take)
	wgt_uapi "$(wgt_if "$side")" 600 <"$WGT_DIR/idle-$side.uapi" | grep -q '^errno=0$' ||
		wgt_fail "adding $count idle peers on side $side"
	t1=$(date +%s.%N)
	sleep 0.3
	kill -INT "$pinger" 2>/dev/null
	wait "$pinger"
	awk -v t0="$t0" -v t1="$t1" '
		/packets transmitted/ {lost = $1 - $4}
		/rtt/ {split($4, v, "/"); max = v[3]}
		END {printf "%.2f %s %d\n", t1 - t0, max, lost}' "$WGT_DIR/idle-ping-$side" \
		>"$WGT_DIR/idle-set-$side"
	rm -f "$WGT_DIR/idle-$side.uapi"
}

# CPU time (user + system, in clock ticks) that process $1 has used so far.
cpu_ticks()
{
	# The command name may hold spaces: count fields after its closing parenthesis.
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'
}

# Median round trip in ms of 40 pings over the idle path from side a to $1 (the median, because a
# shared machine's scheduling throws a few pings out by milliseconds).
ping_median()
{
	wgt_in a ping -c 40 -i 0.02 -W 2 "$1" 2>/dev/null |
		sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | median
}

# Every pair is set up first and the runs are interleaved (run 1 of each pair, then run 2, ...), so
# that a change in the machine's background load spreads over all pairs instead of favouring one.
declare -A result
declare -a tags dirs
select_pair()
{
	WGT_TAG=${tags[$1]} WGT_DIR=${dirs[$1]}
	SIDE_PUB_b=$(cat "$WGT_DIR/pub-b" 2>/dev/null)
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

# The address iperf3 and ping aim at for pair $1: the far end of the tunnel, or of the veth.
target_of()
{
	if [ "$1" = veth ]; then wgt_outer4 b; else wgt_inner4 b; fi
}

n=0
clk_tck=$(getconf CLK_TCK)
for pair in $pairs; do
	n=$((n + 1))
	wgt_init "b$n"
	tags[$n]=$WGT_TAG dirs[$n]=$WGT_DIR
	trap cleanup_all EXIT
	if [ "$pair" = veth ]; then
		for side in a b; do
			wgt_in "$side" ip link set "${WGT_PREFIX}${WGT_TAG}v$side" mtu 1420
		done
	else
		a=${pair%-*} b=${pair#*-}
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
		for side in a b; do
			eval "kind=\$$side"
			[ "$kind" = hwgidle ] || continue
			add_idle_peers "$side" "$idle_peers"
			read -r set_s set_max set_lost <"$WGT_DIR/idle-set-$side"
			printf '%-11s side %s: %d idle peers added in %s s; ping every 10 ms meanwhile: max %s ms, %s lost\n' \
				"$pair" "$side" "$idle_peers" "$set_s" "$set_max" "$set_lost"
			result[$pair.set.$side]="$set_s s, ping max $set_max ms, $set_lost lost"
		done
		wgt_ping a b >/dev/null || wgt_fail "$pair: no connectivity after the idle peers"
	fi
	wgt_in b iperf3 -s -B "$(target_of "$pair")" >"$WGT_DIR/iperf-server.log" 2>&1 &
	wgt_wait_for wgt_in a bash -c "exec 3<>/dev/tcp/$(target_of "$pair")/5201" || wgt_fail "iperf3 server"
	: >"$WGT_DIR/rates"
done
sleep 0.5

for i in $(seq "$runs"); do
	k=0
	for pair in $pairs; do
		k=$((k + 1))
		select_pair "$k"
		rekeyer=""
		if [ "$rekeys" -gt 0 ] && [ "$pair" != veth ]; then
			force_rekeys "$rekeys" "$secs" &
			rekeyer=$!
		fi
		rtt=$(ping_median "$(target_of "$pair")")
		pid_a=$(cat "$WGT_DIR/a.pid" 2>/dev/null) pid_b=$(cat "$WGT_DIR/b.pid" 2>/dev/null)
		cpu0_a=$([ -n "$pid_a" ] && cpu_ticks "$pid_a") cpu0_b=$([ -n "$pid_b" ] && cpu_ticks "$pid_b")
		out=$(wgt_in a iperf3 -c "$(target_of "$pair")" -t "$secs" -P "$streams" -f m 2>&1)
		cpu1_a=$([ -n "$pid_a" ] && cpu_ticks "$pid_a") cpu1_b=$([ -n "$pid_b" ] && cpu_ticks "$pid_b")
		# Receiver rate; the sender's TCP retransmissions (the field after its rate) show loss.
		rate=$(awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i} END {print r}' <<<"$out")
		retr=$(awk '/sender/ {for (i = 1; i < NF; i++) if ($i == "Mbits/sec") r = $(i + 1)} END {print r}' <<<"$out")
		gb=$(iperf_received_gb <<<"$out")
		[ -n "$rekeyer" ] && wait "$rekeyer"
		[ -n "$rate" ] || rate=0
		echo "$rate" >>"$WGT_DIR/rates"
		echo "${retr:-0}" >>"$WGT_DIR/retr"
		echo "${rtt:-nan}" >>"$WGT_DIR/rtt"
		cpu=""
		if [ -n "$pid_a" ] && [ -n "$gb" ]; then
			# CPU seconds of each daemon per GB (10^9 bytes) the iperf3 receiver got.
			cpu=$(awk -v a0="$cpu0_a" -v a1="$cpu1_a" -v b0="$cpu0_b" -v b1="$cpu1_b" -v gb="$gb" -v hz="$clk_tck" \
				'BEGIN {if (gb > 0) printf "%.3f %.3f", (a1 - a0) / hz / gb, (b1 - b0) / hz / gb}')
			echo "$cpu" >>"$WGT_DIR/cpu"
		fi
		printf '%-11s run %d/%d: %8.1f Mbit/s, %s retransmissions, ping %s ms%s\n' "$pair" "$i" "$runs" \
			"$rate" "${retr:-?}" "${rtt:-?}" "${cpu:+, CPU s/GB a b: $cpu}"
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
	result[$pair.rtt]=$(median <"$WGT_DIR/rtt")
	if [ -s "$WGT_DIR/cpu" ]; then
		result[$pair.cpua]=$(awk '{print $1}' "$WGT_DIR/cpu" | median)
		result[$pair.cpub]=$(awk '{print $2}' "$WGT_DIR/cpu" | median)
		result[$pair.cpu]=$(awk '{print $1 + $2}' "$WGT_DIR/cpu" | median)
	fi
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
case "$pairs" in *hwgidle*) echo "hwgidle: hwguard with $idle_peers idle peers" ;; esac
for name in "${!others[@]}"; do echo "$name: ${others[$name]}"; done
[ "$rekeys" -gt 0 ] && echo "$rekeys forced handshakes per run (side a re-adds its peer)"
printf '%-11s %9s %9s %9s %9s %8s   %s\n' pair "median" min max "retr/run" "ping ms" \
	"CPU s/GB: a (sends) + b (receives) = both"
for pair in $pairs; do
	cpu=""
	[ -n "${result[$pair.cpu]:-}" ] &&
		cpu="${result[$pair.cpua]} + ${result[$pair.cpub]} = ${result[$pair.cpu]}"
	printf '%-11s %9s %9s %9s %9s %8s   %s%s\n' "$pair" "${result[$pair]}" "${result[$pair.min]}" \
		"${result[$pair.max]}" "${result[$pair.retr]}" "${result[$pair.rtt]}" "${cpu:--}" \
		"${result[$pair.ecdh]:+  (chip ECDHs: ${result[$pair.ecdh]})}"
done
echo "(Mbit/s; ping: median over the runs of each run's median of 40 pings over the idle path)"
for pair in $pairs; do
	for side in a b; do
		[ -n "${result[$pair.set.$side]:-}" ] &&
			echo "$pair side $side: $idle_peers idle peers set in ${result[$pair.set.$side]}"
	done
done
ratio()
{
	awk -v p="$1" -v q="$2" -v x="$3" -v r="$4" -v what="$5" \
		'BEGIN {if (r > 0 && x != "nan") printf "ratio %s / %s%s: %.2f\n", p, q, what, x / r}'
}
ref=${result[wggo-wggo]:-}
for pair in $pairs; do
	case "$pair" in wggo-wggo | veth) continue ;; esac
	[ -n "$ref" ] && ratio "$pair" wggo-wggo "${result[$pair]}" "$ref" ""
	[ -n "${result[veth]:-}" ] && ratio "$pair" veth "${result[$pair]}" "${result[veth]}" ""
done
# CPU per GB against wireguard-go's and the base build's (lower is better: these are costs).
for ref_pair in wggo-wggo base-base; do
	[ -n "${result[$ref_pair.cpu]:-}" ] || continue
	for pair in $pairs; do
		[ "$pair" = "$ref_pair" ] || [ -z "${result[$pair.cpu]:-}" ] && continue
		ratio "$ref_pair" "$pair" "${result[$ref_pair.cpu]}" "${result[$pair.cpu]}" " CPU s/GB, both daemons"
	done
done
# Idle peers against none, in the same invocation.
for pair in $pairs; do
	case "$pair" in *hwgidle*) ;; *) continue ;; esac
	plain=$(echo "$pair" | sed 's/hwgidle/hwg/g')
	[ -n "${result[$plain]:-}" ] || continue
	ratio "$pair" "$plain" "${result[$pair]}" "${result[$plain]}" " throughput"
	ratio "$pair" "$plain" "${result[$pair.rtt]}" "${result[$plain.rtt]}" " ping"
done
# The SE050 against the software key for the same pair shape (hwgse-X against hwg-X, and so on).
for pair in $pairs; do
	case "$pair" in *hwgse*) ;; *) continue ;; esac
	soft=$(echo "$pair" | sed 's/hwgse/hwg/g')
	[ -n "${result[$soft]:-}" ] || continue
	awk -v p="$pair" -v s="$soft" -v x="${result[$pair]}" -v r="${result[$soft]}" \
		'BEGIN {if (r > 0) printf "ratio %s / %s (SE050 / software key): %.3f\n", p, s, x / r}'
done
