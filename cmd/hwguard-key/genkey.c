#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "crypto/codec.h"
#include "crypto/portable/secure.h"
#include "crypto/x25519.h"
#include "keys/se050_provider.h"
#include "se050/se050.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key genkey [--se050 ID [--force]] [--bus SPEC | --via IFNAME]\n"
	        "Without --se050: prints a new software private key in base64 (like `wg genkey`).\n"
	        "With --se050 ID: generates an X25519 key pair inside the SE050 at object ID "
	        "(policy:\n"
	        "key agreement, read public key, delete) and prints its handle, which goes where "
	        "a\n"
	        "private key would (PrivateKey = ..., wg set IF private-key FILE). An existing\n"
	        "object is never replaced unless --force is given.\n"
	        "  --bus SPEC     i2c:/dev/i2c-1@0x48 (default; or $HWGUARD_SE050_BUS) or "
	        "emu:PATH\n"
	        "  --via IFNAME   through the hwguard daemon of IFNAME, which owns the chip while\n"
	        "                 it runs (key rotation without stopping the interface); --force\n"
	        "                 is refused for the object that holds the interface's key\n");
}

int cmd_genkey(int argc, char **argv)
{
	char out[BASE64_LEN(KEY_LEN) + 1];
	uint8_t key[KEY_LEN];
	struct chip_options o;
	int status = parse_chip_options(argc, argv, CHIP_OPT_VIA | CHIP_OPT_SE050 | CHIP_OPT_FORCE,
	                                usage, &o);
	if (status >= 0)
		return status;
	if (!o.se050) {
		if (o.force || o.via) {
			fprintf(stderr, "hwguard-key genkey: %s needs --se050 ID\n",
			        o.force ? "--force" : "--via");
			return 2;
		}
		uint8_t pub[KEY_LEN];
		if (x25519_generate(key, pub) != 0) {
			fprintf(stderr, "hwguard-key: key generation failed\n");
			return 1;
		}
		base64_encode(out, key, KEY_LEN);
		printf("%s\n", out);
		secure_wipe(key, sizeof(key));
		secure_wipe(out, sizeof(out));
		return 0;
	}
	uint32_t id;
	if (parse_object_id(o.se050, &id))
		return 2;
	struct uapi_key_op op = {.kind = UAPI_KEY_GENKEY, .object_id = id, .force = o.force};
	char what[64];
	snprintf(what, sizeof(what), "cannot generate a key at 0x%08X", id);
	status = run_key_op(&o, &op, what);
	if (status)
		return status;
	se050_handle_encode(id, key);
	base64_encode(out, key, KEY_LEN);
	printf("%s\n", out);
	return 0;
}
