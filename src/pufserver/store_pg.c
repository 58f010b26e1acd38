/* The PostgreSQL engine of the store (libpq). Tables pufauth_schema, pufauth_devices and
 * pufauth_meta in the database the URI names; several servers share them. A trigger announces
 * every changed device row on the channel pufauth_devices (LISTEN/NOTIFY), in commit order, and a
 * server re-reads exactly those rows. Keys and references travel as binary parameters and results;
 * integers as text, so that no byte order is involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "crypto/portable/secure.h"
#include "pufserver/store_impl.h"

#define CHANNEL "pufauth_devices"
/* Above this many changed rows a full reload is cheaper than fetching them by id. */
#define MAX_CHANGED 4096
/* pg_advisory_xact_lock key that serialises schema migrations of servers starting together. */
#define MIGRATION_LOCK "1347766849"

struct pg_store {
	struct pufstore base;
	PGconn *conn;
	int listening;
};

static struct pg_store *impl(struct pufstore *st)
{
	return (struct pg_store *)st;
}

/* PQerrorMessage without its trailing newline. */
static void set_pg_error(struct pg_store *p, const char *what)
{
	char msg[400];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(p->conn));
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;
	/* libpq's messages run over several lines: keep a log entry on one */
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	pufstore_set_error(&p->base, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

/* A statement without results; 0 or -1 (message set). */
static int exec(struct pg_store *p, const char *sql)
{
	PGresult *r = PQexec(p->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		set_pg_error(p, NULL);
	PQclear(r);
	return ok ? 0 : -1;
}

/* Runs sql with nparams parameters; text parameters unless lengths[i] > 0 (binary). Results in
 * binary. Returns the result (caller clears) or NULL with the message set. */
static PGresult *run(struct pg_store *p, const char *sql, int nparams, const char *const *values,
                     const int *lengths, const int *formats)
{
	PGresult *r = PQexecParams(p->conn, sql, nparams, NULL, values, lengths, formats, 1);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		set_pg_error(p, NULL);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Integers come back as text columns (binary format: the bytes plus a terminating zero). */
static int64_t int_at(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static const char *const migrations[] = {
        /* 0 -> 1 */
        "CREATE TABLE pufauth_devices ("
        "  id bigserial PRIMARY KEY,"
        "  name text NOT NULL UNIQUE,"
        "  suite smallint NOT NULL,"
        "  cur_key bytea NOT NULL,"
        "  cur_ref bytea NOT NULL,"
        "  prev_key bytea,"
        "  prev_ref bytea,"
        "  revoked boolean NOT NULL DEFAULT false,"
        "  enrolled_at bigint NOT NULL,"
        "  last_auth_at bigint,"
        "  auth_count bigint NOT NULL DEFAULT 0);"
        "CREATE TABLE pufauth_meta (key text PRIMARY KEY, value text);"
        "CREATE FUNCTION pufauth_devices_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN"
        "  IF TG_OP = 'DELETE' THEN PERFORM pg_notify('" CHANNEL "', OLD.id::text);"
        "  ELSE PERFORM pg_notify('" CHANNEL "', NEW.id::text); END IF;"
        "  RETURN NULL;"
        " END $$;"
        "CREATE TRIGGER pufauth_devices_changed AFTER INSERT OR UPDATE OR DELETE ON "
        "pufauth_devices FOR EACH ROW EXECUTE FUNCTION pufauth_devices_notify();",
};

static int migrate(struct pg_store *p, int create)
{
	const int64_t target = (int64_t)(sizeof(migrations) / sizeof(migrations[0]));
	PGresult *r;
	int64_t v = 0;
	int has_schema, has_devices;

	if (exec(p, "BEGIN") || exec(p, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")"))
		goto fail;
	r = run(p,
	        "SELECT (to_regclass('pufauth_schema') IS NOT NULL)::int::text, "
	        "(to_regclass('pufauth_devices') IS NOT NULL)::int::text",
	        0, NULL, NULL, NULL);
	if (!r)
		goto fail;
	has_schema = int_at(r, 0, 0) != 0;
	has_devices = int_at(r, 0, 1) != 0;
	PQclear(r);
	if (has_schema) {
		r = run(p, "SELECT coalesce(max(version), 0)::text FROM pufauth_schema", 0, NULL,
		        NULL, NULL);
		if (!r)
			goto fail;
		v = int_at(r, 0, 0);
		PQclear(r);
	} else if (has_devices) {
		pufstore_set_error(&p->base, "a table pufauth_devices exists without "
		                             "pufauth_schema: not a pufauth store");
		goto fail;
	} else if (!create) {
		pufstore_set_error(&p->base, "no pufauth store in this database (pufauth enroll "
		                             "--db creates one)");
		goto fail;
	} else if (exec(p, "CREATE TABLE pufauth_schema (version integer NOT NULL)")) {
		goto fail;
	}
	if (v > target) {
		pufstore_set_error(
		        &p->base,
		        "database schema version %lld is newer than this program's (%lld)",
		        (long long)v, (long long)target);
		goto fail;
	}
	for (; v < target; v++) {
		char sql[96];

		if (exec(p, migrations[v]))
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT INTO pufauth_schema (version) VALUES (%lld)",
		         (long long)(v + 1));
		if (exec(p, sql))
			goto fail;
	}
	return exec(p, "COMMIT");
fail:
	PQclear(PQexec(p->conn, "ROLLBACK"));
	return -1;
}

#define ROW_COLUMNS                                                                                \
	"SELECT id::text, name, suite::text, cur_key, cur_ref, prev_key, prev_ref, "               \
	"revoked::int::text, enrolled_at::text, coalesce(last_auth_at, 0)::text, "                 \
	"auth_count::text FROM pufauth_devices "

static void read_row(const PGresult *r, int i, struct pufstore_device *d)
{
	size_t key_len, prev_len;

	memset(d, 0, sizeof(*d));
	d->id = int_at(r, i, 0);
	snprintf(d->name, sizeof(d->name), "%.*s", PQgetlength(r, i, 1), PQgetvalue(r, i, 1));
	d->suite = (uint8_t)int_at(r, i, 2);
	pufstore_copy_blob(PQgetvalue(r, i, 3), (size_t)PQgetlength(r, i, 3), d->cur_key,
	                   sizeof(d->cur_key), &key_len);
	pufstore_copy_blob(PQgetvalue(r, i, 4), (size_t)PQgetlength(r, i, 4), d->cur_ref,
	                   sizeof(d->cur_ref), &d->ref_len);
	d->has_previous = !PQgetisnull(r, i, 5);
	pufstore_copy_blob(PQgetvalue(r, i, 5), (size_t)PQgetlength(r, i, 5), d->prev_key,
	                   sizeof(d->prev_key), &prev_len);
	pufstore_copy_blob(PQgetvalue(r, i, 6), (size_t)PQgetlength(r, i, 6), d->prev_ref,
	                   sizeof(d->prev_ref), NULL);
	d->revoked = int_at(r, i, 7) != 0;
	d->enrolled_at = int_at(r, i, 8);
	d->last_auth_at = int_at(r, i, 9);
	d->auth_count = int_at(r, i, 10);
	pufstore_sanitize_row(d, key_len, prev_len);
}

/* Streams the rows of a query (single-row mode: a million devices never sit in memory twice). */
static int each_row(struct pg_store *p, const char *sql, int nparams, const char *const *values,
                    pufstore_row_fn fn, void *arg)
{
	struct pufstore_device d;
	PGresult *r;
	int failed = 0, stop = 0;

	if (!PQsendQueryParams(p->conn, sql, nparams, NULL, values, NULL, NULL, 1)) {
		set_pg_error(p, NULL);
		return -1;
	}
	PQsetSingleRowMode(p->conn);
	while ((r = PQgetResult(p->conn))) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE && !stop && !failed) {
			read_row(r, 0, &d);
			stop = fn(arg, &d);
		} else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !failed) {
			set_pg_error(p, NULL);
			failed = 1;
		}
		/* results are freed as they come: wipe the key bytes libpq held */
		for (int c = 3; c <= 6 && s == PGRES_SINGLE_TUPLE; c++)
			if (!PQgetisnull(r, 0, c))
				secure_wipe(PQgetvalue(r, 0, c), (size_t)PQgetlength(r, 0, c));
		PQclear(r);
	}
	secure_wipe(&d, sizeof(d));
	return failed ? -1 : 0;
}

