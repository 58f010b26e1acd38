/* The SQLite engine of the store: one file, mode 0600, marked with an application id; schema
 * migrations; the compare-and-swap update; changes followed through a per-row sequence number. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto/portable/secure.h"
#include "pufserver/store_impl.h"

/* PRAGMA application_id of a pufauth store: "PUFA". */
#define APPLICATION_ID 0x50554641

struct sqlite_store {
	struct pufstore base;
	sqlite3 *db;
	sqlite3_stmt *enroll;
	sqlite3_stmt *update_cur;
	sqlite3_stmt *update_prev;
	int64_t data_version; /* PRAGMA data_version at the last load or change check */
	int64_t seen_seq;     /* highest devices.seq applied by the last load or change check */
};

static struct sqlite_store *impl(struct pufstore *st)
{
	return (struct sqlite_store *)st;
}

static int fail_db(struct sqlite_store *s)
{
	pufstore_set_error(&s->base, "%s", sqlite3_errmsg(s->db));
	return -1;
}

static int exec(struct sqlite_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pufstore_set_error(&s->base, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* One integer from a query without parameters; -1 on error (sets the message). */
static int query_int(struct sqlite_store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *q;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail_db(s);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_db(s);
}

/* Migration i takes the schema from version i to i + 1. Every change to a device row sets its seq
 * to one more than any before, inside the write transaction: SQLite has one writer at a time, so
 * seq grows in commit order and "seq > the last one seen" is exactly what changed since. */
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
        /* 1 -> 2: change tracking for several servers, and the server's write check */
        "ALTER TABLE devices ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
        "UPDATE devices SET seq = id;"
        "CREATE INDEX devices_seq ON devices (seq);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value);",
};

#define NEXT_SEQ "(SELECT coalesce(max(seq), 0) + 1 FROM devices)"

static int migrate(struct sqlite_store *s, const char *path)
{
	const int64_t target = (int64_t)(sizeof(migrations) / sizeof(migrations[0]));
	int64_t v = 0, has_table;
	char sql[96];

	if (exec(s, "BEGIN IMMEDIATE"))
		return -1;
	if (query_int(s,
	              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	              "name = 'schema_version'",
	              &has_table))
		goto fail;
	if (has_table && query_int(s, "SELECT max(version) FROM schema_version", &v))
		goto fail;
	if (v > target) {
		pufstore_set_error(&s->base,
		                   "%s: database schema version %lld is newer than this program's "
		                   "(%lld)",
		                   path, (long long)v, (long long)target);
		goto fail;
	}
	if (!has_table && exec(s, "CREATE TABLE schema_version (version INTEGER NOT NULL)"))
		goto fail;
	for (; v < target; v++) {
		if (exec(s, migrations[v]))
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version (version) VALUES (%lld)",
		         (long long)(v + 1));
		if (exec(s, sql))
			goto fail;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", APPLICATION_ID);
	if (exec(s, sql))
		goto fail;
	return exec(s, "COMMIT");
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* What the file holds: ours (any version), nothing yet, or someone else's. fresh: we created the
 * file just now. */
static int identify(struct sqlite_store *s, const char *path, int fresh)
{
	int64_t app, ours, tables;

	if (query_int(s, "PRAGMA application_id", &app) ||
	    query_int(s,
	              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
	              "('schema_version', 'devices')",
	              &ours) ||
	    query_int(s, "SELECT count(*) FROM sqlite_master", &tables)) {
		pufstore_set_error(&s->base, "%s: %s", path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (app == APPLICATION_ID || (app == 0 && ours == 2) || (app == 0 && tables == 0 && fresh))
		return 0; /* ours, ours from before application ids, or new */
	if (app != 0)
		pufstore_set_error(
		        &s->base,
		        "%s: not a pufauth store (an SQLite database with application id "
		        "0x%08llx)",
		        path, (unsigned long long)(uint32_t)app);
	else if (tables == 0)
		pufstore_set_error(&s->base, "%s: an empty SQLite database, not a pufauth store",
		                   path);
	else
		pufstore_set_error(&s->base,
		                   "%s: not a pufauth store (an SQLite database of another "
		                   "application)",
		                   path);
	return -1;
}

/* The store holds every device's key: it must be a regular file that only its owner can access
 * (as ssh insists for private keys), and so must the journal files beside it. */
static int check_mode(const char *path, const struct stat *sb, char *err, size_t err_len)
{
	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, err_len, "%s: not a regular file", path);
		return -1;
	}
	if (sb->st_mode & 077) {
		snprintf(err, err_len,
		         "%s: other users can access it (mode %04o) and it holds every device's "
		         "key; refusing to use it (chmod 600 '%s')",
		         path, (unsigned)(sb->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Creates a missing store file with mode 0600 (SQLite gives its -wal and -shm files the database
 * file's mode), or checks an existing one. */
static int prepare_file(const char *path, int create, int *fresh, char *err, size_t err_len)
{
	static const char *const companions[] = {"-wal", "-shm", "-journal"};
	struct stat sb;
	char other[4200];

	*fresh = 0;
	if (stat(path, &sb)) {
		int fd;

		if (errno != ENOENT) {
			snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
			return -1;
		}
		if (!create) {
			snprintf(err, err_len,
			         "%s: no such store (pufauth enroll --db creates one)", path);
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			snprintf(err, err_len, "%s: cannot create: %s", path, strerror(errno));
			return -1;
		}
		close(fd);
		*fresh = 1;
		return 0;
	}
	if (check_mode(path, &sb, err, err_len))
		return -1;
	/* every command writes (the WAL index at least): say so plainly on a read-only system */
	if (access(path, R_OK | W_OK)) {
		snprintf(err, err_len, "%s: cannot write to the store: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		struct stat cb;

		snprintf(other, sizeof(other), "%s%s", path, companions[i]);
		if (stat(other, &cb) == 0 && check_mode(other, &cb, err, err_len))
			return -1;
	}
	if (sb.st_size == 0) {
		snprintf(err, err_len, "%s: an empty file, not a pufauth store", path);
		return -1;
	}
	return 0;
}

static int prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
		return fail_db(s);
	return 0;
}

#define ROW_COLUMNS                                                                                \
	"SELECT id, name, suite, cur_key, cur_ref, prev_key, prev_ref, revoked, enrolled_at, "     \
	"coalesce(last_auth_at, 0), auth_count, seq FROM devices "

static void read_row(sqlite3_stmt *q, struct pufstore_device *d)
{
	const unsigned char *name = sqlite3_column_text(q, 1);
	size_t key_len, prev_len;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(q, 0);
	snprintf(d->name, sizeof(d->name), "%s", name ? (const char *)name : "");
	d->suite = (uint8_t)sqlite3_column_int(q, 2);
	pufstore_copy_blob(sqlite3_column_blob(q, 3), (size_t)sqlite3_column_bytes(q, 3),
	                   d->cur_key, sizeof(d->cur_key), &key_len);
	pufstore_copy_blob(sqlite3_column_blob(q, 4), (size_t)sqlite3_column_bytes(q, 4),
	                   d->cur_ref, sizeof(d->cur_ref), &d->ref_len);
	d->has_previous = sqlite3_column_type(q, 5) == SQLITE_BLOB;
	pufstore_copy_blob(sqlite3_column_blob(q, 5), (size_t)sqlite3_column_bytes(q, 5),
	                   d->prev_key, sizeof(d->prev_key), &prev_len);
	pufstore_copy_blob(sqlite3_column_blob(q, 6), (size_t)sqlite3_column_bytes(q, 6),
	                   d->prev_ref, sizeof(d->prev_ref), NULL);
	d->revoked = sqlite3_column_int(q, 7) != 0;
	d->enrolled_at = sqlite3_column_int64(q, 8);
	d->last_auth_at = sqlite3_column_int64(q, 9);
	d->auth_count = sqlite3_column_int64(q, 10);
	pufstore_sanitize_row(d, key_len, prev_len);
}

/* Runs a prepared row query to its end, calling fn per row; records the highest seq in *max_seq.
 */
static int each_row(struct sqlite_store *s, sqlite3_stmt *q, pufstore_row_fn fn, void *arg,
                    int64_t *max_seq)
{
	struct pufstore_device d;
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_row(q, &d);
		if (max_seq && sqlite3_column_int64(q, 11) > *max_seq)
			*max_seq = sqlite3_column_int64(q, 11);
		stop = fn(arg, &d);
	}
	secure_wipe(&d, sizeof(d));
	if (!stop && rc != SQLITE_DONE)
		return fail_db(s);
	return 0;
}

static int s_foreach(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	struct sqlite_store *s = impl(st);
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(s->db, ROW_COLUMNS "ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return fail_db(s);
	rc = each_row(s, q, fn, arg, NULL);
	sqlite3_finalize(q);
	return rc;
}

static int64_t data_version(struct sqlite_store *s)
{
	int64_t v;

	return query_int(s, "PRAGMA data_version", &v) ? -1 : v;
}

static int s_load(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	struct sqlite_store *s = impl(st);
	int64_t seq = 0;
	int rc;

	s->data_version = data_version(s);
	/* one read transaction: the rows and the sequence number agree */
	if (exec(s, "BEGIN"))
		return -1;
	rc = s_foreach(st, fn, arg);
	if (rc == 0)
		rc = query_int(s, "SELECT coalesce(max(seq), 0) FROM devices", &seq);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc == 0)
		s->seen_seq = seq;
	return rc;
}

static int s_changes(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	struct sqlite_store *s = impl(st);
	int64_t v = data_version(s), seen = s->seen_seq;
	sqlite3_stmt *q;
	int rc;

	/* data_version moves only when another connection committed */
	if (v < 0)
		return -1;
	if (v == s->data_version)
		return 0;
	if (sqlite3_prepare_v2(s->db, ROW_COLUMNS "WHERE seq > ?1 ORDER BY seq", -1, &q, NULL) !=
	    SQLITE_OK)
		return fail_db(s);
	sqlite3_bind_int64(q, 1, s->seen_seq);
	rc = each_row(s, q, fn, arg, &seen);
	sqlite3_finalize(q);
	if (rc == 0) {
		s->seen_seq = seen;
		s->data_version = v;
	}
	return rc;
}

static int s_begin(struct pufstore *st)
{
	return exec(impl(st), "BEGIN IMMEDIATE");
}

static int s_commit(struct pufstore *st)
{
	return exec(impl(st), "COMMIT");
}

static int s_rollback(struct pufstore *st)
{
	return exec(impl(st), "ROLLBACK");
}

static int s_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t now, int64_t *id)
{
	struct sqlite_store *s = impl(st);
	int rc;

	sqlite3_reset(s->enroll);
	sqlite3_bind_text(s->enroll, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->enroll, 2, suite);
	sqlite3_bind_blob(s->enroll, 3, key, PUFPROTO_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s->enroll, 4, ref, (int)ref_len, SQLITE_STATIC);
	sqlite3_bind_int64(s->enroll, 5, now);
	rc = sqlite3_step(s->enroll);
	sqlite3_clear_bindings(s->enroll);
	sqlite3_reset(s->enroll);
	if (rc == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	if (rc == SQLITE_CONSTRAINT) {
		sqlite3_stmt *q;
		int revoked = 0;

		if (sqlite3_prepare_v2(s->db, "SELECT revoked FROM devices WHERE name = ?1", -1, &q,
		                       NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
			revoked = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		if (revoked)
			pufstore_set_error(st,
			                   "the name '%s' belongs to a revoked device (names are "
			                   "never reused: choose another)",
			                   name);
		else
			pufstore_set_error(st, "a device named '%s' is already enrolled", name);
		return -1;
	}
	return fail_db(s);
}

static int revoke_with(struct sqlite_store *s, const char *sql, const char *name, int64_t id)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail_db(s);
	if (name)
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return fail_db(s);
	return sqlite3_changes(s->db) > 0;
}

static int s_revoke_name(struct pufstore *st, const char *name)
{
	return revoke_with(impl(st),
	                   "UPDATE devices SET revoked = 1, seq = " NEXT_SEQ
	                   " WHERE name = ?1 AND revoked = 0",
	                   name, 0);
}

static int s_revoke_id(struct pufstore *st, int64_t id)
{
	return revoke_with(impl(st),
	                   "UPDATE devices SET revoked = 1, seq = " NEXT_SEQ
	                   " WHERE id = ?1 AND revoked = 0",
	                   NULL, id);
}

static int64_t s_count(struct pufstore *st)
{
	int64_t n;

	return query_int(impl(st), "SELECT count(*) FROM devices", &n) ? -1 : n;
}

static int s_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now)
{
	struct sqlite_store *s = impl(st);
	sqlite3_stmt *q = matched_slot == PUFSTORE_CURRENT ? s->update_cur : s->update_prev;
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
	changed = sqlite3_changes(s->db);
	sqlite3_clear_bindings(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail_db(s);
	return changed > 0;
}

static int s_check_writable(struct pufstore *st)
{
	struct sqlite_store *s = impl(st);
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_db_readonly(s->db, "main") == 1) {
		pufstore_set_error(st, "the database is read-only");
		return -1;
	}
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT INTO meta (key, value) VALUES ('server_started', "
	                       "strftime('%s', 'now')) ON CONFLICT (key) DO UPDATE SET value = "
	                       "excluded.value",
	                       -1, &q, NULL) != SQLITE_OK)
		return fail_db(s);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail_db(s);
}

static void s_close(struct pufstore *st)
{
	struct sqlite_store *s = impl(st);

	sqlite3_finalize(s->enroll);
	sqlite3_finalize(s->update_cur);
	sqlite3_finalize(s->update_prev);
	sqlite3_close(s->db);
	free(s);
}

static const struct pufstore_ops sqlite_ops = {
        .close = s_close,
        .begin = s_begin,
        .commit = s_commit,
        .rollback = s_rollback,
        .enroll = s_enroll,
        .revoke_name = s_revoke_name,
        .revoke_id = s_revoke_id,
        .foreach = s_foreach,
        .load = s_load,
        .changes = s_changes,
        .count = s_count,
        .update = s_update,
        .check_writable = s_check_writable,
};

int pufstore_sqlite_open(struct pufstore **out, const char *path, int create, char *err,
                         size_t err_len)
{
	struct sqlite_store *s;
	int memory = !strcmp(path, ":memory:"), fresh = memory;

	if (!memory && prepare_file(path, create, &fresh, err, err_len))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->base.ops = &sqlite_ops;
	snprintf(s->base.where, sizeof(s->base.where), "%s", path);
	/* the file exists now (or is ":memory:"): never let SQLite create one behind our checks */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, err_len, "%s: cannot open database: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (identify(s, path, fresh)) {
		snprintf(err, err_len, "%s", s->base.err);
		goto fail;
	}
	/* WAL lets list/enrol/revoke run beside the server; FULL makes each COMMIT durable. */
	if (exec(s, "PRAGMA journal_mode = WAL") || exec(s, "PRAGMA synchronous = FULL") ||
	    exec(s, "PRAGMA foreign_keys = ON"))
		goto fail_msg;
	if (migrate(s, path)) {
		snprintf(err, err_len, "%s", s->base.err);
		goto fail;
	}
	if (prepare(s,
	            "INSERT INTO devices (name, suite, cur_key, cur_ref, enrolled_at, seq) "
	            "VALUES (?1, ?2, ?3, ?4, ?5, " NEXT_SEQ ")",
	            &s->enroll) ||
	    prepare(s,
	            "UPDATE devices SET prev_key = cur_key, prev_ref = cur_ref, cur_key = ?3, "
	            "cur_ref = ?4, last_auth_at = ?5, auth_count = auth_count + 1, "
	            "seq = " NEXT_SEQ " WHERE id = ?1 AND revoked = 0 AND cur_key = ?2",
	            &s->update_cur) ||
	    prepare(s,
	            "UPDATE devices SET cur_key = ?3, cur_ref = ?4, last_auth_at = ?5, "
	            "auth_count = auth_count + 1, seq = " NEXT_SEQ
	            " WHERE id = ?1 AND revoked = 0 AND prev_key = ?2",
	            &s->update_prev))
		goto fail_msg;
	*out = &s->base;
	return 0;
fail_msg:
	snprintf(err, err_len, "%s: %s", path, s->base.err);
fail:
	s_close(&s->base);
	return -1;
}
