#!/bin/sh
# Two `pufauth serve` processes on one store; many devices authenticate through either at random,
# several at a time, while a device is enrolled and another revoked through the CLI; one server is
# killed with SIGKILL mid-run, while it holds committed updates it has not answered yet (a test
# hook makes it wait between commit and reply), and the devices carry on through the survivor.
# Afterwards no device may be lost: every one must authenticate twice in a row. On PostgreSQL the
# database then goes away for a moment: the server must say why it cannot commit, and recover.
#
# usage: pufauth_fleet.sh sqlite|postgres   (HWG_BIN: the directory of pufauth)
#   postgres: a private PostgreSQL server in a temporary directory (tests/pufserver/pg_lib.sh),
#   and the store's unit test (pufserver_store) run once more against it.
set -eu
MODE=${1:-sqlite}
P="$HWG_BIN/pufauth"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/pp-fleet-XXXXXX)
A= B=
. "$HERE/pg_lib.sh"
cleanup() {
	for pid in $A $B; do kill "$pid" 2>/dev/null || true; done
	for pid in $A $B; do wait "$pid" 2>/dev/null || true; done
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/a.log "$T"/b.log; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done
	exit 1
}

case "$MODE" in
postgres)
	pg_start
	pg_createdb fleet
	pg_createdb unit
	DB=$(pg_uri fleet)
	PUFAUTH_TEST_STORE=$(pg_uri unit) "$HWG_BIN/../tests/pufserver_store" >"$T/unit.log" 2>&1 ||
		{ cat "$T/unit.log"; fail "the store's unit test on PostgreSQL"; }
	;;
sqlite) DB=$T/fleet.db ;;
*) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

N=16
i=0
while [ $i -lt $N ]; do
	sec=128; [ $((i % 4)) = 3 ] && sec=64
	"$P" enroll --db "$DB" --state "$T/d$i.state" --sim-seed $((500 + i)) --name "d$i" \
		--security $sec >/dev/null || fail "enroll d$i"
	i=$((i + 1))
done
if [ "$MODE" = sqlite ]; then
	[ "$(stat -c %a "$DB")" = 600 ] || fail "the store was created with mode $(stat -c %a "$DB")"
fi

# start_server NAME [ENV...]: starts pufauth serve in the background; sets $PID_<name>, $PORT_<name>
start_server() {
	name=$1; shift
	env "$@" "$P" serve --db "$DB" --listen 127.0.0.1:0 2>"$T/$name.log" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/$name.log")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || fail "server $name did not start"
		sleep 0.1
	done
	[ -n "$port" ] || fail "server $name did not start"
	eval "PID_$name=$pid PORT_$name=$port"
}
# A waits 200 ms between each commit and its reply: a kill then finds committed, unanswered work.
start_server a PUFAUTH_TEST_COMMIT_DELAY_MS=200
start_server b
A=$PID_a B=$PID_b

# auth DEVICE SERVER: one run in the background; its exit status lands in $T/st.DEVICE
auth() {
	( set +e
	  "$P" auth --state "$T/d$1.state" --server "127.0.0.1:$2" --timeout 3000 --tries 1 \
		>/dev/null 2>>"$T/auth.log"
	  echo $? >>"$T/st.$1" ) &
	JOBS="$JOBS $!"
}