static int p_foreach(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return each_row(impl(st), ROW_COLUMNS "ORDER BY id", 0, NULL, fn, arg);
}

static int listen_changes(struct pg_store *p)
{
	if (exec(p, "LISTEN " CHANNEL))
		return -1;
	p->listening = 1;
	return 0;
}

static int p_load(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	struct pg_store *p = impl(st);

	/* listen first: a change committed while the rows stream in is announced afterwards */
	if (!p->listening && listen_changes(p))
		return -1;
	return p_foreach(st, fn, arg);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct fetched {
	pufstore_row_fn fn;
	void *arg;
	const int64_t *ids;
	size_t n, next; /* ids[next] is the next id not yet seen in the (ordered) result */
	int stop;
};

/* Reports the announced ids below `below` that the query did not return (deleted rows) as
 * revoked rows, so that they stop matching. */
static void report_deleted(struct fetched *f, int64_t below)
{
	while (f->next < f->n && f->ids[f->next] < below && !f->stop) {
		struct pufstore_device gone;

		memset(&gone, 0, sizeof(gone));
		gone.id = f->ids[f->next++];
		gone.revoked = 1;
		f->stop = f->fn(f->arg, &gone);
	}
}

/* Passes rows through, in id order, and the deleted ones between them. */
static int fetched_row(void *arg, const struct pufstore_device *d)
{
	struct fetched *f = arg;

	report_deleted(f, d->id);
	if (f->next < f->n && f->ids[f->next] == d->id)
		f->next++;
	if (!f->stop)
		f->stop = f->fn(f->arg, d);
	return f->stop;
}

/* A committed update must be durable before the device hears of it: a server configured with
 * synchronous_commit = off is overridden for this session (stronger settings are kept). */
static int durable_commits(struct pg_store *p)
{
	PGresult *r = run(p, "SELECT current_setting('synchronous_commit')", 0, NULL, NULL, NULL);
	int off;

	if (!r)
		return -1;
	off = !strcmp(PQgetvalue(r, 0, 0), "off");
	PQclear(r);
	return off ? exec(p, "SET synchronous_commit = on") : 0;
}

static int reconnect(struct pg_store *p)
{
	PQreset(p->conn);
	p->listening = 0;
	if (PQstatus(p->conn) != CONNECTION_OK) {
		set_pg_error(p, "reconnecting");
		return -1;
	}
	return durable_commits(p);
}

static int p_changes(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	struct pg_store *p = impl(st);
	int64_t ids[MAX_CHANGED];
	size_t n = 0, m = 0;
	int overflow = 0, rc;
	PGnotify *note;

	/* A round trip first: a change committed before this call has signalled our backend, which
	 * then sent its notification ahead of the reply to this empty query, so it is read now. */
	PQclear(PQexec(p->conn, ""));
	if (PQstatus(p->conn) != CONNECTION_OK || !PQconsumeInput(p->conn)) {
		/* notifications sent while we were away are lost: load everything again */
		if (reconnect(p) || listen_changes(p))
			return -1;
		return 1;
	}
	while ((note = PQnotifies(p->conn))) {
		if (!strcmp(note->relname, CHANNEL)) {
			if (n < MAX_CHANGED)
				ids[n++] = strtoll(note->extra, NULL, 10);
			else
				overflow = 1;
		}
		PQfreemem(note);
	}
	if (overflow)
		return 1;
	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(ids[0]), cmp_id);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ids[i] != ids[m - 1])
			ids[m++] = ids[i];
	{
		/* "{1,2,3}": a bigint[] parameter as text */
		size_t cap = m * 21 + 3, len = 0;
		char *list = malloc(cap);
		struct fetched f = {fn, arg, ids, m, 0, 0};
		const char *values[1];

		if (!list) {
			pufstore_set_error(st, "out of memory");
			return -1;
		}
		list[len++] = '{';
		for (size_t i = 0; i < m; i++)
			len += (size_t)snprintf(list + len, cap - len, "%s%lld", i ? "," : "",
			                        (long long)ids[i]);
		snprintf(list + len, cap - len, "}");
		values[0] = list;
		rc = each_row(p, ROW_COLUMNS "WHERE id = ANY($1::bigint[]) ORDER BY id", 1, values,
		              fetched_row, &f);
		if (rc == 0)
			report_deleted(&f, INT64_MAX);
		free(list);
	}
	return rc;
}

