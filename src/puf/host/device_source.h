/* The PUF behind a device on a Linux host, as described in its state file's source bytes:
 *   simulated: 0x01 | model name length (u8) | name | seed (u64 BE) | SRAM bytes (u32 BE)
 *   dump file: 0x02 | path length (u16 BE) | path  (records of puf/sram_dump.h, one device)
 * The simulator starts every run at a random power-up index, so each run sees fresh noise; a dump
 * file answers each reading from a randomly chosen record. Randomness for the protocol on a Linux
 * host: rng_linux() (puf/rng_linux.h). */
#ifndef HWG_PUF_PROTO_DEVICE_SOURCE_H
#define HWG_PUF_PROTO_DEVICE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"
#include "puf/puf.h"
#include "puf/host/sram_sim.h"

enum device_source_kind {
	DEVICE_SOURCE_SIM = 1,
	DEVICE_SOURCE_DUMP = 2,
};

#define DEVICE_SOURCE_SIM_BYTES   65536 /* default simulated SRAM size */
#define DEVICE_SOURCE_MAX_RECORDS 64

struct device_source_desc {
	uint8_t kind;
	char model[32]; /* sim: "prototype" or "mcu" */
	uint64_t seed;  /* sim */
	uint32_t sram_bytes;
	char path[1024]; /* dump */
};

struct device_source {
	struct puf_source base; /* dump files; use device_source_puf() */
	struct device_source_desc desc;
	struct sram_sim sim;
	uint8_t *file; /* dump: the whole file */
	size_t file_len;
	const uint8_t *records[DEVICE_SOURCE_MAX_RECORDS];
	size_t nrecords;
	uint32_t record_len;
};

/* Returns the encoded length, or -1 (does not fit, bad description). */
long device_source_encode(const struct device_source_desc *d, uint8_t *out, size_t cap);
/* Strict parser. Returns 0, or -1 with a message in err. */
int device_source_parse(const uint8_t *buf, size_t len, struct device_source_desc *d, char *err,
                        size_t err_len);

/* Opens the source (reads a dump file). Returns 0, or -1 with a message in err. */
int device_source_open(struct device_source *src, const struct device_source_desc *d, char *err,
                       size_t err_len);
void device_source_close(struct device_source *src);

/* The puf_source to read from. */
struct puf_source *device_source_puf(struct device_source *src);

/* How many challenges the source has for a suite (the y2 range): SRAM bytes / (2 * read_len) for
 * the report's suites; SRAM bytes / raw_block_len for a debiased one, at most as many as a state
 * file's case maps can hold. */
uint32_t device_source_challenges(const struct device_source *src, const struct pufproto_suite *s);

#endif
