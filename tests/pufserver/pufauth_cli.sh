#!/bin/sh
# pufauth enroll/serve/auth/list/revoke end to end over UDP on 127.0.0.1, and clear errors for bad
# input: unknown server, corrupt and truncated state files, a missing store, bad options.
set -eu
P="$HWG_BIN/pufauth"
T=$(mktemp -d /tmp/pp-cli-XXXXXX)
SRV=
cleanup() {
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

"$P" enroll --help | grep -q "Usage: pufauth enroll"
"$P" bench --version | grep -q "pufauth"
"$P" enroll --db "$T/s.db" --state "$T/a.state" --sim-seed 11 --name alpha >/dev/null
"$P" enroll --db "$T/s.db" --state "$T/b.state" --sim-seed 12 --name beta --security 64 >/dev/null
"$P" enroll --db "$T/s.db" --state "$T/c.state" --sim-seed 13 --name gamma >/dev/null
expect 1 "already enrolled" "$P" enroll --db "$T/s.db" --state "$T/d.state" --sim-seed 14 --name alpha
[ ! -e "$T/d.state" ] || fail "a failed enrolment left a state file"
expect 1 "already exists" "$P" enroll --db "$T/s.db" --state "$T/a.state" --sim-seed 15 --name delta
expect 2 "need --db" "$P" enroll --state "$T/x.state" --sim-seed 1
expect 2 "security must be" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed 1 --security 80
expect 2 "not a number" "$P" enroll --db "$T/s.db" --state "$T/x.state" --sim-seed abc
expect 1 "cannot open" "$P" enroll --db "$T/s.db" --state "$T/x.state" --dump "$T/nonexistent"

"$P" serve --db "$T/s.db" --listen 127.0.0.1:0 2>"$T/serve.log" &
SRV=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "port" "$T/serve.log" 2>/dev/null && break
	sleep 0.2
done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.log")
[ -n "$PORT" ] || { cat "$T/serve.log"; fail "server did not start"; }
S=127.0.0.1:$PORT

for round in 1 2 3; do
	for d in a b c; do
		"$P" auth --state "$T/$d.state" --server "$S" >/dev/null || fail "auth $d round $round"
	done
done
cp "$T/a.state" "$T/a.before"
"$P" auth --state "$T/a.state" --server "$S" >/dev/null
cmp -s "$T/a.state" "$T/a.before" && fail "state file not updated after authentication"
# a device restored from an older state (its confirmation "lost") still authenticates once
cp "$T/a.before" "$T/a.state"
"$P" auth --state "$T/a.state" --server "$S" >/dev/null || fail "previous-entry recovery"

"$P" list --db "$T/s.db" >"$T/list"
grep -q "alpha .* active" "$T/list" || fail "list: $(cat "$T/list")"
"$P" revoke --db "$T/s.db" beta | grep -q "revoked"
expect 1 "authentication failed" "$P" auth --state "$T/b.state" --server "$S"
expect 1 "no active device" "$P" revoke --db "$T/s.db" beta
"$P" list --db "$T/s.db" | grep -q "beta .* revoked" || fail "list after revoke"

# bad input
expect 2 "cannot resolve" "$P" auth --state "$T/a.state" --server no.such.host.invalid:7
expect 2 "HOST:PORT" "$P" auth --state "$T/a.state" --server localhost
expect 2 "cannot open" "$P" auth --state "$T/missing.state" --server "$S"
head -c 20 "$T/c.state" >"$T/trunc.state"
expect 2 "truncated" "$P" auth --state "$T/trunc.state" --server "$S"
cp "$T/c.state" "$T/corrupt.state"
printf '\377' | dd of="$T/corrupt.state" bs=1 seek=12 conv=notrunc 2>/dev/null
expect 2 "corrupt" "$P" auth --state "$T/corrupt.state" --server "$S"
printf 'not a state file at all, just text' >"$T/text.state"
expect 2 "bad magic" "$P" auth --state "$T/text.state" --server "$S"
cmp -s "$T/c.state" "$T/corrupt.state" && fail "corruption not applied"
expect 1 "cannot open database" "$P" list --db "$T/none/s.db"
expect 2 "need --db" "$P" serve --listen 127.0.0.1:0
# a closed port: no answer (exit 3) within the timeout, state untouched
cp "$T/c.state" "$T/c.before"
kill "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=
expect 3 "no answer" "$P" auth --state "$T/c.state" --server "$S" --timeout 200 --tries 1
cmp -s "$T/c.state" "$T/c.before" || fail "state changed without a confirmation"
echo "pufauth CLI: ok"
