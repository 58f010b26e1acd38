/* hwguard-key: creates, lists, prints the public key of and deletes hwguard's static keys, in
 * software or inside an NXP SE050. */
#include <stddef.h>

#include "commands.h"
#include "subcommand.h"

static const struct subcommand commands[] = {
        {"genkey", cmd_genkey, "new key: software (like `wg genkey`) or in the SE050 (--se050 ID)"},
        {"pubkey", cmd_pubkey, "public key of a base64 key or SE050 handle read on stdin"},
        {"list", cmd_list, "list the SE050's objects with public keys and handles"},
        {"delete", cmd_delete, "delete an object from the SE050"},
        {"show", cmd_show, "key, provider and counters of a running interface (--prometheus)"},
        {"check", cmd_check, "bring-up check of an SE050: link, applet, memory, one verified ECDH"},
        {NULL, NULL, NULL},
};

static const struct subcommand_program program = {
        .name = "hwguard-key",
        .commands = commands,
        .notes = "SE050 commands take --bus i2c:/dev/i2c-N[@0xADDR] or --bus emu:PATH (default\n"
                 "$HWGUARD_SE050_BUS, else i2c:/dev/i2c-1@0x48), or --via IFNAME to go through "
                 "the\n"
                 "hwguard daemon that owns the chip while it runs.\n",
};

int main(int argc, char **argv)
{
	return subcommand_main(&program, argc, argv);
}
