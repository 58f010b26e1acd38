/* libFuzzer target for the UAPI request path: stream framing (uapi_frame_next), the `set=1` parser
 * (uapi_parse_set), hwguard's key-operation parser (uapi_parse_key_op) and the formatters the
 * parsed values flow back through in `get=1` (and in hwguard-key's requests). Invariants
 * checked: framing never consumes more than it was given and always makes progress on a complete
 * request; a parsed endpoint or prefix formats to text that parses back to the same value; parsing
 * one line per step (as the daemon does between packet batches) gives exactly the whole parse's
 * result; framing resumed after a partial read (uapi_frame_next_from, as the control connection
 * scans a large request) finds what one scan of the whole finds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/strbuf.h"
#include "daemon/text.h"
#include "daemon/uapi_frame.h"
#include "daemon/uapi_keyops.h"
#include "daemon/uapi_set.h"

/* A request that arrives in two parts: the scan resumed where the first part ended (as the
 * control connection does) finds what one scan of the whole finds. */
static void check_resumed_scan(const char *buf, size_t size)
{
	struct uapi_frame whole, part, resumed;
	uapi_frame_next(buf, size, &whole);
	for (size_t split = 1; split < size; split += 1 + split / 2) {
		uapi_frame_next(buf, split, &part);
		if (part.kind != UAPI_FRAME_INCOMPLETE)
			continue;
		uapi_frame_next_from(buf, size, split, &resumed);
		if (memcmp(&resumed, &whole, sizeof(whole)) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct uapi_op *op)
{
	struct strbuf sb;
	strbuf_init(&sb);
	if (op->kind == UAPI_OP_ENDPOINT) {
		struct wg_endpoint back;
		text_format_endpoint(&sb, &op->u.endpoint);
		if (sb.failed)
			abort();
		/* a scope given by interface name comes back numeric: parse what was printed */
		if (text_parse_endpoint(sb.data, sb.len, &back) != 0 ||
		    back.addr.sa.sa_family != op->u.endpoint.addr.sa.sa_family)
			abort();
	} else if (op->kind == UAPI_OP_ALLOWED_IP_ADD || op->kind == UAPI_OP_ALLOWED_IP_REMOVE) {
		struct text_prefix back;
		text_format_prefix(&sb, op->u.prefix.family, op->u.prefix.addr, op->u.prefix.cidr);
		if (text_parse_prefix(sb.data, sb.len, &back) != 0 ||
		    back.family != op->u.prefix.family || back.cidr != op->u.prefix.cidr ||
		    memcmp(back.addr, op->u.prefix.addr, sizeof(back.addr)) != 0)
			abort();
	}
	strbuf_free(&sb);
}

/* A key operation that parses is printed (as hwguard-key sends it) and must parse back the same. */
static void check_key_op(const char *body, size_t len)
{
	struct uapi_key_op op, back;
	if (uapi_parse_key_op(body, len, &op, NULL, NULL) != 0)
		return;
	struct strbuf sb;
	strbuf_init(&sb);
	uapi_format_key_op(&sb, &op);
	struct uapi_frame f;
	uapi_frame_next(sb.data, sb.len, &f);
	if (sb.failed || f.kind != UAPI_FRAME_KEY_OP || f.consumed != sb.len ||
	    uapi_parse_key_op(sb.data + f.body_off, f.body_len, &back, NULL, NULL) != 0 ||
	    memcmp(&op, &back, sizeof(op)) != 0)
		abort();
	strbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t pos = 0;
	while (pos < size) {
		struct uapi_frame f;
		uapi_frame_next(buf + pos, size - pos, &f);
		if (f.kind == UAPI_FRAME_INCOMPLETE || f.kind == UAPI_FRAME_UNKNOWN ||
		    f.kind == UAPI_FRAME_TOO_LARGE)
			break;
		if (f.consumed == 0 || f.consumed > size - pos)
			abort();
		if (f.kind == UAPI_FRAME_SET) {
			if (f.body_off + f.body_len > f.consumed)
				abort();
			struct uapi_set set;
			size_t line;
			const char *why;
			if (uapi_parse_set(buf + pos + f.body_off, f.body_len, &set, &line, &why) ==
			    0) {
				for (size_t i = 0; i < set.n; i++)
					check_round_trip(&set.ops[i]);
				uapi_set_free(&set);
			}
		} else if (f.kind == UAPI_FRAME_KEY_OP) {
			check_key_op(buf + pos + f.body_off, f.body_len);
		}
		pos += f.consumed;
	}
	/* The whole input as a set body too, so the parser sees bytes the framing would cut off;
	 * and again a line at a time. */
	struct uapi_set set, stepped;
	struct uapi_parser p;
	size_t line = 0;
	int whole = uapi_parse_set(buf, size, &set, &line, NULL), r;
	uapi_parse_start(&p, buf, size, &stepped);
	while ((r = uapi_parse_step(&p, 1)) > 0)
		;
	if (r != whole || (r < 0 && p.line_no != line))
		abort();
	if (r == 0) {
		if (stepped.n != set.n)
			abort();
		for (size_t i = 0; i < set.n; i++)
			if (stepped.ops[i].kind != set.ops[i].kind ||
			    memcmp(&stepped.ops[i].u, &set.ops[i].u, sizeof(set.ops[i].u)) != 0)
				abort();
		uapi_set_free(&set);
		uapi_set_free(&stepped);
	}
	check_key_op(buf, size);
	check_resumed_scan(buf, size);
	return 0;
}
