#include "se050/t1oi2c.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Parameters until an ATR says otherwise (UM11225 defaults). */
#define T1_DEFAULT_BWT_MS  1000
#define T1_DEFAULT_MPOT_MS 1
#define T1_DEFAULT_SEGT_US 100
/* Clamp ATR values so a bad ATR can neither spin the CPU nor hang the caller for minutes. */
#define T1_MIN_BWT_MS  10
#define T1_MAX_BWT_MS  10000
#define T1_MAX_MPOT_MS 50
#define T1_MAX_SEGT_US 10000
/* After power-up the chip needs 5 ms before it talks (phNxpEsePal_i2c.h, WAKE_UP_DELAY_MS). */
#define T1_WAKE_UP_MS 5
/* Failed attempts of one S-exchange, and stale response blocks dropped while waiting for it. */
#define T1_S_EXCHANGE_TRIES 3
#define T1_MAX_STALE        8
/* Marker for "the exchange is lost: resynchronise". */
#define T1_RECOVER 1

static uint64_t now_ms(const struct t1_link *l)
{
	if (l->clock)
		return l->clock->now_ms(l->clock->ctx);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_us(const struct t1_link *l, unsigned us)
{
	if (l->clock) {
		l->clock->sleep_us(l->clock->ctx, us);
		return;
	}
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void update_block_wait(struct t1_link *l)
{
	unsigned twice = 2 * l->bwt_ms;
	l->block_wait_ms = twice > l->min_wait_ms ? twice : l->min_wait_ms;
}

void t1_link_init(struct t1_link *l, struct se050_bus *bus)
{
	memset(l, 0, sizeof(*l));
	l->bus = bus;
	l->bwt_ms = T1_DEFAULT_BWT_MS;
	l->min_wait_ms = T1_MIN_BLOCK_WAIT_MS;
	l->mpot_ms = T1_DEFAULT_MPOT_MS;
	l->segt_us = T1_DEFAULT_SEGT_US;
	l->ifsc = T1_MAX_INF;
	update_block_wait(l);
}

void t1_link_set_min_wait(struct t1_link *l, unsigned ms)
{
	l->min_wait_ms = ms;
	update_block_wait(l);
}

/* A chip NACKs a write it cannot take yet; NXP retries a few times only (phNxpEsePal_i2c.c). The
 * host never writes to a chip that is computing unless something already went wrong, so a write
 * NACKed for a whole BWT means no chip is listening. */
static int write_raw(struct t1_link *l, const uint8_t *frame, size_t n)
{
	uint64_t deadline = now_ms(l) + l->bwt_ms;
	for (;;) {
		sleep_us(l, l->segt_us); /* SEGT: the chip needs this gap before the next frame */
		int r = se050_bus_write(l->bus, frame, n);
		if (r == 0) {
			l->after_write = true;
			l->frames_written++;
		} else if (r == -ENODEV) {
			l->bus_gone = true;
		}
		if (r != -ENXIO)
			return r;
		if (now_ms(l) >= deadline)
			return -ETIMEDOUT;
		l->stats.busy_polls++;
		sleep_us(l, l->mpot_ms * 1000);
	}
}

static int send_block(struct t1_link *l, uint8_t pcb, const uint8_t *inf, size_t len, uint8_t *save,
                      size_t *save_len)
{
	uint8_t frame[T1_MAX_FRAME];
	size_t n = t1_frame_build(frame, T1_NAD_HOST, pcb, inf, len);
	if (!n)
		return -EINVAL;
	if (save) {
		memcpy(save, frame, n);
		*save_len = n;
	}
	return write_raw(l, frame, n);
}

/* One poll of the header. 0 with *kind set, -ENXIO (NACK), or a bus error. */
static int poll_header(struct t1_link *l, uint8_t hdr[T1_HDR_LEN], enum t1_poll *kind)
{
	if (l->after_write) {
		/* MPOT: the chip is not ready sooner after a write. */
		sleep_us(l, l->mpot_ms * 1000);
		l->after_write = false;
	}
	int r = se050_bus_read(l->bus, hdr, T1_HDR_LEN);
	if (r == -ENODEV)
		l->bus_gone = true;
	if (r)
		return r;
	*kind = t1_poll_classify(hdr);
	return 0;
}

/* Reads the rest of a frame whose poll returned hdr, and decodes it. */
static int finish_frame(struct t1_link *l, struct t1_frame *f, const uint8_t hdr[T1_HDR_LEN],
                        enum t1_poll kind)
{
	uint8_t buf[T1_MAX_FRAME];
	uint8_t nad = T1_NAD_CHIP;
	memcpy(buf, hdr, T1_HDR_LEN);
	if (kind == T1_POLL_SHIFTED) {
		l->stats.shifted++;
		memmove(buf, buf + 1, T1_HDR_LEN - 1);
		int r = se050_bus_read(l->bus, buf + T1_HDR_LEN - 1, 1);
		if (r)
			return r == -ENXIO ? -EBADMSG : r;
	} else if (kind == T1_POLL_NAD0_RNACK) {
		l->stats.nad0_rnacks++;
		nad = 0x00;
	}
	size_t len = buf[2];
	if (len > T1_MAX_INF)
		return -EBADMSG;
	int r = se050_bus_read(l->bus, buf + T1_HDR_LEN, len + T1_CRC_LEN);
	if (r)
		return r == -ENXIO ? -EBADMSG : r;
	return t1_frame_parse(f, buf, T1_HDR_LEN + len + T1_CRC_LEN, nad);
}

/* Reads one frame, polling while the chip NACKs or answers with filler. Returns 0, -ETIMEDOUT,
 * -EBADMSG/-EPROTO for a damaged frame, or a bus error. */
static int recv_block(struct t1_link *l, struct t1_frame *f, unsigned timeout_ms)
{
	uint8_t hdr[T1_HDR_LEN];
	enum t1_poll kind = T1_POLL_NOT_READY;
	uint64_t deadline = now_ms(l) + timeout_ms;
	for (;;) {
		int r = poll_header(l, hdr, &kind);
		if (r == 0 && kind != T1_POLL_NOT_READY)
			break;
		if (r == 0)
			l->stats.filler_polls++;
		else if (r == -ENXIO)
			l->stats.busy_polls++;
		else
			return r;
		if (now_ms(l) >= deadline)
			return -ETIMEDOUT;
		sleep_us(l, l->mpot_ms * 1000);
	}
	return finish_frame(l, f, hdr, kind);
}

static bool is_frame_error(int r)
{
	return r == -ETIMEDOUT || r == -EBADMSG || r == -EPROTO;
}

static bool is_wtx_request(const struct t1_frame *f)
{
	return f->type == T1_S && !f->response && f->scode == T1_S_WTX;
}

/* Answers a WTX request; *wait_ms becomes the wait for the next block, counted from now. */
static int answer_wtx(struct t1_link *l, const struct t1_frame *f, unsigned *wait_ms)
{
	l->stats.wtx++;
	unsigned mult = f->inf[0] ? f->inf[0] : 1;
	unsigned extended = l->bwt_ms * mult;
	if (extended > T1_MAX_BWT_MS * 4)
		extended = T1_MAX_BWT_MS * 4;
	*wait_ms = extended > l->block_wait_ms ? extended : l->block_wait_ms;
	return send_block(l, t1_pcb_s(T1_S_WTX, true), f->inf, 1, NULL, NULL);
}

/* One S-request / S-response exchange. The chip may still be working on a command the host gave up
 * on (or that a previous owner left): it then asks for WTX for that command and sends its response
 * before it takes anything else, and it may NACK the request's write meanwhile. So WTX is
 * answered, a stale I-block is read and dropped, a request the chip would not take is followed by
 * one poll (for its WTX request or late response), and the request is sent again, for at most
 * T1_DRAIN_MAX_MS. */
static int s_exchange(struct t1_link *l, enum t1_scode code, struct t1_frame *rsp)
{
	uint64_t deadline = now_ms(l) + T1_DRAIN_MAX_MS;
	unsigned failed = 0, stale = 0, wtx = 0, wait_ms = l->block_wait_ms;
	bool send = true, refused = false;
	for (;;) {
		if (send) {
			int w = send_block(l, t1_pcb_s(code, false), NULL, 0, NULL, NULL);
			if (w && w != -ETIMEDOUT)
				return w;
			refused = w != 0;
			if (refused && ++failed >= T1_S_EXCHANGE_TRIES)
				return -ENODEV;
			wait_ms = refused ? 0 : l->block_wait_ms; /* 0: a single poll */
			send = false;
		}
		int r = recv_block(l, rsp, wait_ms);
		wait_ms = l->block_wait_ms;
		if (r == 0 && rsp->type == T1_S && rsp->response && rsp->scode == code)
			return 0;
		if (r && !is_frame_error(r))
			return r;
		if (now_ms(l) >= deadline)
			return -ENODEV;
		if (r == 0 && is_wtx_request(rsp)) {
			if (++wtx > T1_MAX_WTX)
				return -ENODEV;
			r = answer_wtx(l, rsp, &wait_ms);
			if (r && r != -ETIMEDOUT)
				return r;
			send = r != 0;
			continue;
		}
		if (r == 0 && rsp->type == T1_I) {
			l->stats.drained++;
			if (++stale > T1_MAX_STALE)
				return -ENODEV;
		} else if (!refused && ++failed >= T1_S_EXCHANGE_TRIES) {
			return -ENODEV;
		}
		send = true;
	}
}

static void apply_atr(struct t1_link *l, const struct t1_atr *atr)
{
	l->atr = *atr;
	l->have_atr = true;
	unsigned bwt = atr->bwt_ms;
	l->bwt_ms = bwt < T1_MIN_BWT_MS ? T1_MIN_BWT_MS : bwt > T1_MAX_BWT_MS ? T1_MAX_BWT_MS : bwt;
	unsigned mpot = atr->mpot_ms;
	l->mpot_ms = mpot < 1 ? 1 : mpot > T1_MAX_MPOT_MS ? T1_MAX_MPOT_MS : mpot;
	l->segt_us = atr->segt_us > T1_MAX_SEGT_US ? T1_MAX_SEGT_US : atr->segt_us;
	l->ifsc = atr->ifsc >= 16 && atr->ifsc <= T1_MAX_INF ? atr->ifsc : T1_MAX_INF;
	update_block_wait(l);
}

static void reset_sequence(struct t1_link *l)
{
	l->ns = 0;
	l->nr = 0;
	l->need_resync = false;
}

/* The S-blocks after which both sides number their I-blocks from 0 again: RESYNCH, INTERFACE SOFT
 * RESET and CHIP RESET. */
static int s_exchange_restart(struct t1_link *l, enum t1_scode code, struct t1_frame *rsp)
{
	int r = s_exchange(l, code, rsp);
	if (r == 0)
		reset_sequence(l);
	return r;
}

/* S(RESYNCH) here and S(INTERFACE SOFT RESET) below: each answers WTX and drops stale I-blocks
 * while it waits (bounded by T1_DRAIN_MAX_MS). 0, or -ENODEV when the chip does not answer, or a
 * bus error. */
static int t1_link_resync(struct t1_link *l)
{
	struct t1_frame f;
	l->stats.resyncs++;
	return s_exchange_restart(l, T1_S_RESYNCH, &f);
}

static int t1_link_soft_reset(struct t1_link *l)
{
	struct t1_frame f;
	struct t1_atr atr;
	l->stats.soft_resets++;
	int r = s_exchange_restart(l, T1_S_SOFT_RESET, &f);
	if (r)
		return r;
	if (t1_atr_parse(&atr, f.inf, f.len) == 0)
		apply_atr(l, &atr);
	return 0;
}

int t1_link_chip_reset(struct t1_link *l)
{
	struct t1_frame f;
	return s_exchange_restart(l, T1_S_CHIP_RESET, &f);
}

/* A frame left readable by a previous owner (or an exchange broken off) is read and dropped; a WTX
 * request is answered, so that a command still running is not stalled by our silence. One poll: a
 * NACK means there is nothing to drop. */
static void drop_pending_frame(struct t1_link *l)
{
	uint8_t hdr[T1_HDR_LEN];
	enum t1_poll kind;
	struct t1_frame f;
	unsigned wait_ms;
	if (poll_header(l, hdr, &kind) != 0 || kind == T1_POLL_NOT_READY)
		return;
	if (finish_frame(l, &f, hdr, kind) != 0)
		return;
	if (is_wtx_request(&f))
		(void)answer_wtx(l, &f, &wait_ms);
	else
		l->stats.drained++;
}

int t1_link_open(struct t1_link *l)
{
	sleep_us(l, T1_WAKE_UP_MS * 1000);
	drop_pending_frame(l);
	/* A failed RESYNCH is not final: a chip in a bad state may only answer the interface reset.
	 */
	(void)t1_link_resync(l);
	return t1_link_soft_reset(l) == 0 ? 0 : -ENODEV;
}

/* Sends our last frame again, one more error against the exchange's budget: 0, T1_RECOVER once
 * the budget is spent, or a bus error. */
static int resend(struct t1_link *l, unsigned *errors, const uint8_t *last, size_t last_len)
{
	if (++*errors > T1_MAX_RETRIES)
		return T1_RECOVER;
	l->stats.retransmits++;
	return write_raw(l, last, last_len);
}

/* The exchange proper. Returns 0, T1_RECOVER, or a negative errno (bus failure, -EMSGSIZE). */
static int exchange(struct t1_link *l, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap,
                    size_t *rsp_len)
{
	/* The last frame that carried meaning (an I-block or our ACK of a chained response), sent
	 * again whenever the chip says it did not get it. */
	uint8_t last[T1_MAX_FRAME];
	size_t last_len = 0;
	size_t off = 0, chunk = 0, got = 0;
	bool sending = true;
	unsigned errors = 0, wtx = 0, wait_ms = l->block_wait_ms;
	int r;

	chunk = len - off < l->ifsc ? len - off : l->ifsc;
	r = send_block(l, t1_pcb_i(l->ns, off + chunk < len), apdu + off, chunk, last, &last_len);
	if (r)
		return r;
	l->ns ^= 1;

	for (;;) {
		struct t1_frame f;
		r = recv_block(l, &f, wait_ms);
		wait_ms = l->block_wait_ms;
		if (is_frame_error(r)) {
			if (++errors > T1_MAX_RETRIES)
				return T1_RECOVER;
			l->stats.nacks_sent++;
			r = send_block(l, t1_pcb_r(l->nr, r == -ETIMEDOUT ? T1_R_OTHER : T1_R_CRC),
			               NULL, 0, NULL, NULL);
			if (r)
				return r;
			continue;
		}
		if (r)
			return r;

		switch (f.type) {
		case T1_S:
			if (!is_wtx_request(&f) || ++wtx > T1_MAX_WTX)
				return T1_RECOVER;
			r = answer_wtx(l, &f, &wait_ms);
			if (r)
				return r;
			continue;
		case T1_R:
			if (sending && f.err == T1_R_OK && f.seq == l->ns && off + chunk < len) {
				/* ACK of a chained block: send the next one. */
				off += chunk;
				errors = 0;
				chunk = len - off < l->ifsc ? len - off : l->ifsc;
				r = send_block(l, t1_pcb_i(l->ns, off + chunk < len), apdu + off,
				               chunk, last, &last_len);
				if (r)
					return r;
				l->ns ^= 1;
				continue;
			}
			/* The chip did not get our last frame (or our NACK), or could not take it
			 * (an R-NACK, NAD 00 included): send it again. */
			r = resend(l, &errors, last, last_len);
			if (r)
				return r;
			continue;
		case T1_I:
			if (sending && off + chunk < len)
				return T1_RECOVER; /* a response before our chain ended */
			sending = false;
			if (f.seq != l->nr) {
				/* A block we already took: our ACK was lost, so repeat it. Before
				 * any response block the sequence is simply out of step: never
				 * resend the command itself, it may have run. */
				if (got == 0)
					return T1_RECOVER;
				r = resend(l, &errors, last, last_len);
				if (r)
					return r;
				continue;
			}
			/* An empty link of a chain moves nothing: without this a faulty chip could
			 * keep the host in this loop for ever; with it every block adds a byte and
			 * cap bounds the chain. */
			if (f.more && f.len == 0)
				return T1_RECOVER;
			if (f.len > cap - got)
				return -EMSGSIZE;
			memcpy(rsp + got, f.inf, f.len);
			got += f.len;
			l->nr ^= 1;
			errors = 0;
			if (!f.more) {
				*rsp_len = got;
				return 0;
			}
			r = send_block(l, t1_pcb_r(l->nr, T1_R_OK), NULL, 0, last, &last_len);
			if (r)
				return r;
			continue;
		}
	}
}

/* Puts the link back into a known state: RESYNCH, or INTERFACE SOFT RESET when that fails. */
static int recover(struct t1_link *l)
{
	if (t1_link_resync(l) == 0 || t1_link_soft_reset(l) == 0)
		return 0;
	l->need_resync = true;
	return -ENODEV;
}

int t1_transceive(struct t1_link *l, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap,
                  size_t *rsp_len)
{
	if (len == 0)
		return -EINVAL;
	*rsp_len = 0;
	l->undelivered = true;
	l->bus_gone = false;
	if (l->need_resync && recover(l) != 0)
		return -ENODEV;
	unsigned written = l->frames_written;
	int r = exchange(l, apdu, len, rsp, cap, rsp_len);
	l->undelivered = l->frames_written == written;
	if (r == 0)
		return 0;
	if (r == -ENODEV) {
		l->need_resync = true;
		return -ENODEV;
	}
	if (r != T1_RECOVER && r != -EMSGSIZE && r != -ETIMEDOUT) {
		/* The bus failed in the middle: the chip may still answer the old exchange later.
		 */
		l->need_resync = true;
		return -EIO;
	}
	if (recover(l) != 0)
		return -ENODEV;
	return r == -EMSGSIZE ? -EMSGSIZE : -EIO;
}