static int p_begin(struct pufstore *st)
{
	return exec(impl(st), "BEGIN");
}

static int p_commit(struct pufstore *st)
{
	return exec(impl(st), "COMMIT");
}

static int p_rollback(struct pufstore *st)
{
	return exec(impl(st), "ROLLBACK");
}

static int p_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t now, int64_t *id)
{
	struct pg_store *p = impl(st);
	char suite_s[8], now_s[24];
	const char *values[5] = {name, suite_s, (const char *)key, (const char *)ref, now_s};
	const int lengths[5] = {0, 0, PUFPROTO_KEY_LEN, (int)ref_len, 0};
	const int formats[5] = {0, 0, 1, 1, 0};
	PGresult *r;

	snprintf(suite_s, sizeof(suite_s), "%u", suite);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	/* ON CONFLICT keeps a surrounding transaction usable when the name is taken */
	r = run(p,
	        "INSERT INTO pufauth_devices (name, suite, cur_key, cur_ref, enrolled_at) "
	        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id::text",
	        5, values, lengths, formats);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*id = int_at(r, 0, 0);
		PQclear(r);
		return 0;
	}
	PQclear(r);
	r = run(p, "SELECT revoked::int::text FROM pufauth_devices WHERE name = $1", 1, values,
	        NULL, NULL);
	if (r && PQntuples(r) == 1 && int_at(r, 0, 0))
		pufstore_set_error(st,
		                   "the name '%s' belongs to a revoked device (names are never "
		                   "reused: choose another)",
		                   name);
	else if (r)
		pufstore_set_error(st, "a device named '%s' is already enrolled", name);
	PQclear(r);
	return -1;
}

