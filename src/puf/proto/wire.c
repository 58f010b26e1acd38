/* Encoding and strict parsing of the four v1 messages. */
#include <string.h>

#include "crypto/portable/bytes.h"
#include "puf/proto/wire.h"

const char *pufproto_wire_strerror(int err)
{
	switch (err) {
	case PUFPROTO_WIRE_OK:
		return "ok";
	case PUFPROTO_WIRE_TRUNCATED:
		return "truncated message";
	case PUFPROTO_WIRE_BAD_MAGIC:
		return "not a pufauth message (bad magic)";
	case PUFPROTO_WIRE_BAD_VERSION:
		return "unsupported protocol version";
	case PUFPROTO_WIRE_BAD_TYPE:
		return "unexpected message type";
	case PUFPROTO_WIRE_BAD_SUITE:
		return "unknown security suite";
	case PUFPROTO_WIRE_BAD_LENGTH:
		return "field length does not match the suite";
	case PUFPROTO_WIRE_TRAILING:
		return "trailing bytes after the message";
	case PUFPROTO_WIRE_BAD_FLAGS:
		return "reserved flags set";
	case PUFPROTO_WIRE_NO_SPACE:
		return "output buffer too small";
	default:
		return "unknown error";
	}
}

static long put_header(uint8_t type, uint8_t suite, size_t body_len, uint8_t *out, size_t cap)
{
	if (body_len > 0xffff || cap < PUFPROTO_HEADER_LEN + body_len)
		return PUFPROTO_WIRE_NO_SPACE;
	out[0] = PUFPROTO_MAGIC0;
	out[1] = PUFPROTO_MAGIC1;
	out[2] = PUFPROTO_VERSION;
	out[3] = type;
	out[4] = suite;
	out[5] = 0;
	store_be16(out + 6, (uint16_t)body_len);
	return PUFPROTO_HEADER_LEN;
}

int pufproto_parse_header(const uint8_t *msg, size_t len, struct pufproto_header *h)
{
	if (len < PUFPROTO_HEADER_LEN)
		return PUFPROTO_WIRE_TRUNCATED;
	if (msg[0] != PUFPROTO_MAGIC0 || msg[1] != PUFPROTO_MAGIC1)
		return PUFPROTO_WIRE_BAD_MAGIC;
	if (msg[2] != PUFPROTO_VERSION)
		return PUFPROTO_WIRE_BAD_VERSION;
	if (msg[5] != 0)
		return PUFPROTO_WIRE_BAD_FLAGS;
	h->type = msg[3];
	h->suite = msg[4];
	h->body_len = load_be16(msg + 6);
	if (len < PUFPROTO_HEADER_LEN + (size_t)h->body_len)
		return PUFPROTO_WIRE_TRUNCATED;
	if (len > PUFPROTO_HEADER_LEN + (size_t)h->body_len)
		return PUFPROTO_WIRE_TRAILING;
	return PUFPROTO_WIRE_OK;
}

/* Header checks common to every parser: type and a known suite. */
static int parse_typed(const uint8_t *msg, size_t len, uint8_t type, struct pufproto_header *h,
                       struct pufproto_suite *s)
{
	int err = pufproto_parse_header(msg, len, h);

	if (err)
		return err;
	if (h->type != type)
		return PUFPROTO_WIRE_BAD_TYPE;
	if (pufproto_suite_get(h->suite, s))
		return PUFPROTO_WIRE_BAD_SUITE;
	return PUFPROTO_WIRE_OK;
}

long pufproto_encode_hello(uint8_t suite, uint8_t *out, size_t cap)
{
	return put_header(PUFPROTO_MSG_HELLO, suite, 0, out, cap);
}

int pufproto_parse_hello(const uint8_t *msg, size_t len, uint8_t *suite)
{
	struct pufproto_header h;
	struct pufproto_suite s;
	int err = parse_typed(msg, len, PUFPROTO_MSG_HELLO, &h, &s);

	if (err)
		return err;
	if (h.body_len != 0)
		return PUFPROTO_WIRE_BAD_LENGTH;
	*suite = h.suite;
	return PUFPROTO_WIRE_OK;
}

#define CHALLENGE_BODY (PUFPROTO_SESSION_LEN + PUFPROTO_CHALLENGE_LEN)

long pufproto_encode_challenge(const struct pufproto_challenge *m, uint8_t *out, size_t cap)
{
	long n = put_header(PUFPROTO_MSG_CHALLENGE, m->suite, CHALLENGE_BODY, out, cap);

	if (n < 0)
		return n;
	memcpy(out + n, m->session, PUFPROTO_SESSION_LEN);
	memcpy(out + n + PUFPROTO_SESSION_LEN, m->n_s, PUFPROTO_CHALLENGE_LEN);
	return n + CHALLENGE_BODY;
}

int pufproto_parse_challenge(const uint8_t *msg, size_t len, struct pufproto_challenge *m)
{
	struct pufproto_header h;
	struct pufproto_suite s;
	int err = parse_typed(msg, len, PUFPROTO_MSG_CHALLENGE, &h, &s);

	if (err)
		return err;
	if (h.body_len != CHALLENGE_BODY)
		return PUFPROTO_WIRE_BAD_LENGTH;
	m->suite = h.suite;
	memcpy(m->session, msg + PUFPROTO_HEADER_LEN, PUFPROTO_SESSION_LEN);
	memcpy(m->n_s, msg + PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN, PUFPROTO_CHALLENGE_LEN);
	return PUFPROTO_WIRE_OK;
}

