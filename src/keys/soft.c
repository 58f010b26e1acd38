#include "keys/soft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "crypto/x25519.h"

struct soft_key_provider {
	struct key_provider base; /* first: the core sees only the base */
	/* Loaded into OpenSSL once: each exchange then costs one scalar multiplication, not two. */
	struct x25519_key key;
};

static int soft_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                   const uint8_t peer_public[KEY_LEN])
{
	struct soft_key_provider *s = (struct soft_key_provider *)kp;
	return x25519_key_exchange(shared, &s->key, peer_public) == 0 ? 0 : -EINVAL;
}

static void soft_destroy(struct key_provider *kp)
{
	struct soft_key_provider *s = (struct soft_key_provider *)kp;
	x25519_key_clear(&s->key);
	secure_wipe(s, sizeof(*s));
	free(s);
}

static const struct key_provider_ops soft_ops = {
        .name = "soft",
        .dh = soft_dh,
        .destroy = soft_destroy,
};

struct key_provider *soft_key_provider_new(const uint8_t private_key[KEY_LEN])
{
	struct soft_key_provider *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base.ops = &soft_ops;
	memcpy(s->base.config_key, private_key, KEY_LEN);
	x25519_clamp(s->base.config_key);
	s->base.config_key_is_private = true;
	if (x25519_key_init(&s->key, s->base.config_key) != 0 ||
	    x25519_key_public(&s->key, s->base.public_key) != 0) {
		soft_destroy(&s->base);
		return NULL;
	}
	return &s->base;
}
