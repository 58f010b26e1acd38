/* Applies a parsed `set=1` request to the WireGuard core and to the daemon's socket, with
 * wireguard-go's semantics (device/uapi.go): a public_key equal to the interface's own key selects
 * a dummy peer whose lines are ignored; update_only drops a peer that the block just created;
 * remove deletes the peer; each peer block ends with wg_peer_config_done. */
#ifndef HWG_DAEMON_UAPI_APPLY_H
#define HWG_DAEMON_UAPI_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/uapi_set.h"
#include "keys/select.h"
#include "wg/wg.h"

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
};

/* Returns 0 or the negative errno for the reply; *why (optional) gets a static reason. Operations
 * before a failing one stay applied (only a port, mark or key-provider failure can stop it midway:
 * every syntax error was caught by the parser). */
int uapi_apply(const struct uapi_target *t, const struct uapi_set *set, const struct wg_time *now,
               const char **why);

/* The same, a slice at a time: a large set (100,000 peers, each with a static-static DH through the
 * key provider) costs seconds, and the daemon serves packets between slices instead of stalling.
 * Slices see the configuration half applied, as wireguard-go's line-by-line apply does. */
struct uapi_apply_job {
	const struct uapi_target *target;
	const struct uapi_set *set;
	size_t next;          /* the operation to apply next */
	struct wg_peer *peer; /* the current peer block's peer; NULL for a dummy or none */
	bool created;         /* ... which this request created */
	int err;
	const char *why;
};

/* Both t and set must outlive the job. */
void uapi_apply_start(struct uapi_apply_job *job, const struct uapi_target *t,
                      const struct uapi_set *set);
/* Does up to `budget` units of work (an operation, or one peer of a replace_peers) and returns true
 * once the request is applied or failed: job->err (0 or a negative errno) and job->why are then
 * final. */
bool uapi_apply_step(struct uapi_apply_job *job, size_t budget, const struct wg_time *now);

#endif
