#include "puf/host/debias_enroll.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "puf/debias.h"

long debias_pp_enroll(struct puf_source *puf, size_t offset, size_t groups, unsigned readings,
                      uint8_t *map, uint8_t *out, size_t out_bits)
{
	size_t len = DEBIAS_PP_GROUP_BYTES * groups;
	long yield = -1;

	if (!puf->read_raw || readings == 0 || readings > 255 || readings % 2 == 0 || groups == 0)
		return -1;
	uint8_t *votes = calloc(len * 8, 1), *ref = calloc(len, 1);
	if (!votes || !ref)
		goto out;
	for (unsigned r = 0; r < readings; r++) {
		const uint8_t *raw = puf->read_raw(puf, offset, len);
		if (!raw)
			goto out;
		for (size_t i = 0; i < len * 8; i++)
			votes[i] += (raw[i / 8] >> (i % 8)) & 1;
	}
	for (size_t i = 0; i < len * 8; i++)
		ref[i / 8] |= (uint8_t)((votes[i] > readings / 2) << (i % 8));
	yield = (long)debias_pp_select(ref, groups, map, out, out_bits);
out:
	if (votes)
		secure_wipe(votes, len * 8);
	if (ref)
		secure_wipe(ref, len);
	free(votes);
	free(ref);
	return yield;
}

long debias_pp_enroll_blocks(struct puf_source *puf, size_t groups, uint32_t blocks,
                             unsigned readings, size_t out_bits, uint8_t *maps, uint8_t *refs)
{
	size_t map_len = debias_pp_map_len(groups), ref_len = (out_bits + 7) / 8;

	for (uint32_t b = 0; b < blocks; b++) {
		long yield = debias_pp_enroll(puf, (size_t)b * DEBIAS_PP_GROUP_BYTES * groups,
		                              groups, readings, maps + b * map_len,
		                              refs + b * ref_len, out_bits);
		if (yield < 0)
			return -1;
		if ((size_t)yield < out_bits)
			return (long)b;
	}
	return (long)blocks;
}
