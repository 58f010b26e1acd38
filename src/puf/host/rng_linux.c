#include "puf/host/rng_linux.h"

#include "crypto/random.h"

static int linux_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src;
	random_bytes(out, len);
	return 0;
}

static struct rng_source linux_rng = {.fill = linux_fill};

struct rng_source *rng_linux(void)
{
	return &linux_rng;
}
