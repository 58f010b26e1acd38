/* Linux file backend of the device's non-volatile storage. A commit is crash safe: the new state is
 * written to a temporary file in the same directory, fsync'd, renamed over the old file (atomic on
 * POSIX file systems), and the directory is fsync'd so that the rename itself is durable. At every
 * instant the path names either the complete old state or the complete new one. */
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
	uint8_t helper[PUFPROTO_STATE_MAX_HELPER]; /* a loaded state's case maps (nv->helper) */
};

/* Writes len bytes to path atomically (temp + fsync + rename + directory fsync). Returns 0 or -1
 * with errno set; on failure path is untouched. */
int pufproto_write_file_atomic(const char *path, const uint8_t *buf, size_t len);

/* Creates a state file (refusing to overwrite unless overwrite is set) and sets up st for it.
 * Returns 0, or -1 with a message in err. */
int pufproto_file_store_create(struct pufproto_file_store *st, const char *path,
                               const struct pufproto_device_nv *nv, const uint8_t *source,
                               size_t source_len, int overwrite, char *err, size_t err_len);

/* Loads a state file. Returns 0, or -1 with a message in err (unreadable, corrupt, ...). The case
 * maps of a debiased suite are copied into st, and nv->helper points there. */
int pufproto_file_store_load(struct pufproto_file_store *st, const char *path,
                             struct pufproto_device_nv *nv, char *err, size_t err_len);

#endif
