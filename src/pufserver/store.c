/* The store interface: the engine named by the location, and the checks every engine shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pufserver/store_impl.h"

void pufstore_set_error(struct pufstore *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

void pufstore_copy_blob(const void *src, size_t n, uint8_t *dst, size_t cap, size_t *len)
{
	if (n > cap)
		n = cap;
	if (src && n)
		memcpy(dst, src, n);
	if (len)
		*len = n;
}

void pufstore_sanitize_row(struct pufstore_device *d, size_t key_len, size_t prev_len)
{
	struct pufproto_suite s;

	if (key_len != PUFPROTO_KEY_LEN || (d->has_previous && prev_len != PUFPROTO_KEY_LEN) ||
	    pufproto_suite_get(d->suite, &s) || d->ref_len != s.response_len)
		d->revoked = 1;
}

int pufstore_is_postgres(const char *location)
{
	return !strncmp(location, "postgresql://", 13) || !strncmp(location, "postgres://", 11);
}

int pufstore_open(struct pufstore **out, const char *location, int create, char *err,
                  size_t err_len)
{
	*out = NULL;
	if (pufstore_is_postgres(location))
		return pufstore_pg_open(out, location, create, err, err_len);
	if (location[0] == 0) {
		snprintf(err, err_len, "empty store path");
		return -1;
	}
	return pufstore_sqlite_open(out, location, create, err, err_len);
}

void pufstore_close(struct pufstore *st)
{
	if (st)
		st->ops->close(st);
}

const char *pufstore_error(const struct pufstore *st)
{
	return st->err;
}

const char *pufstore_where(const struct pufstore *st)
{
	return st->where;
}

int pufstore_begin(struct pufstore *st)
{
	return st->ops->begin(st);
}

int pufstore_commit(struct pufstore *st)
{
	return st->ops->commit(st);
}

int pufstore_rollback(struct pufstore *st)
{
	return st->ops->rollback(st);
}

int pufstore_enroll(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
                    const uint8_t *ref, size_t ref_len, int64_t *id)
{
	struct pufproto_suite s;
	int64_t unused;

	if (pufproto_suite_get(suite, &s) || ref_len != s.response_len) {
		pufstore_set_error(st, "unknown suite or wrong reference length");
		return -1;
	}
	if (strlen(name) == 0 || strlen(name) > PUFSTORE_NAME_MAX || name[0] == '#') {
		pufstore_set_error(st,
		                   "device name must be 1..%d characters and not start with '#'",
		                   PUFSTORE_NAME_MAX);
		return -1;
	}
	return st->ops->enroll(st, name, suite, key, ref, ref_len, (int64_t)time(NULL),
	                       id ? id : &unused);
}

int pufstore_revoke(struct pufstore *st, const char *name)
{
	if (name[0] == '#') {
		char *end;
		long long id;

		errno = 0;
		id = strtoll(name + 1, &end, 10);
		if (*end || end == name + 1 || errno || id <= 0) {
			pufstore_set_error(
			        st, "'%s' is not a device id ('#' and a positive number)", name);
			return -1;
		}
		return st->ops->revoke_id(st, (int64_t)id);
	}
	return st->ops->revoke_name(st, name);
}

int pufstore_foreach(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return st->ops->foreach (st, fn, arg);
}

int pufstore_load(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return st->ops->load(st, fn, arg);
}

int pufstore_changes(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return st->ops->changes(st, fn, arg);
}

int64_t pufstore_count(struct pufstore *st)
{
	return st->ops->count(st);
}

int pufstore_update(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
                    const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
                    size_t ref_len, int64_t now)
{
	return st->ops->update(st, id, matched_slot, matched_key, new_key, new_ref, ref_len, now);
}

int pufstore_check_writable(struct pufstore *st)
{
	return st->ops->check_writable(st);
}
