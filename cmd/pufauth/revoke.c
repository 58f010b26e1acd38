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
	int rc;
	struct pufstore *st = cli_db_command("revoke", argc, argv, 1,
	                                     "need --db and one device name", usage, &rc);

	if (!st)
		return rc;
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
