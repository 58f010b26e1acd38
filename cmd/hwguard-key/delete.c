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
	struct chip_options o;
	int status = parse_chip_options(argc, argv, CHIP_OPT_VIA | CHIP_OPT_OPERAND, usage, &o);
	if (status >= 0)
		return status;
	uint32_t id;
	if (parse_object_id(o.operand, &id))
		return 2;
	struct uapi_key_op op = {.kind = UAPI_KEY_DELETE, .object_id = id};
	char what[64];
	snprintf(what, sizeof(what), "cannot delete 0x%08X", id);
	return run_key_op(&o, &op, what);
}
