/* SRAM sources: the dump record parser (strict), the file source, the MCU hook's warm-reset canary,
 * and the majority reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "puf/debias.h"
#include "puf/majority.h"
#include "puf/sram_dump.h"
#include "puf/host/sram_file.h"
#include "puf/sram_mcu.h"
#include "support/test_main.h"

static size_t make_record(uint8_t *out, uint32_t dev, uint32_t reading, uint32_t len, uint8_t fill)
{
	sram_dump_header(dev, reading, len, out);
	for (uint32_t i = 0; i < len; i++)
		out[SRAM_DUMP_HEADER_LEN + i] = (uint8_t)(fill + i);
	return SRAM_DUMP_HEADER_LEN + len;
}

static void test_parse_valid(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t n = make_record(buf, 7, 3, 16, 0x10);
	static const uint8_t header[24] = {'H', 'W', 'G', 'S', 'R', 'A', 'M', '1', 7, 0, 0, 0,
	                                   3,   0,   0,   0,   16,  0,   0,   0,   0, 0, 0, 0};
	assert_memory_equal(buf, header, 24);
	struct sram_dump_record rec;
	assert_int_equal(sram_dump_parse(buf, n, &rec), (long)n);
	assert_int_equal(rec.device_id, 7);
	assert_int_equal(rec.reading, 3);
	assert_int_equal(rec.data_len, 16);
	assert_ptr_equal(rec.data, buf + 24);
	/* trailing bytes belong to the next record: the parser reports this record's length only */
	assert_int_equal(sram_dump_parse(buf, n + 5, &rec), (long)n);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct sram_dump_record rec;
	size_t n = make_record(buf, 1, 0, 16, 0);
	for (size_t cut = 0; cut < n; cut++) /* every truncation */
		assert_int_equal(sram_dump_parse(buf, cut, &rec), SRAM_DUMP_TRUNCATED);
	buf[0] = 'X';
	assert_int_equal(sram_dump_parse(buf, n, &rec), SRAM_DUMP_BAD_MAGIC);
	make_record(buf, 1, 0, 16, 0);
	buf[16] = 15; /* not a multiple of 4 */
	assert_int_equal(sram_dump_parse(buf, n, &rec), SRAM_DUMP_BAD_LENGTH);
	buf[16] = 0; /* zero */
	assert_int_equal(sram_dump_parse(buf, n, &rec), SRAM_DUMP_BAD_LENGTH);
	sram_dump_header(1, 0, SRAM_DUMP_MAX_DATA + 4, buf);
	assert_int_equal(sram_dump_parse(buf, n, &rec), SRAM_DUMP_BAD_LENGTH);
	make_record(buf, 1, 0, 16, 0);
	buf[23] = 1;
	assert_int_equal(sram_dump_parse(buf, n, &rec), SRAM_DUMP_BAD_RESERVED);
	assert_string_equal(sram_dump_strerror(SRAM_DUMP_BAD_RESERVED),
	                    "reserved header field is not zero");
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_file_source(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/pb-test-dump-%d.bin", (int)getpid());
	uint8_t buf[512];
	size_t n = 0;
	n += make_record(buf + n, 1, 0, 64, 0x00);
	n += make_record(buf + n, 2, 0, 64, 0x40);
	n += make_record(buf + n, 1, 1, 64, 0x80);
	write_file(path, buf, n);

	struct sram_dump_set set = {0};
	char err[256];
	assert_int_equal(sram_dump_set_load(&set, path, err, sizeof(err)), 0);
	assert_int_equal(set.nrecords, 3);

	struct sram_file_source src;
	sram_file_source_init(&src, &set, 1);
	uint8_t out[16], want[16];
	/* device 1, reading 0, challenge 1: raw bytes 32..63 of its data, XOR of halves */
	assert_int_equal(puf_read(&src.base, 1, out, 16), 0);
	debias_xor_halves(buf + SRAM_DUMP_HEADER_LEN + 32, 32, want);
	assert_memory_equal(out, want, 16);
	/* the next read is device 1's next power-up (third record) */
	assert_int_equal(puf_read(&src.base, 0, out, 16), 0);
	debias_xor_halves(buf + 2 * (SRAM_DUMP_HEADER_LEN + 64) + SRAM_DUMP_HEADER_LEN, 32, want);
	assert_memory_equal(out, want, 16);
	assert_int_equal(puf_read(&src.base, 0, out, 16), -1); /* no readings left */
	sram_file_source_init(&src, &set, 2);
	assert_int_equal(puf_read(&src.base, 2, out, 16), -1); /* challenge outside the dump */

	/* a file with a bad record or garbage after the last record is rejected as a whole */
	write_file(path, buf, n - 1);
	assert_int_equal(sram_dump_set_load(&set, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "record 2"));
	assert_int_equal(set.nrecords, 3); /* unchanged */
	write_file(path, buf, 0);
	assert_int_equal(sram_dump_set_load(&set, path, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(sram_dump_set_load(&set, path, err, sizeof(err)), -1);
	sram_dump_set_free(&set);
}

static void test_mcu_hook(void **state)
{
	(void)state;
	uint8_t region[256];
	volatile uint32_t canary = 0x12345678;
	for (size_t i = 0; i < sizeof(region); i++)
		region[i] = (uint8_t)(i * 37);
	struct sram_mcu m;
	sram_mcu_open(&m, region, sizeof(region), &canary);
	uint8_t out[32], want[32];
	assert_int_equal(puf_read(&m.base, 1, out, 32), 0);
	debias_xor_halves(region + 64, 64, want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(puf_read(&m.base, 4, out, 32), -1); /* beyond the region */
	assert_int_equal(puf_read(&m.base, 0xffffffffu, out, 32), -1);
	assert_non_null(sram_mcu_raw(&m, 128, 128));
	assert_null(sram_mcu_raw(&m, 129, 128));
	sram_mcu_close(&m);
	for (size_t i = 0; i < sizeof(region); i++)
		assert_int_equal(region[i], 0);
	assert_int_equal(canary, SRAM_MCU_CANARY);
	/* warm reset: RAM kept, canary found, every read refused */
	sram_mcu_open(&m, region, sizeof(region), &canary);
	assert_int_equal(puf_read(&m.base, 0, out, 32), -1);
	assert_null(sram_mcu_raw(&m, 0, 4));
}

/* A source whose bit 0 is 1 in 2 of 3 readings and bit 1 in 1 of 3. */
struct counting_source {
	struct puf_source base;
	int n;
};

static int counting_read(struct puf_source *s, uint32_t challenge, uint8_t *out, size_t len)
{
	struct counting_source *c = (struct counting_source *)s;
	memset(out, 0, len);
	out[0] = c->n == 0 ? 0x01 : c->n == 1 ? 0x03 : 0x00;
	if (c->n == 2)
		out[0] |= 0x01;
	c->n++;
	return challenge == 0 ? 0 : -1;
}

static void test_majority(void **state)
{
	(void)state;
	struct counting_source c = {{.read = counting_read}, 0};
	uint8_t out[2], counts[16];
	assert_int_equal(puf_majority(&c.base, 0, 3, out, 2, counts), 0);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[1], 0x00);
	assert_int_equal(puf_majority(&c.base, 0, 2, out, 2, counts), -1); /* even */
	assert_int_equal(puf_majority(&c.base, 1, 3, out, 2, counts), -1); /* reading fails */
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_file_source), cmocka_unit_test(test_mcu_hook),
        cmocka_unit_test(test_majority),
};

HWG_TEST_MAIN(tests, NULL, NULL)
