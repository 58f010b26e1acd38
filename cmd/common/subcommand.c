/* The shared front door of hwguard-key and pufauth (subcommand.h). */
#include "subcommand.h"

#include <stdio.h>
#include <string.h>

static void usage(const struct subcommand_program *prog, FILE *out)
{
	int width = 0;
	for (const struct subcommand *c = prog->commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	fprintf(out, "Usage: %s COMMAND [OPTIONS]\n\nCommands:\n", prog->name);
	for (const struct subcommand *c = prog->commands; c->name; c++)
		fprintf(out, "  %-*s %s\n", width + 1, c->name, c->summary);
	fprintf(out, "\n%s'%s COMMAND --help' describes each command.\n", prog->notes, prog->name);
}

int subcommand_main(const struct subcommand_program *prog, int argc, char **argv)
{
	if (argc < 2) {
		usage(prog, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(prog, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", prog->name, HWGUARD_VERSION);
		return 0;
	}
	for (const struct subcommand *c = prog->commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog->name, argv[1]);
	usage(prog, stderr);
	return 2;
}
