#include "puf/sram_dump.h"

#include <string.h>

#include "crypto/portable/bytes.h"

static const uint8_t magic[8] = {'H', 'W', 'G', 'S', 'R', 'A', 'M', '1'};

long sram_dump_parse(const uint8_t *buf, size_t len, struct sram_dump_record *rec)
{
	if (len < SRAM_DUMP_HEADER_LEN)
		return SRAM_DUMP_TRUNCATED;
	if (memcmp(buf, magic, sizeof(magic)))
		return SRAM_DUMP_BAD_MAGIC;
	uint32_t data_len = load_le32(buf + 16);
	if (data_len == 0 || data_len % 4 || data_len > SRAM_DUMP_MAX_DATA)
		return SRAM_DUMP_BAD_LENGTH;
	if (load_le32(buf + 20) != 0)
		return SRAM_DUMP_BAD_RESERVED;
	if (len - SRAM_DUMP_HEADER_LEN < data_len)
		return SRAM_DUMP_TRUNCATED;
	rec->device_id = load_le32(buf + 8);
	rec->reading = load_le32(buf + 12);
	rec->data_len = data_len;
	rec->data = buf + SRAM_DUMP_HEADER_LEN;
	return (long)(SRAM_DUMP_HEADER_LEN + data_len);
}

void sram_dump_header(uint32_t device_id, uint32_t reading, uint32_t data_len, uint8_t *out)
{
	memcpy(out, magic, sizeof(magic));
	store_le32(out + 8, device_id);
	store_le32(out + 12, reading);
	store_le32(out + 16, data_len);
	store_le32(out + 20, 0);
}

const char *sram_dump_strerror(long error)
{
	switch (error) {
	case SRAM_DUMP_TRUNCATED:
		return "truncated record (shorter than its header or its data length)";
	case SRAM_DUMP_BAD_MAGIC:
		return "not an SRAM dump record (magic is not HWGSRAM1)";
	case SRAM_DUMP_BAD_LENGTH:
		return "bad data length (must be a non-zero multiple of 4, at most 16 MiB)";
	case SRAM_DUMP_BAD_RESERVED:
		return "reserved header field is not zero";
	default:
		return error >= 0 ? "no error" : "unknown error";
	}
}
