/* A PUF f(x, y) -> z: the device's physical characteristic x answers challenge y with response z.
 * For an SRAM PUF the challenge selects which SRAM block is read and the response is the debiased
 * power-up content of that block. Sources (simulator, dump file, MCU hook) implement this
 * interface. */
#ifndef HWG_PUF_PUF_H
#define HWG_PUF_PUF_H

#include <stddef.h>
#include <stdint.h>

struct puf_source {
	/* Writes len bytes of processed response for challenge into out. Returns 0, or -1 when the
	 * challenge is outside the source or the reading failed (e.g. a warm reset was detected).
	 */
	int (*read)(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len);
};

static inline int puf_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	return src->read(src, challenge, out, len);
}

/* Cryptographic randomness for the device side: the SRAM TRNG on an MCU, getrandom() on Linux. */
struct rng_source {
	/* Returns 0, or -1 when a health test failed (the caller must not proceed). */
	int (*fill)(struct rng_source *src, uint8_t *out, size_t len);
};

#endif
