/* libFuzzer: the word-polarity Peres front end (puf/debias.h) with arbitrary case maps and raw
 * SRAM, as a device meets them in its non-volatile memory and power-up RAM. Input: a group count
 * byte, an output bit count (2 bytes), then the map and the raw bytes. Nothing may crash or read
 * out of bounds, and the properties the protocol relies on must hold:
 *  - extraction succeeds exactly when the map yields the bits asked for, and leaves no bit set
 *    beyond them;
 *  - a reading equal to the enrolment reference reproduces the enrolment output without touching
 *    the random number generator. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/debias.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct counting_rng {
	struct rng_source base;
	unsigned calls;
};

static int fill(struct rng_source *src, uint8_t *out, size_t len)
{
	((struct counting_rng *)src)->calls++;
	memset(out, 0xa5, len);
	return 0;
}

#define MAX_GROUPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t map[MAX_GROUPS / 4], raw[MAX_GROUPS * DEBIAS_PP_GROUP_BYTES] = {0};
	uint8_t out[(2 * MAX_GROUPS + 7) / 8 + 1], ref[sizeof(out)], map2[sizeof(map)];
	struct counting_rng rng = {{fill}, 0};

	if (size < 3)
		return 0;
	size_t groups = data[0] % (MAX_GROUPS + 1),
	       bits = (data[1] | data[2] << 8) % (2 * MAX_GROUPS + 2);
	data += 3, size -= 3;
	size_t mlen = debias_pp_map_len(groups), take = size < mlen ? size : mlen;
	memset(map, 0, sizeof(map));
	memcpy(map, data, take);
	data += take, size -= take;
	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));

	size_t yield = debias_pp_yield(map, groups);
	int r = debias_pp_extract(raw, groups, map, &rng.base, out, bits);
	if ((r == 0) != (yield >= bits))
		__builtin_trap();
	for (size_t i = bits; i < ((bits + 7) / 8) * 8; i++)
		if (r == 0 && ((out[i / 8] >> (i % 8)) & 1))
			__builtin_trap();

	/* enrolment on this raw block, then the same raw read back: identical, no random fill */
	size_t y2 = debias_pp_select(raw, groups, map2, ref, bits);
	if (y2 != debias_pp_yield(map2, groups))
		__builtin_trap();
	rng.calls = 0;
	if (debias_pp_extract(raw, groups, map2, &rng.base, out, bits) != (y2 >= bits ? 0 : -1))
		__builtin_trap();
	if (y2 >= bits && (rng.calls != 0 || memcmp(out, ref, (bits + 7) / 8) != 0))
		__builtin_trap();
	return 0;
}
