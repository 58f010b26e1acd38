/* Linux file backend of the device's non-volatile storage. A commit is crash safe: the new state is
 * written to a temporary file in the same directory (FILE.tmp.PID, mode 0600), fsync'd, renamed
 * over the old file (atomic on POSIX file systems), and the directory is fsync'd so that the rename
 * itself is durable. At every instant the path names either the complete old state or the complete
 * new one.
 *
 * One run at a time: loading takes an exclusive lock (flock) on the state file, held until
 * pufproto_file_store_close(), so that two overlapping runs can never both use one state (the
 * second would be answered with a key the first had already replaced, and the device would be
 * locked out). The lock holder is the only writer, so temporary files it finds beside the state are
 * leftovers of a killed run (they hold a key): it wipes and removes them. */
#ifndef HWG_PUF_PROTO_STATE_FILE_H
#define HWG_PUF_PROTO_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/device.h"
#include "puf/proto/device_state.h"

struct pufproto_file_store {
	struct pufproto_nv_store
	        base; /* commit() rewrites path with the new nv and the same source */
	char path[4096];
	uint8_t source[PUFPROTO_STATE_MAX_SOURCE];
	size_t source_len;
	int lock_fd; /* the locked state file (-1: none) */
	/* Test hook: called after the new state is durable in its temporary file, before the
	 * rename.
	 */
	void (*before_rename)(void *arg);
	void *before_rename_arg;
	uint8_t helper[PUFPROTO_STATE_MAX_HELPER]; /* a loaded state's case maps (nv->helper) */
};

/* pufproto_file_store_load's result when another run holds the state file. */
#define PUFPROTO_STATE_FILE_BUSY (-2)

/* Writes len bytes to path atomically (temp FILE.tmp.PID with mode 0600 + fsync + rename +
 * directory fsync). Returns 0 or -1 with errno set; on failure path is untouched. */
int pufproto_write_file_atomic(const char *path, const uint8_t *buf, size_t len);

/* Creates a state file (refusing to overwrite unless overwrite is set; an existing one is locked
 * first) and sets up st for it. Returns 0, or -1 with a message in err. Close st when done. */
int pufproto_file_store_create(struct pufproto_file_store *st, const char *path,
                               const struct pufproto_device_nv *nv, const uint8_t *source,
                               size_t source_len, int overwrite, char *err, size_t err_len);

/* Locks and loads a state file: it must be a regular file. Returns 0, PUFPROTO_STATE_FILE_BUSY
 * when another run holds it, or -1 with a message in err (unreadable, corrupt, a FIFO, ...). The
 * case maps of a debiased suite are copied into st, and nv->helper points there. Close st when
 * done (even after a failure). */
int pufproto_file_store_load(struct pufproto_file_store *st, const char *path,
                             struct pufproto_device_nv *nv, char *err, size_t err_len);

/* Releases the lock. */
void pufproto_file_store_close(struct pufproto_file_store *st);

#endif
