#include "daemon/uapi_frame.h"

#include <string.h>

void uapi_frame_next(const char *buf, size_t len, struct uapi_frame *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = UAPI_FRAME_INCOMPLETE;
	const char *nl = memchr(buf, '\n', len < 64 ? len : 64);
	if (!nl) {
		if (len >= 64)
			out->kind = UAPI_FRAME_UNKNOWN;
		return;
	}
	size_t op_len = (size_t)(nl - buf);
	size_t rest = op_len + 1;
	if (op_len == 5 && !memcmp(buf, "get=1", 5)) {
		if (len <= rest)
			return;
		out->kind = buf[rest] == '\n' ? UAPI_FRAME_GET : UAPI_FRAME_BAD_GET;
		out->consumed = rest + 1;
		return;
	}
	enum uapi_frame_kind kind;
	if (op_len == 5 && !memcmp(buf, "set=1", 5)) {
		kind = UAPI_FRAME_SET;
	} else if (op_len == 13 && !memcmp(buf, "hwguard_key=1", 13)) {
		kind = UAPI_FRAME_KEY_OP;
	} else {
		out->kind = UAPI_FRAME_UNKNOWN;
		return;
	}
	/* The body ends at the first empty line: "\n\n" found from the op line's own newline on. */
	const char *end = memmem(buf + rest - 1, len - rest + 1, "\n\n", 2);
	if (end) {
		out->kind = kind;
		out->body_off = rest;
		out->body_len = (size_t)(end + 1 - buf) - rest;
		out->consumed = (size_t)(end - buf) + 2;
		return;
	}
	if (len > UAPI_MAX_REQUEST)
		out->kind = UAPI_FRAME_TOO_LARGE;
}