static int revoke_where(struct pg_store *p, const char *sql, const char *value)
{
	const char *values[1] = {value};
	PGresult *r = run(p, sql, 1, values, NULL, NULL);
	int changed;

	if (!r)
		return -1;
	changed = atoi(PQcmdTuples(r)) > 0;
	PQclear(r);
	return changed;
}

static int p_revoke_name(struct pufstore *st, const char *name)
{
	return revoke_where(impl(st),
	                    "UPDATE pufauth_devices SET revoked = true WHERE name = $1 AND NOT "
	                    "revoked",
	                    name);
}

static int p_revoke_id(struct pufstore *st, int64_t id)
{
	char id_s[24];

	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	return revoke_where(impl(st),
	                    "UPDATE pufauth_devices SET revoked = true WHERE id = $1 AND NOT "
	                    "revoked",
	                    id_s);
}

static int64_t p_count(struct pufstore *st)
{
	PGresult *r =
	        run(impl(st), "SELECT count(*)::text FROM pufauth_devices", 0, NULL, NULL, NULL);
	int64_t n;

	if (!r)
		return -1;
	n = int_at(r, 0, 0);
	PQclear(r);
	return n;
}

static int p_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now)
{
	struct pg_store *p = impl(st);
	static const char *const sql[2] = {
	        /* READ COMMITTED: a second server's UPDATE of the same row waits for the first to
	         * commit, then re-checks the WHERE on the new row and finds the key gone */
	        "UPDATE pufauth_devices SET prev_key = cur_key, prev_ref = cur_ref, cur_key = $3, "
	        "cur_ref = $4, last_auth_at = $5, auth_count = auth_count + 1 "
	        "WHERE id = $1 AND NOT revoked AND cur_key = $2",
	        "UPDATE pufauth_devices SET cur_key = $3, cur_ref = $4, last_auth_at = $5, "
	        "auth_count = auth_count + 1 WHERE id = $1 AND NOT revoked AND prev_key = $2",
	};
	char id_s[24], now_s[24];
	const char *values[5] = {id_s, (const char *)matched_key, (const char *)new_key,
	                         (const char *)new_ref, now_s};
	const int lengths[5] = {0, PUFPROTO_KEY_LEN, PUFPROTO_KEY_LEN, (int)ref_len, 0};
	const int formats[5] = {0, 1, 1, 1, 0};
	PGresult *r;
	int changed;

	snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	r = run(p, sql[matched_slot == PUFSTORE_PREVIOUS], 5, values, lengths, formats);
	if (!r && PQstatus(p->conn) != CONNECTION_OK) {
		/* The connection broke. If the first try committed after all, the retry finds the
		 * key moved and changes nothing: the device then retries through "previous". */
		if (reconnect(p) == 0)
			r = run(p, sql[matched_slot == PUFSTORE_PREVIOUS], 5, values, lengths,
			        formats);
	}
	if (!r)
		return -1;
	changed = atoi(PQcmdTuples(r)) > 0;
	PQclear(r);
	return changed;
}

