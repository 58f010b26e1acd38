/* The server's datagram handling as production runs it (pufservice_handle -> pufsearch_run) over an
 * in-memory store with one device per suite: arbitrary datagrams through the header, HELLO and
 * RESPONSE parsers, and every RESPONSE-shaped input a second time with the session of a challenge
 * just issued, so that it reaches the queue, the batched quick stage and the full stage. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "puf/proto/wire.h"
#include "pufserver/service.h"

static struct pufservice *svc;

static void setup(void)
{
	static const uint8_t key[2][PUFPROTO_KEY_LEN] = {{1, 2, 3}, {4, 5, 6}};
	static const uint8_t ref[2][PUFPROTO_MAX_RESPONSE] = {{7}, {8}};
	struct pufproto_suite s;
	struct pufstore *st;
	char err[256];

	svc = malloc(sizeof(*svc));
	if (!svc || pufstore_open(&st, ":memory:", 1, err, sizeof(err)))
		abort();
	for (uint8_t id = PUFPROTO_SUITE_128; id <= PUFPROTO_SUITE_64; id++) {
		pufproto_suite_get(id, &s);
		if (pufstore_enroll(st, id == PUFPROTO_SUITE_128 ? "a" : "b", id, key[id - 1],
		                    ref[id - 1], s.response_len, NULL))
			abort();
	}
	if (pufservice_init(svc, st, 1, err, sizeof(err)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t reply[PUFPROTO_MAX_MESSAGE], msg[PUFPROTO_MAX_MESSAGE], hello[16];
	struct pufproto_challenge ch;
	struct pufproto_response m;
	long n;

	if (!svc)
		setup();
	n = pufservice_handle(svc, data, size, 1000, reply, sizeof(reply));
	if (n < 0)
		__builtin_trap();
	if (size > sizeof(msg) || pufproto_parse_response(data, size, &m))
		return 0;
	/* answer a challenge of our own with this RESPONSE */
	n = pufproto_encode_hello(m.suite.id, hello, sizeof(hello));
	n = pufservice_handle(svc, hello, (size_t)n, 1000, reply, sizeof(reply));
	if (n <= 0 || pufproto_parse_challenge(reply, (size_t)n, &ch))
		__builtin_trap();
	memcpy(msg, data, size);
	memcpy(msg + PUFPROTO_HEADER_LEN, ch.session, PUFPROTO_SESSION_LEN);
	n = pufservice_handle(svc, msg, size, 1000, reply, sizeof(reply));
	if (n != (long)pufproto_confirm_len(&m.suite))
		__builtin_trap();
	return 0;
}
