/* hwguard-key: creates, lists, prints the public key of and deletes hwguard's static keys, in
 * software or inside an NXP SE050. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
        {"genkey", cmd_genkey, "new key: software (like `wg genkey`) or in the SE050 (--se050 ID)"},
        {"pubkey", cmd_pubkey, "public key of a base64 key or SE050 handle read on stdin"},
        {"list", cmd_list, "list the SE050's objects with public keys and handles"},
        {"delete", cmd_delete, "delete an object from the SE050"},
        {"show", cmd_show, "key, provider and counters of a running interface (--prometheus)"},
        {"check", cmd_check, "bring-up check of an SE050: link, applet, memory, one verified ECDH"},
        {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: hwguard-key COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	        "\nSE050 commands take --bus i2c:/dev/i2c-N[@0xADDR] or --bus emu:PATH (default\n"
	        "$HWGUARD_SE050_BUS, else i2c:/dev/i2c-1@0x48), or --via IFNAME to go through the\n"
	        "hwguard daemon that owns the chip while it runs.\n"
	        "'hwguard-key COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hwguard-key %s\n", HWGUARD_VERSION);
		return 0;
	}
	for (size_t i = 0; commands[i].name; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "hwguard-key: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
