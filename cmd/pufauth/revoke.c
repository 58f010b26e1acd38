/* pufauth revoke: a revoked device never matches again (a running server notices at its next
 * request). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "pufserver/store.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: pufauth revoke --db STORE NAME|#ID\n\n"
	             "Revokes an enrolled device, by name or by id ('#12'). Running servers stop\n"
	             "accepting it before their next search.\n\n" CLI_DB_HELP);
}

int cmd_revoke(int argc, char **argv)
{
	const char *db;
	struct pufstore *st;
	int rc = cli_db_option_only(argc, argv, usage, &db);

	if (rc >= 0)
		return rc;
	if (optind + 1 < argc)
		return cli_unexpected_argument("revoke", argv[optind + 1], usage);
	if (!db || optind == argc)
		return cli_usage_error("revoke", "need --db and one device name", usage);
	st = cli_open_store("revoke", db, 0);
	if (!st)
		return 1;
	rc = pufstore_revoke(st, argv[optind]);
	if (rc < 0)
		fprintf(stderr, "pufauth revoke: %s\n", pufstore_error(st));
	else if (rc == 0)
		fprintf(stderr, "pufauth revoke: no active device '%s' in %s\n", argv[optind],
		        pufstore_where(st));
	else
		printf("revoked '%s'\n", argv[optind]);
	pufstore_close(st);
	return rc == 1 ? 0 : 1;
}
