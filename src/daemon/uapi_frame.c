#include "daemon/uapi_frame.h"

#include <string.h>

void uapi_frame_next(const char *buf, size_t len, struct uapi_frame *out)
{
	uapi_frame_next_from(buf, len, 0, out);
}

void uapi_frame_next_from(const char *buf, size_t len, size_t scanned, struct uapi_frame *out)
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
	/* The body ends at the first empty line: "\n\n" found from the op line's own newline on.
	 * memchr from newline to newline: glibc's memmem crawls through a two-byte needle (about
	 * 100 MB/s here, a tenth of a second per scan of a 100,000-peer request). */
	const char *end = NULL, *from = buf + rest - 1;
	if (scanned > rest && scanned <= len)
		from = buf + scanned - 1; /* its last byte may start the empty line */
	for (const char *q = from, *stop = buf + len; q + 1 < stop;) {
		const char *at = memchr(q, '\n', (size_t)(stop - q));
		if (!at || at + 1 >= stop)
			break;
		if (at[1] == '\n') {
			end = at;
			break;
		}
		q = at + 1;
	}
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
