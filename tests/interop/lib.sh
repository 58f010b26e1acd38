# shellcheck shell=bash
# Shared helpers for the interop tests: two network namespaces joined by a veth pair, a WireGuard
# implementation in each, and a trap that removes everything even when a test fails.
#
# Usage (in a test script):
#   . "$(dirname "$0")/lib.sh"
#   wgt_init TAG            # TAG: 2-4 lowercase letters, unique per test (names stay <= 15 chars)
#   wgt_start a IMPL        # IMPL: a path, "hwguard" or "wireguard-go"
#   wgt_start b IMPL
#   wgt_config_pair         # keys, endpoints, allowed IPs, addresses, links up
#   wgt_ping a b            # inner IPv4 ping from a to b
#   wgt_pass                # exit 0
#
# Names: namespaces "${WGT_PREFIX}TAG-a"/"-b", veths "${WGT_PREFIX}TAGva"/"vb", WireGuard interfaces
# "${WGT_PREFIX}TAGa"/"b" (the UAPI socket lives in the shared /var/run/wireguard, so the two ends must
# have different names). WGT_PREFIX defaults to "hwg"; set it to run two copies of the suite side by side.
#
# Addresses: outer 192.0.2.1-2/24 and 2001:db8:77::1-2/64 on the veth; inner 10.77.0.1-2/24 and
# fd77::1-2/64 on the WireGuard interfaces.

set -u

WGT_PREFIX=${WGT_PREFIX:-hwg}
WGT_SKIP=77
# The system's Python when there is one (a version manager's shim on PATH can take a second to
# start, which adds up in tests that run it often).
if [ -x /usr/bin/python3 ]; then WGT_PYTHON=/usr/bin/python3; else WGT_PYTHON=python3; fi
WGT_WAIT_S=${WGT_WAIT_S:-10}

wgt_log()
{
	printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${WGT_TAG:-?}" "$*" >&2
}

wgt_fail()
{
	wgt_log "FAIL: $*"
	wgt_dump
	exit 1
}

# Skips (exit 77, which CTest reports as "Not Run") only where this machine cannot run the test at
# all: not root, no TUN device, no network namespaces, or a kernel module that takes over. A missing
# tool is a failure that names the Debian package (scripts/deps.sh installs them all).
wgt_skip()
{
	wgt_log "SKIP: $*"
	exit "$WGT_SKIP"
}

# wgt_need COMMAND PACKAGE: fails unless COMMAND is installed.
wgt_need()
{
	command -v "$1" >/dev/null && return 0
	wgt_log "FAIL: needs $1: install the Debian package $2 (scripts/deps.sh installs it)"
	exit 1
}

# Resolves an implementation name to a command. "hwguard" is taken from $HWG_BIN (CTest sets it),
# then from PATH.
wgt_impl_path()
{
	case "$1" in
	hwguard)
		if [ -n "${HWG_BIN:-}" ] && [ -x "$HWG_BIN/hwguard" ]; then
			echo "$HWG_BIN/hwguard"
		else
			command -v hwguard || true
		fi
		;;
	wireguard-go) command -v wireguard-go || true ;;
	*) echo "$1" ;;
	esac
}

# The hwguard a benchmark runs by default: $HWG_BIN/hwguard, else this tree's build/bin/hwguard, else
# the one on PATH; prints nothing when there is none.
wgt_find_hwguard()
{
	local c root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	for c in "${HWG_BIN:-}/hwguard" "$root/build/bin/hwguard" "$(command -v hwguard 2>/dev/null)"; do
		[ -x "$c" ] && echo "$c" && return 0
	done
	return 0
}

# Checks what every interop test needs: root, TUN, network namespaces (skips without them: the
# environment cannot run the test), the tools (fails without them, naming the package) and every
# named implementation (fails: a build problem or a missing package).
wgt_require()
{
	[ "$(id -u)" = 0 ] || wgt_skip "needs root (network namespaces and TUN devices)"
	[ -c /dev/net/tun ] || wgt_skip "needs /dev/net/tun (a kernel or container without TUN)"
	wgt_need ip iproute2
	ip netns list >/dev/null 2>&1 || wgt_skip "ip netns does not work here (no permission to mount /run/netns?)"
	wgt_need wg wireguard-tools
	wgt_need ping iputils-ping
	wgt_need python3 python3
	local impl p
	for impl in "$@"; do
		p=$(wgt_impl_path "$impl")
		if [ -z "$p" ] || [ ! -x "$p" ]; then
			case "$impl" in
			wireguard-go) wgt_need wireguard-go wireguard-go ;;
			hwguard) wgt_log "FAIL: hwguard not found: build it (HWG_BIN=${HWG_BIN:-unset}) or install it" ;;
			*) wgt_log "FAIL: implementation '$impl' not found" ;;
			esac
			exit 1
		fi
	done
}

