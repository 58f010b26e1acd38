/* SQLite store: schema, migrations, enrolment, the transactional authentication update. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "crypto/portable/secure.h"
#include "pufserver/store.h"

struct pufstore {
	sqlite3 *db;
	sqlite3_stmt *enroll;
	sqlite3_stmt *update_cur;
	sqlite3_stmt *update_prev;
	char err[512];
};

__attribute__((format(printf, 2, 3))) static void set_err(struct pufstore *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

const char *pufstore_error(const struct pufstore *st)
{
	return st->err;
}

static int exec(struct pufstore *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		set_err(st, "%s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Migration i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
        /* 0 -> 1 */
        "CREATE TABLE devices ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  suite INTEGER NOT NULL,"
        "  cur_key BLOB NOT NULL,"
        "  cur_ref BLOB NOT NULL,"
        "  prev_key BLOB,"
        "  prev_ref BLOB,"
        "  revoked INTEGER NOT NULL DEFAULT 0,"
        "  enrolled_at INTEGER NOT NULL,"
        "  last_auth_at INTEGER,"
        "  auth_count INTEGER NOT NULL DEFAULT 0);",
};

static int schema_version(struct pufstore *st, int64_t *v)
{
	sqlite3_stmt *q;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	                       "name = 'schema_version'",
	                       -1, &q, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		goto fail;
	}
	if (sqlite3_column_int(q, 0) == 0) {
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(st->db, "SELECT max(version) FROM schema_version", -1, &q, NULL) !=
	    SQLITE_OK)
		goto fail;
	if (sqlite3_step(q) == SQLITE_ROW)
		*v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return 0;
fail:
	set_err(st, "reading the schema version: %s", sqlite3_errmsg(st->db));
	return -1;
}

static int migrate(struct pufstore *st)
{
	int64_t v;
	const int64_t target = (int64_t)(sizeof(migrations) / sizeof(migrations[0]));

	if (exec(st, "BEGIN IMMEDIATE"))
		return -1;
	if (schema_version(st, &v))
		goto fail;
	if (v > target) {
		set_err(st, "database schema version %lld is newer than this program's (%lld)",
		        (long long)v, (long long)target);
		goto fail;
	}
	if (v == 0 && exec(st, "CREATE TABLE schema_version (version INTEGER NOT NULL)"))
		goto fail;
	for (; v < target; v++) {
		char sql[96];

		if (exec(st, migrations[v]))
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version (version) VALUES (%lld)",
		         (long long)(v + 1));
		if (exec(st, sql))
			goto fail;
	}
	return exec(st, "COMMIT");
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int prepare(struct pufstore *st, const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK) {
		set_err(st, "%s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int pufstore_open(struct pufstore **out, const char *path, int create, char *err, size_t err_len)
{
	struct pufstore *st = calloc(1, sizeof(*st));
	int flags =
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	*out = NULL;
	if (!st) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s: cannot open database: %s", path,
		         st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	/* WAL lets list/enrol/revoke run beside the server; FULL makes each COMMIT durable. */
	if (exec(st, "PRAGMA journal_mode = WAL") || exec(st, "PRAGMA synchronous = FULL") ||
	    exec(st, "PRAGMA foreign_keys = ON") || migrate(st))
		goto fail_msg;
	if (prepare(st,
	            "INSERT INTO devices (name, suite, cur_key, cur_ref, enrolled_at) "
	            "VALUES (?1, ?2, ?3, ?4, ?5)",
	            &st->enroll) ||
	    prepare(st,
	            "UPDATE devices SET prev_key = cur_key, prev_ref = cur_ref, cur_key = ?3, "
	            "cur_ref = ?4, last_auth_at = ?5, auth_count = auth_count + 1 "
	            "WHERE id = ?1 AND revoked = 0 AND cur_key = ?2",
	            &st->update_cur) ||
	    prepare(st,
	            "UPDATE devices SET cur_key = ?3, cur_ref = ?4, last_auth_at = ?5, "
	            "auth_count = auth_count + 1 "
	            "WHERE id = ?1 AND revoked = 0 AND prev_key = ?2",
	            &st->update_prev))
		goto fail_msg;
	*out = st;
	return 0;
fail_msg:
	snprintf(err, err_len, "%s: %s", path, st->err);
fail:
	pufstore_close(st);
	return -1;
}

void pufstore_close(struct pufstore *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->enroll);
	sqlite3_finalize(st->update_cur);
	sqlite3_finalize(st->update_prev);
	sqlite3_close(st->db);
	free(st);
}

int pufstore_begin(struct pufstore *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int pufstore_commit(struct pufstore *st)
{
	return exec(st, "COMMIT");
}

int pufstore_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t *id)
{
	struct pufproto_suite s;
	int rc;

	if (pufproto_suite_get(suite, &s) || ref_len != s.response_len) {
		set_err(st, "unknown suite or wrong reference length");
		return -1;
	}
	if (strlen(name) == 0 || strlen(name) > PUFSTORE_NAME_MAX || name[0] == '#') {
		set_err(st, "device name must be 1..%d characters and not start with '#'",
		        PUFSTORE_NAME_MAX);
		return -1;
	}
	sqlite3_reset(st->enroll);
	sqlite3_bind_text(st->enroll, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st->enroll, 2, suite);
	sqlite3_bind_blob(st->enroll, 3, key, PUFPROTO_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st->enroll, 4, ref, (int)ref_len, SQLITE_STATIC);
	sqlite3_bind_int64(st->enroll, 5, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st->enroll);
	sqlite3_clear_bindings(st->enroll);
	sqlite3_reset(st->enroll);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT)
			set_err(st, "a device named '%s' is already enrolled", name);
		else
			set_err(st, "%s", sqlite3_errmsg(st->db));
		return -1;
	}
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int pufstore_revoke(struct pufstore *st, const char *name)
{
	sqlite3_stmt *q;
	int rc;

	if (name[0] == '#') {
		char *end;
		long long id = strtoll(name + 1, &end, 10);

		if (*end || end == name + 1) {
			set_err(st, "'%s' is not a device id", name);
			return -1;
		}
		if (prepare(st, "UPDATE devices SET revoked = 1 WHERE id = ?1 AND revoked = 0", &q))
			return -1;
		sqlite3_bind_int64(q, 1, id);
	} else {
		if (prepare(st, "UPDATE devices SET revoked = 1 WHERE name = ?1 AND revoked = 0",
		            &q))
			return -1;
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		set_err(st, "%s", sqlite3_errmsg(st->db));
		return -1;
	}
	return sqlite3_changes(st->db) > 0;
}

