/* Enrolment reference: the bitwise majority of several readings of one challenge (the server stores
 * it as z1; shared/specs/puf-auth-protocol.md §6). Portable C, no malloc, no OS. */
#ifndef HWG_PUF_MAJORITY_H
#define HWG_PUF_MAJORITY_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"

/* Reads challenge `readings` times (odd, 1..255) and writes the majority into out. counts is
 * scratch of len * 8 bytes. Returns 0, or -1 when a reading failed or readings is even or out of
 * range. */
int puf_majority(struct puf_source *src, uint32_t challenge, unsigned readings, uint8_t *out,
                 size_t len, uint8_t *counts);

#endif
