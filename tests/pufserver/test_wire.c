/* Wire format and state record: round trips, and every malformed input gets its own error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "puf/proto/device.h"
#include "puf/host/device_source.h"
#include "puf/proto/device_state.h"
#include "puf/proto/wire.h"
#include "support/test_main.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 13 * i);
}

static long make_response(uint8_t suite, uint8_t *out, struct pufproto_suite *s)
{
	uint8_t session[8], c[PUFPROTO_MAX_CIPHERTEXT], n_d[16], t1[16], u[64], v1[16];

	assert_int_equal(pufproto_suite_get(suite, s), 0);
	fill(session, sizeof(session), 1);
	fill(c, sizeof(c), 2);
	fill(n_d, sizeof(n_d), 3);
	fill(t1, sizeof(t1), 4);
	fill(u, sizeof(u), 5);
	fill(v1, sizeof(v1), 6);
	return pufproto_encode_response(s, session, c, n_d, t1, u, v1, out, PUFPROTO_MAX_MESSAGE);
}

static void response_round_trip(void **state)
{
	uint8_t msg[PUFPROTO_MAX_MESSAGE];
	struct pufproto_suite s;
	struct pufproto_response m;

	(void)state;
	for (uint8_t suite = 1; suite <= 2; suite++) {
		long n = make_response(suite, msg, &s);

		assert_int_equal(n, suite == 1 ? 313 : 178);
		assert_int_equal(pufproto_parse_response(msg, (size_t)n, &m), PUFPROTO_WIRE_OK);
		assert_int_equal(m.suite.id, suite);
		assert_int_equal(m.c[0], 2);
		assert_int_equal(m.v1[s.nonce_len - 1], (uint8_t)(6 + 13 * (s.nonce_len - 1)));
		/* every truncation is an error, never a crash or a success */
		for (long cut = 0; cut < n; cut++)
			assert_true(pufproto_parse_response(msg, (size_t)cut, &m) < 0);
		/* a trailing byte */
		assert_int_equal(pufproto_parse_response(msg, (size_t)n + 1, &m),
		                 PUFPROTO_WIRE_TRAILING);
	}
}

static void header_errors(void **state)
{
	uint8_t msg[PUFPROTO_MAX_MESSAGE], bad[PUFPROTO_MAX_MESSAGE];
	struct pufproto_suite s;
	struct pufproto_response m;
	long n = make_response(PUFPROTO_SUITE_128, msg, &s);
	struct {
		size_t at;
		uint8_t value;
		int err;
	} cases[] = {
	        {0, 'X', PUFPROTO_WIRE_BAD_MAGIC}, {2, 2, PUFPROTO_WIRE_BAD_VERSION},
	        {3, 4, PUFPROTO_WIRE_BAD_TYPE},    {4, 7, PUFPROTO_WIRE_BAD_SUITE},
	        {5, 1, PUFPROTO_WIRE_BAD_FLAGS},   {7, 0, PUFPROTO_WIRE_TRAILING},
	        {4, 2, PUFPROTO_WIRE_BAD_LENGTH},  /* λ = 64 suite: field lengths do not match */
	        {17, 0, PUFPROTO_WIRE_BAD_LENGTH}, /* c's length prefix */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(bad, msg, (size_t)n);
		bad[cases[i].at] = cases[i].value;
		assert_int_equal(pufproto_parse_response(bad, (size_t)n, &m), cases[i].err);
		assert_non_null(pufproto_wire_strerror(cases[i].err));
	}
	/* body length larger than the datagram */
	memcpy(bad, msg, (size_t)n);
	bad[6] = 0xff;
	assert_int_equal(pufproto_parse_response(bad, (size_t)n, &m), PUFPROTO_WIRE_TRUNCATED);
	assert_string_equal(pufproto_wire_strerror(PUFPROTO_WIRE_TRUNCATED), "truncated message");
}

