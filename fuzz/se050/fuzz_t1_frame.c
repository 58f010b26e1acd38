/* Fuzzes what the host parses from the chip at the T=1 level: single frames, ATRs, and whole
 * exchanges where every byte the "chip" returns comes from the input (the state machine must stay
 * bounded and never overrun a buffer). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "se050/t1oi2c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_bus {
	struct se050_bus base;
	const uint8_t *data;
	size_t size, off;
};

static int fb_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	(void)bus;
	(void)buf;
	(void)len;
	return 0;
}

/* Out of input = the bus failed (not a NACK, which would make the host poll and sleep). */
static int fb_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct fuzz_bus *b = (struct fuzz_bus *)bus;
	if (b->size - b->off < len)
		return -EIO;
	memcpy(buf, b->data + b->off, len);
	b->off += len;
	return 0;
}

static void fb_close(struct se050_bus *bus)
{
	(void)bus;
}

static const struct se050_bus_ops fb_ops = {.write = fb_write, .read = fb_read, .close = fb_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		struct t1_frame f;
		(void)t1_frame_parse(&f, data, size, T1_NAD_CHIP);
		(void)t1_frame_parse(&f, data, size, T1_NAD_HOST);
	} else if (mode == 1) {
		struct t1_atr atr;
		if (t1_atr_parse(&atr, data, size) == 0) {
			uint8_t out[T1_ATR_MAX];
			(void)t1_atr_encode(&atr, out, sizeof(out));
		}
	} else {
		struct fuzz_bus bus = {.base = {.ops = &fb_ops}, .data = data, .size = size};
		struct t1_link link;
		static const uint8_t apdu[300] = {0x80, 0x02};
		uint8_t rsp[400];
		size_t rlen;
		t1_link_init(&link, &bus.base);
		/* A long command (chained) with the response into a small buffer. */
		(void)t1_transceive(&link, apdu, sizeof(apdu), rsp, sizeof(rsp), &rlen);
		(void)t1_transceive(&link, apdu, 5, rsp, sizeof(rsp), &rlen);
	}
	return 0;
}
