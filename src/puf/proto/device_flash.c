/* A/B state pages: see nv_pages.h for the layout and why a cut cannot lose the state. */
#include "puf/proto/device_flash.h"

#include <string.h>

#include "crypto/portable/secure.h"
#include "puf/proto/device_state.h"

#define HEADER_WORDS 2

/* The record in page `page` if the page is valid, with its sequence number. */
static int page_record(const struct pufproto_flash *p, unsigned page, struct pufproto_device_nv *nv,
                       uint32_t *seq)
{
	const volatile uint32_t *w = p->mem + page * (p->page_size / 4);
	uint8_t rec[PUFPROTO_FLASH_MAX_RECORD];
	const uint8_t *source;
	size_t source_len;
	uint32_t n = w[1];

	if (n == 0 || n > PUFPROTO_FLASH_MAX_RECORD || w[HEADER_WORDS + (n + 3) / 4] != ~w[0])
		return -1;
	for (uint32_t i = 0; i < n; i++)
		rec[i] = (uint8_t)(w[HEADER_WORDS + i / 4] >> (8 * (i % 4)));
	*seq = w[0];
	return pufproto_state_parse(rec, n, nv, &source, &source_len) == PUFPROTO_STATE_OK ? 0 : -1;
}

/* The valid page with the newer record: 0 or 1, or -1 when there is none. */
static int current_page(const struct pufproto_flash *p, struct pufproto_device_nv *nv, uint32_t *seq)
{
	struct pufproto_device_nv other;
	uint32_t s0, s1;
	int a = page_record(p, 0, nv, &s0) == 0;
	int b = page_record(p, 1, &other, &s1) == 0;
	int cur = -1;

	if (b && (!a || s1 > s0)) {
		*nv = other;
		*seq = s1;
		cur = 1;
	} else if (a) {
		*seq = s0;
		cur = 0;
	}
	secure_wipe(&other, sizeof(other));
	return cur;
}

int pufproto_flash_read(const struct pufproto_flash *p, struct pufproto_device_nv *nv,
                        uint32_t *seq)
{
	uint32_t s;
	if (current_page(p, nv, &s) < 0)
		return -1;
	if (seq)
		*seq = s;
	return 0;
}

/* The words of page contents holding rec (n bytes) as record number seq. */
static uint32_t record_word(const uint8_t *rec, uint32_t n, uint32_t seq, uint32_t i)
{
	if (i == 0)
		return seq;
	if (i == 1)
		return n;
	if (i == HEADER_WORDS + (n + 3) / 4)
		return ~seq;
	uint32_t w = 0xffffffffu;
	for (uint32_t b = 0; b < 4; b++) {
		uint32_t k = (i - HEADER_WORDS) * 4 + b;
		if (k < n)
			w = (w & ~(0xffu << (8 * b))) | (uint32_t)rec[k] << (8 * b);
	}
	return w;
}

int pufproto_flash_write(const struct pufproto_flash *p, const struct pufproto_device_nv *nv)
{
	struct pufproto_device_nv cur, check;
	uint8_t rec[PUFPROTO_FLASH_MAX_RECORD];
	uint32_t seq = 0;
	int page = current_page(p, &cur, &seq), ret = -1;
	long n = pufproto_state_encode(nv, NULL, 0, rec, sizeof(rec));
	unsigned target = page == 0 ? 1 : 0;
	uint32_t base = p->addr + target * p->page_size, words;

	secure_wipe(&cur, sizeof(cur));
	if (n <= 0 || (uint32_t)n + 4 * (HEADER_WORDS + 1) > p->page_size)
		goto out;
	words = HEADER_WORDS + ((uint32_t)n + 3) / 4 + 1;
	seq = page < 0 ? 1 : seq + 1;
	p->erase(base);
	/* in order: the commit word, last, makes the page valid */
	for (uint32_t i = 0; i < words; i++)
		p->write(base + 4 * i, record_word(rec, (uint32_t)n, seq, i));
	if (current_page(p, &check, &seq) == (int)target &&
	    !memcmp(check.sk, nv->sk, sizeof(nv->sk)) && check.challenge == nv->challenge &&
	    check.suite == nv->suite)
		ret = 0;
	secure_wipe(&check, sizeof(check));
out:
	secure_wipe(rec, sizeof(rec));
	return ret;
}

int pufproto_flash_image(const struct pufproto_device_nv *nv, uint32_t page_size, uint8_t *out)
{
	uint8_t rec[PUFPROTO_FLASH_MAX_RECORD];
	long n = pufproto_state_encode(nv, NULL, 0, rec, sizeof(rec));
	int ret = -1;

	if (n > 0 && page_size % 4 == 0 && (uint32_t)n + 4 * (HEADER_WORDS + 1) <= page_size) {
		memset(out, 0xff, 2 * (size_t)page_size);
		for (uint32_t i = 0; i < HEADER_WORDS + ((uint32_t)n + 3) / 4 + 1; i++) {
			uint32_t w = record_word(rec, (uint32_t)n, 1, i);
			for (unsigned b = 0; b < 4; b++)
				out[4 * i + b] = (uint8_t)(w >> (8 * b));
		}
		ret = 0;
	}
	secure_wipe(rec, sizeof(rec));
	return ret;
}
