/* The shared pieces of the pufauth subcommands (cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "pufserver/store.h"

int cli_common_option(int c, void (*usage)(FILE *out))
{
	switch (c) {
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		printf("pufauth %s\n", HWGUARD_VERSION);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
}

int cli_db_option_only(int argc, char **argv, void (*usage)(FILE *out), const char **db)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	*db = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'd')
			return cli_common_option(c, usage);
		*db = optarg;
	}
	return -1;
}

int cli_usage_error(const char *cmd, const char *msg, void (*usage)(FILE *out))
{
	fprintf(stderr, "pufauth %s: %s\n", cmd, msg);
	usage(stderr);
	return 2;
}

int cli_unexpected_argument(const char *cmd, const char *arg, void (*usage)(FILE *out))
{
	char msg[320];

	snprintf(msg, sizeof(msg), "unexpected argument '%s'", arg);
	return cli_usage_error(cmd, msg, usage);
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
