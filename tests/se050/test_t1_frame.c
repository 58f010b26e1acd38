/* T=1 over I2C block codec: CRC, PCB coding, frame build/parse, ATR, against published vectors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "se050/t1_frame.h"
#include "support/test_main.h"

static void test_crc_check_value(void **state)
{
	(void)state;
	/* CRC-16/X.25 catalogue check value: "123456789" -> 0x906E. */
	assert_int_equal(t1_crc((const uint8_t *)"123456789", 9), 0x906E);
	assert_int_equal(t1_crc(NULL, 0), 0x0000);
}

static void test_pcb_coding(void **state)
{
	(void)state;
	/* Bit patterns from UM11225 as listed in Nitrokey/se05x t1.rs tests. */
	assert_int_equal(t1_pcb_i(1, true), 0x60);
	assert_int_equal(t1_pcb_i(1, false), 0x40);
	assert_int_equal(t1_pcb_i(0, true), 0x20);
	assert_int_equal(t1_pcb_i(0, false), 0x00);
	assert_int_equal(t1_pcb_r(1, T1_R_OK), 0x90);
	assert_int_equal(t1_pcb_r(0, T1_R_OK), 0x80);
	assert_int_equal(t1_pcb_r(1, T1_R_CRC), 0x91);
	assert_int_equal(t1_pcb_r(0, T1_R_OTHER), 0x82);
	assert_int_equal(t1_pcb_s(T1_S_RESYNCH, false), 0xC0);
	assert_int_equal(t1_pcb_s(T1_S_RESYNCH, true), 0xE0);
	assert_int_equal(t1_pcb_s(T1_S_WTX, false), 0xC3);
	assert_int_equal(t1_pcb_s(T1_S_WTX, true), 0xE3);
	assert_int_equal(t1_pcb_s(T1_S_SOFT_RESET, false), 0xCF);
	assert_int_equal(t1_pcb_s(T1_S_SOFT_RESET, true), 0xEF);
	assert_int_equal(t1_pcb_s(T1_S_GET_ATR, true), 0xE7);
}

static void test_build_resync_frame(void **state)
{
	(void)state;
	uint8_t f[T1_MAX_FRAME];
	size_t n = t1_frame_build(f, T1_NAD_HOST, 0xC0, NULL, 0);
	assert_int_equal(n, 5);
	uint16_t crc = t1_crc(f, 3);
	const uint8_t expect[5] = {0x5A, 0xC0, 0x00, (uint8_t)crc, (uint8_t)(crc >> 8)};
	assert_memory_equal(f, expect, 5);
	/* CRC goes low byte first: recompute bit-by-bit independently of t1_crc's byte order. */
	assert_int_equal(f[3] | f[4] << 8, crc);
	assert_int_equal(t1_frame_build(f, T1_NAD_HOST, 0x00, f, T1_MAX_INF + 1), 0);
}

