/* show IFNAME: asks the running daemon, not the chip (the daemon owns the chip while it runs). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#define REPLY_TIMEOUT_S 5

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key show IFNAME\n"
	        "Prints the public key and key provider of a running hwguard interface, from its\n"
	        "control socket /var/run/wireguard/IFNAME.sock (directory overridden by $%s).\n",
	        VIA_RUN_DIR_ENV);
}

struct reply {
	bool have_key;
	uint8_t public_key[KEY_LEN];
	char provider[64];
	bool bad_key;
};

static void take_line(void *ctx, const char *line)
{
	struct reply *r = ctx;
	if (!strncmp(line, "hwguard_public_key=", 19)) {
		r->have_key = key_from_hex(r->public_key, line + 19) == 0;
		r->bad_key = !r->have_key;
	} else if (!strncmp(line, "hwguard_key_provider=", 21)) {
		/* A provider name is a short word; anything longer is cut, deliberately. */
		snprintf(r->provider, sizeof(r->provider), "%.*s", (int)sizeof(r->provider) - 1,
		         line + 21);
	}
}

int cmd_show(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	const char *ifname = argv[1];
	if (via_check_ifname(ifname))
		return 2;
	static const char req[] = "get=1\n\n";
	struct reply rep = {0};
	long err = -1;
	if (via_exchange(ifname, req, sizeof(req) - 1, REPLY_TIMEOUT_S, take_line, &rep, &err))
		return 1;
	if (err != 0) {
		fprintf(stderr, "hwguard-key: %s: the daemon answered errno=%ld\n", ifname, err);
		return 1;
	}
	if (!rep.have_key) {
		fprintf(stderr, "hwguard-key: %s: %s\n", ifname,
		        rep.bad_key
		                ? "malformed hwguard_public_key line"
		                : "no hwguard_public_key in the reply (no private key set, or the "
		                  "daemon is not hwguard)");
		return 1;
	}
	char pub64[B64_KEY_LEN + 1];
	key_to_base64(pub64, rep.public_key);
	printf("interface: %s\n  public key: %s\n  key provider: %s\n", ifname, pub64,
	       rep.provider[0] ? rep.provider : "(not reported)");
	return 0;
}
