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
	const char *bus = NULL, *id_s = NULL, *via = NULL;
	bool force = false;
	char out[BASE64_LEN(KEY_LEN) + 1];
	uint8_t key[KEY_LEN];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if (!strcmp(argv[i], "--se050") && i + 1 < argc) {
			id_s = argv[++i];
		} else if (!strcmp(argv[i], "--bus") && i + 1 < argc) {
			bus = argv[++i];
		} else if (!strcmp(argv[i], "--via") && i + 1 < argc) {
			via = argv[++i];
		} else {
			fprintf(stderr, "hwguard-key genkey: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (bus && via) {
		fprintf(stderr, "hwguard-key genkey: --bus and --via exclude each other\n");
		return 2;
	}
	if (!id_s) {
		if (force || via) {
			fprintf(stderr, "hwguard-key genkey: %s needs --se050 ID\n",
			        force ? "--force" : "--via");
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
	if (parse_object_id(id_s, &id))
		return 2;
	struct se050 *se = NULL;
	int r;
	if (via) {
		if (via_check_ifname(via))
			return 2;
		struct uapi_key_op op = {.kind = UAPI_KEY_GENKEY, .object_id = id, .force = force};
		long err;
		if (via_key_op(via, &op, NULL, NULL, &err))
			return 1;
		r = (int)err;
	} else {
		se = open_chip(bus);
		if (!se)
			return 1;
		r = se050_generate_x25519(se, id, force);
	}
	if (r) {
		char what[64];
		snprintf(what, sizeof(what), "cannot generate a key at 0x%08X", id);
		report(se, what, r);
		if (se)
			se050_close(se);
		return 1;
	}
	if (se)
		se050_close(se);
	se050_handle_encode(id, key);
	base64_encode(out, key, KEY_LEN);
	printf("%s\n", out);
	return 0;
}