static void test_parse_round_trip_each_block(void **state)
{
	(void)state;
	uint8_t f[T1_MAX_FRAME], inf[T1_MAX_INF];
	struct t1_frame p;
	for (size_t i = 0; i < sizeof(inf); i++)
		inf[i] = (uint8_t)(i * 7 + 1);

	size_t n = t1_frame_build(f, T1_NAD_CHIP, t1_pcb_i(1, true), inf, T1_MAX_INF);
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), 0);
	assert_int_equal(p.type, T1_I);
	assert_int_equal(p.seq, 1);
	assert_true(p.more);
	assert_int_equal(p.len, T1_MAX_INF);
	assert_memory_equal(p.inf, inf, T1_MAX_INF);

	n = t1_frame_build(f, T1_NAD_CHIP, t1_pcb_r(1, T1_R_CRC), NULL, 0);
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), 0);
	assert_int_equal(p.type, T1_R);
	assert_int_equal(p.seq, 1);
	assert_int_equal(p.err, T1_R_CRC);

	uint8_t mult = 3;
	n = t1_frame_build(f, T1_NAD_CHIP, t1_pcb_s(T1_S_WTX, false), &mult, 1);
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), 0);
	assert_int_equal(p.type, T1_S);
	assert_int_equal(p.scode, T1_S_WTX);
	assert_false(p.response);
	assert_int_equal(p.inf[0], 3);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	uint8_t f[T1_MAX_FRAME];
	struct t1_frame p;
	size_t n = t1_frame_build(f, T1_NAD_CHIP, 0x00, (const uint8_t *)"\x90\x00", 2);
	/* Every single-bit flip is caught (CRC, NAD, or length). */
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 8; b++) {
			f[i] ^= (uint8_t)(1 << b);
			assert_int_not_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), 0);
			f[i] ^= (uint8_t)(1 << b);
		}
	}
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), 0);
	/* Wrong direction. */
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_HOST), -EBADMSG);
	/* Truncated and over-long buffers. */
	assert_int_equal(t1_frame_parse(&p, f, n - 1, T1_NAD_CHIP), -EBADMSG);
	assert_int_equal(t1_frame_parse(&p, f, 4, T1_NAD_CHIP), -EBADMSG);
	/* Undefined PCBs with a valid CRC: I-block RFU bits, R-block bit 5, S code 0x1F. */
	static const uint8_t bad_pcbs[] = {0x01, 0x1F, 0xA0, 0x84, 0xDF, 0xC8};
	for (size_t i = 0; i < sizeof(bad_pcbs); i++) {
		n = t1_frame_build(f, T1_NAD_CHIP, bad_pcbs[i], NULL, 0);
		assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), -EPROTO);
	}
	/* R-blocks carry no data; WTX carries exactly one byte. */
	n = t1_frame_build(f, T1_NAD_CHIP, 0x80, (const uint8_t *)"x", 1);
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), -EPROTO);
	n = t1_frame_build(f, T1_NAD_CHIP, 0xC3, NULL, 0);
	assert_int_equal(t1_frame_parse(&p, f, n, T1_NAD_CHIP), -EPROTO);
}

/* The ATR test vector of Nitrokey/se05x src/t1.rs (a JCOP4 SE050). */
static const uint8_t atr_vector[] = {
        0x00, 0xa0, 0x00, 0x00, 0x03, 0x96, 0x04, 0x03, 0xe8, 0x00, 0xfe, 0x02,
        0x0b, 0x03, 0xe8, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
        0x0a, 0x4a, 0x43, 0x4f, 0x50, 0x34, 0x20, 0x41, 0x54, 0x50, 0x4f,
};

static void test_atr_vector(void **state)
{
	(void)state;
	struct t1_atr a;
	assert_int_equal(sizeof(atr_vector), 0x23);
	assert_int_equal(t1_atr_parse(&a, atr_vector, sizeof(atr_vector)), 0);
	assert_int_equal(a.pver, 0);
	assert_memory_equal(a.vid, "\xa0\x00\x00\x03\x96", 5);
	assert_int_equal(a.bwt_ms, 1000);
	assert_int_equal(a.ifsc, 0xFE);
	assert_int_equal(a.plid, 2);
	assert_int_equal(a.mcf_khz, 1000);
	assert_int_equal(a.config, 0x08);
	assert_int_equal(a.mpot_ms, 1);
	assert_int_equal(a.segt_us, 100);
	assert_int_equal(a.wut_us, 0);
	assert_int_equal(a.hist_len, 10);
	assert_memory_equal(a.hist, "JCOP4 ATPO", 10);

	/* Encoding the parsed ATR gives the vector back. */
	uint8_t out[T1_ATR_MAX];
	assert_int_equal(t1_atr_encode(&a, out, sizeof(out)), sizeof(atr_vector));
	assert_memory_equal(out, atr_vector, sizeof(atr_vector));
}

