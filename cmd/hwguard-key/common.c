#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "keys/se050_provider.h"
#include "se050/se050.h"

int parse_object_id(const char *s, uint32_t *id)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end != '\0' || s[0] == '-') {
		fprintf(stderr, "hwguard-key: '%s' is not an object id (decimal or 0x-hex)\n", s);
		return -1;
	}
	if (v < SE050_ID_MIN || v > SE050_ID_MAX) {
		fprintf(stderr,
		        "hwguard-key: object id %s is outside the customer range 0x%08X-0x%08X\n",
		        s, SE050_ID_MIN, SE050_ID_MAX);
		return -1;
	}
	*id = (uint32_t)v;
	return 0;
}

struct se050 *open_chip(const char *bus)
{
	struct se050 *se;
	struct se050_options opt;
	const char *why = NULL;
	if (!bus)
		bus = se050_default_bus();
	if (se050_options_from_env(&opt, &why) != 0) {
		fprintf(stderr, "hwguard-key: %s\n", why);
		return NULL;
	}
	int r = se050_open_with(bus, &opt, &se, &why);
	if (r) {
		fprintf(stderr, "hwguard-key: cannot use the SE050 on %s: %s\n", bus,
		        why ? why : strerror(-r));
		return NULL;
	}
	return se;
}

void report(struct se050 *se, const char *what, int err)
{
	const char *why, *hint = "";
	char status[32] = "";
	switch (err) {
	case -EEXIST:
		why = "the object already exists (--force replaces it, destroying the old key)";
		break;
	case -ENODEV:
		why = "the SE050 stopped answering";
		break;
	case -EINVAL:
		why = "the object is not an X25519 key pair";
		break;
	case -ENOSPC:
		why = se050_strerror(err);
		hint = "; delete objects it no longer needs (hwguard-key list, hwguard-key delete)";
		break;
	case -EBUSY:
		why = "the object holds the interface's key (the daemon refuses to touch it)";
		break;
	case -ERANGE:
		why = "the object id is outside the customer range";
		break;
	default:
		why = se050_strerror(err);
	}
	/* An error the chip answered: its status word identifies it in NXP's documentation. */
	uint16_t sw = se ? se050_last_status(se) : 0;
	if (sw && (err == -ENOSPC || err == -EREMOTEIO || err == -EPERM || err == -EACCES))
		snprintf(status, sizeof(status), " (status %04X)", sw);
	fprintf(stderr, "hwguard-key: %s: %s%s%s\n", what, why, status, hint);
}

int parse_chip_options(int argc, char **argv, unsigned accepted, void (*usage)(FILE *out),
                       struct chip_options *o)
{
	*o = (struct chip_options){0};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		} else if ((accepted & CHIP_OPT_FORCE) && !strcmp(arg, "--force")) {
			o->force = true;
		} else if ((accepted & CHIP_OPT_SE050) && !strcmp(arg, "--se050") && has_value) {
			o->se050 = argv[++i];
		} else if (!strcmp(arg, "--bus") && has_value) {
			o->bus = argv[++i];
		} else if ((accepted & CHIP_OPT_VIA) && !strcmp(arg, "--via") && has_value) {
			o->via = argv[++i];
		} else if ((accepted & CHIP_OPT_OPERAND) && !o->operand && arg[0] != '-') {
			o->operand = arg;
		} else {
			fprintf(stderr, "hwguard-key %s: unexpected argument '%s'\n", argv[0], arg);
			usage(stderr);
			return 2;
		}
	}
	if ((accepted & CHIP_OPT_OPERAND) && !o->operand) {
		usage(stderr);
		return 2;
	}
	if (o->bus && o->via) {
		fprintf(stderr, "hwguard-key %s: --bus and --via exclude each other\n", argv[0]);
		return 2;
	}
	return -1;
}

int run_key_op(const struct chip_options *o, const struct uapi_key_op *op, const char *what)
{
	struct se050 *se = NULL;
	int r;
	if (o->via) {
		if (via_check_ifname(o->via))
			return 2;
		long err;
		if (via_key_op(o->via, op, NULL, NULL, &err))
			return 1;
		r = (int)err;
	} else {
		se = open_chip(o->bus);
		if (!se)
			return 1;
		r = op->kind == UAPI_KEY_DELETE
		            ? se050_delete(se, op->object_id)
		            : se050_generate_x25519(se, op->object_id, op->force);
	}
	if (r)
		report(se, what, r);
	if (se)
		se050_close(se);
	return r ? 1 : 0;
}
