/* The emulated SE05x applet: the subset of commands hwguard uses (SELECT, WriteECKey generate and
 * import, ReadObject, ReadType, GetECCurveId, CheckObjectExists, DeleteSecureObject, ReadIDList,
 * ECDH, CreateECCurve, GetVersion, GetFreeMemory), with object policies enforced, X25519 done in
 * software and values in the chip's big-endian order. Two personalities: applet 3.1 (SE050 A/B/C/F:
 * generic EC types, X25519 built in) and 7.2 (SE050E, SE051: a type per curve, and the curve must
 * be created before a key on it). */
#ifndef HWG_SE050_EMU_APPLET_H
#define HWG_SE050_EMU_APPLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_store.h"

/* Ids per ReadIDList page: 64 ids (256 bytes) make the response longer than one T=1 block. */
#define EMU_LIST_PAGE 64
/* Peer keys remembered to detect an ECDH run twice for the same request. */
#define EMU_RECENT_PEERS 64

struct emu_latency {
	unsigned base_ms;     /* every command */
	unsigned ecdh_ms;     /* added to ECDH */
	unsigned generate_ms; /* added to key generation */
};

struct emu_applet {
	struct emu_store *store;
	uint8_t version[3]; /* major minor patch: 3.1.0 or 7.2.0 */
	uint16_t config;    /* SELECT applet-config bitmap */
	size_t max_objects; /* a new object beyond this answers 6A84 (NVM full) */
	bool selected;
	struct emu_latency latency;
	uint64_t ecdh_count;
	/* ECDHs whose peer key was one of the last EMU_RECENT_PEERS: a host that sends every
	 * request with a fresh key (the tests) sees 0 unless a command ran twice. */
	uint64_t ecdh_repeats;
	uint8_t recent[EMU_RECENT_PEERS][32];
	unsigned recent_n;
};

/* Applet 3.1 with the default configuration. */
void emu_applet_init(struct emu_applet *a, struct emu_store *store);

/* Selects the personality: 7.x behaves as applet 7.2, any other version as 3.1 (only the version
 * it announces differs). Returns 0, or -1 for a number above 255. */
int emu_applet_set_version(struct emu_applet *a, unsigned major, unsigned minor);

/* Handles one command APDU; writes the response (data then SW) into rsp (SE05X_MAX_RSP bytes) and
 * returns its length. *latency_ms receives how long the chip "computes". */
size_t emu_applet_process(struct emu_applet *a, const uint8_t *cmd, size_t n, uint8_t *rsp,
                          unsigned *latency_ms);

/* Chip or interface reset: no applet is selected afterwards. */
void emu_applet_reset(struct emu_applet *a);

/* Default applet config: ECDSA/ECDH, EdDSA, DH_MONT, HMAC, AES, FIPS mode disabled. */
#define EMU_APPLET_CONFIG 0x109F
/* What GetFreeMemory counts per object: an X25519 key pair with its policy. */
#define EMU_OBJECT_NVM_BYTES 128

#endif
