/* Applies a parsed `set=1` request to the WireGuard core and to the daemon's socket, with
 * wireguard-go's semantics (device/uapi.go): a public_key equal to the interface's own key selects
 * a dummy peer whose lines are ignored; update_only drops a peer that the block just created;
 * remove deletes the peer; each peer block ends with wg_peer_config_done.
 *
 * One departure: replace_peers=true removes, once the rest of the request is applied, the peers it
 * does not list again (until then they keep carrying traffic); a peer listed again starts from a
 * new peer's configuration (wg_peer_reset_config) but keeps its sessions, so `wg setconf` of an
 * unchanged peer neither interrupts its traffic nor costs a new handshake (on an SE050, a chip
 * operation from the wear budget). */
#ifndef HWG_DAEMON_UAPI_APPLY_H
#define HWG_DAEMON_UAPI_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/uapi_set.h"
#include "keys/select.h"
#include "wg/wg.h"

/* The provider for one private_key of a request, opened before the request was applied (on the
 * key worker: opening a hardware key talks to the chip). */
struct uapi_prepared_key {
	uint8_t key[WG_KEY_LEN]; /* the private_key value it is for */
	struct key_provider *kp; /* NULL when opening failed; taken (set to NULL) when used */
	int err;                 /* why it could not be opened */
	const char *why;
};

struct uapi_target {
	struct wg_device *dev;
	const struct key_config *key_config;
	/* The interface key was bound at startup (hwguard --key, HWGUARD_KEY): private_key=0…0
	 * keeps it (wg setconf and wg-quick send zeros for a config without PrivateKey), the bound
	 * key's own private_key is a no-op, and any other private_key is refused with -EPERM. */
	bool key_bound;
	void *ctx;
	/* Rebinds the UDP socket (0 = random port). Returns 0 or a negative errno (-EADDRINUSE). */
	int (*set_listen_port)(void *ctx, uint16_t port);
	/* Applies SO_MARK (0 removes it). Returns 0 or a negative errno. */
	int (*set_fwmark)(void *ctx, uint32_t mark);
	/* Optional: used for the private_key it was opened for, instead of opening it here. */
	struct uapi_prepared_key *prepared;
};

/* Returns 0 or the negative errno for the reply; *why (optional) gets a static reason. Operations
 * before a failing one stay applied (only a port, mark or key-provider failure can stop it midway:
 * every syntax error was caught by the parser). */
int uapi_apply(const struct uapi_target *t, const struct uapi_set *set, const struct wg_time *now,
               const char **why);

/* The same, a bounded amount of work at a time, so that the daemon moves packets between slices
 * of a large request (set_job.h: a `wg setconf` of 100,000 peers). Between steps traffic sees the
 * configuration half applied, as wireguard-go's line-by-line apply shows it; nothing else may
 * change the device's peers or key meanwhile (the daemon applies one change at a time). */
struct uapi_apply_job {
	const struct uapi_target *target;
	const struct uapi_set *set;
	size_t next;          /* the operation to apply next */
	struct wg_peer *peer; /* the current peer block's peer; NULL for a dummy or none */
	bool created;         /* ... which this request created (or replace_peers listed again) */
	bool replacing;       /* replace_peers was seen: unlisted peers go at the end */
	int err;
	const char *why;
};

/* A step ends between two peer blocks, not inside one, unless the block has more operations than
 * this left (thousands of allowed IPs on one peer). */
#define UAPI_APPLY_BLOCK_MAX 1024

/* Both t and set must outlive the job. */
void uapi_apply_start(struct uapi_apply_job *job, const struct uapi_target *t,
                      const struct uapi_set *set);
/* Does up to `budget` units of work (an operation, or the removal of one peer that replace_peers
 * left unlisted), then finishes the peer block it is in, and returns true once the request is
 * applied or failed: job->err (0 or a negative errno) and job->why are then final. */
bool uapi_apply_step(struct uapi_apply_job *job, size_t budget, const struct wg_time *now);

#endif
