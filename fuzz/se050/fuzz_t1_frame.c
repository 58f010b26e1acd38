/* Fuzzes what the host parses from the chip at the T=1 level: single frames, ATRs, and whole
 * exchanges where every byte the "chip" returns comes from the input (the state machine must stay
 * bounded and never overrun a buffer).
 *
 * Exchanges run over a fake bus that either replays its bytes cyclically, so the chip never falls
 * silent: a link that loops for ever on some chip behaviour (say, empty chained I-blocks, ACKed
 * without end) shows up as a read count past the bound below, and the target aborts; or fails once
 * the bytes run out, which reaches the bus-error paths. The bytes are the raw input, or frames
 * built from (PCB, LEN, INF) records with a valid NAD and CRC, so the fuzzer reaches the state
 * machine without having to guess CRCs. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "se050/t1oi2c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Limits private to t1oi2c.c, restated here (keep in step): apply_atr never accepts an IFSC below
 * 16, and s_exchange makes T1_S_EXCHANGE_TRIES attempts. */
#define FZ_MIN_IFSC         16
#define FZ_S_EXCHANGE_TRIES 3

/* Most bus reads one t1_transceive can need against any chip, recovery included. Every frame costs
 * at most 2 reads (header, then INF+CRC); the fake bus never NACKs, so there is no polling.
 *
 * exchange(): each loop turn reads one frame and is a WTX (at most T1_MAX_WTX per exchange), an
 * error (bad frame, R-block asking for a resend, repeated I-block: the counter resets only on
 * progress, so at most T1_MAX_RETRIES between two progress frames), a progress frame, or the frame
 * that ends the exchange. Progress frames are the ACKs that move a chained command on (fewer than
 * ceil(len / FZ_MIN_IFSC)) and the accepted response blocks of a chain, each carrying at least one
 * byte (an empty chained block ends the exchange), so at most cap of them. Hence
 *   frames <= T1_MAX_WTX + (progress + 1) * (T1_MAX_RETRIES + 1).
 * Recovery: RESYNCH, then maybe INTERFACE SOFT RESET; each is an s_exchange of
 * FZ_S_EXCHANGE_TRIES attempts of at most T1_MAX_WTX + 1 frames. */
static size_t max_reads(size_t apdu_len, size_t cap)
{
	size_t chain_acks = (apdu_len + FZ_MIN_IFSC - 1) / FZ_MIN_IFSC - 1;
	size_t progress = chain_acks + cap;
	size_t exchange = T1_MAX_WTX + (progress + 1) * (T1_MAX_RETRIES + 1);
	size_t recovery = 2 * FZ_S_EXCHANGE_TRIES * (T1_MAX_WTX + 1);
	return 2 * (exchange + recovery);
}

struct fuzz_bus {
	struct se050_bus base;
	const uint8_t *data;
	size_t size, off;
	int cyclic;
	size_t reads, max_reads; /* for the t1_transceive under way */
};

static int fb_write(struct se050_bus *bus, const uint8_t *buf, size_t len)
{
	(void)bus;
	(void)buf;
	(void)len;
	return 0;
}

/* Out of input on the finite bus = the bus failed (not a NACK, which would make the host poll and
 * sleep). The tape bus wraps around instead. */
static int fb_read(struct se050_bus *bus, uint8_t *buf, size_t len)
{
	struct fuzz_bus *b = (struct fuzz_bus *)bus;
	if (++b->reads > b->max_reads) {
		fprintf(stderr, "t1_transceive made more than %zu bus reads: unbounded loop\n",
		        b->max_reads);
		abort();
	}
	if (!b->cyclic) {
		if (b->size - b->off < len)
			return -EIO;
		memcpy(buf, b->data + b->off, len);
		b->off += len;
		return 0;
	}
	if (b->size == 0)
		return -EIO;
	for (size_t i = 0; i < len; i++) {
		buf[i] = b->data[b->off];
		b->off = (b->off + 1) % b->size;
	}
	return 0;
}

static void fb_close(struct se050_bus *bus)
{
	(void)bus;
}

static const struct se050_bus_ops fb_ops = {.write = fb_write, .read = fb_read, .close = fb_close};

static void transceive(struct t1_link *link, struct fuzz_bus *bus, const uint8_t *apdu, size_t len)
{
	uint8_t rsp[400];
	size_t rlen;
	bus->reads = 0;
	bus->max_reads = max_reads(len, sizeof(rsp));
	(void)t1_transceive(link, apdu, len, rsp, sizeof(rsp), &rlen);
}

/* Turns records of PCB, LEN, then up to LEN bytes of INF into well-formed chip frames. */
static size_t build_frames(const uint8_t *data, size_t size, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (size >= 2 && cap - n >= T1_MAX_FRAME) {
		uint8_t pcb = data[0];
		size_t len = data[1] % (T1_MAX_INF + 1);
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		n += t1_frame_build(out + n, T1_NAD_CHIP, pcb, data, len);
		data += len;
		size -= len;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frames[16384];
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 6;
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
		/* 2, 3: raw bytes; 4, 5: built frames. Even: cyclic; odd: finite. */
		struct fuzz_bus bus = {.base = {.ops = &fb_ops},
		                       .data = data,
		                       .size = size,
		                       .cyclic = mode % 2 == 0};
		if (mode >= 4) {
			bus.data = frames;
			bus.size = build_frames(data, size, frames, sizeof(frames));
		}
		struct t1_link link;
		static const uint8_t apdu[300] = {0x80, 0x02};
		t1_link_init(&link, &bus.base);
		/* A long command (chained), then a short one, on the link the first left behind. */
		transceive(&link, &bus, apdu, sizeof(apdu));
		transceive(&link, &bus, apdu, 5);
	}
	return 0;
}
