#include "daemon/uapi_keyops.h"

#include <errno.h>
#include <string.h>

#include "daemon/text.h"

static bool equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int parse_line(const char *k, size_t klen, const char *v, size_t vlen,
                      struct uapi_key_op *op, unsigned *seen, const char **why)
{
	enum { SEEN_OP = 1, SEEN_ID = 2, SEEN_FORCE = 4 };
	unsigned bit = equals(k, klen, "op")          ? SEEN_OP
	               : equals(k, klen, "object_id") ? SEEN_ID
	               : equals(k, klen, "force")     ? SEEN_FORCE
	                                              : 0;
	if (!bit) {
		*why = "unknown key";
		return -EINVAL;
	}
	if (*seen & bit) {
		*why = "key given twice";
		return -EINVAL;
	}
	*seen |= bit;
	if (bit == SEEN_OP) {
		if (equals(v, vlen, "genkey"))
			op->kind = UAPI_KEY_GENKEY;
		else if (equals(v, vlen, "pubkey"))
			op->kind = UAPI_KEY_PUBKEY;
		else if (equals(v, vlen, "list"))
			op->kind = UAPI_KEY_LIST;
		else if (equals(v, vlen, "delete"))
			op->kind = UAPI_KEY_DELETE;
		else {
			*why = "op must be genkey, pubkey, list or delete";
			return -EINVAL;
		}
		return 0;
	}
	if (bit == SEEN_ID) {
		uint64_t id;
		if (text_parse_uint(v, vlen, UINT32_MAX, &id) != 0 || id == 0) {
			*why = "object_id must be a non-zero 32-bit decimal number";
			return -EINVAL;
		}
		op->object_id = (uint32_t)id;
		return 0;
	}
	if (!equals(v, vlen, "true")) {
		*why = "value must be \"true\"";
		return -EINVAL;
	}
	op->force = true;
	return 0;
}

int uapi_parse_key_op(const char *body, size_t len, struct uapi_key_op *op, size_t *bad_line,
                      const char **why)
{
	const char *dummy_why;
	size_t dummy_line;
	if (!why)
		why = &dummy_why;
	if (!bad_line)
		bad_line = &dummy_line;
	memset(op, 0, sizeof(*op));
	unsigned seen = 0;
	size_t line = 0, pos = 0;
	while (pos < len) {
		const char *s = body + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + 1;
		line++;
		const char *eq = memchr(s, '=', n);
		if (!eq) {
			*bad_line = line;
			*why = "line without '='";
			return -EPROTO;
		}
		int err = parse_line(s, (size_t)(eq - s), eq + 1, n - (size_t)(eq - s) - 1, op,
		                     &seen, why);
		if (err) {
			*bad_line = line;
			return err;
		}
	}
	*bad_line = 0;
	if (!(seen & 1)) {
		*why = "op missing";
		return -EINVAL;
	}
	bool wants_id = op->kind != UAPI_KEY_LIST;
	if (wants_id != (op->object_id != 0)) {
		*why = wants_id ? "object_id missing" : "list takes no object_id";
		return -EINVAL;
	}
	if (op->force && op->kind != UAPI_KEY_GENKEY) {
		*why = "force applies to genkey only";
		return -EINVAL;
	}
	return 0;
}

void uapi_format_key_op(struct strbuf *sb, const struct uapi_key_op *op)
{
	static const char *const names[] = {
	        [UAPI_KEY_GENKEY] = "genkey",
	        [UAPI_KEY_PUBKEY] = "pubkey",
	        [UAPI_KEY_LIST] = "list",
	        [UAPI_KEY_DELETE] = "delete",
	};
	strbuf_printf(sb, "hwguard_key=1\nop=%s\n", names[op->kind]);
	if (op->object_id)
		strbuf_printf(sb, "object_id=%u\n", op->object_id);
	if (op->force)
		strbuf_printf(sb, "force=true\n");
	strbuf_printf(sb, "\n");
}
