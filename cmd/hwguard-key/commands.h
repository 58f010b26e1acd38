/* hwguard-key subcommands, one per file; each takes the arguments after its name (argv[0] is the
 * subcommand) and returns a process exit status: 0 done, 1 failed, 2 bad usage.
 *
 * What a key provider does (a key's public half: pubkey) goes through the provider interface
 * (keys/select.h), as the daemon does. genkey --se050, list, delete and check manage the chip's
 * object store and test the chip itself, which no provider interface describes: they talk to the
 * driver (se050/se050.h) directly, or through the daemon with --via (docs/architecture.md, "The
 * one exception: hwguard-key and the chip"). */
#ifndef HWGUARD_KEY_COMMANDS_H
#define HWGUARD_KEY_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/uapi_keyops.h"
#include "keys/provider.h"

int cmd_genkey(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Shared helpers (common.c). */
/* The options the SE050 subcommands share. */
struct chip_options {
	const char *bus;     /* --bus SPEC */
	const char *via;     /* --via IFNAME */
	const char *se050;   /* --se050 ID */
	const char *operand; /* the one argument that is not an option */
	bool force;          /* --force */
};
/* Which of them a subcommand takes besides --bus (and --help). */
enum {
	CHIP_OPT_VIA = 1 << 0,
	CHIP_OPT_SE050 = 1 << 1,
	CHIP_OPT_FORCE = 1 << 2,
	CHIP_OPT_OPERAND = 1 << 3, /* required when taken */
};
/* Parses argv (argv[0] is the subcommand's name) into o. Returns -1 to go on, 0 after printing
 * the usage for --help, or 2 after printing what is wrong ("hwguard-key CMD: unexpected argument
 * 'X'", a missing operand, --bus and --via together). */
int parse_chip_options(int argc, char **argv, unsigned accepted, void (*usage)(FILE *out),
                       struct chip_options *o);
/* Runs op (genkey or delete) through the daemon of o->via, or else on the chip at o->bus. Returns
 * the exit status: 0 done, 1 after printing "hwguard-key: WHAT: why", 2 for a bad --via name. */
int run_key_op(const struct chip_options *o, const struct uapi_key_op *op, const char *what);
/* Object id in decimal or 0x-hex within the SE050 customer range; prints the reason. 0 or -1. */
int parse_object_id(const char *s, uint32_t *id);
/* Opens the chip or prints why not (no chip, wrong bus, chip busy). NULL on failure. */
struct se050 *open_chip(const char *bus);
/* Prints "hwguard-key: what: reason" for a negative errno from the se050 layer, with the chip's
 * status word when the chip refused (se may be NULL). */
struct se050;
void report(struct se050 *se, const char *what, int err);

/* Talking to a running hwguard (via.c). The control socket is $HWGUARD_RUN_DIR/IFNAME.sock,
 * default /var/run/wireguard. */
#define VIA_RUN_DIR_ENV "HWGUARD_RUN_DIR"
/* A key operation may wait for a chip that is slow to answer (the driver's own timeouts). */
#define VIA_KEY_OP_TIMEOUT_S 60
/* Checks an interface name; prints why not. 0 or -1. */
int via_check_ifname(const char *ifname);
/* Called with every key=value line of the reply but the errno line. */
typedef void (*via_line_fn)(void *ctx, const char *line);
/* Sends request and reads the reply: 0 with *err = the daemon's errno value, or -1 after printing
 * why (no such interface, no answer, a daemon that does not know the request). */
int via_exchange(const char *ifname, const char *request, size_t len, unsigned timeout_s,
                 via_line_fn on_line, void *ctx, long *err);
/* A key operation through the daemon (src/daemon/uapi_keyops.h). */
int via_key_op(const char *ifname, const struct uapi_key_op *op, via_line_fn on_line, void *ctx,
               long *err);

#endif
