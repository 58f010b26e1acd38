/* The shared pieces of the pufauth subcommands (cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "pufserver/store.h"

/* The options every subcommand has besides its own (getopt values beyond any table index). */
enum { CLI_HELP = 'h', CLI_VERSION = 'V', CLI_TABLE_BASE = 256, CLI_MAX_OPTIONS = 32 };

static int take_value(const char *cmd, const struct cli_option *o, const char *value)
{
	char opt[64];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	switch (o->kind) {
	case CLI_TEXT:
		*(const char **)o->to = value;
		return 0;
	case CLI_UINT:
		return cli_parse_uint(cmd, opt, value, o->min, o->max, o->to) ? 2 : 0;
	case CLI_FLAG:
		*(int *)o->to = (int)o->min;
		return 0;
	case CLI_SECURITY:
		return cli_parse_security(cmd, value, o->to) ? 2 : 0;
	case CLI_CALL:
		return o->take(o->name, value, o->to);
	}
	return 2;
}

int cli_parse_options(const char *cmd, int argc, char **argv, const struct cli_option *opts,
                      void (*usage)(FILE *out))
{
	struct option longopts[CLI_MAX_OPTIONS + 3];
	size_t n = 0;
	int c;

	for (; opts[n].name; n++) {
		if (n == CLI_MAX_OPTIONS) {
			fprintf(stderr, "pufauth %s: too many options in its table\n", cmd);
			return 1;
		}
		longopts[n] = (struct option){
		        opts[n].name, opts[n].kind == CLI_FLAG ? no_argument : required_argument,
		        NULL, CLI_TABLE_BASE + (int)n};
	}
	longopts[n++] = (struct option){"help", no_argument, NULL, CLI_HELP};
	longopts[n++] = (struct option){"version", no_argument, NULL, CLI_VERSION};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const struct cli_option *o;
		int status;

		switch (c) {
		case CLI_HELP:
			usage(stdout);
			return 0;
		case CLI_VERSION:
			printf("pufauth %s\n", HWGUARD_VERSION);
			return 0;
		}
		if (c < CLI_TABLE_BASE) { /* what getopt rejected: it said why */
			usage(stderr);
			return 2;
		}
		o = &opts[c - CLI_TABLE_BASE];
		status = take_value(cmd, o, optarg);
		if (status)
			return status;
		if (o->given)
			(*o->given)++;
	}
	return -1;
}

int cli_parse_options_only(const char *cmd, int argc, char **argv, const struct cli_option *opts,
                           void (*usage)(FILE *out))
{
	int status = cli_parse_options(cmd, argc, argv, opts, usage);
	if (status < 0 && optind != argc)
		return cli_unexpected_argument(cmd, argv[optind], usage);
	return status;
}

struct pufstore *cli_db_command(const char *cmd, int argc, char **argv, int operands,
                                const char *need, void (*usage)(FILE *out), int *status)
{
	const char *db = NULL;
	const struct cli_option opts[] = {
	        {"db", CLI_TEXT, .to = &db},
	        {0},
	};
	struct pufstore *st;

	*status = cli_parse_options(cmd, argc, argv, opts, usage);
	if (*status >= 0)
		return NULL;
	if (argc - optind > operands) {
		*status = cli_unexpected_argument(cmd, argv[optind + operands], usage);
		return NULL;
	}
	if (!db || argc - optind < operands) {
		*status = cli_usage_error(cmd, need, usage);
		return NULL;
	}
	st = cli_open_store(cmd, db, 0);
	*status = st ? 0 : 1;
	return st;
}

int cli_usage_error(const char *cmd, const char *msg, void (*usage)(FILE *out))
{
	fprintf(stderr, "pufauth %s: %s\n", cmd, msg);
	usage(stderr);
	return 2;
}

int cli_argument_error(const char *cmd, const char *what, const char *arg, void (*usage)(FILE *out))
{
	fprintf(stderr, "pufauth %s: %s '%s'\n", cmd, what, arg);
	usage(stderr);
	return 2;
}

int cli_unexpected_argument(const char *cmd, const char *arg, void (*usage)(FILE *out))
{
	return cli_argument_error(cmd, "unexpected argument", arg, usage);
}

/* A whole decimal integer, optionally with a leading '+'. Returns 0 with *out set, or -1. */
static int parse_decimal(const char *text, unsigned long *out)
{
	const char *digits = text[0] == '+' ? text + 1 : text;
	char *end;

	/* strtoul alone would skip blanks and wrap "-1" to ULONG_MAX */
	if (!isdigit((unsigned char)digits[0]))
		return -1;
	errno = 0;
	*out = strtoul(digits, &end, 10);
	return *end || errno == ERANGE ? -1 : 0;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *text, unsigned long min,
                   unsigned long max, unsigned long *out)
{
	unsigned long v;

	if (parse_decimal(text, &v) || v < min || v > max) {
		fprintf(stderr, "pufauth %s: %s must be %lu..%lu (got '%s')\n", cmd, opt, min, max,
		        text);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_security(const char *cmd, const char *text, int *bits)
{
	unsigned long v;

	if (parse_decimal(text, &v) || (v != 128 && v != 64)) {
		fprintf(stderr, "pufauth %s: --security must be 128 or 64\n", cmd);
		return -1;
	}
	*bits = (int)v;
	return 0;
}

struct pufstore *cli_open_store(const char *cmd, const char *db, int create)
{
	struct pufstore *st;
	char err[512];

	if (pufstore_open(&st, db, create, err, sizeof(err))) {
		fprintf(stderr, "pufauth %s: %s\n", cmd, err);
		return NULL;
	}
	return st;
}
