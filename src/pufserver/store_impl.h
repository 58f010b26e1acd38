/* The engines behind store.h: each fills a struct pufstore_ops and embeds struct pufstore first in
 * its own state. store.c validates the arguments every engine shares (names, sizes) before calling
 * them. Tests use this header to wrap an engine (a store that fails on demand). */
#ifndef HWG_PUFSERVER_STORE_IMPL_H
#define HWG_PUFSERVER_STORE_IMPL_H

#include "pufserver/store.h"

struct pufstore_ops {
	void (*close)(struct pufstore *st);
	int (*begin)(struct pufstore *st);
	int (*commit)(struct pufstore *st);
	int (*rollback)(struct pufstore *st);
	int (*enroll)(struct pufstore *st, const char *name, uint8_t suite, const uint8_t *key,
	              const uint8_t *ref, size_t ref_len, int64_t now, int64_t *id);
	int (*revoke_name)(struct pufstore *st, const char *name);
	int (*revoke_id)(struct pufstore *st, int64_t id);
	int (*foreach)(struct pufstore *st, pufstore_row_fn fn, void *arg);
	int (*load)(struct pufstore *st, pufstore_row_fn fn, void *arg);
	int (*changes)(struct pufstore *st, pufstore_row_fn fn, void *arg);
	int64_t (*count)(struct pufstore *st);
	int (*update)(struct pufstore *st, int64_t id, enum pufstore_slot matched_slot,
	              const uint8_t *matched_key, const uint8_t *new_key, const uint8_t *new_ref,
	              size_t ref_len, int64_t now);
	int (*check_writable)(struct pufstore *st);
};

struct pufstore {
	const struct pufstore_ops *ops;
	char err[512];
	char where[256];
};

/* printf into st->err. */
__attribute__((format(printf, 2, 3))) void pufstore_set_error(struct pufstore *st, const char *fmt,
                                                              ...);

/* The engines' constructors (store_sqlite.c, store_pg.c): 0, or -1 with a message in err. */
int pufstore_sqlite_open(struct pufstore **out, const char *path, int create, char *err,
                         size_t err_len);
int pufstore_pg_open(struct pufstore **out, const char *uri, int create, char *err, size_t err_len);

/* The schema both engines follow, and the message for a store that belongs to someone else. */
#define PUFSTORE_SCHEMA_VERSION 2

/* Copies a stored blob column into dst (cap bytes); a longer one is cut to cap. */
void pufstore_copy_blob(const void *src, size_t n, uint8_t *dst, size_t cap, size_t *len);

/* A row damaged outside this program (wrong key sizes) must never match: marks it revoked. */
void pufstore_sanitize_row(struct pufstore_device *d, size_t key_len, size_t prev_len);

#endif
