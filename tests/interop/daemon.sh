#!/bin/bash
# hwguard's life cycle as wg-quick and systemd rely on it (wireguard-reference.md §2.1/§2.2):
# the parent returns 0 only once the interface and the socket exist; the socket is srwx------ in a
# 0755 directory; a second daemon for the same name is refused; a stale socket is replaced; the
# daemon exits on `ip link del`, on deletion of its socket file, and on SIGTERM; bad names and
# options get clear messages.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard
hwg=$(wgt_impl_path hwguard)
wgt_init dl
ifa=$(wgt_if a)
sock=/var/run/wireguard/$ifa.sock

"$hwg" --version | grep -q '^hwguard [0-9]' || wgt_fail "--version"
"$hwg" --help | grep -q 'Usage: hwguard' || wgt_fail "--help"
out=$("$hwg" abcdefghijklmnop 2>&1) && wgt_fail "a 16-character name was accepted"
echo "$out" | grep -q "invalid interface name" || wgt_fail "message for a long name: $out"
out=$("$hwg" --bogus x 2>&1) && wgt_fail "an unknown option was accepted"
"$hwg" >/dev/null 2>&1 && wgt_fail "no interface name was accepted"

daemon_pid()
{
	ip netns pids "$(wgt_ns a)" | while read -r p; do
		grep -q hwguard "/proc/$p/cmdline" 2>/dev/null && echo "$p"
	done | head -n 1
}

# Background start: both objects exist when the command returns.
wgt_in a "$hwg" "$ifa" || wgt_fail "hwguard $ifa did not exit 0"
[ -S "$sock" ] || wgt_fail "no socket right after the parent exited"
wgt_in a ip link show "$ifa" >/dev/null || wgt_fail "no interface right after the parent exited"
[ "$(stat -c %a "$sock")" = 700 ] || wgt_fail "socket mode $(stat -c %a "$sock")"
# The directory is shared with every other daemon (and wg-quick's umask 077 makes it 0700), so
# the property checked is the one that matters: nobody but root can write into it.
dirmode=$(stat -c %a /var/run/wireguard)
[ $((8#$dirmode & 8#022)) -eq 0 ] || wgt_fail "directory mode $dirmode is group- or world-writable"
[ "$(wgt_in a cat "/sys/class/net/$ifa/mtu")" = 1420 ] || wgt_fail "default MTU"
pid=$(daemon_pid)
[ -n "$pid" ] || wgt_fail "no daemon process"
wgt_in a wg show "$ifa" >/dev/null || wgt_fail "wg show on the background daemon"

# A second daemon for the same interface is refused and leaves the first alone.
out=$(wgt_in a "$hwg" -f "$ifa" 2>&1) && wgt_fail "a second daemon started"
echo "$out" | grep -qi "already" || wgt_fail "message for a busy socket: $out"
wgt_in a wg show "$ifa" >/dev/null || wgt_fail "the first daemon stopped answering"

# ip link del ends it, and it cleans its socket up.
wgt_in a ip link del "$ifa" || wgt_fail "ip link del"
wgt_wait_for wgt_gone "$pid" || wgt_fail "daemon survived ip link del"
[ ! -e "$sock" ] || wgt_fail "socket left after ip link del"

# A stale socket file (nobody listening) is replaced.
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$sock')" 2>/dev/null ||
	wgt_fail "cannot create a stale socket"
wgt_in a "$hwg" "$ifa" || wgt_fail "start over a stale socket"
pid=$(daemon_pid)
wgt_in a wg show "$ifa" >/dev/null || wgt_fail "daemon over a stale socket does not answer"

# Deleting the socket file ends it, and the interface goes with it.
rm -f "$sock"
wgt_wait_for wgt_gone "$pid" || wgt_fail "daemon survived deletion of its socket"
! wgt_in a ip link show "$ifa" >/dev/null 2>&1 || wgt_fail "interface left after socket deletion"

# SIGTERM ends it cleanly.
wgt_in a "$hwg" "$ifa" || wgt_fail "restart"
pid=$(daemon_pid)
kill -TERM "$pid"
wgt_wait_for wgt_gone "$pid" || wgt_fail "daemon survived SIGTERM"
[ ! -e "$sock" ] || wgt_fail "socket left after SIGTERM"

# Without LOG_LEVEL the background daemon writes nothing; with it, it logs.
out=$(wgt_in a env -u LOG_LEVEL "$hwg" "$ifa" 2>&1)
[ -z "$out" ] || wgt_fail "output without LOG_LEVEL: $out"
pid=$(daemon_pid)
kill "$pid"
wgt_wait_for wgt_gone "$pid" || wgt_fail "stop"
out=$(wgt_in a env LOG_LEVEL=bogus "$hwg" "$ifa" 2>&1) && wgt_fail "LOG_LEVEL=bogus accepted"

# Not root: refused with a message that says so.
wgt_need setpriv util-linux
out=$(wgt_in a setpriv --reuid 65534 --regid 65534 --clear-groups "$hwg" -f "$ifa" 2>&1) &&
	wgt_fail "started without privileges"
echo "$out" | grep -q "root" || wgt_fail "message without privileges: $out"
wgt_pass
