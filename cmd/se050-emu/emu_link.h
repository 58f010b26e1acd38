/* The chip side of T=1 over I2C: it only ever reacts to the host's I2C writes and reads, as a real
 * SE050 does. By default it is as awkward as a real chip may be: while it computes it NACKs reads
 * and asks for WTX only once per WTX interval (default: BWT, the longest a chip waits), it ignores
 * every frame but a WTX answer until the computation is done (so a RESYNCH does not cancel it: the
 * response still comes), it NACKs a write sent sooner than SEGT after the previous transaction and
 * a read sooner than MPOT after a write, and a WTX request nobody answered is shown again to the
 * next reader. On demand it misbehaves further: corrupt CRCs, NACK I-blocks (with NAD 5A or 00),
 * request WTX, drop frames, answer polls with filler or a shifted header, NACK writes while busy,
 * or reset mid-command. */
#ifndef HWG_SE050_EMU_LINK_H
#define HWG_SE050_EMU_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "se050/apdu.h"
#include "se050/t1_frame.h"

/* Fault schedule: each "every" is a period (0 = never); the Nth event of its kind misbehaves. */
struct emu_faults {
	unsigned crc_every; /* response I-blocks sent with a broken CRC */
	unsigned nak_every; /* host I-blocks answered with R(CRC error) as if garbled */
	unsigned wtx_every; /* commands answered only after wtx_count WTX requests */
	unsigned wtx_count;
	unsigned drop_every;   /* response I-blocks never sent (the host must time out and NACK) */
	unsigned reset_every;  /* commands during which the chip resets and forgets everything */
	unsigned filler_every; /* response I-blocks whose first poll reads filler (00 00 00) */
	unsigned shift_every;  /* response I-blocks sent one byte late (a stray 00 first) */
	unsigned nad0_every;   /* host I-blocks answered with the NAD-00 R-NACK (00 82|92 00) */
	unsigned busynack_every; /* commands during which writes are NACKed while it computes */
};

struct emu_link_stats {
	unsigned frames_in, iblocks_in, frames_out, commands;
	unsigned crc_injected, nak_injected, wtx_sent, dropped, resets;
	unsigned filler_injected, shift_injected, nad0_injected, busy_nacks;
	unsigned ignored_busy; /* frames that arrived while computing and were ignored */
	unsigned guard_nacks;  /* transactions NACKed for coming sooner than SEGT / MPOT */
	unsigned chip_resets;  /* S(CHIP RESET) requests */
};

struct emu_link {
	/* The APDU engine above the link; latency_ms: how long it "computes". */
	size_t (*apdu)(void *ctx, const uint8_t *cmd, size_t n, uint8_t *rsp, unsigned *latency_ms);
	void (*reset)(void *ctx);
	void *ctx;

	struct t1_atr atr;
	unsigned wtx_interval_ms; /* time between WTX requests while computing */
	bool enforce_guard_times;
	struct emu_faults faults;
	struct emu_link_stats stats;

	uint8_t rx_seq; /* N(S) expected on the host's next I-block */
	uint8_t tx_seq; /* N(S) of our next I-block */
	uint8_t cmd[SE05X_MAX_APDU];
	size_t cmd_len;
	bool cmd_overflow;
	uint8_t rsp[SE05X_MAX_RSP];
	size_t rsp_len, rsp_off, rsp_chunk;

	/* The last I-block or chaining ACK we sent, repeated when the host asks. */
	uint8_t last_tx[T1_MAX_FRAME];
	size_t last_tx_len;
	bool last_is_response; /* last_tx is a response I-block (subject to the response faults) */

	/* A frame waiting to become readable at busy_until_us. */
	uint8_t pend[T1_MAX_FRAME];
	size_t pend_len;
	bool pend_is_response;
	uint64_t busy_until_us;
	bool computing;       /* pend is the response of a command still being computed */
	bool nack_writes;     /* busynack fault for the command being computed */
	unsigned wtx_pending; /* WTX requests to send before the response */
	bool awaiting_wtx;    /* a WTX request went out; wait for the host's answer */
	uint64_t wtx_due_us;  /* when a long computation needs the next WTX */

	/* The frame the host is reading now (it may read it in pieces; one spare byte for a shifted
	 * header). */
	uint8_t cur[T1_MAX_FRAME + 1];
	size_t cur_len, cur_off;
	unsigned filler_reads; /* polls to answer with filler before cur */

	/* Guard times: when the last transaction ended, and whether it was a write. */
	uint64_t last_txn_us;
	bool last_was_write;
};

/* BWT and the WTX interval in ms; guard times enforced. */
void emu_link_init(struct emu_link *l, uint16_t bwt_ms);

/* One I2C write from the host. Returns 0 (ACK) or -1 (address NACK). */
int emu_link_write(struct emu_link *l, const uint8_t *buf, size_t n, uint64_t now_us);

/* One I2C read of n bytes. Returns 0 with buf filled, or -1 for an address NACK (busy or nothing to
 * say). Reading past the end of a frame yields 0xFF, like an idle bus. */
int emu_link_read(struct emu_link *l, uint8_t *buf, size_t n, uint64_t now_us);

#endif
