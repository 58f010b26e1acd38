/* hwguard-key subcommands, one per file; each takes the arguments after its name (argv[0] is the
 * subcommand) and returns a process exit status: 0 done, 1 failed, 2 bad usage. */
#ifndef HWGUARD_KEY_COMMANDS_H
#define HWGUARD_KEY_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "keys/provider.h"

int cmd_genkey(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Shared helpers (common.c). */
#define B64_KEY_LEN 44
void key_to_base64(char out[B64_KEY_LEN + 1], const uint8_t key[KEY_LEN]);
/* Accepts exactly 44 characters of standard base64 ending in one '='. 0 or -1. */
int key_from_base64(uint8_t key[KEY_LEN], const char *s);
/* Object id in decimal or 0x-hex within the SE050 customer range; prints the reason. 0 or -1. */
int parse_object_id(const char *s, uint32_t *id);
/* Opens the chip or prints why not (no chip, wrong bus, chip busy). NULL on failure. */
struct se050 *open_chip(const char *bus);
/* Prints "hwguard-key: what: reason" for a negative errno from the se050 layer, with the chip's
 * status word when the chip refused (se may be NULL). */
struct se050;
void report(struct se050 *se, const char *what, int err);

#endif
