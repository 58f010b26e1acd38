/* Device-side parsing: arbitrary bytes as the server's CHALLENGE (device_begin) and, for a device
 * with a run pending, as the server's CONFIRM (device_finish). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/proto/device.h"
#include "puf/proto/wire.h"

static int fake_read(struct puf_source *src, uint32_t challenge, uint8_t *out, size_t len)
{
	(void)src;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(challenge * 31 + i);
	return 0;
}

static int fake_fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 7 + 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct puf_source puf = {.read = fake_read};
	struct rng_source rng = {fake_fill};
	struct pufproto_device_config cfg = {256, 3};
	struct pufproto_device_nv nv = {.suite = PUFPROTO_SUITE_128, .sk = {1}, .challenge = 5};
	struct pufproto_device d;
	struct pufproto_challenge ch;
	uint8_t chal[PUFPROTO_MAX_MESSAGE], out[PUFPROTO_MAX_MESSAGE];
	long n;

	if (size > 0 && (data[0] & 1))
		nv.suite = PUFPROTO_SUITE_64;
	pufproto_device_init(&d, &nv);
	/* the input as a CHALLENGE */
	pufproto_device_begin(&d, &cfg, data, size, &rng, &puf, out, sizeof(out));
	/* a genuine CHALLENGE, then the input as its CONFIRM */
	memset(&ch, 0, sizeof(ch));
	ch.suite = nv.suite;
	if (size >= PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN)
		memcpy(ch.session, data + PUFPROTO_HEADER_LEN, PUFPROTO_SESSION_LEN);
	n = pufproto_encode_challenge(&ch, chal, sizeof(chal));
	if (n < 0 ||
	    pufproto_device_begin(&d, &cfg, chal, (size_t)n, &rng, &puf, out, sizeof(out)) < 0)
		__builtin_trap();
	pufproto_device_finish(&d, data, size);
	return 0;
}
