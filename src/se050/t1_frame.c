#include "se050/t1_frame.h"

#include "crypto/portable/bytes.h"

#include <errno.h>
#include <string.h>

uint16_t t1_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

uint8_t t1_pcb_i(unsigned ns, bool more)
{
	return (uint8_t)((ns & 1) << 6 | (more ? 0x20 : 0));
}

uint8_t t1_pcb_r(unsigned nr, enum t1_rerr err)
{
	return (uint8_t)(0x80 | (nr & 1) << 4 | (err & 3));
}

uint8_t t1_pcb_s(enum t1_scode code, bool response)
{
	return (uint8_t)(0xC0 | (response ? 0x20 : 0) | (code & 0x1F));
}

size_t t1_frame_build(uint8_t out[T1_MAX_FRAME], uint8_t nad, uint8_t pcb, const uint8_t *inf,
                      size_t len)
{
	if (len > T1_MAX_INF)
		return 0;
	out[0] = nad;
	out[1] = pcb;
	out[2] = (uint8_t)len;
	if (len)
		memcpy(out + T1_HDR_LEN, inf, len);
	uint16_t crc = t1_crc(out, T1_HDR_LEN + len);
	out[T1_HDR_LEN + len] = (uint8_t)crc;
	out[T1_HDR_LEN + len + 1] = (uint8_t)(crc >> 8);
	return T1_HDR_LEN + len + T1_CRC_LEN;
}

static bool s_code_defined(uint8_t code)
{
	switch (code) {
	case T1_S_RESYNCH:
	case T1_S_IFS:
	case T1_S_ABORT:
	case T1_S_WTX:
	case T1_S_END_APDU_SESSION:
	case T1_S_CHIP_RESET:
	case T1_S_GET_ATR:
	case T1_S_SOFT_RESET:
		return true;
	default:
		return false;
	}
}

static int decode_pcb(struct t1_frame *f, uint8_t pcb)
{
	if ((pcb & 0x80) == 0) {
		if (pcb & 0x1F) /* RFU bits of an I-block must be zero */
			return -EPROTO;
		f->type = T1_I;
		f->seq = (pcb >> 6) & 1;
		f->more = (pcb & 0x20) != 0;
		return 0;
	}
	if ((pcb & 0xC0) == 0x80) {
		if (pcb & 0x2C)
			return -EPROTO;
		f->type = T1_R;
		f->seq = (pcb >> 4) & 1;
		f->err = (enum t1_rerr)(pcb & 3);
		return 0;
	}
	if (!s_code_defined(pcb & 0x1F))
		return -EPROTO;
	f->type = T1_S;
	f->scode = pcb & 0x1F;
	f->response = (pcb & 0x20) != 0;
	return 0;
}

int t1_frame_parse(struct t1_frame *f, const uint8_t *buf, size_t n, uint8_t expect_nad)
{
	if (n < T1_HDR_LEN + T1_CRC_LEN || n > T1_MAX_FRAME)
		return -EBADMSG;
	size_t len = buf[2];
	if (n != T1_HDR_LEN + len + T1_CRC_LEN)
		return -EBADMSG;
	uint16_t crc = t1_crc(buf, T1_HDR_LEN + len);
	if (buf[T1_HDR_LEN + len] != (uint8_t)crc ||
	    buf[T1_HDR_LEN + len + 1] != (uint8_t)(crc >> 8))
		return -EBADMSG;
	if (buf[0] != expect_nad)
		return -EBADMSG;
	memset(f, 0, sizeof(*f));
	f->nad = buf[0];
	f->pcb = buf[1];
	int r = decode_pcb(f, buf[1]);
	if (r)
		return r;
	/* R-blocks never carry data; of the S-blocks only WTX and IFS carry exactly one byte, and
	 * the ATR-bearing responses carry the ATR. */
	if (f->type == T1_R && len != 0)
		return -EPROTO;
	if (f->type == T1_S) {
		bool one_byte = f->scode == T1_S_WTX || f->scode == T1_S_IFS;
		bool atr = f->response && (f->scode == T1_S_GET_ATR || f->scode == T1_S_SOFT_RESET);
		if (one_byte ? len != 1 : (!atr && len != 0))
			return -EPROTO;
	}
	f->len = (uint8_t)len;
	memcpy(f->inf, buf + T1_HDR_LEN, len);
	return 0;
}

enum t1_poll t1_poll_classify(const uint8_t hdr[T1_HDR_LEN])
{
	if (hdr[0] == T1_NAD_CHIP)
		return T1_POLL_FRAME;
	if (hdr[1] == T1_NAD_CHIP)
		return T1_POLL_SHIFTED;
	if (hdr[0] == 0x00 &&
	    (hdr[1] == t1_pcb_r(0, T1_R_OTHER) || hdr[1] == t1_pcb_r(1, T1_R_OTHER)))
		return T1_POLL_NAD0_RNACK;
	return T1_POLL_NOT_READY;
}

int t1_atr_parse(struct t1_atr *atr, const uint8_t *p, size_t n)
{
	size_t off = 0;
	memset(atr, 0, sizeof(*atr));
	if (n < 7)
		return -EBADMSG;
	atr->pver = p[0];
	memcpy(atr->vid, p + 1, 5);
	size_t dllp_len = p[6];
	off = 7;
	if (dllp_len < 4 || n - off < dllp_len)
		return -EBADMSG;
	atr->bwt_ms = load_be16(p + off);
	atr->ifsc = load_be16(p + off + 2);
	off += dllp_len;
	if (n - off < 2)
		return -EBADMSG;
	atr->plid = p[off];
	size_t plp_len = p[off + 1];
	off += 2;
	if (plp_len < 11 || n - off < plp_len)
		return -EBADMSG;
	atr->mcf_khz = load_be16(p + off);
	atr->config = p[off + 2];
	atr->mpot_ms = p[off + 3];
	atr->segt_us = load_be16(p + off + 7);
	atr->wut_us = load_be16(p + off + 9);
	off += plp_len;
	if (n - off < 1)
		return -EBADMSG;
	size_t hb_len = p[off++];
	if (hb_len > sizeof(atr->hist) || n - off != hb_len)
		return -EBADMSG;
	atr->hist_len = (uint8_t)hb_len;
	memcpy(atr->hist, p + off, hb_len);
	return 0;
}

size_t t1_atr_encode(const struct t1_atr *atr, uint8_t *out, size_t cap)
{
	size_t n = 7 + 4 + 2 + 11 + 1 + atr->hist_len;
	if (cap < n || atr->hist_len > sizeof(atr->hist))
		return 0;
	uint8_t *p = out;
	*p++ = atr->pver;
	memcpy(p, atr->vid, 5);
	p += 5;
	*p++ = 4;
	*p++ = (uint8_t)(atr->bwt_ms >> 8);
	*p++ = (uint8_t)atr->bwt_ms;
	*p++ = (uint8_t)(atr->ifsc >> 8);
	*p++ = (uint8_t)atr->ifsc;
	*p++ = atr->plid;
	*p++ = 11;
	*p++ = (uint8_t)(atr->mcf_khz >> 8);
	*p++ = (uint8_t)atr->mcf_khz;
	*p++ = atr->config;
	*p++ = atr->mpot_ms;
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	*p++ = (uint8_t)(atr->segt_us >> 8);
	*p++ = (uint8_t)atr->segt_us;
	*p++ = (uint8_t)(atr->wut_us >> 8);
	*p++ = (uint8_t)atr->wut_us;
	*p++ = atr->hist_len;
	memcpy(p, atr->hist, atr->hist_len);
	return n;
}
