#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crypto/codec.h"
#include "keys/se050_provider.h"
#include "se050/se050.h"

#define LIST_MAX 1024

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key list [--bus SPEC | --via IFNAME]\n"
	        "Lists the SE050's objects: id, kind, and for X25519 key pairs the public key and\n"
	        "the handle to configure. With --via IFNAME the list comes through the hwguard\n"
	        "daemon of IFNAME, which owns the chip while it runs.\n");
}

/* Prints one object: an X25519 key pair with its public key and handle, or what is known of it.
 * Returns 1 for an object that could not be read. */
static int print_object(uint32_t id, int err, uint8_t type, uint8_t curve, const uint8_t *pub)
{
	if (pub) {
		uint8_t handle[KEY_LEN];
		char pub64[BASE64_LEN(KEY_LEN) + 1], handle64[BASE64_LEN(KEY_LEN) + 1];
		se050_handle_encode(id, handle);
		base64_encode(pub64, pub, KEY_LEN);
		base64_encode(handle64, handle, KEY_LEN);
		printf("0x%08X  x25519  public %s  handle %s\n", id, pub64, handle64);
		return 0;
	}
	if (err) {
		printf("0x%08X  (unreadable: %s)\n", id, se050_strerror(err));
		return 1;
	}
	if (se05x_is_x25519_key_pair(type, curve))
		printf("0x%08X  x25519  (its policy forbids reading the public key)\n", id);
	else
		printf("0x%08X  other (type 0x%02X, curve 0x%02X)\n", id, type, curve);
	return 0;
}

/* The reply's lines, object by object (src/daemon/uapi_keyops.h). */
struct via_list {
	bool have;
	uint32_t id;
	int err;
	bool described;
	uint8_t type, curve;
	bool have_pub;
	uint8_t pub[KEY_LEN];
	int status;
};

static void via_list_flush(struct via_list *l)
{
	if (l->have) {
		int err = l->have_pub || l->described ? 0 : l->err ? l->err : -EIO;
		l->status |=
		        print_object(l->id, err, l->type, l->curve, l->have_pub ? l->pub : NULL);
	}
	int status = l->status;
	memset(l, 0, sizeof(*l));
	l->status = status;
}

static void via_list_line(void *ctx, const char *line)
{
	struct via_list *l = ctx;
	const char *eq = strchr(line, '=');
	if (!eq)
		return;
	unsigned long v = strtoul(eq + 1, NULL, 10);
	if (!strncmp(line, "object_id=", 10)) {
		via_list_flush(l);
		l->have = true;
		l->id = (uint32_t)v;
	} else if (!strncmp(line, "object_type=", 12)) {
		l->type = (uint8_t)v;
		l->described = true;
	} else if (!strncmp(line, "object_curve=", 13)) {
		l->curve = (uint8_t)v;
	} else if (!strncmp(line, "object_error=", 13)) {
		l->err = (int)strtol(eq + 1, NULL, 10);
	} else if (!strncmp(line, "public_key=", 11)) {
		l->have_pub = hex_decode(l->pub, KEY_LEN, eq + 1, strlen(eq + 1)) == 0;
	}
}

static int list_via(const char *ifname)
{
	struct uapi_key_op op = {.kind = UAPI_KEY_LIST};
	struct via_list l = {0};
	long err;
	if (via_key_op(ifname, &op, via_list_line, &l, &err))
		return 1;
	if (err) {
		report(NULL, "cannot list objects", (int)err);
		return 1;
	}
	via_list_flush(&l);
	return l.status;
}

int cmd_list(int argc, char **argv)
{
	static uint32_t ids[LIST_MAX];
	struct chip_options o;
	int status = parse_chip_options(argc, argv, CHIP_OPT_VIA, usage, &o);
	if (status >= 0)
		return status;
	if (o.via)
		return via_check_ifname(o.via) ? 2 : list_via(o.via);
	struct se050 *se = open_chip(o.bus);
	if (!se)
		return 1;
	size_t n;
	int r = se050_list(se, ids, LIST_MAX, &n);
	if (r) {
		report(se, "cannot list objects", r);
		se050_close(se);
		return 1;
	}
	status = 0; /* 1 once an object could not be read */
	for (size_t i = 0; i < n; i++) {
		uint8_t type = 0, curve = 0, pub[KEY_LEN];
		/* Most objects on a hwguard chip are its keys: ask for the public key first, and
		 * describe only what is something else. */
		r = se050_x25519_public(se, ids[i], pub);
		if (r == 0) {
			print_object(ids[i], 0, type, curve, pub);
			continue;
		}
		if (r == -EINVAL || r == -EACCES)
			r = se050_describe(se, ids[i], &type, &curve);
		status |= print_object(ids[i], r, type, curve, NULL);
	}
	se050_close(se);
	return status;
}