static int p_check_writable(struct pufstore *st)
{
	struct pg_store *p = impl(st);
	PGresult *r = run(p, "SELECT pg_is_in_recovery()::int::text", 0, NULL, NULL, NULL);
	int standby;

	if (!r)
		return -1;
	standby = int_at(r, 0, 0) != 0;
	PQclear(r);
	if (standby) {
		pufstore_set_error(st, "the database is a read-only standby");
		return -1;
	}
	return exec(p, "INSERT INTO pufauth_meta (key, value) VALUES ('server_started', "
	               "extract(epoch FROM now())::bigint::text) ON CONFLICT (key) DO UPDATE SET "
	               "value = excluded.value");
}

static void p_close(struct pufstore *st)
{
	struct pg_store *p = impl(st);

	PQfinish(p->conn);
	free(p);
}

static const struct pufstore_ops pg_ops = {
        .close = p_close,
        .begin = p_begin,
        .commit = p_commit,
        .rollback = p_rollback,
        .enroll = p_enroll,
        .revoke_name = p_revoke_name,
        .revoke_id = p_revoke_id,
        .foreach = p_foreach,
        .load = p_load,
        .changes = p_changes,
        .count = p_count,
        .update = p_update,
        .check_writable = p_check_writable,
};

/* The URI for messages: "user:secret@" becomes "user:***@", and a password= parameter is masked. */
static void redact(const char *uri, char *out, size_t cap)
{
	const char *scheme = strstr(uri, "://"), *at, *colon, *pw;
	size_t len;

	snprintf(out, cap, "%s", uri);
	if (!scheme)
		return;
	scheme += 3;
	at = strchr(scheme, '@');
	colon = strchr(scheme, ':');
	if (at && colon && colon < at && !memchr(scheme, '/', (size_t)(at - scheme)) &&
	    (size_t)(colon - uri) + 1 < cap)
		snprintf(out + (colon - uri) + 1, cap - (size_t)(colon - uri) - 1, "***%s", at);
	pw = strstr(out, "password=");
	if (pw) {
		const char *end = strchr(pw, '&');
		char tail[256];

		snprintf(tail, sizeof(tail), "%s", end ? end : "");
		len = (size_t)(pw - out) + 9;
		snprintf(out + len, cap - len, "***%s", tail);
	}
}

int pufstore_pg_open(struct pufstore **out, const char *uri, int create, char *err, size_t err_len)
{
	struct pg_store *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	p->base.ops = &pg_ops;
	redact(uri, p->base.where, sizeof(p->base.where));
	p->conn = PQconnectdb(uri);
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
		if (p->conn)
			set_pg_error(p, "cannot connect");
		else
			pufstore_set_error(&p->base, "cannot connect: out of memory");
		goto fail;
	}
	if (durable_commits(p) || exec(p, "SET client_min_messages = warning") ||
	    migrate(p, create))
		goto fail;
	*out = &p->base;
	return 0;
fail:
	snprintf(err, err_len, "%s: %s", p->base.where, p->base.err);
	p_close(&p->base);
	return -1;
}
