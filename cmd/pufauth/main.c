/* pufauth: the PUF-based privacy-preserving mutual authentication protocol, and its analysis tools.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
        {"enroll", cmd_enroll, "enrol a device: write its state file and the server's row"},
        {"serve", cmd_serve, "run the authentication server over UDP (SQLite or PostgreSQL store)"},
        {"auth", cmd_auth, "authenticate a device against a server"},
        {"list", cmd_list, "list enrolled devices"},
        {"revoke", cmd_revoke, "revoke an enrolled device"},
        {"bench", cmd_bench, "time authentications against a store of N devices"},
        {"analyze", cmd_analyze, "entropy, Hamming distances, FE failure rate, TRNG tests"},
        {"fe-sim", cmd_fe_sim, "simulate fuzzy-extractor Gen/Rec at a bit-error rate"},
        {"mcu", cmd_mcu, "run the emulated device (nRF51, QEMU) against a server"},
        {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: pufauth COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'pufauth COMMAND --help' describes each command.\n");
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
		printf("pufauth %s\n", HWGUARD_VERSION);
		return 0;
	}
	for (size_t i = 0; commands[i].name; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pufauth: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
