/* Fuzzes what the host parses from the chip at the T=1 level: single frames, ATRs, the poll
 * classification (filler, shifted header, NAD-00 R-NACK), and whole exchanges where every byte the
 * "chip" returns comes from the input (the state machine must stay bounded and never overrun a
 * buffer). The link runs on a virtual clock, so its waits cost no time.
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
 * 16 nor a BWT above 10 s; s_exchange makes T1_S_EXCHANGE_TRIES attempts and drops at most
 * T1_MAX_STALE stale I-blocks; the longest single wait is 4 x the largest BWT (a WTX extension). */
#define FZ_MIN_IFSC         16
#define FZ_S_EXCHANGE_TRIES 3
#define FZ_MAX_STALE        8
#define FZ_MAX_WAIT_MS      40000

/* Most bus reads one t1_transceive can need against any chip, recovery included. Every frame costs
 * at most 3 reads (header, the LEN of a shifted header, then INF+CRC), after at most one poll per
 * virtual millisecond of its wait (the link sleeps at least MPOT, 1 ms, between polls that find
 * filler; the fake bus never NACKs).
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
	/* Recovery before the exchange (a link left needing it) and after: RESYNCH, then maybe
	 * INTERFACE SOFT RESET, each answering WTX and dropping stale blocks. */
	size_t s_exchange = T1_MAX_WTX + FZ_S_EXCHANGE_TRIES + FZ_MAX_STALE + 1;
	size_t recovery = 2 * 2 * s_exchange;
	size_t per_frame = 3 + FZ_MAX_WAIT_MS + 2;
	return per_frame * (exchange + recovery);
}

/* Virtual time: sleeping moves it on, nothing else does. */
static uint64_t virtual_us;

static uint64_t fz_now_ms(void *ctx)
{
	(void)ctx;
	return virtual_us / 1000;
}

static void fz_sleep_us(void *ctx, unsigned us)
{
	(void)ctx;
	virtual_us += us;
}

static const struct t1_clock virtual_clock = {.now_ms = fz_now_ms, .sleep_us = fz_sleep_us};

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
		(void)t1_frame_parse(&f, data, size, 0x00);
		if (size >= T1_HDR_LEN)
			(void)t1_poll_classify(data);
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
		link.clock = &virtual_clock;
		/* Short waits until an ATR says otherwise: fewer polls per input, faster fuzzing.
		 */
		link.bwt_ms = 10;
		t1_link_set_min_wait(&link, 0);
		/* A long command (chained), then a short one, on the link the first left behind. */
		transceive(&link, &bus, apdu, sizeof(apdu));
		transceive(&link, &bus, apdu, 5);
	}
	return 0;
}
