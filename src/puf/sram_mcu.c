#include "puf/sram_mcu.h"

#include <string.h>

#include "crypto/portable/secure.h"
#include "puf/debias.h"

static int mcu_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	struct sram_mcu *m = (struct sram_mcu *)src;
	if (len == 0 || len % 2 || challenge > SIZE_MAX / (2 * len))
		return -1;
	const uint8_t *raw = sram_mcu_raw(m, (size_t)challenge * 2 * len, 2 * len);
	if (!raw)
		return -1;
	debias_xor_halves(raw, 2 * len, out);
	return 0;
}

static const uint8_t *mcu_read_raw(struct puf_source *src, size_t offset, size_t len)
{
	return sram_mcu_raw((struct sram_mcu *)src, offset, len);
}

void sram_mcu_open(struct sram_mcu *m, uint8_t *region, size_t region_len,
                   volatile uint32_t *canary)
{
	m->base.read = mcu_read;
	m->base.read_raw = mcu_read_raw;
	m->region = region;
	m->region_len = region_len & ~(size_t)3;
	m->canary = canary;
	m->warm = *canary == SRAM_MCU_CANARY;
}

const uint8_t *sram_mcu_raw(const struct sram_mcu *m, size_t offset, size_t len)
{
	if (m->warm || len == 0 || offset > m->region_len || len > m->region_len - offset)
		return NULL;
	return m->region + offset;
}

void sram_mcu_close(struct sram_mcu *m)
{
	secure_wipe(m->region, m->region_len);
	*m->canary = SRAM_MCU_CANARY;
	m->warm = 1;
}

uint32_t sram_mcu_challenges(size_t raw_bytes, size_t len)
{
	if (len == 0 || len % 2)
		return 0;
	size_t n = raw_bytes / (2 * len);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int capture_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	struct sram_mcu_capture *c = (struct sram_mcu_capture *)src;
	for (unsigned i = 0; i < c->count; i++)
		if (c->challenge[i] == challenge && len == c->len) {
			memcpy(out, c->reading[i], len);
			return 0;
		}
	return -1;
}

void sram_mcu_capture_init(struct sram_mcu_capture *c, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->base.read = capture_read;
	c->len = len;
}

int sram_mcu_capture(struct sram_mcu_capture *c, struct puf_source *src, uint32_t challenge,
                     uint8_t *buf)
{
	for (unsigned i = 0; i < c->count; i++)
		if (c->challenge[i] == challenge)
			return 0;
	if (c->count == SRAM_MCU_CAPTURES || puf_read(src, challenge, buf, c->len))
		return -1;
	c->challenge[c->count] = challenge;
	c->reading[c->count++] = buf;
	return 0;
}

void sram_mcu_capture_wipe(struct sram_mcu_capture *c)
{
	for (unsigned i = 0; i < c->count; i++)
		secure_wipe(c->reading[i], c->len);
	c->count = 0;
}
