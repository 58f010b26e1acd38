/* The software key provider: the private key lives in this process's memory (wiped on destroy). */
#ifndef HWG_KEYS_SOFT_H
#define HWG_KEYS_SOFT_H

#include "keys/provider.h"

/* Creates a provider from a private key, which is clamped first (as the kernel and wireguard-go
 * do). Returns NULL on allocation failure. */
struct key_provider *soft_key_provider_new(const uint8_t private_key[KEY_LEN]);

#endif
