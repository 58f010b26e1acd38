/* pufauth: the PUF-based privacy-preserving mutual authentication protocol, and its analysis tools.
 */
#include <stddef.h>

#include "commands.h"
#include "subcommand.h"

static const struct subcommand commands[] = {
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

static const struct subcommand_program program = {
        .name = "pufauth",
        .commands = commands,
        .notes = "",
};

int main(int argc, char **argv)
{
	return subcommand_main(&program, argc, argv);
}
