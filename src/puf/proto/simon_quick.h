/* One-block SIMON decryption under a fresh key, specialised for the server's quick stage
 * (server_core.h): SIMON-128/128 and SIMON-64/128 with constant word sizes and rotations, and no
 * wipe of the round keys per call (the caller wipes its scratch once per scan). The general
 * implementation (crypto/portable/simon.h) serves every variant in one small routine for the 8 KB
 * device, at about four times the instruction count; tests/pufserver/test_wire.c checks the two
 * against each other. Portable C, no malloc, no OS. */
#ifndef HWG_PUF_PROTO_SIMON_QUICK_H
#define HWG_PUF_PROTO_SIMON_QUICK_H

#include <stdint.h>

#include "crypto/portable/simon.h"

/* Round keys of the last call; wipe with secure_wipe() when done. */
struct simon_quick_scratch {
	union {
		uint64_t w64[SIMON_MAX_ROUNDS];
		uint32_t w32[SIMON_MAX_ROUNDS];
	} rk;
};

/* Expands key and decrypts the block in into out. Returns 0, or -1 for a variant other than
 * SIMON_128_128 and SIMON_64_128 (the caller then uses crypto/portable/simon.h). */
int simon_quick_decrypt(enum simon_variant v, const uint8_t *key, const uint8_t *in, uint8_t *out,
                        struct simon_quick_scratch *scratch);

#endif