# wgt_need_se050_tools: fails unless se050-emu and hwguard-key were built next to hwguard (the
# tests of the SE050 path need both); sets WGT_BIN to that folder.
wgt_need_se050_tools()
{
	WGT_BIN=$(dirname "$(wgt_impl_path hwguard)")
	if [ ! -x "$WGT_BIN/se050-emu" ] || [ ! -x "$WGT_BIN/hwguard-key" ]; then
		wgt_fail "se050-emu and hwguard-key are not built next to hwguard ($WGT_BIN)"
	fi
}

wgt_ns()
{
	echo "${WGT_PREFIX}${WGT_TAG}-$1"
}

wgt_if()
{
	echo "${WGT_PREFIX}${WGT_TAG}$1"
}

# Runs a command inside side $1's namespace.
wgt_in()
{
	local side=$1
	shift
	ip netns exec "$(wgt_ns "$side")" "$@"
}

wgt_outer4()
{
	case "$1" in a) echo 192.0.2.1 ;; b) echo 192.0.2.2 ;; esac
}

wgt_outer6()
{
	case "$1" in a) echo 2001:db8:77::1 ;; b) echo 2001:db8:77::2 ;; esac
}

# (c and d: extra namespaces that side a's interface may be moved into, see wgt_add_ns)
wgt_inner4()
{
	case "$1" in a | c | d) echo 10.77.0.1 ;; b) echo 10.77.0.2 ;; esac
}

wgt_inner6()
{
	case "$1" in a) echo fd77::1 ;; b) echo fd77::2 ;; esac
}

wgt_other()
{
	case "$1" in a) echo b ;; b) echo a ;; esac
}

# wgt_add_ns SIDE: one more namespace "${WGT_PREFIX}TAG-SIDE" (lo up), removed by the cleanup
# trap like a and b (a test that moves an interface into a container's namespace).
WGT_EXTRA_NS=""
wgt_add_ns()
{
	ip netns del "$(wgt_ns "$1")" 2>/dev/null
	ip netns add "$(wgt_ns "$1")" || wgt_fail "ip netns add $1"
	WGT_EXTRA_NS="$WGT_EXTRA_NS $1"
	wgt_in "$1" ip link set lo up
}