static void challenge_confirm_hello(void **state)
{
	struct pufproto_challenge ch, ch2;
	struct pufproto_confirm cf, cf2;
	uint8_t msg[PUFPROTO_MAX_MESSAGE], suite;
	long n;

	(void)state;
	ch.suite = PUFPROTO_SUITE_64;
	fill(ch.session, 8, 9);
	fill(ch.n_s, 16, 10);
	n = pufproto_encode_challenge(&ch, msg, sizeof(msg));
	assert_int_equal(n, 32);
	assert_int_equal(pufproto_parse_challenge(msg, (size_t)n, &ch2), 0);
	assert_memory_equal(&ch, &ch2, sizeof(ch));
	assert_int_equal(pufproto_parse_challenge(msg, (size_t)n - 1, &ch2),
	                 PUFPROTO_WIRE_TRUNCATED);
	assert_int_equal(pufproto_parse_confirm(msg, (size_t)n, PUFPROTO_SUITE_64, &cf2),
	                 PUFPROTO_WIRE_BAD_TYPE);
	assert_int_equal(pufproto_encode_challenge(&ch, msg, 31), PUFPROTO_WIRE_NO_SPACE);

	cf.suite = PUFPROTO_SUITE_128;
	fill(cf.session, 8, 11);
	cf.t4_len = 16;
	fill(cf.t4, 16, 12);
	n = pufproto_encode_confirm(&cf, msg, sizeof(msg));
	assert_int_equal(n, 34);
	assert_int_equal(pufproto_parse_confirm(msg, (size_t)n, PUFPROTO_SUITE_128, &cf2), 0);
	assert_memory_equal(cf2.t4, cf.t4, 16);
	/* the device only takes CONFIRMs of its own suite */
	assert_int_equal(pufproto_parse_confirm(msg, (size_t)n, PUFPROTO_SUITE_64, &cf2),
	                 PUFPROTO_WIRE_BAD_SUITE);
	for (long cut = 0; cut < n; cut++)
		assert_true(pufproto_parse_confirm(msg, (size_t)cut, PUFPROTO_SUITE_128, &cf2) < 0);

	n = pufproto_encode_hello(PUFPROTO_SUITE_128, msg, sizeof(msg));
	assert_int_equal(n, 8);
	assert_int_equal(pufproto_parse_hello(msg, (size_t)n, &suite), 0);
	assert_int_equal(suite, PUFPROTO_SUITE_128);
	msg[4] = 0x7f; /* no such suite */
	assert_int_equal(pufproto_parse_hello(msg, (size_t)n, &suite), PUFPROTO_WIRE_BAD_SUITE);
}

