#include "keys/soft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crypto/portable/secure.h"
#include "crypto/x25519.h"

/* The private key is config_key, and only there: it is handed to OpenSSL for each exchange and
 * not kept loaded. A loaded EVP_PKEY would save one scalar multiplication per exchange, but
 * OpenSSL 3.0 keeps its copy of the scalar on the ordinary heap (not in its secure heap), which a
 * core dump includes. */
struct soft_key_provider {
	struct key_provider base; /* first: the core sees only the base */
};

/* The provider (it holds the private key, as config_key) lives on pages of its own, excluded from
 * core dumps (MADV_DONTDUMP) and, where RLIMIT_MEMLOCK allows, from swap (mlock)
 * (docs/daemon.md "Keys in memory"). */
static size_t secret_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;
	return (sizeof(struct soft_key_provider) + p - 1) / p * p;
}

static void *secret_alloc(void)
{
	void *m = mmap(NULL, secret_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	               0);
	if (m == MAP_FAILED)
		return NULL;
	madvise(m, secret_size(), MADV_DONTDUMP); /* fails only on kernels before 3.4 */
	mlock(m, secret_size());                  /* best effort: the limit may be 0 */
	return m;                                 /* zero-filled by the kernel */
}

static void secret_free(void *m)
{
	secure_wipe(m, secret_size());
	munlock(m, secret_size());
	munmap(m, secret_size());
}

static int soft_dh(struct key_provider *kp, uint8_t shared[KEY_LEN],
                   const uint8_t peer_public[KEY_LEN])
{
	return x25519(shared, kp->config_key, peer_public) == 0 ? 0 : -EINVAL;
}

static void soft_destroy(struct key_provider *kp)
{
	secret_free(kp);
}

static const struct key_provider_ops soft_ops = {
        .name = "soft",
        .dh = soft_dh,
        .destroy = soft_destroy,
};

struct key_provider *soft_key_provider_new(const uint8_t private_key[KEY_LEN])
{
	struct soft_key_provider *s = secret_alloc();
	if (!s)
		return NULL;
	s->base.ops = &soft_ops;
	memcpy(s->base.config_key, private_key, KEY_LEN);
	x25519_clamp(s->base.config_key);
	s->base.config_key_is_private = true;
	if (x25519_public_key(s->base.public_key, s->base.config_key) != 0) {
		soft_destroy(&s->base);
		return NULL;
	}
	return &s->base;
}