# Stops everything wgt_init and wgt_start created (without exiting).
wgt_teardown()
{
	local side pid
	for side in $WGT_EXTRA_NS; do
		ip netns del "$(wgt_ns "$side")" 2>/dev/null
	done
	for side in a b; do
		pid=$(cat "$WGT_DIR/$side.pid" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		# Daemonised implementations: end what still runs inside our namespaces, by process id.
		for pid in $(ip netns pids "$(wgt_ns "$side")" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	# Give them time to exit on their own (a sanitizer build reports leaks at exit).
	local deadline=$((SECONDS + 5))
	for side in a b; do
		while [ -n "$(ip netns pids "$(wgt_ns "$side")" 2>/dev/null)" ] && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.1
		done
	done
	for side in a b; do
		for pid in $(ip netns pids "$(wgt_ns "$side")" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$(wgt_ns "$side")" 2>/dev/null
		rm -f "/var/run/wireguard/$(wgt_if "$side").sock"
	done
}

wgt_cleanup()
{
	local rc=$?
	set +e
	wgt_teardown
	# A sanitizer report from a daemon fails the test even when the traffic got through.
	if [ "$rc" = 0 ] && grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		"$WGT_DIR"/*.log >/dev/null 2>&1; then
		wgt_log "FAIL: sanitizer report in a daemon log"
		rc=1
	fi
	if [ "$rc" != 0 ] && [ "$rc" != "$WGT_SKIP" ] && [ -d "$WGT_DIR" ]; then
		for f in "$WGT_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 30 lines)" >&2
			tail -n 30 "$f" >&2
		done
	fi
	rm -rf "$WGT_DIR"
	exit "$rc"
}

# Creates the namespaces and the veth pair, and installs the cleanup trap.
wgt_init()
{
	WGT_TAG=$1
	WGT_DIR=$(mktemp -d "/tmp/${WGT_PREFIX}-interop-${WGT_TAG}.XXXXXX")
	# Every hwguard a test starts (also through wg-quick) keeps its state here, not in the
	# host's /var/lib/hwguard.
	export HWGUARD_STATE_DIR="$WGT_DIR/state"
	trap wgt_cleanup EXIT
	trap 'exit 130' INT TERM
	local side
	for side in a b; do
		ip netns del "$(wgt_ns "$side")" 2>/dev/null
		ip netns add "$(wgt_ns "$side")" || wgt_fail "ip netns add"
		wgt_in "$side" ip link set lo up
	done
	ip link add "${WGT_PREFIX}${WGT_TAG}va" netns "$(wgt_ns a)" type veth \
		peer name "${WGT_PREFIX}${WGT_TAG}vb" netns "$(wgt_ns b)" || wgt_fail "veth"
	for side in a b; do
		local veth="${WGT_PREFIX}${WGT_TAG}v$side"
		wgt_in "$side" ip addr add "$(wgt_outer4 "$side")/24" dev "$veth"
		wgt_in "$side" ip addr add "$(wgt_outer6 "$side")/64" dev "$veth" nodad
		wgt_in "$side" ip link set "$veth" up
	done
}

# wgt_two_sides IMPL_A IMPL_B TAG: the start of a test between two implementations: checks the
# machine, creates the namespaces and starts IMPL_A on side a and IMPL_B on side b.
wgt_two_sides()
{
	wgt_require "$1" "$2"
	wgt_init "$3"
	wgt_start a "$1"
	wgt_start b "$2"
}

# Waits up to WGT_WAIT_S seconds for a command to succeed.
wgt_wait_for()
{
	local deadline=$((SECONDS + WGT_WAIT_S))
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

wgt_socket_ready()
{
	[ -S "/var/run/wireguard/$1.sock" ] && wg show "$1" >/dev/null 2>&1
}

# Starts implementation $2 on side $1 in the foreground (so we hold its pid); its output goes to
# $WGT_DIR/$1.log. LOG_LEVEL defaults to verbose. hwguard keeps its state (the handshake
# timestamp mark) in $WGT_DIR/state-SIDE, not in the host's /var/lib/hwguard; WGT_START_ENV may
# hold more NAME=VALUE words for the daemon's environment.
wgt_start()
{
	local side=$1 impl=$2 path ifname
	path=$(wgt_impl_path "$impl")
	ifname=$(wgt_if "$side")
	eval "WGT_IMPL_$side=\$impl"
	# exec, so that $! is the daemon itself and not a subshell around it
	# shellcheck disable=SC2086 # WGT_START_ENV is a list of words
	(exec ip netns exec "$(wgt_ns "$side")" env LOG_LEVEL="${LOG_LEVEL:-verbose}" \
		HWGUARD_STATE_DIR="$WGT_DIR/state-$side" ${WGT_START_ENV:-} "$path" -f \
		"$ifname" >>"$WGT_DIR/$side.log" 2>&1) &
	echo $! >"$WGT_DIR/$side.pid"
	wgt_wait_for wgt_socket_ready "$ifname" || wgt_fail "$impl on side $side did not create its socket"
}

# Stops side $1's daemon and waits until its socket and interface are gone.
wgt_stop()
{
	local side=$1 pid
	pid=$(cat "$WGT_DIR/$side.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wgt_wait_for wgt_gone "$pid" || wgt_fail "daemon on side $side did not exit on SIGTERM"
	rm -f "$WGT_DIR/$side.pid"
}

wgt_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# wgt_se050_emu SIDE EMU [ARGS...]: starts the emulator EMU (a se050-emu) with ARGS in SIDE's
# namespace, so that the teardown ends it with the daemon, and waits for its socket. Sets
# WGT_EMU_SOCK (the socket: $WGT_DIR/emu-SIDE.sock), WGT_EMU_LOG (its output, appended to by a
# restart) and WGT_EMU_PID.
wgt_se050_emu()
{
	local side=$1 emu=$2
	shift 2
	WGT_EMU_SOCK="$WGT_DIR/emu-$side.sock" WGT_EMU_LOG="$WGT_DIR/emu-$side.log"
	(exec ip netns exec "$(wgt_ns "$side")" "$emu" --socket "$WGT_EMU_SOCK" "$@" \
		>>"$WGT_EMU_LOG" 2>&1) &
	WGT_EMU_PID=$!
	wgt_wait_for test -S "$WGT_EMU_SOCK" || wgt_fail "se050-emu for side $side did not start"
}

# wgt_se050_chip_a HANDLE_FILE [EMU_ARGS...]: the SE050 of side a's hwguard (after
# wgt_need_se050_tools): wgt_se050_emu with EMU_ARGS on side a, HWGUARD_SE050_BUS exported to reach
# it, and a key generated in object 0x10000009, whose handle goes to HANDLE_FILE. Sets WGT_CHIP_PUB
# to the key's public half.
wgt_se050_chip_a()
{
	local handle=$1
	shift
	wgt_se050_emu a "$WGT_BIN/se050-emu" "$@"
	export HWGUARD_SE050_BUS="emu:$WGT_EMU_SOCK"
	"$WGT_BIN/hwguard-key" genkey --se050 0x10000009 >"$handle" || wgt_fail "genkey in the SE050"
	WGT_CHIP_PUB=$("$WGT_BIN/hwguard-key" pubkey <"$handle") || wgt_fail "public key from the SE050"
}

# wgt_emu_ecdh_count: how many ECDHs the emulator wgt_se050_emu started has run (it prints its
# counters on SIGUSR1).
wgt_emu_ecdh_count()
{
	local before
	before=$(grep -c 'ecdh=' "$WGT_EMU_LOG")
	kill -USR1 "$WGT_EMU_PID"
	wgt_wait_for test "$(grep -c 'ecdh=' "$WGT_EMU_LOG")" -gt "$before" || wgt_fail "emu counters"
	grep -o 'ecdh=[0-9]*' "$WGT_EMU_LOG" | tail -1 | cut -d= -f2
}

# Generates (once) and prints side $1's private key file path.
wgt_key()
{
	local f="$WGT_DIR/$1.key"
	[ -f "$f" ] || (umask 077 && wg genkey >"$f")
	echo "$f"
}

wgt_pub()
{
	wg pubkey <"$(wgt_key "$1")"
}

# The listen port of side a (51821) or b (51822).
wgt_port()
{
	case "$1" in a) echo 51821 ;; b) echo 51822 ;; esac
}

# Configures side $1 (key, port 51820+index, peer = other side with endpoint over outer family $2
# (4 or 6, default 4)), addresses, link up.
wgt_config_side()
{
	local side=$1 fam=${2:-4} other ep
	other=$(wgt_other "$side")
	if [ "$fam" = 6 ]; then
		ep="[$(wgt_outer6 "$other")]:$(wgt_port "$other")"
	else
		ep="$(wgt_outer4 "$other"):$(wgt_port "$other")"
	fi
	wgt_in "$side" wg set "$(wgt_if "$side")" private-key "$(wgt_key "$side")" \
		listen-port "$(wgt_port "$side")" peer "$(wgt_pub "$other")" endpoint "$ep" \
		allowed-ips "$(wgt_inner4 "$other")/32,$(wgt_inner6 "$other")/128" ||
		wgt_fail "wg set on side $side"
	wgt_in "$side" ip addr add "$(wgt_inner4 "$side")/24" dev "$(wgt_if "$side")"
	wgt_in "$side" ip addr add "$(wgt_inner6 "$side")/64" dev "$(wgt_if "$side")" nodad
	wgt_in "$side" ip link set "$(wgt_if "$side")" up
}

# wgt_config_v4 SIDE KEY_FILE PEER_PUBLIC_KEY: side's interface with the private key in KEY_FILE (a
# software key or an SE050 handle), listening on its port, with one peer PEER_PUBLIC_KEY at the other
# side's outer IPv4 address that is allowed the other side's inner IPv4 address; its own inner IPv4
# address; link up. (wgt_config_side: both address families, the keys of wgt_key.)
wgt_config_v4()
{
	local side=$1 key=$2 peer=$3 other
	other=$(wgt_other "$side")
	wgt_in "$side" wg set "$(wgt_if "$side")" private-key "$key" listen-port "$(wgt_port "$side")" \
		peer "$peer" endpoint "$(wgt_outer4 "$other"):$(wgt_port "$other")" \
		allowed-ips "$(wgt_inner4 "$other")/32" || wgt_fail "configure side $side"
	wgt_in "$side" ip addr add "$(wgt_inner4 "$side")/24" dev "$(wgt_if "$side")"
	wgt_in "$side" ip link set "$(wgt_if "$side")" up
}

# wgt_peer_section SIDE [ALLOWED_IPS]: SIDE as a [Peer] section of a wg config file: its public key,
# its outer IPv4 address and port, and ALLOWED_IPS (default: its inner IPv4 address).
wgt_peer_section()
{
	printf '[Peer]\nPublicKey = %s\nEndpoint = %s:%s\nAllowedIPs = %s\n' "$(wgt_pub "$1")" \
		"$(wgt_outer4 "$1")" "$(wgt_port "$1")" "${2:-$(wgt_inner4 "$1")/32}"
}

wgt_config_pair()
{
	wgt_config_side a "${1:-4}"
	wgt_config_side b "${1:-4}"
}

# wgt_ping FROM TO [4|6]: a few pings over the tunnel; the first may wait for the handshake.
wgt_ping()
{
	local from=$1 to=$2 fam=${3:-4} dst
	if [ "$fam" = 6 ]; then dst=$(wgt_inner6 "$to"); else dst=$(wgt_inner4 "$to"); fi
	wgt_in "$from" ping -"$fam" -c 3 -i 0.2 -W 5 -w 10 "$dst" >"$WGT_DIR/ping.out" 2>&1 ||
		{
			cat "$WGT_DIR/ping.out" >&2
			return 1
		}
	return 0
}

# wgt_no_ping FROM TO: succeeds when no ping gets through within a few seconds.
wgt_no_ping()
{
	! wgt_in "$1" ping -4 -c 2 -i 0.5 -W 1 -w 3 "$(wgt_inner4 "$2")" >/dev/null 2>&1
}

wgt_handshake_time()
{
	wgt_in "$1" wg show "$(wgt_if "$1")" latest-handshakes | awk '{print $2}'
}

wgt_dump()
{
	local side
	[ -n "${WGT_TAG:-}" ] || return 0 # failed before wgt_init: nothing to show
	for side in a b; do
		echo "---- side $side: wg show" >&2
		wgt_in "$side" wg show "$(wgt_if "$side")" >&2 2>&1
	done
}

wgt_pass()
{
	wgt_log "PASS"
	exit 0
}

# wgt_uapi IFNAME: sends stdin (a raw UAPI request) to the daemon's socket and prints the reply.
# Needs python3, which wgt_require checks (wgt_have_python is kept for the callers that ask).
wgt_have_python()
{
	wgt_need python3 python3
}

# A second argument waits that many seconds for the reply instead of 5 (a large set takes longer).
wgt_uapi()
{
	"$WGT_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[2]))
s.connect("/var/run/wireguard/%s.sock" % sys.argv[1])
s.sendall(sys.stdin.buffer.read())
out = b""
while not out.endswith(b"\n\n"):
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
' "$1" "${2:-5}"
}

# wgt_idle_peers_request N: prints a UAPI set that adds N peers which never send: random public
# keys, one /32 each in 10.128.0.0/9, no endpoint.
wgt_idle_peers_request()
{
	"$WGT_PYTHON" - "$1" <<'PY'
import os, sys
n = int(sys.argv[1])
out = ["set=1"]
for i in range(n):
    out.append("public_key=" + os.urandom(32).hex())
    out.append("allowed_ip=10.%d.%d.%d/32" % (128 + (i >> 16 & 127), i >> 8 & 255, i & 255))
sys.stdout.write("\n".join(out) + "\n\n")
PY
}

# wgt_tcp_transfer FROM TO [MB]: sends MB (default 8) megabytes of random data over TCP through the
# tunnel (inner IPv4) and checks that the receiver got exactly those bytes (SHA-256). Exercises
# large segments, TSO splitting and checksums on both daemons. Needs python3.
wgt_tcp_transfer()
{
	local from=$1 to=$2 mb=${3:-8} port=7777
	rm -f "$WGT_DIR/rx.sha" "$WGT_DIR/tx.sha" "$WGT_DIR/rx.ready"
	wgt_in "$to" timeout 60 python3 -c '
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
open(sys.argv[3] + ".ready", "w").write("1")
c, _ = s.accept()
h = hashlib.sha256()
while True:
    d = c.recv(1 << 16)
    if not d:
        break
    h.update(d)
open(sys.argv[3] + ".sha", "w").write(h.hexdigest())
' "$(wgt_inner4 "$to")" "$port" "$WGT_DIR/rx" &
	local server=$!
	wgt_wait_for test -s "$WGT_DIR/rx.ready" || return 1
	wgt_in "$from" timeout 60 python3 -c '
import hashlib, os, socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
h = hashlib.sha256()
for _ in range(int(sys.argv[3]) * 16):
    d = os.urandom(1 << 16)
    h.update(d)
    c.sendall(d)
c.close()
open(sys.argv[4], "w").write(h.hexdigest())
' "$(wgt_inner4 "$to")" "$port" "$mb" "$WGT_DIR/tx.sha" || return 1
	wait "$server" || return 1
	[ -s "$WGT_DIR/rx.sha" ] && cmp -s "$WGT_DIR/rx.sha" "$WGT_DIR/tx.sha"
}
