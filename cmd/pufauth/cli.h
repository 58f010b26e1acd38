/* What every pufauth subcommand does the same way: the shared getopt cases, strict numeric
 * options, usage errors and opening the server store, each with one wording of its message. */
#ifndef PUFAUTH_CLI_H
#define PUFAUTH_CLI_H

#include <stdio.h>

struct pufstore;

/* One long option of a subcommand, and where its value goes. */
enum cli_kind {
	CLI_TEXT,     /* const char **: the value as written */
	CLI_UINT,     /* unsigned long *: a decimal in min..max (cli_parse_uint) */
	CLI_FLAG,     /* int *: set to min; the option takes no value */
	CLI_SECURITY, /* int *: 128 or 64 (cli_parse_security) */
	CLI_CALL,     /* take(name, value, to) */
};

struct cli_option {
	const char *name; /* without its dashes; NULL ends a table */
	enum cli_kind kind;
	void *to;
	unsigned long min, max;
	int *given; /* optional: counts the times the option is given */
	/* CLI_CALL: 0, or the exit status to return after printing why (name without dashes). */
	int (*take)(const char *name, const char *value, void *to);
};

/* Parses the options of subcommand cmd in table opts, plus --help/-h (usage on stdout, exit 0)
 * and --version (exit 0); anything getopt rejects prints the usage on stderr (exit 2). Returns -1
 * to go on, with optind at the first operand, or the exit status to return (also that of a value
 * that does not parse, after its message). */
int cli_parse_options(const char *cmd, int argc, char **argv, const struct cli_option *opts,
                      void (*usage)(FILE *out));
/* The same for a subcommand that takes options only: an operand is refused with
 * cli_unexpected_argument. */
int cli_parse_options_only(const char *cmd, int argc, char **argv, const struct cli_option *opts,
                           void (*usage)(FILE *out));

/* The whole command line of a subcommand that takes --db and nothing else but `operands`
 * operands, and opens that store for reading and writing (need: the message when --db or an
 * operand is missing). Returns the store, or NULL with *status the exit status to return. */
struct pufstore *cli_db_command(const char *cmd, int argc, char **argv, int operands,
                                const char *need, void (*usage)(FILE *out), int *status);

/* Prints "pufauth CMD: MSG" and the usage on stderr; returns the exit status 2 of bad usage. */
int cli_usage_error(const char *cmd, const char *msg, void (*usage)(FILE *out));

/* Prints "pufauth CMD: WHAT 'ARG'" and the usage on stderr; returns 2. */
int cli_argument_error(const char *cmd, const char *what, const char *arg,
                       void (*usage)(FILE *out));

/* For arguments left after the options: cli_argument_error(cmd, "unexpected argument", ...). */
int cli_unexpected_argument(const char *cmd, const char *arg, void (*usage)(FILE *out));

/* Parses text as a decimal integer in min..max: the whole of it, nothing before or after the
 * digits, no sign but '+'. Returns 0 with *out set, or -1 after printing
 * "pufauth CMD: OPT must be MIN..MAX (got 'TEXT')". opt is the option as written ("--tries"). */
int cli_parse_uint(const char *cmd, const char *opt, const char *text, unsigned long min,
                   unsigned long max, unsigned long *out);

/* --security: 128 or 64 bits. Returns 0 with *bits set, or -1 after printing why. */
int cli_parse_security(const char *cmd, const char *text, int *bits);

/* Opens the server store at db, a file path (SQLite) or a postgresql:// URI (create: also creates
 * it). Returns it, or NULL after printing "pufauth CMD: why". */
struct pufstore *cli_open_store(const char *cmd, const char *db, int create);

/* The --db option's help line, the same for every subcommand. */
#define CLI_DB_HELP                                                                                \
	"  --db STORE          server store: an SQLite file (created mode 0600 by enroll), or\n"   \
	"                      a PostgreSQL database: postgresql://[USER@]HOST[:PORT]/DB or\n"     \
	"                      postgresql:///DB?host=/socket/dir (libpq's URI syntax)\n"

#endif
