#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "crypto/portable/secure.h"
#include "keys/se050.h"
#include "keys/select.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key pubkey [--bus SPEC] < KEY\n"
	        "Reads a private key or an SE050 handle in base64 on stdin and prints the public\n"
	        "key (like `wg pubkey`). For a handle the public key is read from the chip.\n");
}

int cmd_pubkey(int argc, char **argv)
{
	struct key_config cfg = {.se050_bus = NULL};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--bus") && i + 1 < argc) {
			cfg.se050_bus = argv[++i];
		} else {
			fprintf(stderr, "hwguard-key pubkey: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	char line[128];
	uint8_t key[KEY_LEN];
	size_t n = fread(line, 1, sizeof(line) - 1, stdin);
	line[n] = '\0';
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	int bad = key_from_base64(key, line);
	secure_wipe(line, sizeof(line));
	if (bad) {
		fprintf(stderr, "hwguard-key: stdin is not a base64 key (44 characters)\n");
		return 1;
	}
	struct key_provider *kp;
	const char *why = NULL;
	int r = key_provider_from_config(key, &cfg, &kp, &why);
	secure_wipe(key, sizeof(key));
	if (r) {
		fprintf(stderr, "hwguard-key: %s\n", why ? why : strerror(-r));
		return 1;
	}
	char out[B64_KEY_LEN + 1];
	key_to_base64(out, kp->public_key);
	printf("%s\n", out);
	key_provider_destroy(kp);
	return 0;
}
