#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "keys/se050.h"
#include "se050/se050.h"

#define LIST_MAX 1024

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key list [--bus SPEC]\n"
	        "Lists the SE050's objects: id, kind, and for X25519 key pairs the public key and\n"
	        "the handle to configure.\n");
}

int cmd_list(int argc, char **argv)
{
	static uint32_t ids[LIST_MAX];
	const char *bus = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--bus") && i + 1 < argc) {
			bus = argv[++i];
		} else {
			fprintf(stderr, "hwguard-key list: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	struct se050 *se = open_chip(bus);
	if (!se)
		return 1;
	size_t n;
	int r = se050_list(se, ids, LIST_MAX, &n);
	if (r) {
		report(se, "cannot list objects", r);
		se050_close(se);
		return 1;
	}
	int status = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t type, curve, pub[KEY_LEN], handle[KEY_LEN];
		char pub64[B64_KEY_LEN + 1], handle64[B64_KEY_LEN + 1];
		/* Most objects on a hwguard chip are its keys: ask for the public key first, and
		 * describe only what is something else. */
		r = se050_x25519_public(se, ids[i], pub);
		if (r == 0) {
			se050_handle_encode(ids[i], handle);
			key_to_base64(pub64, pub);
			key_to_base64(handle64, handle);
			printf("0x%08X  x25519  public %s  handle %s\n", ids[i], pub64, handle64);
			continue;
		}
		if (r == -EINVAL || r == -EACCES)
			r = se050_describe(se, ids[i], &type, &curve);
		if (r) {
			printf("0x%08X  (unreadable: %s)\n", ids[i], se050_strerror(r));
			status = 1;
			continue;
		}
		if (se05x_is_x25519_key_pair(type, curve))
			printf("0x%08X  x25519  (its policy forbids reading the public key)\n",
			       ids[i]);
		else
			printf("0x%08X  other (type 0x%02X, curve 0x%02X)\n", ids[i], type, curve);
	}
	se050_close(se);
	return status;
}
