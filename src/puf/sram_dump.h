/* Raw SRAM power-up dump records (the `pufauth analyze --dump` input). Pure parser: portable C, no
 * malloc, no OS; reading files is puf/host/sram_file.h's job.
 *
 * A dump file is one or more records back to back, nothing after the last. A record (integers
 * little-endian):
 *   offset  size  field
 *   0       8     magic "HWGSRAM1"
 *   8       4     device id: records with the same id come from the same chip
 *   12      4     reading index: the power-up's number on that device
 *   16      4     data length N in bytes: a multiple of 4, 4 <= N <= SRAM_DUMP_MAX_DATA
 *   20      4     reserved, must be 0
 *   24      N     the SRAM as the CPU reads it after power-up, before anything writes to it
 *                 (32-bit little-endian words; bit i of byte j is cell 8j + i)
 * Capture on an MCU: firmware/README.md and puf/sram_mcu.h. */
#ifndef HWG_PUF_SRAM_DUMP_H
#define HWG_PUF_SRAM_DUMP_H

#include <stddef.h>
#include <stdint.h>

#define SRAM_DUMP_HEADER_LEN 24
#define SRAM_DUMP_MAX_DATA   (16u * 1024 * 1024)

struct sram_dump_record {
	uint32_t device_id;
	uint32_t reading;
	uint32_t data_len;
	const uint8_t *data; /* points into the parsed buffer */
};

enum sram_dump_error {
	SRAM_DUMP_TRUNCATED = -1, /* fewer bytes than a header, or than its data length */
	SRAM_DUMP_BAD_MAGIC = -2,
	SRAM_DUMP_BAD_LENGTH = -3, /* zero, not a multiple of 4, or too large */
	SRAM_DUMP_BAD_RESERVED = -4,
};

/* Parses the record at the start of buf. Returns its total length (> 0), or an sram_dump_error. */
long sram_dump_parse(const uint8_t *buf, size_t len, struct sram_dump_record *rec);

/* Writes the header for a record with data_len bytes of data into out (24 bytes). */
void sram_dump_header(uint32_t device_id, uint32_t reading, uint32_t data_len, uint8_t *out);

/* A human-readable message for an sram_dump_error. */
const char *sram_dump_strerror(long error);

#endif
