# A private PostgreSQL server for tests and benchmarks (sourced, POSIX sh). Debian's server
# binaries (package postgresql) run from a temporary directory: initdb there, no TCP, the Unix
# socket in that directory, trust authentication for the role "pufauth". PostgreSQL refuses to run
# as root, so as root the server runs as the unprivileged user "postgres" (or "nobody").
#
#   pg_start         starts it in a new temporary directory; sets PG_SOCKET, PG_PORT, PG_BIN
#   pg_uri DB        prints the libpq URI of database DB on it
#   pg_createdb DB   creates database DB
#   pg_down, pg_up   stops it (immediate shutdown) and starts it again, keeping its data
#   pg_stop          stops it (immediate shutdown) and removes its directory; safe to call twice

pg_fail() {
	echo "FAIL: $*" >&2
	[ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/server.log" ] && tail -20 "$PG_DIR/server.log" >&2
	exit 1
}

pg_start() {
	PG_DIR=$(mktemp -d /tmp/pp-pg-XXXXXX)
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] ||
		pg_fail "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (scripts/deps.sh installs postgresql)"
	PG_AS=
	if [ "$(id -u)" = 0 ]; then
		pg_user=postgres
		getent passwd "$pg_user" >/dev/null || pg_user=nobody
		chown "$pg_user" "$PG_DIR"
		PG_AS="setpriv --reuid=$pg_user --regid=$(id -g "$pg_user") --clear-groups"
	fi
	PG_SOCKET=$PG_DIR
	# the port only names the socket file; vary it anyway so that the servers of parallel runs
	# never meet on System V shared memory keys
	PG_PORT=$((20000 + $$ % 30000))
	$PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U pufauth -E UTF8 --no-sync \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; pg_fail "initdb"; }
	pg_up
}

pg_up() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses= -k $PG_SOCKET -p $PG_PORT -c max_connections=40" \
		start >/dev/null || pg_fail "the PostgreSQL server did not start"
	PG_RUNNING=1
}

pg_down() {
	$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 ||
		pg_fail "the PostgreSQL server did not stop"
	PG_RUNNING=
}

pg_uri() {
	echo "postgresql:///$1?host=$PG_SOCKET&port=$PG_PORT&user=pufauth"
}

pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_SOCKET" -p "$PG_PORT" -U pufauth "$1" || pg_fail "createdb $1"
}

pg_stop() {
	if [ -n "${PG_RUNNING:-}" ] || [ -f "${PG_DIR:-/nonexistent}/data/postmaster.pid" ]; then
		$PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
		PG_RUNNING=
	fi
	if [ -n "${PG_DIR:-}" ]; then
		rm -rf "$PG_DIR"
		PG_DIR=
	fi
}
