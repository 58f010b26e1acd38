#!/bin/bash
# A software key does not end up in a core dump (docs/daemon.md "Keys in memory"):
#  1. after handshakes both ways with wireguard-go, wg showconf and wg show, the private key (raw,
#     clamped, hex, base64) is found in the daemon's memory only on MADV_DONTDUMP pages: memscan.py
#     reads every mapping through /proc/PID/mem and splits them as the kernel's core dump does;
#     it must find the key there (so the scan works) and nowhere else;
#  2. after `wg set private-key` with a new key, the old key is nowhere in the daemon's memory;
#  3. the daemon is non-dumpable: with core files enabled (ulimit -c) in a directory, a dumpable
#     process killed by SIGSEGV leaves a core there and hwguard leaves none (skipped when the
#     kernel pipes cores to a program, where no file would appear either way);
#  4. being non-dumpable does not change how `wg` reaches it: the socket is still root's, 0700.
. "$(dirname "$0")/lib.sh"
wgt_require hwguard wireguard-go
scan="$(dirname "$0")/memscan.py"
wgt_init km
ifa=$(wgt_if a)

wgt_start a hwguard
wgt_start b wireguard-go
wgt_config_pair 4
pid=$(cat "$WGT_DIR/a.pid")
wgt_ping a b || wgt_fail "ping a->b"
wgt_in b wg set "$(wgt_if b)" private-key "$(wgt_key b)" # b forgets its sessions
wgt_ping b a || wgt_fail "ping b->a (a as responder)"
wg showconf "$ifa" >/dev/null && wg show "$ifa" >/dev/null || wgt_fail "wg"

# 1. Where the key is.
out=$("$WGT_PYTHON" "$scan" "$pid" "$(cat "$(wgt_key a)")") || wgt_fail "memscan: $out"
wgt_log "private key copies: $out"
echo "$out" | grep -q "^dumped=0 " || wgt_fail "the private key is in memory a core dump includes: $out"
echo "$out" | grep -qE "excluded=[1-9]" || wgt_fail "the scan did not find the key at all: $out"

# 2. A replaced key is wiped.
old=$(cat "$(wgt_key a)")
(umask 077 && wg genkey >"$WGT_DIR/new.key")
wg set "$ifa" private-key "$WGT_DIR/new.key" || wgt_fail "wg set private-key"
wg showconf "$ifa" >/dev/null
out=$("$WGT_PYTHON" "$scan" "$pid" "$old")
[ "$out" = "dumped=0 excluded=0" ] || wgt_fail "the replaced key is still in memory: $out"
out=$("$WGT_PYTHON" "$scan" "$pid" "$(cat "$WGT_DIR/new.key")")
echo "$out" | grep -q "^dumped=0 excluded=[1-9]" || wgt_fail "the new key: $out"

# 4. The socket is as before.
[ "$(stat -c '%U %a' "/var/run/wireguard/$ifa.sock")" = "root 700" ] ||
	wgt_fail "socket owner/mode: $(stat -c '%U %a' "/var/run/wireguard/$ifa.sock")"

# 3. No core file.
pattern=$(cat /proc/sys/kernel/core_pattern)
case "$pattern" in
"|"*) wgt_log "core_pattern pipes to a program: the core-file check is skipped" ;;
*)
	mkdir "$WGT_DIR/cores"
	(cd "$WGT_DIR/cores" && ulimit -c unlimited && exec sleep 30) &
	control=$!
	sleep 0.2
	kill -SEGV "$control"
	wait "$control" 2>/dev/null
	if [ -z "$(ls "$WGT_DIR/cores")" ]; then
		wgt_log "no core from a dumpable process here ($pattern): the core-file check is skipped"
	else
		rm -f "$WGT_DIR/cores"/*
		ifc="${WGT_PREFIX}${WGT_TAG}c"
		(cd "$WGT_DIR/cores" && ulimit -c unlimited &&
			exec ip netns exec "$(wgt_ns a)" env HWGUARD_STATE_DIR="$WGT_DIR/state-c" \
				"$(wgt_impl_path hwguard)" -f "$ifc" >>"$WGT_DIR/c.log" 2>&1) &
		victim=$!
		wgt_wait_for wgt_socket_ready "$ifc" || wgt_fail "second daemon"
		wg set "$ifc" private-key "$WGT_DIR/new.key"
		kill -SEGV "$victim"
		wait "$victim" 2>/dev/null
		rm -f "/var/run/wireguard/$ifc.sock"
		[ -z "$(ls "$WGT_DIR/cores")" ] || wgt_fail "hwguard left a core file: $(ls "$WGT_DIR/cores")"
	fi
	;;
esac
wgt_pass
