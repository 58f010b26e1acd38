/* libFuzzer target for the TAI64N high-water mark (daemon/tai64n_mark.h): the mark file's parser,
 * then the clock fed with arbitrary wall and monotonic times, across arbitrary restarts.
 * Invariants: every timestamp is later than the previous one in TAI64N order (a peer would
 * otherwise reject it), never below the mark it restarted from, and never above the mark that was
 * persisted for it; a parsed mark formats back to the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tai64n.h"
#include "daemon/tai64n_mark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t take(const uint8_t **p, size_t *left, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && *left; i++, (*p)++, (*left)--)
		v = v << 8 | **p;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte: how much of the input is a mark file. */
	if (size == 0)
		return 0;
	size_t file_len = data[0] % 24;
	data++, size--;
	if (file_len > size)
		file_len = size;
	uint64_t sec = 0;
	if (tai64n_mark_parse((const char *)data, file_len, &sec) == 0) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)sec);
		size_t body = file_len && data[file_len - 1] == '\n' ? file_len - 1 : file_len;
		/* leading zeros are accepted, so compare values, not texts */
		uint64_t again;
		if (tai64n_mark_parse(text, (size_t)n, &again) != 0 || again != sec || body == 0)
			abort();
	} else {
		sec = 0;
	}
	data += file_len, size -= file_len;

	struct tai64n_mark m;
	tai64n_mark_init(&m, sec, 0);
	uint64_t floor_ns = m.mark_ns, persisted = sec, mono = 0;
	uint8_t last[TAI64N_LEN];
	int have_last = 0;
	while (size >= 6) {
		unsigned op = (unsigned)take(&data, &size, 1);
		uint64_t wall =
		        take(&data, &size, 5) * 1000003ull; /* up to ~35 years in ns steps */
		mono += take(&data, &size, 2) * 1000000ull;
		if (op % 16 ==
		    0) { /* a restart from what was persisted; the monotonic clock resets */
			mono = 0;
			tai64n_mark_init(&m, persisted, mono);
			floor_ns = m.mark_ns;
			have_last = 0;
		}
		uint64_t persist = 0;
		uint64_t t = tai64n_mark_next(&m, wall, mono, &persist);
		if (persist)
			persisted = persist;
		if ((floor_ns && t <= floor_ns) || t > persisted * 1000000000ull)
			abort();
		uint8_t enc[TAI64N_LEN];
		tai64n_encode(enc, t / 1000000000ull, (uint32_t)(t % 1000000000ull));
		if (have_last && tai64n_compare(enc, last) <= 0)
			abort();
		memcpy(last, enc, sizeof(last));
		have_last = 1;
	}
	return 0;
}