static void copy_blob(sqlite3_stmt *q, int col, uint8_t *dst, size_t cap, size_t *len)
{
	size_t n = (size_t)sqlite3_column_bytes(q, col);
	const void *p = sqlite3_column_blob(q, col);

	if (n > cap)
		n = cap;
	if (p && n)
		memcpy(dst, p, n);
	if (len)
		*len = n;
}

int pufstore_foreach(struct pufstore *st, int (*fn)(void *arg, const struct pufstore_device *d),
                     void *arg)
{
	sqlite3_stmt *q;
	struct pufstore_device d;
	int rc, stop = 0;

	if (prepare(st,
	            "SELECT id, name, suite, cur_key, cur_ref, prev_key, prev_ref, revoked, "
	            "enrolled_at, coalesce(last_auth_at, 0), auth_count FROM devices ORDER BY id",
	            &q))
		return -1;
	while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(q, 1);
		size_t key_len, prev_len;

		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(q, 0);
		snprintf(d.name, sizeof(d.name), "%s", name ? (const char *)name : "");
		d.suite = (uint8_t)sqlite3_column_int(q, 2);
		copy_blob(q, 3, d.cur_key, sizeof(d.cur_key), &key_len);
		copy_blob(q, 4, d.cur_ref, sizeof(d.cur_ref), &d.ref_len);
		d.has_previous = sqlite3_column_type(q, 5) == SQLITE_BLOB;
		copy_blob(q, 5, d.prev_key, sizeof(d.prev_key), &prev_len);
		copy_blob(q, 6, d.prev_ref, sizeof(d.prev_ref), NULL);
		d.revoked = sqlite3_column_int(q, 7) != 0;
		d.enrolled_at = sqlite3_column_int64(q, 8);
		d.last_auth_at = sqlite3_column_int64(q, 9);
		d.auth_count = sqlite3_column_int64(q, 10);
		if (key_len != PUFPROTO_KEY_LEN ||
		    (d.has_previous && prev_len != PUFPROTO_KEY_LEN)) {
			/* a row damaged outside this program: never let it match */
			d.revoked = 1;
		}
		stop = fn(arg, &d);
	}
	secure_wipe(&d, sizeof(d));
	if (!stop && rc != SQLITE_DONE) {
		set_err(st, "%s", sqlite3_errmsg(st->db));
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return 0;
}

int64_t pufstore_count(struct pufstore *st)
{
	sqlite3_stmt *q;
	int64_t n = -1;

	if (prepare(st, "SELECT count(*) FROM devices", &q))
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int pufstore_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now)
{
	sqlite3_stmt *q = matched_slot == PUFSTORE_CURRENT ? st->update_cur : st->update_prev;
	int rc, changed;

	/* One statement in its own transaction: SQLite applies it entirely or not at all, and with
	 * synchronous=FULL it is on disk when sqlite3_step returns. */
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_blob(q, 2, matched_key, PUFPROTO_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, new_key, PUFPROTO_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, new_ref, (int)ref_len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	rc = sqlite3_step(q);
	changed = sqlite3_changes(st->db);
	sqlite3_clear_bindings(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		set_err(st, "%s", sqlite3_errmsg(st->db));
		return -1;
	}
	return changed > 0;
}

int64_t pufstore_data_version(struct pufstore *st)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}
