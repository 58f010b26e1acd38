#include "emu_link.h"

#include <string.h>

void emu_link_init(struct emu_link *l, uint16_t bwt_ms)
{
	static const uint8_t hist[] = "JCOP4 ATPO";
	memset(l, 0, sizeof(*l));
	/* The ATR of the published vector (Nitrokey/se05x t1.rs), but with a configurable BWT. */
	l->atr.pver = 0;
	memcpy(l->atr.vid, "\xA0\x00\x00\x03\x96", 5);
	l->atr.bwt_ms = bwt_ms;
	l->atr.ifsc = T1_MAX_INF;
	l->atr.plid = 2;
	l->atr.mcf_khz = 1000;
	l->atr.config = 0x08;
	l->atr.mpot_ms = 1;
	l->atr.segt_us = 100;
	l->atr.wut_us = 0;
	l->atr.hist_len = sizeof(hist) - 1;
	memcpy(l->atr.hist, hist, sizeof(hist) - 1);
	l->wtx_interval_ms = bwt_ms;
	l->enforce_guard_times = true;
}

static bool nth(unsigned every, unsigned count)
{
	return every && count % every == 0;
}

/* Still working on a command: frames other than a WTX answer are ignored. */
static bool busy(const struct emu_link *l, uint64_t now)
{
	return l->computing && now < l->busy_until_us;
}

/* Queues a frame to be read once the chip is no longer busy; remember marks it as the frame to
 * repeat when the host asks for a retransmission. */
static void queue_nad(struct emu_link *l, uint8_t nad, uint8_t pcb, const uint8_t *inf, size_t len,
                      uint64_t ready, bool remember, bool response)
{
	l->pend_len = t1_frame_build(l->pend, nad, pcb, inf, len);
	l->pend_is_response = response;
	l->busy_until_us = ready;
	l->computing = false;
	if (remember) {
		memcpy(l->last_tx, l->pend, l->pend_len);
		l->last_tx_len = l->pend_len;
		l->last_is_response = response;
	}
}

static void queue(struct emu_link *l, uint8_t pcb, const uint8_t *inf, size_t len, uint64_t ready,
                  bool remember, bool response)
{
	queue_nad(l, T1_NAD_CHIP, pcb, inf, len, ready, remember, response);
}

static void repeat_last(struct emu_link *l, uint64_t now)
{
	if (!l->last_tx_len) {
		queue(l, t1_pcb_r(l->rx_seq, T1_R_OTHER), NULL, 0, now, false, false);
		return;
	}
	memcpy(l->pend, l->last_tx, l->last_tx_len);
	l->pend_len = l->last_tx_len;
	l->pend_is_response = l->last_is_response;
	l->computing = false;
	if (l->busy_until_us < now)
		l->busy_until_us = now;
}

static void forget_exchange(struct emu_link *l)
{
	l->rx_seq = 0;
	l->tx_seq = 0;
	l->cmd_len = 0;
	l->cmd_overflow = false;
	l->rsp_len = l->rsp_off = l->rsp_chunk = 0;
	l->last_tx_len = 0;
	l->pend_len = 0;
	l->computing = false;
	l->nack_writes = false;
	l->wtx_pending = 0;
	l->awaiting_wtx = false;
}

static void send_response_chunk(struct emu_link *l, uint64_t ready)
{
	size_t left = l->rsp_len - l->rsp_off;
	l->rsp_chunk = left > l->atr.ifsc ? l->atr.ifsc : left;
	bool more = l->rsp_off + l->rsp_chunk < l->rsp_len;
	queue(l, t1_pcb_i(l->tx_seq, more), l->rsp + l->rsp_off, l->rsp_chunk, ready, true, true);
	l->tx_seq ^= 1;
}

static void run_command(struct emu_link *l, uint64_t now)
{
	unsigned latency = 0;
	l->stats.commands++;
	if (nth(l->faults.reset_every, l->stats.commands)) {
		/* Power glitch: the command and all link state are lost, the applet is deselected.
		 */
		l->stats.resets++;
		forget_exchange(l);
		if (l->reset)
			l->reset(l->ctx);
		return;
	}
	if (l->cmd_overflow) {
		l->rsp[0] = 0x67;
		l->rsp[1] = 0x00;
		l->rsp_len = 2;
	} else {
		l->rsp_len = l->apdu(l->ctx, l->cmd, l->cmd_len, l->rsp, &latency);
	}
	l->cmd_len = 0;
	l->cmd_overflow = false;
	l->rsp_off = 0;
	if (nth(l->faults.wtx_every, l->stats.commands))
		l->wtx_pending = l->faults.wtx_count ? l->faults.wtx_count : 1;
	l->wtx_due_us = now + (uint64_t)l->wtx_interval_ms * 1000;
	send_response_chunk(l, now + (uint64_t)latency * 1000);
	l->computing = true;
	l->nack_writes = nth(l->faults.busynack_every, l->stats.commands);
}

