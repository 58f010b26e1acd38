#!/bin/bash
# A large `set` (100,000 peers: a 10 MB request, seconds of parsing and applying) is applied in
# slices between packet batches: pings through the tunnel keep being answered while it is read and
# applied (no gap of 1 s or more between replies; applied whole it stops the tunnel for seconds),
# a `get` sent meanwhile on another connection is answered after it and sees every peer (a 30 MB
# answer, read in full), and the tunnel still works afterwards.
# Usage: bigset.sh TAG   (BIGSET_PEERS overrides the number of peers)
. "$(dirname "$0")/lib.sh"
tag=${1:?tag} peers=${BIGSET_PEERS:-100000}
wgt_have_python || wgt_skip "needs python3"
wgt_two_sides hwguard hwguard "$tag"
wgt_config_pair 4
wgt_ping a b || wgt_fail "no tunnel"

wgt_idle_peers_request "$peers" >"$WGT_DIR/set.uapi"

# -D: every reply line carries its arrival time; exec: $! is ping itself.
(exec ip netns exec "$(wgt_ns a)" ping -D -i 0.02 -W 1 -w 300 "$(wgt_inner4 b)" >"$WGT_DIR/ping.log" 2>&1) &
pinger=$!
sleep 0.5
python3 - "$(wgt_if a)" "$WGT_DIR/set.uapi" "$peers" >"$WGT_DIR/times" <<'PY' || wgt_fail "set or get"
import socket, sys, time
path = "/var/run/wireguard/%s.sock" % sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(300)
    s.connect(path)
    return s
def reply(s):
    out = bytearray()
    while not out.endswith(b"\n\n"):
        d = s.recv(1 << 16)
        if not d:
            break
        out += d
    return bytes(out).decode()
setter, getter = conn(), conn()
start = time.time()
setter.sendall(open(sys.argv[2], "rb").read())
time.sleep(0.1)
getter.sendall(b"get=1\n\n")
r = reply(setter)
set_done = time.time()
if r != "errno=0\n\n":
    sys.exit("set answered %r" % r)
g = reply(getter)
get_done = time.time()
peers = g.count("\npublic_key=")
if peers != int(sys.argv[3]) + 1:
    sys.exit("get during the set saw %d peers" % peers)
if get_done < set_done:
    sys.exit("get answered before the set")
print(start, set_done)
PY
kill -INT "$pinger"
wait "$pinger"
read -r start set_done <"$WGT_DIR/times"
# Replies while the set was under way, and the longest gap between two replies that ends in it
# (or within 0.5 s after it).
read -r during gap < <(awk -v s="$start" -v e="$set_done" -F'[][]' '
	/bytes from/ { t = $2 + 0
		if (t > s && t < e) n++
		if (prev && t > s && t < e + 0.5 && t - prev > gap) gap = t - prev
		prev = t }
	END { printf "%d %.3f\n", n, gap }' "$WGT_DIR/ping.log")
wgt_log "set of $peers peers took $(awk -v s="$start" -v e="$set_done" 'BEGIN {printf "%.2f", e - s}') s; $during ping replies meanwhile, longest gap $gap s"
[ "$during" -ge 3 ] || wgt_fail "the tunnel stalled while the set was applied ($during ping replies)"
awk -v g="$gap" 'BEGIN {exit !(g < 1.0)}' || wgt_fail "the tunnel stalled for $gap s during the set"
wgt_ping a b || wgt_fail "no tunnel after the set"
wgt_pass
