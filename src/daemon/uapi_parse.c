#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/portable/secure.h"
#include "daemon/uapi_set.h"

struct line {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

static bool key_is(const struct line *l, const char *name)
{
	size_t n = strlen(name);
	return l->key_len == n && memcmp(l->key, name, n) == 0;
}

static bool value_is(const struct line *l, const char *text)
{
	size_t n = strlen(text);
	return l->value_len == n && memcmp(l->value, text, n) == 0;
}

static struct uapi_op *push(struct uapi_set *set, enum uapi_op_kind kind)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct uapi_op *ops = calloc(cap, sizeof(*ops));
		if (!ops)
			return NULL;
		if (set->ops) {
			memcpy(ops, set->ops, set->n * sizeof(*ops));
			secure_wipe(set->ops, set->cap * sizeof(*ops));
			free(set->ops);
		}
		set->ops = ops;
		set->cap = cap;
	}
	struct uapi_op *op = &set->ops[set->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

/* A boolean key whose only accepted value is "true" (wireguard-go rejects anything else). */
static int flag(struct uapi_set *set, const struct line *l, enum uapi_op_kind kind,
                const char **why)
{
	if (!value_is(l, "true")) {
		*why = "value must be \"true\"";
		return -EINVAL;
	}
	return push(set, kind) ? 0 : -ENOMEM;
}

static int key_op(struct uapi_set *set, const struct line *l, enum uapi_op_kind kind,
                  const char **why)
{
	struct uapi_op *op = push(set, kind);
	if (!op)
		return -ENOMEM;
	if (text_parse_key(l->value, l->value_len, op->u.key) != 0) {
		*why = "key must be 64 hex digits";
		return -EINVAL;
	}
	return 0;
}

static int num_op(struct uapi_set *set, const struct line *l, enum uapi_op_kind kind, uint64_t max,
                  const char **why)
{
	struct uapi_op *op = push(set, kind);
	if (!op)
		return -ENOMEM;
	if (text_parse_uint(l->value, l->value_len, max, &op->u.num) != 0) {
		*why = "not a number in range";
		return -EINVAL;
	}
	return 0;
}

static int device_line(struct uapi_set *set, const struct line *l, const char **why)
{
	if (key_is(l, "private_key"))
		return key_op(set, l, UAPI_OP_PRIVATE_KEY, why);
	if (key_is(l, "listen_port"))
		return num_op(set, l, UAPI_OP_LISTEN_PORT, 65535, why);
	if (key_is(l, "fwmark"))
		return num_op(set, l, UAPI_OP_FWMARK, UINT32_MAX, why);
	if (key_is(l, "replace_peers"))
		return flag(set, l, UAPI_OP_REPLACE_PEERS, why);
	*why = "invalid UAPI device key";
	return -EINVAL;
}

static int peer_line(struct uapi_set *set, const struct line *l, const char **why)
{
	struct uapi_op *op;
	if (key_is(l, "update_only"))
		return flag(set, l, UAPI_OP_UPDATE_ONLY, why);
	if (key_is(l, "remove"))
		return flag(set, l, UAPI_OP_REMOVE, why);
	if (key_is(l, "preshared_key"))
		return key_op(set, l, UAPI_OP_PRESHARED_KEY, why);
	if (key_is(l, "persistent_keepalive_interval"))
		return num_op(set, l, UAPI_OP_KEEPALIVE, 65535, why);
	if (key_is(l, "replace_allowed_ips"))
		return flag(set, l, UAPI_OP_REPLACE_ALLOWED_IPS, why);
	if (key_is(l, "protocol_version")) {
		if (!value_is(l, "1")) {
			*why = "invalid protocol version";
			return -EINVAL;
		}
		return 0;
	}
	if (key_is(l, "endpoint")) {
		if (!(op = push(set, UAPI_OP_ENDPOINT)))
			return -ENOMEM;
		if (text_parse_endpoint(l->value, l->value_len, &op->u.endpoint) != 0) {
			*why = "invalid endpoint";
			return -EINVAL;
		}
		return 0;
	}
	if (key_is(l, "allowed_ip")) {
		bool remove = l->value_len > 0 && l->value[0] == '-';
		if (!(op = push(set, remove ? UAPI_OP_ALLOWED_IP_REMOVE : UAPI_OP_ALLOWED_IP_ADD)))
			return -ENOMEM;
		if (text_parse_prefix(l->value + remove, l->value_len - remove, &op->u.prefix) !=
		    0) {
			*why = "invalid allowed IP prefix";
			return -EINVAL;
		}
		return 0;
	}
	*why = "invalid UAPI peer key";
	return -EINVAL;
}

int uapi_parse_set(const char *body, size_t len, struct uapi_set *out, size_t *bad_line,
                   const char **why)
{
	const char *reason = NULL;
	size_t line_no = 0;
	bool in_peer = false;
	int err = 0;
	memset(out, 0, sizeof(*out));

	for (size_t pos = 0; pos < len && err == 0;) {
		const char *start = body + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		line_no++;

		const char *eq = memchr(start, '=', n);
		if (!eq) {
			reason = "line without '='";
			err = -EPROTO;
			break;
		}
		struct line l = {start, (size_t)(eq - start), eq + 1, n - (size_t)(eq - start) - 1};
		if (key_is(&l, "public_key")) {
			in_peer = true;
			err = key_op(out, &l, UAPI_OP_PEER, &reason);
		} else if (in_peer) {
			err = peer_line(out, &l, &reason);
		} else {
			err = device_line(out, &l, &reason);
		}
	}
	if (err != 0) {
		if (err == -ENOMEM)
			reason = "out of memory";
		if (bad_line)
			*bad_line = line_no;
		if (why)
			*why = reason;
		uapi_set_free(out);
	}
	return err;
}

void uapi_set_free(struct uapi_set *set)
{
	if (set->ops) {
		secure_wipe(set->ops, set->cap * sizeof(*set->ops));
		free(set->ops);
	}
	memset(set, 0, sizeof(*set));
}
