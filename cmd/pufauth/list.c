/* pufauth list: the enrolled devices (never their keys or references). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "puf/proto/suite.h"
#include "pufserver/store.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: pufauth list --db STORE\n\n"
	             "Lists enrolled devices: id, name, security level, state, number of\n"
	             "authentications, last authentication (UTC).\n\n" CLI_DB_HELP);
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_device(void *arg, const struct pufstore_device *d)
{
	char last[32];
	const char *suite = pufproto_suite_name(d->suite);

	(void)arg;
	fmt_time(d->last_auth_at, last, sizeof(last));
	printf("%-6" PRId64 " %-24s %-14s %-8s %8" PRId64 "  %s\n", d->id, d->name,
	       suite ? suite : "unknown", d->revoked ? "revoked" : "active", d->auth_count, last);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	int ret;
	struct pufstore *st = cli_db_command("list", argc, argv, 0, "need --db", usage, &ret);

	if (!st)
		return ret;
	printf("%-6s %-24s %-14s %-8s %8s  %s\n", "ID", "NAME", "SUITE", "STATE", "AUTHS", "LAST");
	ret = pufstore_foreach(st, print_device, NULL);
	if (ret)
		fprintf(stderr, "pufauth list: %s\n", pufstore_error(st));
	pufstore_close(st);
	return ret ? 1 : 0;
}
