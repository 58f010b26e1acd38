#include "se050/t1oi2c.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Parameters until an ATR says otherwise (UM11225 defaults). */
#define T1_DEFAULT_BWT_MS  1000
#define T1_DEFAULT_MPOT_MS 1
/* Clamp ATR values so a bad ATR can neither spin the CPU nor hang the caller for minutes. */
#define T1_MIN_BWT_MS  10
#define T1_MAX_BWT_MS  10000
#define T1_MAX_MPOT_MS 50
/* A busy chip NACKs writes too; give up after this many polls. */
#define T1_WRITE_POLLS      200
#define T1_S_EXCHANGE_TRIES 3
/* Marker for "the exchange is lost: resynchronise". */
#define T1_RECOVER 1

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void t1_link_init(struct t1_link *l, struct se050_bus *bus)
{
	memset(l, 0, sizeof(*l));
	l->bus = bus;
	l->bwt_ms = T1_DEFAULT_BWT_MS;
	l->mpot_ms = T1_DEFAULT_MPOT_MS;
	l->ifsc = T1_MAX_INF;
}

static int write_raw(struct t1_link *l, const uint8_t *frame, size_t n)
{
	for (unsigned i = 0;; i++) {
		int r = se050_bus_write(l->bus, frame, n);
		if (r != -ENXIO)
			return r;
		if (i >= T1_WRITE_POLLS)
			return -ETIMEDOUT;
		l->stats.busy_polls++;
		sleep_ms(l->mpot_ms);
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

/* Reads one frame: header first (polling while the chip NACKs), then INF and CRC. Returns 0,
 * -ETIMEDOUT, -EBADMSG/-EPROTO for a damaged frame, or a bus error. */
static int recv_block(struct t1_link *l, struct t1_frame *f, unsigned timeout_ms)
{
	uint8_t buf[T1_MAX_FRAME];
	uint64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		int r = se050_bus_read(l->bus, buf, T1_HDR_LEN);
		if (r == 0)
			break;
		if (r != -ENXIO)
			return r;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		l->stats.busy_polls++;
		sleep_ms(l->mpot_ms);
	}
	if (buf[0] != T1_NAD_CHIP)
		return -EBADMSG;
	size_t len = buf[2];
	if (len > T1_MAX_INF)
		return -EBADMSG;
	int r = se050_bus_read(l->bus, buf + T1_HDR_LEN, len + T1_CRC_LEN);
	if (r)
		return r == -ENXIO ? -EBADMSG : r;
	return t1_frame_parse(f, buf, T1_HDR_LEN + len + T1_CRC_LEN, T1_NAD_CHIP);
}

static bool is_frame_error(int r)
{
	return r == -ETIMEDOUT || r == -EBADMSG || r == -EPROTO;
}

static int answer_wtx(struct t1_link *l, const struct t1_frame *f, unsigned *wait_ms)
{
	l->stats.wtx++;
	unsigned mult = f->inf[0] ? f->inf[0] : 1;
	*wait_ms = l->bwt_ms * mult;
	if (*wait_ms > T1_MAX_BWT_MS * 4)
		*wait_ms = T1_MAX_BWT_MS * 4;
	return send_block(l, t1_pcb_s(T1_S_WTX, true), f->inf, 1, NULL, NULL);
}

/* One S-request / S-response exchange; answers WTX left over from an interrupted command. */
static int s_exchange(struct t1_link *l, enum t1_scode code, struct t1_frame *rsp)
{
	for (int attempt = 0; attempt < T1_S_EXCHANGE_TRIES; attempt++) {
		int r = send_block(l, t1_pcb_s(code, false), NULL, 0, NULL, NULL);
		if (r)
			return r;
		unsigned wait_ms = l->bwt_ms;
		for (unsigned wtx = 0; wtx <= T1_MAX_WTX; wtx++) {
			r = recv_block(l, rsp, wait_ms);
			if (r == 0 && rsp->type == T1_S && !rsp->response &&
			    rsp->scode == T1_S_WTX) {
				r = answer_wtx(l, rsp, &wait_ms);
				if (r)
					return r;
				continue;
			}
			break;
		}
		if (r == 0 && rsp->type == T1_S && rsp->response && rsp->scode == code)
			return 0;
		if (r && !is_frame_error(r))
			return r;
	}
	return -ENODEV;
}

static void apply_atr(struct t1_link *l, const struct t1_atr *atr)
{
	l->atr = *atr;
	l->have_atr = true;
	unsigned bwt = atr->bwt_ms;
	l->bwt_ms = bwt < T1_MIN_BWT_MS ? T1_MIN_BWT_MS : bwt > T1_MAX_BWT_MS ? T1_MAX_BWT_MS : bwt;
	unsigned mpot = atr->mpot_ms;
	l->mpot_ms = mpot < 1 ? 1 : mpot > T1_MAX_MPOT_MS ? T1_MAX_MPOT_MS : mpot;
	l->ifsc = atr->ifsc >= 16 && atr->ifsc <= T1_MAX_INF ? atr->ifsc : T1_MAX_INF;
}

int t1_link_resync(struct t1_link *l)
{
	struct t1_frame f;
	l->stats.resyncs++;
	int r = s_exchange(l, T1_S_RESYNCH, &f);
	if (r)
		return r;
	l->ns = 0;
	l->nr = 0;
	return 0;
}

int t1_link_soft_reset(struct t1_link *l)
{
	struct t1_frame f;
	struct t1_atr atr;
	l->stats.soft_resets++;
	int r = s_exchange(l, T1_S_SOFT_RESET, &f);
	if (r)
		return r;
	l->ns = 0;
	l->nr = 0;
	if (t1_atr_parse(&atr, f.inf, f.len) == 0)
		apply_atr(l, &atr);
	return 0;
}

int t1_link_open(struct t1_link *l)
{
	/* A failed RESYNCH is not final: a chip still busy with an old command may only answer the
	 * interface reset. */
	(void)t1_link_resync(l);
	return t1_link_soft_reset(l) == 0 ? 0 : -ENODEV;
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
	unsigned errors = 0, wtx = 0, wait_ms = l->bwt_ms;
	int r;

	chunk = len - off < l->ifsc ? len - off : l->ifsc;
	r = send_block(l, t1_pcb_i(l->ns, off + chunk < len), apdu + off, chunk, last, &last_len);
	if (r)
		return r;
	l->ns ^= 1;

	for (;;) {
		struct t1_frame f;
		r = recv_block(l, &f, wait_ms);
		wait_ms = l->bwt_ms;
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
			if (f.response || f.scode != T1_S_WTX || ++wtx > T1_MAX_WTX)
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
			/* The chip did not get our last frame (or our NACK): send it again. */
			if (++errors > T1_MAX_RETRIES)
				return T1_RECOVER;
			l->stats.retransmits++;
			r = write_raw(l, last, last_len);
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
				if (got == 0 || ++errors > T1_MAX_RETRIES)
					return T1_RECOVER;
				l->stats.retransmits++;
				r = write_raw(l, last, last_len);
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

int t1_transceive(struct t1_link *l, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap,
                  size_t *rsp_len)
{
	if (len == 0)
		return -EINVAL;
	*rsp_len = 0;
	int r = exchange(l, apdu, len, rsp, cap, rsp_len);
	if (r == 0)
		return 0;
	if (r != T1_RECOVER && r != -EMSGSIZE && r != -ETIMEDOUT)
		return r == -ENODEV ? -ENODEV : -EIO;
	/* The exchange is lost; put the link back into a known state so the next command works. */
	if (t1_link_resync(l) != 0 && t1_link_soft_reset(l) != 0)
		return -ENODEV;
	return r == -EMSGSIZE ? -EMSGSIZE : -EIO;
}
