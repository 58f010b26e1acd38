/* What every pufauth subcommand does the same way: the shared getopt cases, strict numeric
 * options, usage errors and opening the server store, each with one wording of its message. */
#ifndef PUFAUTH_CLI_H
#define PUFAUTH_CLI_H

#include <stdio.h>

struct pufstore;

/* The getopt cases every subcommand shares: 'h' (--help: usage on stdout, exit 0), 'V'
 * (--version, exit 0) and anything getopt rejected (usage on stderr, exit 2). Returns the exit
 * status, so that a subcommand's `default:` is `return cli_common_option(c, usage);`. */
int cli_common_option(int c, void (*usage)(FILE *out));

/* The options of a subcommand that takes --db alone (besides --help and --version). Returns -1 to
 * go on, with *db set (NULL when absent) and optind at the first operand, or the exit status to
 * return (help, version, an unknown option). */
int cli_db_option_only(int argc, char **argv, void (*usage)(FILE *out), const char **db);

/* Prints "pufauth CMD: MSG" and the usage on stderr; returns the exit status 2 of bad usage. */
int cli_usage_error(const char *cmd, const char *msg, void (*usage)(FILE *out));

/* For arguments left after the options: prints "pufauth CMD: unexpected argument 'ARG'" and the
 * usage on stderr; returns 2. */
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
