/* Chooses the key provider for the 32 bytes that UAPI `private_key=` (wg set, wg setconf,
 * wg-quick's PrivateKey) carries, following DESIGN.md "Naming a key":
 *  - bytes 4..31 all zero and bytes 0..3 non-zero: an SE050 object handle (object id
 * little-endian);
 *  - otherwise a software X25519 private key.
 * A daemon started with a bound provider option (--key ...) overrides this. */
#ifndef HWG_KEYS_SELECT_H
#define HWG_KEYS_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "keys/provider.h"

/* Daemon-wide provider settings, from the command line and environment. */
struct key_config {
	/* Bus for SE050 handles: "i2c:/dev/i2c-1@0x48" or "emu:/path/to/socket"; NULL = default. */
	const char *se050_bus;
};

/* True when key is an SE050 object handle; *object_id receives the id. */
bool key_is_se050_handle(const uint8_t key[KEY_LEN], uint32_t *object_id);

/* Parses a bound-key spec (hwguard --key, HWGUARD_KEY): "se050:ID" with ID a non-zero 32-bit
 * object id in decimal or 0x-hex (hwguard-key list shows them). key receives the 32 bytes that
 * UAPI reports for it (the handle). Returns 0 or -EINVAL with *why set. */
int key_spec_parse(const char *spec, uint8_t key[KEY_LEN], const char **why);

/* Creates the provider for key. Returns 0 and sets *out, or a negative errno: -ENODEV when the
 * named hardware is absent, -ENOENT when the object does not exist, -EINVAL when it is not an
 * X25519 key (or the bus spec is malformed), -EBUSY when another process owns the chip, -ENOTSUP
 * when the chip cannot do X25519. Blocks while it talks to the chip (reading the public key).
 * *err_msg (optional) receives a static human-readable reason. */
int key_provider_from_config(const uint8_t key[KEY_LEN], const struct key_config *cfg,
                             struct key_provider **out, const char **err_msg);

#endif
