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
	/* Raw power-up bytes [offset, offset + len) of one fresh power-up (32-bit little-endian
	 * words, as the CPU reads them), or NULL when the range is outside the source or the
	 * reading failed. Each call is a new reading where the source can make one; the bytes stay
	 * valid until the next call. An MCU hands out the power-up RAM itself, so a scheme that
	 * walks it once costs no RAM however much SRAM it reads (debias.h). NULL where a source has
	 * no raw access. */
	const uint8_t *(*read_raw)(struct puf_source *src, size_t offset, size_t len);
};

static inline int puf_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	return src->read(src, challenge, out, len);
}

static inline const uint8_t *puf_read_raw(struct puf_source *src, size_t offset, size_t len)
{
	return src->read_raw ? src->read_raw(src, offset, len) : NULL;
}

/* Cryptographic randomness for the device side: the SRAM TRNG on an MCU, getrandom() on Linux. */
struct rng_source {
	/* Returns 0, or -1 when a health test failed (the caller must not proceed). */
	int (*fill)(struct rng_source *src, uint8_t *out, size_t len);
};

#endif
