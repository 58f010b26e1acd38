#!/bin/sh
# pufauth enroll/serve/auth/list/revoke end to end over UDP on 127.0.0.1, the exit statuses of
# `auth`, and clear errors for bad input: unknown server, corrupt and truncated state files, a
# FIFO, a missing store, bad options. The robustness items of issue 13, each reproduced: two
# overlapping runs on one state file, a run killed mid-commit, store file modes, foreign or empty
# store files, ports and seeds out of range, and (as root, in a private mount namespace) a store
# on a read-only or full file system.
set -eu
P="$HWG_BIN/pufauth"
T=$(mktemp -d /tmp/pp-cli-XXXXXX)
SRV= BG=
cleanup() {
	[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS PATTERN CMD...: runs CMD, checks its exit status and that stderr matches PATTERN
expect() {
	want=$1 pat=$2; shift 2
	set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
	[ "$got" = "$want" ] || { cat "$T/err"; fail "$* exited $got, expected $want"; }
	grep -q -- "$pat" "$T/err" "$T/out" || { cat "$T/err"; fail "$*: no '$pat' in output"; }
}
# wait_for FILE: up to 30 s
wait_for() {
	for _ in $(seq 1 300); do [ -e "$1" ] && return 0; sleep 0.1; done
	fail "timed out waiting for $1"
}
mode() { stat -c %a "$1"; }

"$P" enroll --help | grep -q "Usage: pufauth enroll"
"$P" auth --help | grep -q "5  the state file is in use"
"$P" bench --version | grep -q "pufauth"
"$P" enroll --db "$T/s.db" --state "$T/a.state" --sim-seed 11 --name alpha >/dev/null
"$P" enroll --db "$T/s.db" --state "$T/b.state" --sim-seed 12 --name beta --security 64 >/dev/null
"$P" enroll --db "$T/s.db" --state "$T/c.state" --sim-seed 13 --name gamma >/dev/null
"$P" enroll --db "$T/s.db" --state "$T/e.state" --sim-seed 0xffffffffffffffff --name epsilon >/dev/null
[ "$(mode "$T/s.db")" = 600 ] || fail "store created with mode $(mode "$T/s.db")"
expect 1 "already enrolled" "$P" enroll --db "$T/s.db" --state "$T/d.state" --sim-seed 14 --name alpha
[ ! -e "$T/d.state" ] || fail "a failed enrolment left a state file"
expect 1 "already exists" "$P" enroll --db "$T/s.db" --state "$T/a.state" --sim-seed 15 --name delta
expect 2 "need --db" "$P" enroll --state "$T/x.state" --sim-seed 1
expect 2 "unexpected argument 'extra'" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed 1 extra
expect 2 "security must be" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed 1 --security 80
expect 2 "not a number" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed abc
# 2^64 would saturate to 2^64 - 1, the seed of epsilon above: a clear error instead
expect 2 "not a number in 0..18446744073709551615" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed 18446744073709551616
expect 2 "not a number" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed -- -1
expect 1 "cannot open" "$P" enroll --db "$T/s.db" --state "$T/x.state" --dump "$T/nonexistent"
[ ! -e "$T/x.state" ] || fail "a failed enrolment left a state file"

expect 1 "port must be 0..65535" "$P" serve --db "$T/s.db" --listen 127.0.0.1:72000
"$P" serve --db "$T/s.db" --listen 127.0.0.1:0 2>"$T/serve.log" &
SRV=$!
for _ in $(seq 1 50); do
	grep -q "port" "$T/serve.log" 2>/dev/null && break
	sleep 0.2
done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.log")
[ -n "$PORT" ] || { cat "$T/serve.log"; fail "server did not start"; }
S=127.0.0.1:$PORT

for round in 1 2 3; do
	for d in a b c e; do
		"$P" auth --state "$T/$d.state" --server "$S" >/dev/null || fail "auth $d round $round"
	done
done
# the journal files hold keys too: same mode as the store
for f in "$T/s.db-wal" "$T/s.db-shm"; do
	[ ! -e "$f" ] || [ "$(mode "$f")" = 600 ] || fail "$f has mode $(mode "$f")"
done
cp "$T/a.state" "$T/a.before"
"$P" auth --state "$T/a.state" --server "$S" >/dev/null
cmp -s "$T/a.state" "$T/a.before" && fail "state file not updated after authentication"
# a device restored from an older state (its confirmation "lost") still authenticates once
cp "$T/a.before" "$T/a.state"
"$P" auth --state "$T/a.state" --server "$S" >/dev/null || fail "previous-entry recovery"

# Two overlapping runs on one state file: the second would have been answered with the key the
# first had already replaced, and the device locked out. The hook holds the first run right after
# it locked the state file; the second must refuse at once (exit 5), and the device carry on.
PUFAUTH_TEST_HOLD_LOCK="$T/held" "$P" auth --state "$T/c.state" --server "$S" >/dev/null 2>&1 &
BG=$!
wait_for "$T/held"
expect 5 "in use by another run" "$P" auth --state "$T/c.state" --server "$S"
rm "$T/held"
wait "$BG" || fail "the first of two overlapping runs"
BG=
"$P" auth --state "$T/c.state" --server "$S" >/dev/null || fail "auth after overlapping runs"

# A run killed with SIGKILL mid-commit: the new state is durable in STATE.tmp.PID (it holds the
# key) but not renamed yet. The next run must remove that file and still authenticate (the server
# committed, so the old key is its "previous").
PUFAUTH_TEST_HOLD_COMMIT="$T/held" "$P" auth --state "$T/c.state" --server "$S" >/dev/null 2>&1 &
BG=$!
wait_for "$T/held"
ls "$T"/c.state.tmp.* >/dev/null 2>&1 || fail "no temporary state file while committing"
kill -9 "$BG"
wait "$BG" 2>/dev/null || true
BG=
rm "$T/held"
"$P" auth --state "$T/c.state" --server "$S" >/dev/null || fail "auth after a run killed mid-commit"
! ls "$T"/c.state.tmp.* >/dev/null 2>&1 || fail "the killed run's temporary file is still there"

# Authenticated, but the new state cannot be saved (here: the path became a directory while the
# run committed): exit 4, and the old state, restored, still works.
PUFAUTH_TEST_HOLD_COMMIT="$T/held" "$P" auth --state "$T/c.state" --server "$S" >"$T/bg.out" 2>"$T/bg.err" &
BG=$!
wait_for "$T/held"
mv "$T/c.state" "$T/c.saved"
mkdir "$T/c.state"
touch "$T/c.state/in-the-way"
rm "$T/held"
set +e; wait "$BG"; s=$?; set -e
BG=
[ $s = 4 ] || { cat "$T/bg.err"; fail "unsaved state: exit status $s, expected 4"; }
grep -q "could not be updated" "$T/bg.err" || fail "unsaved state: $(cat "$T/bg.err")"
rm -r "$T/c.state"
mv "$T/c.saved" "$T/c.state"
"$P" auth --state "$T/c.state" --server "$S" >/dev/null || fail "auth with the state kept after exit 4"

"$P" list --db "$T/s.db" >"$T/list"
grep -q "alpha  *debiased-128  *active" "$T/list" || fail "list (name, default suite, state): $(cat "$T/list")"
"$P" revoke --db "$T/s.db" beta | grep -q "revoked"
expect 1 "authentication failed" "$P" auth --state "$T/b.state" --server "$S"
expect 1 "no active device" "$P" revoke --db "$T/s.db" beta
expect 1 "belongs to a revoked device" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed 16 --name beta
expect 2 "unexpected argument 'gamma'" "$P" revoke --db "$T/s.db" beta gamma
"$P" list --db "$T/s.db" | grep -q "beta .* revoked" || fail "list after revoke"

# bad input
expect 2 "cannot resolve" "$P" auth --state "$T/a.state" --server no.such.host.invalid:7
expect 2 "HOST:PORT" "$P" auth --state "$T/a.state" --server localhost
expect 2 "port must be 0..65535" "$P" auth --state "$T/a.state" --server 127.0.0.1:72000
expect 2 "unexpected argument" "$P" auth --state "$T/a.state" --server "$S" more
expect 2 "cannot open" "$P" auth --state "$T/missing.state" --server "$S"
mkfifo "$T/fifo.state"
expect 2 "not a regular file" timeout 20 "$P" auth --state "$T/fifo.state" --server "$S"
head -c 20 "$T/c.state" >"$T/trunc.state"
expect 2 "truncated" "$P" auth --state "$T/trunc.state" --server "$S"
cp "$T/c.state" "$T/corrupt.state"
printf '\377' | dd of="$T/corrupt.state" bs=1 seek=12 conv=notrunc 2>/dev/null
expect 2 "corrupt" "$P" auth --state "$T/corrupt.state" --server "$S"
printf 'not a state file at all, just text' >"$T/text.state"
expect 2 "bad magic" "$P" auth --state "$T/text.state" --server "$S"
cmp -s "$T/c.state" "$T/corrupt.state" && fail "corruption not applied"
expect 2 "need --db" "$P" serve --listen 127.0.0.1:0
expect 2 "unexpected argument 'now'" "$P" serve --db "$T/s.db" --listen 127.0.0.1:0 now
expect 2 "unexpected argument" "$P" list --db "$T/s.db" everything
expect 2 "need --concurrency (8) <= --real (4)" "$P" bench --devices 10 --real 4 --concurrency 8

# stores that are not pufauth's, or that others can read
expect 1 "no such store" "$P" list --db "$T/none/s.db"
expect 1 "no such store" "$P" serve --db "$T/nothing.db" --listen 127.0.0.1:0
: >"$T/empty.db"
chmod 600 "$T/empty.db"
expect 1 "an empty file, not a pufauth store" "$P" list --db "$T/empty.db"
expect 1 "an empty file, not a pufauth store" "$P" enroll --db "$T/empty.db" --state "$T/x.state" --sim-seed 1
[ ! -s "$T/empty.db" ] || fail "the empty file was adopted"
# an SQLite database of someone else's
python3 -c 'import sqlite3' 2>/dev/null || fail "needs python3 with sqlite3: install the Debian package python3 (scripts/deps.sh)"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('create table notes (t text)'); c.commit()" "$T/other.db"
chmod 600 "$T/other.db"
expect 1 "not a pufauth store" "$P" serve --db "$T/other.db" --listen 127.0.0.1:0
expect 1 "not a pufauth store" "$P" enroll --db "$T/other.db" --state "$T/x.state" --sim-seed 1
cp "$T/s.db" "$T/open.db"
chmod 644 "$T/open.db"
expect 1 "other users can access it (mode 0644)" "$P" serve --db "$T/open.db" --listen 127.0.0.1:0
expect 1 "chmod 600" "$P" list --db "$T/open.db"

# a closed port: no answer (exit 3) within the timeout, state untouched
cp "$T/c.state" "$T/c.before"
kill "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=
grep -q "0 store errors" "$T/serve.log" || fail "server: $(tail -1 "$T/serve.log")"
expect 3 "no answer" "$P" auth --state "$T/c.state" --server "$S" --timeout 200 --tries 1
cmp -s "$T/c.state" "$T/c.before" || fail "state changed without a confirmation"

# A store on a file system that is read-only (the server refuses to start), then full (the server
# answers "not recognised", logs the cause and counts it; the device keeps its key). Needs root
# for a private mount namespace with a small tmpfs.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir "$T/small"
	export P T
	unshare -m sh -eu -c '
		fail() { echo "FAIL: $*" >&2; exit 1; }
		mount -t tmpfs -o size=1m,mode=0700 tmpfs "$T/small"
		"$P" enroll --db "$T/small/s.db" --state "$T/small/f.state" --sim-seed 21 >/dev/null
		mount -o remount,ro "$T/small"
		set +e; "$P" serve --db "$T/small/s.db" --listen 127.0.0.1:0 2>"$T/ro.err"; s=$?; set -e
		[ $s = 1 ] && grep -q "cannot write to the store" "$T/ro.err" ||
			fail "serve on a read-only store: exit $s: $(cat "$T/ro.err")"
		mount -o remount,rw "$T/small"
		"$P" serve --db "$T/small/s.db" --listen 127.0.0.1:0 2>"$T/full.log" &
		srv=$!
		for _ in $(seq 1 50); do grep -q port "$T/full.log" && break; sleep 0.2; done
		port=$(sed -n "s/.*(port \([0-9]*\)).*/\1/p" "$T/full.log")
		cp "$T/small/f.state" "$T/f.before"
		dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null || true
		set +e; "$P" auth --state "$T/small/f.state" --server 127.0.0.1:$port 2>"$T/full.err"; s=$?; set -e
		[ $s = 1 ] || fail "auth against a full store: exit $s: $(cat "$T/full.err")"
		cmp -s "$T/small/f.state" "$T/f.before" || fail "the device moved on without the server"
		grep -q "cannot record the authentication" "$T/full.log" ||
			fail "the failed commit was not logged: $(cat "$T/full.log")"
		grep -q "full" "$T/full.log" || fail "the log does not name the cause: $(cat "$T/full.log")"
		rm "$T/small/fill"
		"$P" auth --state "$T/small/f.state" --server 127.0.0.1:$port >/dev/null ||
			fail "auth once the disk has room again"
		kill $srv; wait $srv 2>/dev/null || true
		grep -q " 1 store errors" "$T/full.log" || fail "store errors not counted: $(tail -1 "$T/full.log")"
		umount "$T/small"
	' || fail "read-only and full store"
else
	echo "pufauth CLI: read-only and full store not tested (needs root and unshare -m)"
fi
echo "pufauth CLI: ok"
