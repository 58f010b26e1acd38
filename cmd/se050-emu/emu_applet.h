/* The emulated SE05x applet: the subset of commands hwguard uses (SELECT, WriteECKey generate,
 * ReadObject, ReadType, GetECCurveId, CheckObjectExists, DeleteSecureObject, ReadIDList, ECDH),
 * with object policies enforced, X25519 done in software and values in the chip's big-endian order.
 */
#ifndef HWG_SE050_EMU_APPLET_H
#define HWG_SE050_EMU_APPLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_store.h"

/* Ids per ReadIDList page: 64 ids (256 bytes) make the response longer than one T=1 block. */
#define EMU_LIST_PAGE 64

struct emu_latency {
	unsigned base_ms;     /* every command */
	unsigned ecdh_ms;     /* added to ECDH */
	unsigned generate_ms; /* added to key generation */
};

struct emu_applet {
	struct emu_store *store;
	uint16_t config; /* SELECT applet-config bitmap */
	bool selected;
	struct emu_latency latency;
	uint64_t ecdh_count;
};

void emu_applet_init(struct emu_applet *a, struct emu_store *store);

/* Handles one command APDU; writes the response (data then SW) into rsp (SE05X_MAX_RSP bytes) and
 * returns its length. *latency_ms receives how long the chip "computes". */
size_t emu_applet_process(struct emu_applet *a, const uint8_t *cmd, size_t n, uint8_t *rsp,
                          unsigned *latency_ms);

/* Chip or interface reset: no applet is selected afterwards. */
void emu_applet_reset(struct emu_applet *a);

/* Default applet config: ECDSA/ECDH, EdDSA, DH_MONT, HMAC, AES, FIPS mode disabled. */
#define EMU_APPLET_CONFIG 0x109F

#endif
