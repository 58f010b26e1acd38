/* Server-side message parsing and processing: arbitrary datagrams through the header parser, the
 * HELLO and RESPONSE parsers and the whole server_process path (quick and full candidate stages)
 * over a two-row in-memory store. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "puf/proto/server_core.h"
#include "puf/proto/wire.h"

static uint8_t keys[2][PUFPROTO_KEY_LEN] = {{1, 2, 3}, {4, 5, 6}};
static uint8_t refs[2][PUFPROTO_MAX_RESPONSE] = {{7}, {8}};

static int row(const struct pufproto_store_view *v, size_t i, uint8_t *suite, const uint8_t **sk,
               const uint8_t **z)
{
	(void)v;
	*suite = i == 0 ? PUFPROTO_SUITE_128 : PUFPROTO_SUITE_64;
	*sk = keys[i];
	*z = refs[i];
	return 0;
}

static int fill(struct rng_source *src, uint8_t *out, size_t len)
{
	(void)src;
	memset(out, 0x5a, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pufproto_store_view view = {2, row, NULL};
	struct rng_source rng = {fill};
	struct pufproto_server_result res;
	struct pufproto_header h;
	struct pufproto_challenge ch;
	struct pufproto_response m;
	uint8_t reply[PUFPROTO_MAX_MESSAGE], suite;
	static const uint8_t n_s[PUFPROTO_CHALLENGE_LEN];

	pufproto_parse_header(data, size, &h);
	pufproto_parse_hello(data, size, &suite);
	pufproto_parse_challenge(data, size, &ch);
	if (pufproto_parse_response(data, size, &m) == 0) {
		/* accept whatever session the input names, so the search runs */
		long n = pufproto_server_process(&view, m.session, n_s, data, size, &rng, &res,
		                                 reply, sizeof(reply));

		if (n > 0 && (size_t)n != pufproto_confirm_len(&m.suite))
			__builtin_trap();
	}
	return 0;
}
