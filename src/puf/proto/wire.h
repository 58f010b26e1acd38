/* Wire format v1 of the PUF authentication protocol (docs/pufauth-protocol.md §3). Every message
 * starts with an 8-byte header: magic "PF", version, type, suite, flags (0), body length (big
 * endian u16); the datagram must be exactly header + body. Variable fields carry an explicit u16
 * length that must equal the suite's size. Parsers are strict and bounded: they read nothing beyond
 * len and accept no trailing bytes. Portable C, no malloc, no OS. */
#ifndef HWG_PUF_PROTO_WIRE_H
#define HWG_PUF_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "puf/proto/suite.h"

#define PUFPROTO_MAGIC0      0x50 /* 'P' */
#define PUFPROTO_MAGIC1      0x46 /* 'F' */
#define PUFPROTO_VERSION     1
#define PUFPROTO_HEADER_LEN  8
#define PUFPROTO_MAX_MESSAGE 1024

enum pufproto_msg_type {
	PUFPROTO_MSG_HELLO = 1,     /* device -> server: "send me a challenge" (no body) */
	PUFPROTO_MSG_CHALLENGE = 2, /* server -> device: session, n_S */
	PUFPROTO_MSG_RESPONSE = 3,  /* device -> server: session, c, n_D, t1, u, v1 */
	PUFPROTO_MSG_CONFIRM = 4,   /* server -> device: session, t4 (or random bytes) */
};

enum pufproto_wire_error {
	PUFPROTO_WIRE_OK = 0,
	PUFPROTO_WIRE_TRUNCATED = -1,   /* shorter than its header or its declared body */
	PUFPROTO_WIRE_BAD_MAGIC = -2,   /* not a pufauth message */
	PUFPROTO_WIRE_BAD_VERSION = -3, /* a version this build does not speak */
	PUFPROTO_WIRE_BAD_TYPE = -4,    /* unknown type, or not the type expected here */
	PUFPROTO_WIRE_BAD_SUITE = -5,   /* unknown security suite */
	PUFPROTO_WIRE_BAD_LENGTH = -6,  /* a field or body length differs from the suite's */
	PUFPROTO_WIRE_TRAILING = -7,    /* bytes after the declared body */
	PUFPROTO_WIRE_BAD_FLAGS = -8,   /* reserved flags set */
	PUFPROTO_WIRE_NO_SPACE = -9,    /* output buffer too small (encoders) */
};

/* Human-readable text for an error code. */
const char *pufproto_wire_strerror(int err);

struct pufproto_header {
	uint8_t type;
	uint8_t suite;
	uint16_t body_len;
};

struct pufproto_challenge {
	uint8_t suite; /* echoes the HELLO's suite */
	uint8_t session[PUFPROTO_SESSION_LEN];
	uint8_t n_s[PUFPROTO_CHALLENGE_LEN];
};

/* Views into the parsed datagram (no copies): valid while the datagram buffer is. */
struct pufproto_response {
	struct pufproto_suite suite;
	const uint8_t *session;
	const uint8_t *c;
	const uint8_t *n_d;
	const uint8_t *t1;
	const uint8_t *u;
	const uint8_t *v1;
};

struct pufproto_confirm {
	uint8_t suite;
	uint8_t session[PUFPROTO_SESSION_LEN];
	uint8_t t4[PUFPROTO_MAX_NONCE];
	size_t t4_len;
};

/* Header only: checks magic, version, flags and that len == header + body_len exactly. */
int pufproto_parse_header(const uint8_t *msg, size_t len, struct pufproto_header *h);

/* Encoders return the message length, or a negative enum pufproto_wire_error. */
long pufproto_encode_hello(uint8_t suite, uint8_t *out, size_t cap);
long pufproto_encode_challenge(const struct pufproto_challenge *m, uint8_t *out, size_t cap);
long pufproto_encode_response(const struct pufproto_suite *s, const uint8_t *session,
                              const uint8_t *c, const uint8_t *n_d, const uint8_t *t1,
                              const uint8_t *u, const uint8_t *v1, uint8_t *out, size_t cap);
long pufproto_encode_confirm(const struct pufproto_confirm *m, uint8_t *out, size_t cap);

/* Parsers return PUFPROTO_WIRE_OK or a negative enum pufproto_wire_error. */
int pufproto_parse_hello(const uint8_t *msg, size_t len, uint8_t *suite);
int pufproto_parse_challenge(const uint8_t *msg, size_t len, struct pufproto_challenge *m);
int pufproto_parse_response(const uint8_t *msg, size_t len, struct pufproto_response *m);
/* expected_suite: the suite the device spoke; a CONFIRM for another suite is rejected. */
int pufproto_parse_confirm(const uint8_t *msg, size_t len, uint8_t expected_suite,
                           struct pufproto_confirm *m);

/* Length of a CONFIRM body's tag for a suite (what a "no match" reply must imitate). */
size_t pufproto_confirm_len(const struct pufproto_suite *s);

#endif
