#include "keys/select.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "keys/se050_provider.h"
#include "keys/soft.h"

bool key_is_se050_handle(const uint8_t key[KEY_LEN], uint32_t *object_id)
{
	uint32_t id = (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 |
	              (uint32_t)key[3] << 24;
	if (id == 0 || !ct_is_zero(key + 4, KEY_LEN - 4))
		return false;
	if (object_id)
		*object_id = id;
	return true;
}

int key_spec_parse(const char *spec, uint8_t key[KEY_LEN], const char **why)
{
	static const char prefix[] = "se050:";
	const char *dummy;
	if (!why)
		why = &dummy;
	if (!spec || strncmp(spec, prefix, sizeof(prefix) - 1) != 0) {
		*why = "expected se050:OBJECT_ID (e.g. se050:0x10000009)";
		return -EINVAL;
	}
	const char *num = spec + sizeof(prefix) - 1;
	char *end = NULL;
	errno = 0;
	unsigned long long id = num[0] >= '0' && num[0] <= '9' ? strtoull(num, &end, 0) : 0;
	if (!end || *end || errno || id == 0 || id > 0xffffffffull) {
		*why = "the SE050 object id must be a non-zero 32-bit number (decimal or 0x-hex)";
		return -EINVAL;
	}
	se050_handle_encode((uint32_t)id, key);
	return 0;
}

int key_provider_from_config(const uint8_t key[KEY_LEN], const struct key_config *cfg,
                             struct key_provider **out, const char **err_msg)
{
	uint32_t object_id;
	if (key_is_se050_handle(key, &object_id))
		return se050_key_provider_new(object_id, cfg ? cfg->se050_bus : NULL, out, err_msg);
	*out = soft_key_provider_new(key);
	if (!*out) {
		if (err_msg)
			*err_msg = "out of memory";
		return -ENOMEM;
	}
	return 0;
}
