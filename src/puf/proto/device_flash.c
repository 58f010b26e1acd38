/* A/B state pages: see device_flash.h for the layout and why a cut cannot lose the state. */
#include "puf/proto/device_flash.h"

#include <string.h>

#include "crypto/portable/bytes.h"
#include "crypto/portable/secure.h"
#include "puf/proto/device_state.h"

#define HEADER         8
#define PAGE_IMAGE_MAX (HEADER + PUFPROTO_FLASH_MAX_RECORD + 4)

/* The record in page `page` if the page is valid, with its sequence number. */
static int page_record(const struct pufproto_flash *p, unsigned page, struct pufproto_device_nv *nv,
                       uint32_t *seq)
{
	const uint8_t *b = p->mem + page * p->page_size, *source;
	uint32_t n = load_le32(b + 4);
	size_t source_len;

	/* n is read from flash: the record and its commit word must lie inside the page */
	if (n == 0 || n > PUFPROTO_FLASH_MAX_RECORD || p->page_size < HEADER + 4 ||
	    (n + 3) / 4 * 4 > p->page_size - HEADER - 4 ||
	    load_le32(b + HEADER + (n + 3) / 4 * 4) != ~load_le32(b))
		return -1;
	*seq = load_le32(b);
	return pufproto_state_parse(b + HEADER, n, nv, &source, &source_len) == PUFPROTO_STATE_OK
	               ? 0
	               : -1;
}

/* The valid page with the newer record: 0 or 1, or -1 when there is none. */
static int current_page(const struct pufproto_flash *p, struct pufproto_device_nv *nv,
                        uint32_t *seq)
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

/* The bytes a page holding nv as record number seq starts with. Returns their length (a multiple
 * of 4; the commit word last), or 0 when the record does not fit. */
static size_t page_image(const struct pufproto_device_nv *nv, uint32_t seq, uint32_t page_size,
                         uint8_t *img)
{
	long n = pufproto_state_encode(nv, NULL, 0, img + HEADER, PUFPROTO_FLASH_MAX_RECORD);
	size_t end;

	if (n <= 0)
		return 0;
	end = HEADER + ((size_t)n + 3) / 4 * 4;
	if (end + 4 > page_size)
		return 0;
	memset(img + HEADER + n, 0xff, end - HEADER - (size_t)n);
	store_le32(img, seq);
	store_le32(img + 4, (uint32_t)n);
	store_le32(img + end, ~seq);
	return end + 4;
}

int pufproto_flash_write(const struct pufproto_flash *p, const struct pufproto_device_nv *nv)
{
	struct pufproto_device_nv check;
	uint8_t img[PAGE_IMAGE_MAX];
	uint32_t seq = 0, base;
	int page = current_page(p, &check, &seq), ret = -1;
	size_t len = page_image(nv, page < 0 ? 1 : seq + 1, p->page_size, img);
	unsigned target = page == 0 ? 1 : 0;

	if (len) {
		base = p->addr + target * p->page_size;
		p->erase(base);
		/* in order: the commit word, last, makes the page valid */
		for (size_t i = 0; i < len; i += 4)
			p->write(base + (uint32_t)i, load_le32(img + i));
		/* every byte as built, and the newest valid record */
		if (!memcmp(p->mem + target * p->page_size, img, len) &&
		    current_page(p, &check, &seq) == (int)target)
			ret = 0;
	}
	secure_wipe(&check, sizeof(check));
	secure_wipe(img, sizeof(img));
	return ret;
}

int pufproto_flash_image(const struct pufproto_device_nv *nv, uint32_t page_size, uint8_t *out)
{
	uint8_t img[PAGE_IMAGE_MAX];
	size_t len = page_image(nv, 1, page_size, img);

	if (len) {
		memset(out, 0xff, 2 * (size_t)page_size);
		memcpy(out, img, len);
	}
	secure_wipe(img, sizeof(img));
	return len ? 0 : -1;
}
