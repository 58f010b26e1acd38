#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "crypto/codec.h"
#include "crypto/portable/secure.h"
#include "keys/select.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key pubkey [--bus SPEC | --via IFNAME] < KEY\n"
	        "Reads a private key or an SE050 handle in base64 on stdin and prints the public\n"
	        "key (like `wg pubkey`). For a handle the public key is read from the chip:\n"
	        "directly, or with --via IFNAME through the hwguard daemon of IFNAME, which owns\n"
	        "the chip while it runs.\n");
}

static void take_public_key(void *ctx, const char *line)
{
	uint8_t *pub = ctx;
	if (!strncmp(line, "public_key=", 11) &&
	    hex_decode(pub + 1, KEY_LEN, line + 11, strlen(line + 11)) == 0)
		pub[0] = 1;
}

/* A software key needs no chip: only handles go through the daemon. */
static int pubkey_via(const char *ifname, uint32_t id)
{
	struct uapi_key_op op = {.kind = UAPI_KEY_PUBKEY, .object_id = id};
	uint8_t pub[1 + KEY_LEN] = {0};
	long err;
	if (via_key_op(ifname, &op, take_public_key, pub, &err))
		return 1;
	if (err) {
		char what[64];
		snprintf(what, sizeof(what), "cannot read the public key of 0x%08X", id);
		report(NULL, what, (int)err);
		return 1;
	}
	if (!pub[0]) {
		fprintf(stderr, "hwguard-key: %s: no public key in the reply\n", ifname);
		return 1;
	}
	char out[BASE64_LEN(KEY_LEN) + 1];
	base64_encode(out, pub + 1, KEY_LEN);
	printf("%s\n", out);
	return 0;
}

int cmd_pubkey(int argc, char **argv)
{
	struct chip_options o;
	int status = parse_chip_options(argc, argv, CHIP_OPT_VIA, usage, &o);
	if (status >= 0)
		return status;
	struct key_config cfg = {.se050_bus = o.bus};
	const char *via = o.via;
	if (via && via_check_ifname(via))
		return 2;
	char line[128];
	uint8_t key[KEY_LEN];
	size_t n = fread(line, 1, sizeof(line) - 1, stdin);
	line[n] = '\0';
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	int bad = base64_decode(key, KEY_LEN, line, n);
	secure_wipe(line, sizeof(line));
	if (bad) {
		fprintf(stderr, "hwguard-key: stdin is not a base64 key (44 characters)\n");
		return 1;
	}
	uint32_t id;
	if (via && key_is_se050_handle(key, &id))
		return pubkey_via(via, id);
	struct key_provider *kp;
	const char *why = NULL;
	int r = key_provider_from_config(key, &cfg, &kp, &why);
	secure_wipe(key, sizeof(key));
	if (r) {
		fprintf(stderr, "hwguard-key: %s\n", why ? why : strerror(-r));
		return 1;
	}
	char out[BASE64_LEN(KEY_LEN) + 1];
	base64_encode(out, kp->public_key, KEY_LEN);
	printf("%s\n", out);
	key_provider_destroy(kp);
	return 0;
}
