/* Serialised device state, as stored in non-volatile memory or a state file:
 *   "PFDS" | version (1) | suite | 2 reserved zero bytes | sk (16) | y (u32 BE)
 *   | source length (u16 BE) | source bytes | CRC-32 (BE) of all preceding bytes.
 * Version 2, for a debiased suite, adds the case maps before the CRC:
 *   ... | source bytes | helper length (u16 BE) | helper bytes | CRC-32.
 * A debiased suite's state has helper data, a report suite's none; states without helper data
 * are written as version 1. Whether the maps cover y is pufproto_device_init()'s check.
 * The source bytes describe the PUF (the CLI's business; opaque here). The CRC catches a corrupt or
 * torn file; the atomic write protocol is what prevents torn files. The parser is strict and
 * bounded. Portable C, no malloc, no OS. */
#ifndef HWG_PUF_PROTO_DEVICE_STATE_H
#define HWG_PUF_PROTO_DEVICE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/device.h"

#define PUFPROTO_STATE_VERSION        1
#define PUFPROTO_STATE_VERSION_HELPER 2
#define PUFPROTO_STATE_FIXED_LEN      (4 + 1 + 1 + 2 + PUFPROTO_KEY_LEN + 4 + 2 + 4)
#define PUFPROTO_STATE_MAX_SOURCE     1024
/* Case maps a state holds at most: 20 challenges of debiased-128 (100-byte maps). */
#define PUFPROTO_STATE_MAX_MAPS   20
#define PUFPROTO_STATE_MAX_HELPER PUFPROTO_MAX_HELPER_DATA
#define PUFPROTO_STATE_MAX_LEN                                                                     \
	(PUFPROTO_STATE_FIXED_LEN + PUFPROTO_STATE_MAX_SOURCE + 2 + PUFPROTO_STATE_MAX_HELPER)

enum pufproto_state_error {
	PUFPROTO_STATE_OK = 0,
	PUFPROTO_STATE_TRUNCATED = -1,
	PUFPROTO_STATE_BAD_MAGIC = -2,
	PUFPROTO_STATE_BAD_VERSION = -3,
	PUFPROTO_STATE_BAD_SUITE = -4,
	PUFPROTO_STATE_BAD_LENGTH = -5,
	PUFPROTO_STATE_BAD_CHECKSUM = -6,
	PUFPROTO_STATE_NO_SPACE = -7,
};

const char *pufproto_state_strerror(int err);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). */
uint32_t pufproto_crc32(const uint8_t *p, size_t n);

/* Returns the encoded length, or a negative enum pufproto_state_error. nv->helper (helper_len
 * bytes) is encoded too; it must be absent for a report suite and valid maps' length for a
 * debiased one. */
long pufproto_state_encode(const struct pufproto_device_nv *nv, const uint8_t *source,
                           size_t source_len, uint8_t *out, size_t cap);

/* Returns PUFPROTO_STATE_OK (nv, *source, *source_len set; source and nv->helper point into buf)
 * or an error. A debiased suite's state must carry case maps that cover its challenge y. */
int pufproto_state_parse(const uint8_t *buf, size_t len, struct pufproto_device_nv *nv,
                         const uint8_t **source, size_t *source_len);

#endif
