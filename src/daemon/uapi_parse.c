#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

void uapi_parse_start(struct uapi_parser *p, const char *body, size_t len, struct uapi_set *out)
{
	memset(p, 0, sizeof(*p));
	memset(out, 0, sizeof(*out));
	p->body = body;
	p->len = len;
	p->out = out;
	/* Every line gives at most one operation: room for all of them now spares the copying
	 * (and wiping) of a growing array, which for a 100,000-peer request is megabytes. */
	size_t lines = 0;
	for (const char *q = body, *end = body + len; q < end; lines++) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		q = nl ? nl + 1 : end;
	}
	if (lines > 16) {
		out->ops = calloc(lines, sizeof(*out->ops));
		if (out->ops)
			out->cap = lines;
	}
}

int uapi_parse_step(struct uapi_parser *p, size_t max_lines)
{
	int err = 0;
	for (; p->pos < p->len && err == 0 && max_lines > 0; max_lines--) {
		const char *start = p->body + p->pos;
		const char *nl = memchr(start, '\n', p->len - p->pos);
		size_t n = nl ? (size_t)(nl - start) : p->len - p->pos;
		p->pos += n + (nl ? 1 : 0);
		p->line_no++;

		const char *eq = memchr(start, '=', n);
		if (!eq) {
			p->why = "line without '='";
			err = -EPROTO;
			break;
		}
		struct line l = {start, (size_t)(eq - start), eq + 1, n - (size_t)(eq - start) - 1};
		if (key_is(&l, "public_key")) {
			p->in_peer = true;
			err = key_op(p->out, &l, UAPI_OP_PEER, &p->why);
		} else if (p->in_peer) {
			err = peer_line(p->out, &l, &p->why);
		} else {
			err = device_line(p->out, &l, &p->why);
		}
	}
	if (err != 0) {
		if (err == -ENOMEM)
			p->why = "out of memory";
		uapi_set_free(p->out);
		return err;
	}
	return p->pos < p->len ? 1 : 0;
}

int uapi_parse_set(const char *body, size_t len, struct uapi_set *out, size_t *bad_line,
                   const char **why)
{
	struct uapi_parser p;
	int r;
	uapi_parse_start(&p, body, len, out);
	while ((r = uapi_parse_step(&p, SIZE_MAX)) > 0)
		;
	if (r < 0) {
		if (bad_line)
			*bad_line = p.line_no;
		if (why)
			*why = p.why;
	}
	return r;
}

void uapi_set_free(struct uapi_set *set)
{
	/* Only keys are secrets: wiping every public key, endpoint and prefix of a large request
	 * would cost tens of milliseconds for nothing. */
	for (size_t i = 0; i < set->n; i++)
		if (set->ops[i].kind == UAPI_OP_PRIVATE_KEY ||
		    set->ops[i].kind == UAPI_OP_PRESHARED_KEY)
			secure_wipe(set->ops[i].u.key, sizeof(set->ops[i].u.key));
	free(set->ops);
	memset(set, 0, sizeof(*set));
}