static void on_iblock(struct emu_link *l, const struct t1_frame *f, uint64_t now)
{
	l->stats.iblocks_in++;
	if (nth(l->faults.nak_every, l->stats.iblocks_in)) {
		l->stats.nak_injected++;
		queue(l, t1_pcb_r(l->rx_seq, T1_R_CRC), NULL, 0, now, false, false);
		return;
	}
	if (nth(l->faults.nad0_every, l->stats.iblocks_in)) {
		/* The frame NXP's host calls "host and SE are out of sync": NAD 00, R other error.
		 */
		l->stats.nad0_injected++;
		queue_nad(l, 0x00, t1_pcb_r(l->rx_seq, T1_R_OTHER), NULL, 0, now, false, false);
		return;
	}
	if (f->seq != l->rx_seq) {
		queue(l, t1_pcb_r(l->rx_seq, T1_R_OTHER), NULL, 0, now, false, false);
		return;
	}
	l->rx_seq ^= 1;
	l->rsp_len = l->rsp_off = 0; /* a new command ends any response in progress */
	if (l->cmd_len + f->len > sizeof(l->cmd)) {
		l->cmd_overflow = true;
	} else {
		memcpy(l->cmd + l->cmd_len, f->inf, f->len);
		l->cmd_len += f->len;
	}
	if (f->more) {
		queue(l, t1_pcb_r(l->rx_seq, T1_R_OK), NULL, 0, now, true, false);
		return;
	}
	run_command(l, now);
}

static void on_rblock(struct emu_link *l, const struct t1_frame *f, uint64_t now)
{
	bool chaining = l->rsp_len && l->rsp_off + l->rsp_chunk < l->rsp_len;
	if (f->err == T1_R_OK && chaining && f->seq == l->tx_seq) {
		l->rsp_off += l->rsp_chunk;
		send_response_chunk(l, now);
		return;
	}
	repeat_last(l, now);
}

static void on_sblock(struct emu_link *l, const struct t1_frame *f, uint64_t now)
{
	uint8_t atr[T1_ATR_MAX];
	size_t atr_len;
	if (f->response) {
		if (f->scode == T1_S_WTX && l->awaiting_wtx) {
			l->awaiting_wtx = false;
			l->wtx_due_us = now + (uint64_t)l->wtx_interval_ms * 1000;
			return; /* the pending response stays pending */
		}
		queue(l, t1_pcb_r(l->rx_seq, T1_R_OTHER), NULL, 0, now, false, false);
		return;
	}
	switch (f->scode) {
	case T1_S_RESYNCH:
		forget_exchange(l);
		queue(l, t1_pcb_s(T1_S_RESYNCH, true), NULL, 0, now, false, false);
		return;
	case T1_S_SOFT_RESET:
		forget_exchange(l);
		if (l->reset)
			l->reset(l->ctx);
		atr_len = t1_atr_encode(&l->atr, atr, sizeof(atr));
		queue(l, t1_pcb_s(T1_S_SOFT_RESET, true), atr, atr_len, now, false, false);
		return;
	case T1_S_CHIP_RESET:
		l->stats.chip_resets++;
		forget_exchange(l);
		if (l->reset)
			l->reset(l->ctx);
		queue(l, t1_pcb_s(T1_S_CHIP_RESET, true), NULL, 0, now, false, false);
		return;
	case T1_S_GET_ATR:
		atr_len = t1_atr_encode(&l->atr, atr, sizeof(atr));
		queue(l, t1_pcb_s(T1_S_GET_ATR, true), atr, atr_len, now, false, false);
		return;
	case T1_S_IFS:
		queue(l, t1_pcb_s(T1_S_IFS, true), f->inf, 1, now, false, false);
		return;
	case T1_S_END_APDU_SESSION:
		queue(l, t1_pcb_s(T1_S_END_APDU_SESSION, true), NULL, 0, now, false, false);
		return;
	default:
		queue(l, t1_pcb_r(l->rx_seq, T1_R_OTHER), NULL, 0, now, false, false);
		return;
	}
}

/* Guard times: a write sooner than SEGT after the previous transaction, or a read sooner than MPOT
 * after a write, finds the chip not ready. Measured from the last transaction the chip took, not
 * from a NACKed attempt. */
