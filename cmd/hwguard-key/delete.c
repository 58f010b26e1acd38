#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "se050/se050.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key delete ID [--bus SPEC | --via IFNAME]\n"
	        "Deletes object ID from the SE050. A deleted key cannot be recovered: replace the\n"
	        "peer entry on the other side first (docs/se050.md, key rotation).\n"
	        "  --via IFNAME   through the hwguard daemon of IFNAME, which owns the chip while\n"
	        "                 it runs; the object that holds the interface's key is refused\n");
}

int cmd_delete(int argc, char **argv)
{
	const char *bus = NULL, *id_s = NULL, *via = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--bus") && i + 1 < argc) {
			bus = argv[++i];
		} else if (!strcmp(argv[i], "--via") && i + 1 < argc) {
			via = argv[++i];
		} else if (!id_s && argv[i][0] != '-') {
			id_s = argv[i];
		} else {
			fprintf(stderr, "hwguard-key delete: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	uint32_t id;
	if (!id_s) {
		usage(stderr);
		return 2;
	}
	if (parse_object_id(id_s, &id))
		return 2;
	if (bus && via) {
		fprintf(stderr, "hwguard-key delete: --bus and --via exclude each other\n");
		return 2;
	}
	struct se050 *se = NULL;
	int r;
	if (via) {
		if (via_check_ifname(via))
			return 2;
		struct uapi_key_op op = {.kind = UAPI_KEY_DELETE, .object_id = id};
		long err;
		if (via_key_op(via, &op, NULL, NULL, &err))
			return 1;
		r = (int)err;
	} else {
		se = open_chip(bus);
		if (!se)
			return 1;
		r = se050_delete(se, id);
	}
	if (r) {
		char what[64];
		snprintf(what, sizeof(what), "cannot delete 0x%08X", id);
		report(se, what, r);
		if (se)
			se050_close(se);
		return 1;
	}
	if (se)
		se050_close(se);
	return 0;
}
