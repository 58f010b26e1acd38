#include "puf/sram_mcu.h"

#include "crypto/portable/secure.h"
#include "puf/debias.h"

#ifndef HWG_DEVICE_DEBIASED_ONLY
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
#endif

static const uint8_t *mcu_read_raw(struct puf_source *src, size_t offset, size_t len)
{
	return sram_mcu_raw((struct sram_mcu *)src, offset, len);
}

void sram_mcu_open(struct sram_mcu *m, uint8_t *region, size_t region_len,
                   volatile uint32_t *canary)
{
#ifdef HWG_DEVICE_DEBIASED_ONLY
	m->base.read = NULL; /* a default-suite image reads raw only (puf/fe.h) */
#else
	m->base.read = mcu_read;
#endif
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
