/* The front door of the programs made of subcommands (hwguard-key, pufauth): the table of
 * subcommands, the dispatch on argv[1], and the top-level usage, --help and --version, worded the
 * same way for every program. */
#ifndef HWG_CMD_SUBCOMMAND_H
#define HWG_CMD_SUBCOMMAND_H

struct subcommand {
	const char *name;
	/* Takes the arguments after the program's name (argv[0] is the subcommand's name) and
	 * returns the process exit status. */
	int (*run)(int argc, char **argv);
	const char *summary; /* one line in the usage */
};

struct subcommand_program {
	const char *name;                  /* "pufauth" */
	const struct subcommand *commands; /* ends with an entry whose name is NULL */
	const char *notes;                 /* a paragraph after the command list, or "" */
};

/* The program's main: "--help", "-h" or "help" print the usage on stdout (exit 0), "--version"
 * prints "NAME VERSION" (exit 0), a subcommand's name runs it; nothing or anything else prints
 * the usage on stderr (exit 2), after "NAME: unknown command 'X'" for a word it does not know. */
int subcommand_main(const struct subcommand_program *prog, int argc, char **argv);

#endif
