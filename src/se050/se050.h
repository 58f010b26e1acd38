/* A session with one SE050: the process that opens it becomes the chip's only owner (flock on the
 * bus's lock file) and keeps one T=1 link and applet selection for its lifetime, recovering from
 * link errors in place: a link that stops answering is reopened (the bus reconnected) before the
 * next command, so a chip that was power-cycled or an emulator that was restarted is used again
 * without restarting the process. Every X25519 value crossing this API is in RFC 7748
 * (little-endian) order; the reversal to the chip's big-endian order happens here and nowhere else.
 * Supported applets: 3.x (SE050 A/B/C/F) and 7.x (SE050E, SE051). Thread-safe. */
#ifndef HWG_SE050_SE050_H
#define HWG_SE050_SE050_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "se050/apdu.h"
#include "se050/t1oi2c.h"

#define SE050_KEY_LEN 32
/* Customer object id range (ex_sss_objid.h); hwguard creates keys only there. */
#define SE050_ID_MIN 0x00000001u
#define SE050_ID_MAX 0x7BFFFFFFu
/* Access rules hwguard gives the keys it generates: key agreement and reading the public key, and
 * delete so that rotation can retire a key. No GEN: a key is never regenerated in place. */
#define SE050_KEY_POLICY                                                                           \
	(SE05X_POLICY_ALLOW_KA | SE05X_POLICY_ALLOW_READ | SE05X_POLICY_ALLOW_DELETE)

struct se050;

struct se050_info {
	struct se05x_version applet; /* from SELECT */
	bool have_atr;
	struct t1_atr atr;
};

struct se050_options {
	/* Floor of the T=1 block wait (T1_MIN_BLOCK_WAIT_MS). Only a test rig whose chip model
	 * spaces its WTX requests by its announced BWT may lower it. */
	unsigned min_block_wait_ms;
};

void se050_options_default(struct se050_options *opt);

/* Opens bus_spec (see se050_bus_open), takes the chip lock, opens the link and selects the applet.
 * Returns 0, -ENODEV (no chip or emulator), -EBUSY (another process owns the chip), -ENOTSUP (the
 * applet has no X25519, or is a version hwguard does not support), -EINVAL (bad spec) or another
 * negative errno; *err_msg gets a reason. opt NULL = defaults. */
int se050_open_with(const char *bus_spec, const struct se050_options *opt, struct se050 **out,
                    const char **err_msg);
int se050_open(const char *bus_spec, struct se050 **out, const char **err_msg);
void se050_close(struct se050 *se);
void se050_get_info(struct se050 *se, struct se050_info *info);
void se050_get_stats(struct se050 *se, struct t1_stats *stats);
/* The status word of the last response that was not 9000 (0 when none), for messages. */
uint16_t se050_last_status(struct se050 *se);

/* What an errno from this API means, in a few words ("no such object in the SE050", "bus error",
 * "the SE050's memory is full", ...). Never NULL. */
const char *se050_strerror(int err);

/* Generates a persistent X25519 key pair at id with SE050_KEY_POLICY. -EEXIST when id is taken and
 * !force; with force the old object is deleted first (-EACCES if its policy forbids that).
 * -ENOSPC when the chip's memory is full. */
int se050_generate_x25519(struct se050 *se, uint32_t id, bool force);

/* Imports an X25519 key pair (private key in RFC 7748 order) at id, with SE050_KEY_POLICY, through
 * WriteECKey. For tests with published vectors and for migrating a key; a key generated on the chip
 * never exists outside it. Same errors as se050_generate_x25519. */
int se050_import_x25519(struct se050 *se, uint32_t id, const uint8_t priv[SE050_KEY_LEN],
                        bool force);

/* Reads the public key of the X25519 key pair at id: -ENOENT when there is no object, -EINVAL when
 * it is not an X25519 key pair. */
int se050_x25519_public(struct se050 *se, uint32_t id, uint8_t pub[SE050_KEY_LEN]);

/* shared = X25519(key at id, peer): one ECDH command on the chip, never retried (each one writes
 * NVM). Returns 0, -EINVAL when the result is all zeros (low-order peer), -ENOENT when the object
 * is gone, or another negative errno. */
int se050_x25519(struct se050 *se, uint32_t id, const uint8_t peer[SE050_KEY_LEN],
                 uint8_t shared[SE050_KEY_LEN]);

/* 1 when id exists, 0 when not, or a negative errno. */
int se050_exists(struct se050 *se, uint32_t id);

/* Object type (SE05X_TYPE_*, per applet generation) and, for EC key pairs, curve id (0 when the
 * chip reports none). se05x_is_x25519_key_pair tells whether it is hwguard's kind of key. */
int se050_describe(struct se050 *se, uint32_t id, uint8_t *type, uint8_t *curve);

/* Fills ids with up to cap object ids; -E2BIG when there are more than cap. */
int se050_list(struct se050 *se, uint32_t *ids, size_t cap, size_t *count);

/* -ENOENT when there is no such object. */
int se050_delete(struct se050 *se, uint32_t id);

/* GetVersion: the applet version as the applet reports it now. */
int se050_get_version(struct se050 *se, struct se05x_version *version);

/* GetFreeMemory for persistent memory, in bytes (the SE050 saturates the figure at 32767). */
int se050_free_memory(struct se050 *se, uint32_t *bytes);

#endif