/* The RESPONSE body: session, then five (u16 length, bytes) fields. */
static size_t response_body_len(const struct pufproto_suite *s)
{
	return PUFPROTO_SESSION_LEN + 5 * 2 + s->ciphertext_len + 3 * s->nonce_len +
	       s->response_len;
}

static size_t put_field(uint8_t *out, const uint8_t *p, size_t n)
{
	store_be16(out, (uint16_t)n);
	memcpy(out + 2, p, n);
	return 2 + n;
}

long pufproto_encode_response(const struct pufproto_suite *s, const uint8_t *session,
                              const uint8_t *c, const uint8_t *n_d, const uint8_t *t1,
                              const uint8_t *u, const uint8_t *v1, uint8_t *out, size_t cap)
{
	size_t body = response_body_len(s);
	long n = put_header(PUFPROTO_MSG_RESPONSE, s->id, body, out, cap);
	size_t off;

	if (n < 0)
		return n;
	off = (size_t)n;
	memcpy(out + off, session, PUFPROTO_SESSION_LEN);
	off += PUFPROTO_SESSION_LEN;
	off += put_field(out + off, c, s->ciphertext_len);
	off += put_field(out + off, n_d, s->nonce_len);
	off += put_field(out + off, t1, s->nonce_len);
	off += put_field(out + off, u, s->response_len);
	off += put_field(out + off, v1, s->nonce_len);
	return (long)off;
}

/* Reads one (u16 length, bytes) field that must be exactly want bytes long. */
static int get_field(const uint8_t *msg, size_t end, size_t *off, size_t want, const uint8_t **p)
{
	if (end - *off < 2)
		return PUFPROTO_WIRE_TRUNCATED;
	if (load_be16(msg + *off) != want)
		return PUFPROTO_WIRE_BAD_LENGTH;
	*off += 2;
	if (end - *off < want)
		return PUFPROTO_WIRE_TRUNCATED;
	*p = msg + *off;
	*off += want;
	return PUFPROTO_WIRE_OK;
}

int pufproto_parse_response(const uint8_t *msg, size_t len, struct pufproto_response *m)
{
	struct pufproto_header h;
	size_t off = PUFPROTO_HEADER_LEN, end;
	int err = parse_typed(msg, len, PUFPROTO_MSG_RESPONSE, &h, &m->suite);

	if (err)
		return err;
	end = PUFPROTO_HEADER_LEN + (size_t)h.body_len;
	if (h.body_len < PUFPROTO_SESSION_LEN)
		return PUFPROTO_WIRE_TRUNCATED;
	m->session = msg + off;
	off += PUFPROTO_SESSION_LEN;
	if ((err = get_field(msg, end, &off, m->suite.ciphertext_len, &m->c)) ||
	    (err = get_field(msg, end, &off, m->suite.nonce_len, &m->n_d)) ||
	    (err = get_field(msg, end, &off, m->suite.nonce_len, &m->t1)) ||
	    (err = get_field(msg, end, &off, m->suite.response_len, &m->u)) ||
	    (err = get_field(msg, end, &off, m->suite.nonce_len, &m->v1)))
		return err;
	if (off != end)
		return PUFPROTO_WIRE_BAD_LENGTH;
	return PUFPROTO_WIRE_OK;
}

size_t pufproto_confirm_len(const struct pufproto_suite *s)
{
	return PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN + 2 + s->nonce_len;
}

long pufproto_encode_confirm(const struct pufproto_confirm *m, uint8_t *out, size_t cap)
{
	long n;

	if (m->t4_len > PUFPROTO_MAX_NONCE)
		return PUFPROTO_WIRE_BAD_LENGTH;
	n = put_header(PUFPROTO_MSG_CONFIRM, m->suite, PUFPROTO_SESSION_LEN + 2 + m->t4_len, out,
	               cap);
	if (n < 0)
		return n;
	memcpy(out + n, m->session, PUFPROTO_SESSION_LEN);
	n += PUFPROTO_SESSION_LEN;
	n += (long)put_field(out + n, m->t4, m->t4_len);
	return n;
}

int pufproto_parse_confirm(const uint8_t *msg, size_t len, uint8_t expected_suite,
                           struct pufproto_confirm *m)
{
	struct pufproto_header h;
	struct pufproto_suite s;
	const uint8_t *t4;
	size_t off = PUFPROTO_HEADER_LEN, end;
	int err = parse_typed(msg, len, PUFPROTO_MSG_CONFIRM, &h, &s);

	if (err)
		return err;
	if (h.suite != expected_suite)
		return PUFPROTO_WIRE_BAD_SUITE;
	end = PUFPROTO_HEADER_LEN + (size_t)h.body_len;
	if (h.body_len < PUFPROTO_SESSION_LEN)
		return PUFPROTO_WIRE_TRUNCATED;
	memcpy(m->session, msg + off, PUFPROTO_SESSION_LEN);
	off += PUFPROTO_SESSION_LEN;
	if ((err = get_field(msg, end, &off, s.nonce_len, &t4)))
		return err;
	if (off != end)
		return PUFPROTO_WIRE_BAD_LENGTH;
	m->suite = h.suite;
	m->t4_len = s.nonce_len;
	memcpy(m->t4, t4, s.nonce_len);
	return PUFPROTO_WIRE_OK;
}