# eight devices at a time, each through a random server while both live, then through the survivor
rounds=7 kill_round=3 cut=0 ok=0
r=0
while [ $r -lt $rounds ]; do
	picked=$(shuf -i 0-$((N - 1)) -n 8)
	JOBS=
	for d in $picked; do
		# the kill round goes all to the server about to die: its replies leave 200 ms
		# apart after one commit for all, so a kill 0.3-0.9 s in finds some committed and
		# not yet answered
		if [ $r = $kill_round ] || { [ -n "$A" ] && [ $(shuf -i 0-1 -n 1) = 0 ]; }; then
			auth "$d" "$PORT_a"
		else
			auth "$d" "$PORT_b"
		fi
	done
	if [ $r = $kill_round ]; then
		sleep 0.$(shuf -i 3-9 -n 1)
		kill -9 "$A"
		wait "$A" 2>/dev/null || true
		A=
	fi
	for j in $JOBS; do wait "$j"; done
	if [ $r = 2 ]; then
		# a device enrolled and another revoked while both servers run: both servers see it
		"$P" enroll --db "$DB" --state "$T/late.state" --sim-seed 999 --name late >/dev/null ||
			fail "enroll while serving"
		"$P" revoke --db "$DB" d1 >/dev/null || fail "revoke while serving"
		for port in "$PORT_a" "$PORT_b"; do
			"$P" auth --state "$T/late.state" --server "127.0.0.1:$port" >/dev/null \
				2>>"$T/auth.log" || fail "a device enrolled while serving, through $port"
			set +e
			"$P" auth --state "$T/d1.state" --server "127.0.0.1:$port" >/dev/null 2>&1
			s=$?
			set -e
			[ $s = 1 ] || fail "revoked d1 through $port: exit status $s"
		done
	fi
	r=$((r + 1))
done
for f in "$T"/st.*; do
	while read -r s; do
		case "$s" in
		0) ok=$((ok + 1)) ;;
		3) cut=$((cut + 1)) ;; # through the killed server: no answer, state kept
		1) [ "$f" = "$T/st.1" ] || fail "$(basename "$f"): rejected during the run" ;;
		*) fail "$(basename "$f"): exit status $s during the run" ;;
		esac
	done <"$f"
done
echo "runs: $ok authenticated, $cut cut off by the killed server"
[ $ok -gt 16 ] || fail "too few runs authenticated ($ok)"
[ $cut -gt 0 ] || fail "the kill cut off no run"

# No device lost: each authenticates twice in a row through the survivor (the revoked one never);
# the devices in parallel, each device's two runs one after the other.
check() {
	for k in 1 2; do
		set +e
		"$P" auth --state "$T/$1.state" --server "127.0.0.1:$PORT_b" --timeout 5000 \
			>/dev/null 2>>"$T/auth.log"
		s=$?
		set -e
		echo "$k $s" >>"$T/final.$1"
	done
}
JOBS=
for name in $(seq -f 'd%g' 0 $((N - 1))) late; do
	check "$name" &
	JOBS="$JOBS $!"
done
for j in $JOBS; do wait "$j"; done
for name in $(seq -f 'd%g' 0 $((N - 1))) late; do
	while read -r k s; do
		if [ "$name" = d1 ]; then
			[ "$s" = 1 ] || fail "revoked d1 got exit status $s"
		else
			[ "$s" = 0 ] || fail "$name cannot authenticate after the kill (exit $s, run $k)"
		fi
	done <"$T/final.$name"
	[ "$(wc -l <"$T/final.$name")" = 2 ] || fail "$name: runs missing"
done
if [ "$MODE" = postgres ]; then
	# the database goes away: the server cannot commit, says why, answers "not recognised"; the
	# device keeps its key and authenticates once the database is back
	pg_down
	set +e
	"$P" auth --state "$T/d0.state" --server "127.0.0.1:$PORT_b" --timeout 5000 >/dev/null 2>&1
	s=$?
	set -e
	[ $s = 1 ] || fail "auth while the database is down: exit status $s"
	grep -q "cannot record the authentication of device" "$T/b.log" ||
		fail "the failed commit was not logged: $(tail -3 "$T/b.log")"
	pg_up
	"$P" auth --state "$T/d0.state" --server "127.0.0.1:$PORT_b" --timeout 5000 >/dev/null \
		2>>"$T/auth.log" || fail "auth once the database is back"
	kill "$B"; wait "$B" 2>/dev/null || true; B=
	grep -q " 1 store errors" "$T/b.log" || fail "server b: $(tail -1 "$T/b.log")"
else
	kill "$B"; wait "$B" 2>/dev/null || true; B=
	grep -q " 0 store errors" "$T/b.log" || fail "server b: $(tail -1 "$T/b.log")"
fi
echo "pufauth fleet ($MODE): ok"
