/* libFuzzer: fe_rec with arbitrary helper data and responses (every parameter set), and the SRAM
 * dump record parser over arbitrary files. Neither may crash, read out of bounds or hang. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/fe.h"
#include "puf/sram_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the reads of the record data from being optimised away. */
extern volatile uint8_t fuzz_sink;
volatile uint8_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* first byte picks the target */
	uint8_t sel = data[0];
	data++, size--;
	if (sel & 1) {
		struct sram_dump_record rec;
		size_t off = 0;
		while (off < size) {
			long r = sram_dump_parse(data + off, size - off, &rec);
			if (r < 0)
				break;
			/* touch the whole data range the parser vouched for */
			uint8_t sum = 0;
			for (uint32_t i = 0; i < rec.data_len; i++)
				sum ^= rec.data[i];
			fuzz_sink = sum;
			off += (size_t)r;
		}
		return 0;
	}
	const struct fe_params sets[] = {
	        FE_PARAMS_128,
	        FE_PARAMS_64,
	        FE_PARAMS_128_CONSERVATIVE,
	        {128, 8, 1},
	        {(uint16_t)(sel << 4), (uint8_t)(sel >> 2), (uint8_t)(sel >> 6)}};
	const struct fe_params *p = &sets[(sel >> 1) % 5];
	uint8_t response[(FE_MAX_BLOCKS * 63 + 7) / 8] = {0},
	                                            helper[2 * sizeof(response) + 32] = {0};
	uint8_t key[16], recovered[sizeof(response)];
	if (!fe_params_valid(p)) {
		fe_rec(p, response, helper, key);
		return 0;
	}
	size_t rlen = fe_response_len(p), hlen = fe_helper_len(p);
	size_t take = size < rlen ? size : rlen;
	memcpy(response, data, take);
	data += take, size -= take;
	memcpy(helper, data, size < hlen ? size : hlen);
	fe_rec(p, response, helper, key);
	fe_recover(p, response, helper, recovered);
	return 0;
}
