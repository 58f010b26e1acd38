/* The device state in flash, safe against a power cut at any instant: two erase pages (A/B), each
 * holding at most one record (byte offsets; integers little-endian, programmed as 32-bit words):
 *   0       sequence number s, u32 (the newer record has the larger s)
 *   4       n: length of the state record in bytes, u32 (1..PUFPROTO_FLASH_MAX_RECORD)
 *   8       the state record (puf/proto/device_state.h, with its own CRC-32), padded with 0xFF to
 *           a multiple of 4
 *   then    ~s, u32: the commit word, programmed last
 * A page is valid when its commit word is ~s and its record parses. Writing erases the page that
 * does not hold the current record, programs the new record there and the commit word last, then
 * verifies it. A cut before the commit word is complete leaves that page invalid and the old one
 * in force; after it, the new one wins: old or new state, never a mix, never none (once enrolled).
 * The case maps of a debiased suite are part of the record, so every commit copies them from the
 * current page into the new one (they are encoded before the erase): a cut can never lose them,
 * and a state's nv.helper may point into either page, where they sit at the same offset.
 * Flash reads are plain memory reads; erase and program go through the board's hooks. Portable:
 * the host tests run it over a RAM model of the flash (tests/firmware). */
#ifndef HWG_PUF_PROTO_DEVICE_FLASH_H
#define HWG_PUF_PROTO_DEVICE_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/device.h"

/* A state record without PUF source bytes is 34 bytes; a debiased suite's adds 2 + its case maps
 * (100 bytes per debiased-128 challenge: 236 for the two of an nRF51's 16 KB SRAM). The bound fills
 * a 1 KB page (header and commit word besides): nine such challenges. A commit builds the page's
 * bytes on the stack, at the end of a run, where the stack is shallow. */
#define PUFPROTO_FLASH_MAX_RECORD 1012

struct pufproto_flash {
	/* page A then page B, as the CPU reads them (erase and write are opaque calls, so reads
	 * after them see the new contents) */
	const uint8_t *mem;
	uint32_t addr; /* their flash address, for erase and program */
	/* bytes, a multiple of 4; a record longer than a page allows is never read (a read stays
	 * within the two pages whatever they hold), nor written */
	uint32_t page_size;
	void (*erase)(uint32_t addr);
	void (*write)(uint32_t addr, uint32_t word);
};

/* The current state and its record's sequence number (seq may be NULL). Returns 0, or -1 when
 * neither page holds a valid record. */
int pufproto_flash_read(const struct pufproto_flash *p, struct pufproto_device_nv *nv,
                        uint32_t *seq);
/* Commits nv as the new current state. Returns 0 once it is durable and verified, -1 if not (the
 * previous state is then still the current one). */
int pufproto_flash_write(const struct pufproto_flash *p, const struct pufproto_device_nv *nv);
/* Writes an enrolment image: page A holding nv (sequence 1), page B erased, as 2 * page_size
 * bytes into out (the flash file the host loads into the emulated NVMC). Returns 0 or -1. */
int pufproto_flash_image(const struct pufproto_device_nv *nv, uint32_t page_size, uint8_t *out);

#endif