static bool too_soon(const struct emu_link *l, bool write, uint64_t now)
{
	if (!l->enforce_guard_times || !l->last_txn_us)
		return false;
	uint64_t gap = now - l->last_txn_us;
	if (write)
		return gap < l->atr.segt_us;
	return l->last_was_write && gap < (uint64_t)l->atr.mpot_ms * 1000;
}

static void end_txn(struct emu_link *l, bool write, uint64_t now)
{
	l->last_txn_us = now ? now : 1;
	l->last_was_write = write;
}

int emu_link_write(struct emu_link *l, const uint8_t *buf, size_t n, uint64_t now)
{
	struct t1_frame f;
	int r = 0;
	bool was_busy = busy(l, now);
	if (too_soon(l, true, now)) {
		l->stats.guard_nacks++;
		r = -1;
	} else if (was_busy && l->nack_writes && !l->awaiting_wtx) {
		l->stats.busy_nacks++;
		r = -1;
	}
	if (r)
		return r;
	l->cur_len = l->cur_off = 0; /* anything unread is gone */
	l->filler_reads = 0;
	l->stats.frames_in++;
	int parsed = t1_frame_parse(&f, buf, n, T1_NAD_HOST);
	if (was_busy) {
		/* Computing: only the answer to our WTX request is taken. */
		if (parsed == 0 && f.type == T1_S && f.response && f.scode == T1_S_WTX &&
		    l->awaiting_wtx) {
			l->awaiting_wtx = false;
			l->wtx_due_us = now + (uint64_t)l->wtx_interval_ms * 1000;
		} else {
			l->stats.ignored_busy++;
		}
	} else if (parsed != 0) {
		queue(l, t1_pcb_r(l->rx_seq, T1_R_CRC), NULL, 0, now, false, false);
	} else {
		switch (f.type) {
		case T1_I:
			on_iblock(l, &f, now);
			break;
		case T1_R:
			on_rblock(l, &f, now);
			break;
		case T1_S:
			on_sblock(l, &f, now);
			break;
		}
	}
	end_txn(l, true, now);
	return 0;
}

static void load_wtx_request(struct emu_link *l)
{
	uint8_t one = 1;
	l->cur_len = t1_frame_build(l->cur, T1_NAD_CHIP, t1_pcb_s(T1_S_WTX, false), &one, 1);
	l->cur_off = 0;
}

/* Decides what becomes readable now: a WTX request, the pending frame, or nothing (NACK). */
static bool load_next(struct emu_link *l, uint64_t now)
{
	if (l->awaiting_wtx) {
		/* Read but never answered (the host that read it may be gone): show it again. */
		load_wtx_request(l);
		return true;
	}
	if (!l->pend_len)
		return false;
	bool is_busy = busy(l, now);
	if (l->wtx_pending || (is_busy && now >= l->wtx_due_us)) {
		if (l->wtx_pending)
			l->wtx_pending--;
		l->awaiting_wtx = true;
		l->stats.wtx_sent++;
		load_wtx_request(l);
		return true;
	}
	if (is_busy)
		return false;
	l->computing = false;
	memcpy(l->cur, l->pend, l->pend_len);
	l->cur_len = l->pend_len;
	l->cur_off = 0;
	l->pend_len = 0;
	if (l->pend_is_response) {
		l->stats.frames_out++;
		if (nth(l->faults.drop_every, l->stats.frames_out)) {
			l->stats.dropped++;
			l->cur_len = 0;
			return false;
		}
		if (nth(l->faults.crc_every, l->stats.frames_out)) {
			l->stats.crc_injected++;
			l->cur[l->cur_len - 1] ^= 0x5A;
		}
		if (nth(l->faults.shift_every, l->stats.frames_out)) {
			l->stats.shift_injected++;
			memmove(l->cur + 1, l->cur, l->cur_len);
			l->cur[0] = 0x00;
			l->cur_len++;
		}
		if (nth(l->faults.filler_every, l->stats.frames_out)) {
			l->stats.filler_injected++;
			l->filler_reads = 1;
		}
	}
	return true;
}

int emu_link_read(struct emu_link *l, uint8_t *buf, size_t n, uint64_t now)
{
	if (too_soon(l, false, now)) {
		l->stats.guard_nacks++;
		return -1;
	}
	if (l->cur_off >= l->cur_len && !load_next(l, now))
		return -1;
	end_txn(l, false, now);
	if (l->filler_reads) {
		l->filler_reads--;
		memset(buf, 0x00, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = l->cur_off < l->cur_len ? l->cur[l->cur_off++] : 0xFF;
	if (l->cur_off >= l->cur_len)
		l->cur_len = l->cur_off = 0;
	return 0;
}
