/* Applies a parsed `set=1` request to the WireGuard core and to the daemon's socket, with
 * wireguard-go's semantics (device/uapi.go): a public_key equal to the interface's own key selects
 * a dummy peer whose lines are ignored; update_only drops a peer that the block just created;
 * remove deletes the peer; each peer block ends with wg_peer_config_done.
 *
 * One departure: replace_peers=true removes the peers that the rest of the request does not list
 * again; a peer listed again starts from a new peer's configuration (wg_peer_reset_config) but
 * keeps its sessions, so `wg setconf` of an unchanged peer neither interrupts its traffic nor
 * costs a new handshake (on an SE050, a chip operation from the wear budget). */
#ifndef HWG_DAEMON_UAPI_APPLY_H
#define HWG_DAEMON_UAPI_APPLY_H

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

/* The same, a slice at a time, so that the daemon can move packets between slices of a large
 * request (a `wg setconf` of thousands of peers). A slice never splits a peer's block: traffic
 * sees each peer either as it was or as the request leaves it. Zero-initialise the state, call
 * uapi_apply_step until it returns false, then read err and reason; between calls nothing else
 * may change the device's peers or key. */
struct uapi_apply_state {
	size_t next; /* the next operation */
	struct wg_peer *peer;
	bool peer_created;
	/* replace_peers: the peers it found, sorted by address, and which the request listed */
	struct wg_peer **replaced;
	bool *listed;
	size_t n_replaced;
	bool replacing;
	int err;
	const char *reason;
};

/* Applies up to max_peers more peer blocks (and the device lines before them). Returns true while
 * operations remain. */
bool uapi_apply_step(const struct uapi_target *t, const struct uapi_set *set,
                     struct uapi_apply_state *st, const struct wg_time *now, size_t max_peers);
/* Releases what a state abandoned before the end holds (the peers stay as they are). */
void uapi_apply_state_free(struct uapi_apply_state *st);

#endif