static void test_atr_rejects(void **state)
{
	(void)state;
	struct t1_atr a;
	uint8_t v[sizeof(atr_vector) + 1];
	/* Every truncation fails, and so does a trailing byte. */
	for (size_t n = 0; n < sizeof(atr_vector); n++)
		assert_int_equal(t1_atr_parse(&a, atr_vector, n), -EBADMSG);
	memcpy(v, atr_vector, sizeof(atr_vector));
	v[sizeof(atr_vector)] = 0;
	assert_int_equal(t1_atr_parse(&a, v, sizeof(v)), -EBADMSG);
	/* A DLLP length too short to hold BWT and IFSC. */
	memcpy(v, atr_vector, sizeof(atr_vector));
	v[6] = 3;
	assert_int_equal(t1_atr_parse(&a, v, sizeof(atr_vector)), -EBADMSG);
	/* Historical bytes claiming more than is there. */
	memcpy(v, atr_vector, sizeof(atr_vector));
	v[24] = 0xFF;
	assert_int_equal(t1_atr_parse(&a, v, sizeof(atr_vector)), -EBADMSG);
}

static void test_poll_classify(void **state)
{
	(void)state;
	/* The cases of NXP's phNxpEse_readPacket, in its order of precedence. */
	static const uint8_t frame[] = {0xA5, 0x00, 0x05};
	static const uint8_t frame_a5_twice[] = {0xA5, 0xA5, 0x05};
	static const uint8_t shifted[] = {0x00, 0xA5, 0x40};
	static const uint8_t shifted_ff[] = {0xFF, 0xA5, 0xE3};
	static const uint8_t rnack0[] = {0x00, 0x82, 0x00};
	static const uint8_t rnack1[] = {0x00, 0x92, 0x00};
	assert_int_equal(t1_poll_classify(frame), T1_POLL_FRAME);
	assert_int_equal(t1_poll_classify(frame_a5_twice), T1_POLL_FRAME);
	assert_int_equal(t1_poll_classify(shifted), T1_POLL_SHIFTED);
	assert_int_equal(t1_poll_classify(shifted_ff), T1_POLL_SHIFTED);
	assert_int_equal(t1_poll_classify(rnack0), T1_POLL_NAD0_RNACK);
	assert_int_equal(t1_poll_classify(rnack1), T1_POLL_NAD0_RNACK);
	/* Everything else is "not ready yet": filler, an idle bus, other NAD-00 frames. */
	static const uint8_t filler[][3] = {{0x00, 0x00, 0x00}, {0xFF, 0xFF, 0xFF},
	                                    {0x00, 0x81, 0x00}, {0x00, 0x80, 0x00},
	                                    {0x5A, 0x00, 0x00}, {0x01, 0x82, 0x00}};
	for (size_t i = 0; i < sizeof(filler) / sizeof(filler[0]); i++)
		assert_int_equal(t1_poll_classify(filler[i]), T1_POLL_NOT_READY);
	/* The NAD-00 R-NACK is a valid frame with NAD 00. */
	uint8_t buf[T1_MAX_FRAME];
	struct t1_frame f;
	size_t n = t1_frame_build(buf, 0x00, t1_pcb_r(1, T1_R_OTHER), NULL, 0);
	assert_int_equal(t1_poll_classify(buf), T1_POLL_NAD0_RNACK);
	assert_int_equal(t1_frame_parse(&f, buf, n, 0x00), 0);
	assert_int_equal(f.type, T1_R);
	assert_int_equal(f.err, T1_R_OTHER);
	assert_int_equal(f.seq, 1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_value),
        cmocka_unit_test(test_pcb_coding),
        cmocka_unit_test(test_build_resync_frame),
        cmocka_unit_test(test_parse_round_trip_each_block),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_atr_vector),
        cmocka_unit_test(test_atr_rejects),
        cmocka_unit_test(test_poll_classify),
};

HWG_TEST_MAIN(tests, NULL, NULL)
