/* Enrolment of the word-polarity Peres front end (debias.h) on a host: several fresh raw readings
 * of a block, their bitwise majority, the public case map and the reference output. Host side
 * (allocates); the device only runs debias_pp_extract(). */
#ifndef HWG_PUF_DEBIAS_ENROLL_H
#define HWG_PUF_DEBIAS_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "puf/puf.h"

/* Reads raw bytes [offset, offset + DEBIAS_PP_GROUP_BYTES * groups) `readings` times (odd, 1..255;
 * each a fresh power-up), takes the bitwise majority and runs debias_pp_select() on it: map gets
 * the cases, out the first out_bits reference bits. Returns the map's yield in bits (the caller
 * checks it against what it needs), or -1 when the source has no raw access, a reading failed, or
 * memory ran out. */
long debias_pp_enroll(struct puf_source *puf, size_t offset, size_t groups, unsigned readings,
                      uint8_t *map, uint8_t *out, size_t out_bits);

/* Enrols blocks 0 .. blocks - 1 (block b starts at raw byte b * DEBIAS_PP_GROUP_BYTES * groups):
 * block b's map goes to maps + b * debias_pp_map_len(groups), its first out_bits reference bits
 * to refs + b * ceil(out_bits / 8). Stops at the first block whose map yields fewer than out_bits
 * bits (a PUF more biased than the front end tolerates there). Returns the number of blocks
 * enrolled before it (0: not even block 0), or -1 as debias_pp_enroll(). */
long debias_pp_enroll_blocks(struct puf_source *puf, size_t groups, uint32_t blocks,
                             unsigned readings, size_t out_bits, uint8_t *maps, uint8_t *refs);

#endif
