#include "puf/majority.h"

#include <string.h>

int puf_majority(struct puf_source *src, uint32_t challenge, unsigned readings, uint8_t *out,
                 size_t len, uint8_t *counts)
{
	if (readings == 0 || readings > 255 || readings % 2 == 0)
		return -1;
	memset(counts, 0, len * 8);
	for (unsigned r = 0; r < readings; r++) {
		if (puf_read(src, challenge, out, len))
			return -1;
		for (size_t i = 0; i < len * 8; i++)
			counts[i] += (out[i / 8] >> (i % 8)) & 1;
	}
	memset(out, 0, len);
	for (size_t i = 0; i < len * 8; i++)
		if (counts[i] > readings / 2)
			out[i / 8] |= (uint8_t)(1u << (i % 8));
	return 0;
}
