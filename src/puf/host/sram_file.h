/* SRAM power-up dumps from files (host side): loads the records of puf/sram_dump.h and serves them
 * as a puf_source, one recorded power-up per read. */
#ifndef HWG_PUF_SRAM_FILE_H
#define HWG_PUF_SRAM_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"
#include "puf/sram_dump.h"

struct sram_dump_set {
	uint8_t **buffers; /* file contents; records point into them */
	size_t nbuffers;
	struct sram_dump_record *records;
	size_t nrecords;
};

/* Appends every record of the file at path. Returns 0, or -1 with a message in err (the set keeps
 * what it had before the call). */
int sram_dump_set_load(struct sram_dump_set *set, const char *path, char *err, size_t errlen);
void sram_dump_set_free(struct sram_dump_set *set);

struct sram_file_source {
	struct puf_source
	        base; /* read(challenge): XOR-of-halves of block `challenge` of the next
	               * record of device_id; -1 when none is left or it is out of range */
	const struct sram_dump_set *set;
	uint32_t device_id;
	size_t next; /* index into set->records where the search for the next reading starts */
};

void sram_file_source_init(struct sram_file_source *src, const struct sram_dump_set *set,
                           uint32_t device_id);

#endif
