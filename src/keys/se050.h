/* The SE050 key provider: the static private key is an X25519 key pair inside an NXP SE050, named
 * by a handle (object id little-endian in bytes 0..3, bytes 4..31 zero). The public key is read
 * from the chip at creation; every dh() is one ECDH command on the chip. Providers on the same bus
 * share one session (the process owns the chip) and one NVM-wear budget (docs/se050.md). */
#ifndef HWG_KEYS_SE050_H
#define HWG_KEYS_SE050_H

#include <stdint.h>

#include "keys/provider.h"
#include "se050/se050.h"

#define SE050_DEFAULT_BUS "i2c:/dev/i2c-1@0x48"
#define SE050_BUS_ENV     "HWGUARD_SE050_BUS"
/* "PER_MINUTE[,BURST]": chip ECDHs allowed per minute sustained, and in a burst (default 30,32). */
#define SE050_RATE_ENV "HWGUARD_SE050_DH_RATE"

/* Floor of the T=1 block wait in ms (default T1_MIN_BLOCK_WAIT_MS = 2000, NXP's). Only for an
 * emulator whose WTX spacing follows its announced BWT (tests); never lower it for a real chip. */
#define SE050_BLOCK_WAIT_ENV "HWGUARD_SE050_BLOCK_WAIT_MS"

/* $HWGUARD_SE050_BUS, else SE050_DEFAULT_BUS. */
const char *se050_default_bus(void);

/* Session options from the environment ($HWGUARD_SE050_BLOCK_WAIT_MS). 0, or -EINVAL with *why. */
int se050_options_from_env(struct se050_options *opt, const char **why);

/* Creates the provider for object_id on bus (NULL = se050_default_bus()). Returns 0, -ENODEV (no
 * chip), -ENOENT (no such object), -EINVAL (not an X25519 key pair, or a bad setting), -EBUSY
 * (another process owns the chip) or another negative errno; *err_msg gets a static reason.
 * dh() returns 0, -EINVAL (low-order peer point), -EBUSY when the wear budget is spent (the
 * handshake is dropped, the peer retries), or the session's error naming the cause (-ENOENT,
 * -ENOSPC, -ENOMEM, -EIO bus error, -ENODEV, -EACCES, -EREMOTEIO). The first failure of an episode
 * is logged through keys/log.h with its cause, a changed cause again (at most once a minute), a
 * failure that lasts every 10 minutes, and the recovery once. */
int se050_key_provider_new(uint32_t object_id, const char *bus, struct key_provider **out,
                           const char **err_msg);

/* The chip session this process holds on bus (NULL = se050_default_bus()), opened when no provider
 * holds it yet: key management (generate, list, delete) while the interface key is in use goes
 * through the same session, since a second one cannot be opened. Same errors as
 * se050_key_provider_new; release with se050_session_release. Blocks while it talks to the chip.
 */
struct se050;
int se050_session_acquire(const char *bus, struct se050 **se, const char **err_msg);
void se050_session_release(struct se050 *se);

/* Builds the 32-byte handle for object_id. */
void se050_handle_encode(uint32_t object_id, uint8_t handle[KEY_LEN]);

#endif
