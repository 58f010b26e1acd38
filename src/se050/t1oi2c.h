/* The host side of NXP's T=1 over I2C: sends an APDU as I-blocks (chained when longer than IFSC),
 * collects the chained response, answers WTX, NACKs bad frames, retransmits on request, and
 * recovers the link with RESYNCH or INTERFACE SOFT RESET. Every loop is bounded. */
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

struct t1_stats {
	unsigned nacks_sent;  /* R-blocks sent because a frame was bad or missing */
	unsigned retransmits; /* frames sent again at the chip's request */
	unsigned wtx;         /* WTX requests answered */
	unsigned resyncs;     /* RESYNCH exchanges done by recovery */
	unsigned soft_resets; /* INTERFACE SOFT RESET exchanges */
	unsigned busy_polls;  /* reads NACKed because the chip was busy */
};

struct t1_link {
	struct se050_bus *bus;
	uint8_t ns;       /* N(S) of the next I-block we send */
	uint8_t nr;       /* N(S) we expect on the chip's next I-block */
	unsigned bwt_ms;  /* how long to wait for a block */
	unsigned mpot_ms; /* pause between polls of a busy chip */
	unsigned ifsc;    /* largest INF we may send */
	bool have_atr;
	struct t1_atr atr;
	struct t1_stats stats;
};

void t1_link_init(struct t1_link *l, struct se050_bus *bus);

/* Opens the link: RESYNCH (which also flushes a stale frame), then INTERFACE SOFT RESET, whose ATR
 * sets BWT, MPOT and IFSC. Returns 0, or -ENODEV when the chip does not answer. */
int t1_link_open(struct t1_link *l);

int t1_link_resync(struct t1_link *l);
int t1_link_soft_reset(struct t1_link *l);

/* Sends apdu and receives the response (data and SW) into rsp. Returns 0; -EIO when the exchange
 * failed and the link was recovered (the command may or may not have run); -ENODEV when recovery
 * failed too; -EMSGSIZE when the response did not fit (link recovered); -EINVAL for a bad apdu. */
int t1_transceive(struct t1_link *l, const uint8_t *apdu, size_t len, uint8_t *rsp, size_t cap,
                  size_t *rsp_len);

#endif
