/* Splits the UAPI byte stream into requests: "get=1\n\n", or "set=1\n" (or hwguard's extension
 * "hwguard_key=1\n") + lines + an empty line. A connection may carry several requests in
 * sequence. Pure. */
#ifndef HWG_DAEMON_UAPI_FRAME_H
#define HWG_DAEMON_UAPI_FRAME_H

#include <stddef.h>

/* Requests larger than this are refused (a few thousand peers with many prefixes fit easily). */
#define UAPI_MAX_REQUEST (16u << 20)

enum uapi_frame_kind {
	UAPI_FRAME_INCOMPLETE, /* need more bytes */
	UAPI_FRAME_GET,
	UAPI_FRAME_SET,       /* body = the key=value lines, each ending in '\n' */
	UAPI_FRAME_KEY_OP,    /* "hwguard_key=1": a key operation (uapi_keyops.h); body as SET */
	UAPI_FRAME_BAD_GET,   /* "get=1\n" followed by anything but '\n': answer -EINVAL, close */
	UAPI_FRAME_UNKNOWN,   /* not get=1 / set=1: close without an answer, as wireguard-go */
	UAPI_FRAME_TOO_LARGE, /* over UAPI_MAX_REQUEST: answer -ENOMEM, close */
};

struct uapi_frame {
	enum uapi_frame_kind kind;
	size_t consumed; /* bytes of the stream this request used */
	size_t body_off;
	size_t body_len;
};

void uapi_frame_next(const char *buf, size_t len, struct uapi_frame *out);
/* The same, when an earlier call on the first `scanned` bytes of the same buffer returned
 * UAPI_FRAME_INCOMPLETE: the search for the body's end resumes there, so that a large request
 * arriving in many reads is scanned once, not once per read. */
void uapi_frame_next_from(const char *buf, size_t len, size_t scanned, struct uapi_frame *out);

#endif
