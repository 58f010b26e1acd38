/* T=1 over I2C block codec (NXP UM11225 variant, 1-byte LEN): NAD | PCB | LEN | INF | CRC-16/X.25
 * (low byte first). Pure functions over buffers: no I/O, no state. */
#ifndef HWG_SE050_T1_FRAME_H
#define HWG_SE050_T1_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T1_NAD_HOST  0x5A /* host -> SE */
#define T1_NAD_CHIP  0xA5 /* SE -> host */
#define T1_HDR_LEN   3
#define T1_CRC_LEN   2
#define T1_MAX_INF   254
#define T1_MAX_FRAME (T1_HDR_LEN + T1_MAX_INF + T1_CRC_LEN)

enum t1_type { T1_I, T1_R, T1_S };

/* R-block error codes (low two PCB bits). */
enum t1_rerr { T1_R_OK = 0, T1_R_CRC = 1, T1_R_OTHER = 2, T1_R_SOF = 3 };

/* S-block codes (low five PCB bits). */
enum t1_scode {
	T1_S_RESYNCH = 0x00,
	T1_S_IFS = 0x01,
	T1_S_ABORT = 0x02,
	T1_S_WTX = 0x03,
	T1_S_END_APDU_SESSION = 0x05,
	T1_S_CHIP_RESET = 0x06,
	T1_S_GET_ATR = 0x07,
	T1_S_SOFT_RESET = 0x0F,
};

struct t1_frame {
	uint8_t nad;
	uint8_t pcb;
	enum t1_type type;
	uint8_t seq;      /* I: N(S); R: N(R) */
	bool more;        /* I: chaining bit */
	enum t1_rerr err; /* R only */
	uint8_t scode;    /* S only */
	bool response;    /* S only: response (0xE0) rather than request (0xC0) */
	uint8_t len;
	uint8_t inf[T1_MAX_INF];
};

/* CRC-16/X.25 (reflected 0x8408, init 0xFFFF, xorout 0xFFFF). */
uint16_t t1_crc(const uint8_t *p, size_t n);

uint8_t t1_pcb_i(unsigned ns, bool more);
uint8_t t1_pcb_r(unsigned nr, enum t1_rerr err);
uint8_t t1_pcb_s(enum t1_scode code, bool response);

/* Writes a complete frame into out; returns its length, or 0 when len > T1_MAX_INF. */
size_t t1_frame_build(uint8_t out[T1_MAX_FRAME], uint8_t nad, uint8_t pcb, const uint8_t *inf,
                      size_t len);

/* Decodes exactly n bytes as one frame addressed with expect_nad. Returns 0, -EBADMSG on a bad CRC,
 * wrong NAD or length mismatch, -EPROTO on an undefined PCB. */
int t1_frame_parse(struct t1_frame *f, const uint8_t *buf, size_t n, uint8_t expect_nad);

/* What the first T1_HDR_LEN bytes of a poll show. A chip that is not ready may answer a read with
 * filler bytes instead of NACKing its address, may put one stray byte before a header, and answers
 * a frame it could not take with an R-NACK whose NAD is 00 (`00 82` / `00 92`). NXP's host accepts
 * all of these (phNxpEse_readPacket), in this order of precedence. */
enum t1_poll {
	T1_POLL_NOT_READY,  /* neither of the below: poll again */
	T1_POLL_FRAME,      /* A5 PCB LEN */
	T1_POLL_SHIFTED,    /* x A5 PCB: the header starts one byte late; LEN is the next byte */
	T1_POLL_NAD0_RNACK, /* 00 82|92 LEN: an R-block (other error) with NAD 00 */
};

enum t1_poll t1_poll_classify(const uint8_t hdr[T1_HDR_LEN]);

/* The answer-to-reset the SE returns in S(GET ATR / INTERFACE SOFT RESET response). */
struct t1_atr {
	uint8_t pver;
	uint8_t vid[5];
	uint16_t bwt_ms;  /* block waiting time */
	uint16_t ifsc;    /* largest INF the SE accepts */
	uint8_t plid;     /* physical layer id (2 = I2C) */
	uint16_t mcf_khz; /* maximum clock frequency */
	uint8_t config;
	uint8_t mpot_ms; /* minimum polling time */
	uint16_t segt_us;
	uint16_t wut_us;
	uint8_t hist_len;
	uint8_t hist[32];
};

#define T1_ATR_MAX 64

/* Parses an ATR strictly: every length must fit and no byte may be left over. 0 or -EBADMSG. */
int t1_atr_parse(struct t1_atr *atr, const uint8_t *p, size_t n);

/* Encodes atr (the emulator's side); returns the length, or 0 if cap is too small. */
size_t t1_atr_encode(const struct t1_atr *atr, uint8_t *out, size_t cap);

#endif
