/* The host side of NXP's T=1 over I2C: sends an APDU as I-blocks (chained when longer than IFSC),
 * collects the chained response, answers WTX, NACKs bad frames, retransmits on request, and
 * recovers the link with RESYNCH or INTERFACE SOFT RESET. It is as tolerant as NXP's own host
 * (Plug&Trust phNxpEse_Api.c, phNxpEseProto7816_3.c): block wait of at least 2 x BWT and 2 s,
 * filler reads and shifted headers while polling, the chip's NAD-00 R-NACK, guard times from the
 * ATR, and a chip still busy with a command the host gave up on (docs/se050.md has the table).
 * Every loop is bounded. */
#ifndef HWG_SE050_T1OI2C_H
#define HWG_SE050_T1OI2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "se050/bus.h"
#include "se050/t1_frame.h"

/* Bad or missing frames tolerated in one exchange before the link is resynchronised. */
#define T1_MAX_RETRIES 3
/* WTX requests honoured in one exchange (NXP allows 500; a WTX comes about once a second). */
#define T1_MAX_WTX 500
/* The shortest block wait: NXP designs for WTX requests up to ~1 s apart whatever the ATR says
 * (phNxpEsePal_i2c.h, ESE_NAD_POLLING_MAX "target value is 2 sec"). */
#define T1_MIN_BLOCK_WAIT_MS 2000
/* How long a chip may stay busy with a command the host gave up on (NXP: T1OI2C_WAIT_FOR_PREV_TXN,
 * 40 s) before opening or resynchronising the link fails. */
#define T1_DRAIN_MAX_MS 40000

struct t1_stats {
	unsigned nacks_sent;   /* R-blocks sent because a frame was bad or missing */
	unsigned retransmits;  /* frames sent again at the chip's request */
	unsigned wtx;          /* WTX requests answered */
	unsigned resyncs;      /* RESYNCH exchanges done by recovery */
	unsigned soft_resets;  /* INTERFACE SOFT RESET exchanges */
	unsigned busy_polls;   /* reads and writes NACKed because the chip was busy */
	unsigned filler_polls; /* reads that returned filler instead of a header */
	unsigned shifted;      /* headers that started one byte late */
	unsigned nad0_rnacks;  /* R-NACKs with NAD 00 */
	unsigned drained;      /* stale frames (a response nobody waits for) read and dropped */
};

/* The link's clock; the fuzz target substitutes a virtual one, so that waiting costs no time. */
struct t1_clock {
	uint64_t (*now_ms)(void *ctx);
	void (*sleep_us)(void *ctx, unsigned us);
	void *ctx;
};

struct t1_link {
	struct se050_bus *bus;
	const struct t1_clock *clock; /* NULL: CLOCK_MONOTONIC and nanosleep */
	uint8_t ns;                   /* N(S) of the next I-block we send */
	uint8_t nr;                   /* N(S) we expect on the chip's next I-block */
	unsigned bwt_ms;
	/* Floor of the block wait; T1_MIN_BLOCK_WAIT_MS unless a test rig lowers it. */
	unsigned min_wait_ms;
	/* How long to wait for a block: max(2 x BWT, min_wait_ms), restarted on every WTX. */
	unsigned block_wait_ms;
	unsigned mpot_ms; /* minimum polling time: pause between polls and after a write */
	unsigned segt_us; /* guard time before each write */
	unsigned ifsc;    /* largest INF we may send */
	bool after_write; /* the next poll must wait MPOT first */
	/* The last exchange broke off (bus error): resynchronise before the next one, so that a
	 * late frame of the old exchange is never taken for the new one's. */
	bool need_resync;
	/* The last t1_transceive failed before any of its frames reached the chip: the command did
	 * not run, so sending it again (after reconnecting) is safe even for an ECDH. */
	bool undelivered;
	bool bus_gone; /* the bus said the chip is gone (-ENODEV) during the last t1_transceive */
	unsigned frames_written;
	bool have_atr;
	struct t1_atr atr;
	struct t1_stats stats;
};

void t1_link_init(struct t1_link *l, struct se050_bus *bus);

/* Lowers or raises the floor of the block wait (recomputes block_wait_ms). */
void t1_link_set_min_wait(struct t1_link *l, unsigned ms);

/* Opens the link: waits the chip's wake-up time, drops a frame left from before (answering a WTX
 * request of a command still running), RESYNCH, then INTERFACE SOFT RESET, whose ATR sets BWT,
 * MPOT, SEGT and IFSC. Returns 0, or -ENODEV when the chip does not answer. */
int t1_link_open(struct t1_link *l);

/* S(CHIP RESET): the chip restarts (applet deselected). */
int t1_link_chip_reset(struct t1_link *l);

/* Sends apdu and receives the response (data and SW) into rsp. Returns 0; -EIO when the exchange
 * failed (the command may or may not have run; the link is recovered, or will be before the next
 * exchange); -ENODEV when the chip does not answer; -EMSGSIZE when the response did not fit (link
 * recovered); -EINVAL for a bad apdu. */
int t1_transceive(struct t1_link *l, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap,
                  size_t *rsp_len);

#endif