static void state_record(void **state)
{
	struct pufproto_device_nv nv = {.suite = PUFPROTO_SUITE_64, .challenge = 0xdeadbeef}, back;
	uint8_t buf[PUFPROTO_STATE_MAX_LEN], bad[PUFPROTO_STATE_MAX_LEN];
	const uint8_t src[] = {1, 2, 3, 4, 5};
	const uint8_t *s;
	size_t s_len;
	long n;

	(void)state;
	/* CRC-32 check value */
	assert_int_equal(pufproto_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	fill(nv.sk, 16, 20);
	n = pufproto_state_encode(&nv, src, sizeof(src), buf, sizeof(buf));
	assert_int_equal(n, PUFPROTO_STATE_FIXED_LEN + 5);
	assert_int_equal(pufproto_state_parse(buf, (size_t)n, &back, &s, &s_len), 0);
	assert_int_equal(back.suite, nv.suite);
	assert_memory_equal(back.sk, nv.sk, sizeof(nv.sk));
	assert_int_equal(back.challenge, nv.challenge);
	assert_int_equal(s_len, 5);
	assert_memory_equal(s, src, 5);
	/* any flipped bit is detected; any truncation too */
	for (long i = 0; i < n; i++) {
		memcpy(bad, buf, (size_t)n);
		bad[i] ^= 0x10;
		assert_true(pufproto_state_parse(bad, (size_t)n, &back, &s, &s_len) < 0);
	}
	for (long cut = 0; cut < n; cut++)
		assert_true(pufproto_state_parse(buf, (size_t)cut, &back, &s, &s_len) < 0);
	assert_int_equal(pufproto_state_parse(buf, (size_t)n - 1, &back, &s, &s_len),
	                 PUFPROTO_STATE_TRUNCATED);
	memcpy(bad, buf, (size_t)n);
	bad[(size_t)n] = 0;
	assert_int_equal(pufproto_state_parse(bad, (size_t)n + 1, &back, &s, &s_len),
	                 PUFPROTO_STATE_BAD_LENGTH);
	bad[(size_t)n - 1] ^= 1;
	assert_int_equal(pufproto_state_parse(bad, (size_t)n, &back, &s, &s_len),
	                 PUFPROTO_STATE_BAD_CHECKSUM);
	nv.suite = 9;
	assert_int_equal(pufproto_state_encode(&nv, src, 5, buf, sizeof(buf)),
	                 PUFPROTO_STATE_BAD_SUITE);
}

static void source_description(void **state)
{
	struct device_source_desc d, back;
	uint8_t buf[PUFPROTO_STATE_MAX_SOURCE];
	char err[128];
	long n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.kind = DEVICE_SOURCE_SIM;
	strcpy(d.model, "prototype");
	d.seed = 0x0102030405060708ull;
	d.sram_bytes = 65536;
	n = device_source_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(device_source_parse(buf, (size_t)n, &back, err, sizeof(err)), 0);
	assert_memory_equal(&back, &d, sizeof(d));
	for (long cut = 0; cut < n; cut++)
		assert_int_equal(device_source_parse(buf, (size_t)cut, &back, err, sizeof(err)),
		                 -1);
	buf[3] = 'X'; /* model name "prXtotype" */
	assert_int_equal(device_source_parse(buf, (size_t)n, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown simulator model"));

	memset(&d, 0, sizeof(d));
	d.kind = DEVICE_SOURCE_DUMP;
	strcpy(d.path, "/var/lib/dump.bin");
	n = device_source_encode(&d, buf, sizeof(buf));
	assert_int_equal(device_source_parse(buf, (size_t)n, &back, err, sizeof(err)), 0);
	assert_string_equal(back.path, d.path);
	assert_int_equal(device_source_parse(buf, (size_t)n + 1, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trailing"));
	buf[0] = 9;
	assert_int_equal(device_source_parse(buf, (size_t)n, &back, err, sizeof(err)), -1);
}

static int const_read(struct puf_source *src, uint32_t y, uint8_t *out, size_t len)
{
	(void)src;
	fill(out, len, (uint8_t)y);
	return 0;
}

static int const_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src;
	fill(out, len, 77);
	return 0;
}

/* The device reports a truncated or foreign CONFIRM and keeps its run pending. */
static void device_rejects_bad_confirm(void **state)
{
	struct puf_source puf = {.read = const_read};
	struct rng_source rng = {const_fill};
	struct pufproto_device_config cfg = {64, 1};
	struct pufproto_device_nv nv = {.suite = PUFPROTO_SUITE_128, .sk = {1}, .challenge = 3};
	struct pufproto_device d;
	struct pufproto_challenge ch;
	struct pufproto_confirm cf;
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	long n;

	(void)state;
	assert_int_equal(pufproto_device_init(&d, &nv), 0);
	/* no run pending yet */
	assert_int_equal(pufproto_device_finish(&d, a, 0), PUFPROTO_DEV_BAD_STATE);
	memset(&ch, 0, sizeof(ch));
	ch.suite = PUFPROTO_SUITE_64;
	n = pufproto_encode_challenge(&ch, a, sizeof(a));
	assert_int_equal(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &puf, b, sizeof(b)),
	                 PUFPROTO_DEV_WRONG_SUITE);
	ch.suite = PUFPROTO_SUITE_128;
	n = pufproto_encode_challenge(&ch, a, sizeof(a));
	assert_int_equal(
	        pufproto_device_begin(&d, &cfg, a, (size_t)n - 3, &rng, &puf, b, sizeof(b)),
	        PUFPROTO_WIRE_TRUNCATED);
	cfg.reference_readings = 2;
	assert_int_equal(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &puf, b, sizeof(b)),
	                 PUFPROTO_DEV_BAD_CONFIG);
	cfg.reference_readings = 1;
	assert_true(pufproto_device_begin(&d, &cfg, a, (size_t)n, &rng, &puf, b, sizeof(b)) > 0);

	cf.suite = PUFPROTO_SUITE_128;
	memcpy(cf.session, ch.session, 8);
	cf.t4_len = 16;
	memset(cf.t4, 0, 16);
	n = pufproto_encode_confirm(&cf, a, sizeof(a));
	assert_int_equal(pufproto_device_finish(&d, a, (size_t)n - 1), PUFPROTO_WIRE_TRUNCATED);
	assert_string_equal(pufproto_device_strerror(PUFPROTO_WIRE_TRUNCATED), "truncated message");
	a[PUFPROTO_HEADER_LEN] ^= 1; /* another session */
	assert_int_equal(pufproto_device_finish(&d, a, (size_t)n), PUFPROTO_DEV_WRONG_SESSION);
	a[PUFPROTO_HEADER_LEN] ^= 1;
	/* still pending: the genuine-session CONFIRM with a wrong t4 ends it with REJECT */
	assert_int_equal(pufproto_device_finish(&d, a, (size_t)n), PUFPROTO_DEVICE_REJECT);
	assert_int_equal(pufproto_device_finish(&d, a, (size_t)n), PUFPROTO_DEV_BAD_STATE);
}

/* The quick stage's specialised SIMON agrees with the general one (itself tested against the
 * designers' vectors), on the published vectors and on many derived keys and blocks. */
static const struct CMUnitTest tests[] = {
        cmocka_unit_test(response_round_trip),     cmocka_unit_test(header_errors),
        cmocka_unit_test(challenge_confirm_hello), cmocka_unit_test(state_record),
        cmocka_unit_test(source_description),      cmocka_unit_test(device_rejects_bad_confirm),
};

HWG_TEST_MAIN(tests, NULL, NULL)
