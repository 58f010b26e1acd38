/* show IFNAME: asks the running daemon, not the chip (the daemon owns the chip while it runs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"

#define DEFAULT_RUN_DIR "/var/run/wireguard"
#define RUN_DIR_ENV     "HWGUARD_RUN_DIR"
#define LINE_MAX_LEN    4096
#define REPLY_TIMEOUT_S 5

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key show IFNAME\n"
	        "Prints the public key and key provider of a running hwguard interface, from its\n"
	        "control socket %s/IFNAME.sock (directory overridden by $%s).\n",
	        DEFAULT_RUN_DIR, RUN_DIR_ENV);
}

static int hex_key(const char *s, uint8_t key[KEY_LEN])
{
	if (strlen(s) != 2 * KEY_LEN)
		return -1;
	for (size_t i = 0; i < KEY_LEN; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9'   ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10
			                               : -1;
			if (d < 0)
				return -1;
			v = v << 4 | d;
		}
		key[i] = (uint8_t)v;
	}
	return 0;
}

struct reply {
	bool have_key, have_errno;
	uint8_t public_key[KEY_LEN];
	char provider[64];
	long err;
	bool bad_key;
};

static void take_line(struct reply *r, const char *line)
{
	if (!strncmp(line, "hwguard_public_key=", 19)) {
		r->have_key = hex_key(line + 19, r->public_key) == 0;
		r->bad_key = !r->have_key;
	} else if (!strncmp(line, "hwguard_key_provider=", 21)) {
		/* A provider name is a short word; anything longer is cut, deliberately. */
		snprintf(r->provider, sizeof(r->provider), "%.*s", (int)sizeof(r->provider) - 1,
		         line + 21);
	} else if (!strncmp(line, "errno=", 6)) {
		r->have_errno = true;
		r->err = strtol(line + 6, NULL, 10);
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
	if (strlen(ifname) >= 16 || strchr(ifname, '/') || !strcmp(ifname, ".") ||
	    !strcmp(ifname, "..")) {
		fprintf(stderr, "hwguard-key: '%s' is not an interface name\n", ifname);
		return 2;
	}
	const char *dir = getenv(RUN_DIR_ENV);
	if (!dir || !dir[0])
		dir = DEFAULT_RUN_DIR;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, ifname) >=
	    (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "hwguard-key: control socket path too long\n");
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hwguard-key: no interface %s: cannot connect to %s: %s\n", ifname,
		        sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	static const char req[] = "get=1\n\n";
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1)) {
		fprintf(stderr, "hwguard-key: %s: %s\n", sa.sun_path, strerror(errno));
		close(fd);
		return 1;
	}
	/* Read line by line until the blank line that ends the reply; long lines (none we need) are
	 * skipped, so the reply size is unbounded but memory is not. */
	struct reply rep = {.err = -1};
	char line[LINE_MAX_LEN];
	size_t len = 0;
	bool overlong = false, done = false;
	char buf[4096];
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && !done; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				else
					overlong = true;
				continue;
			}
			line[len] = '\0';
			if (len == 0)
				done = true;
			else if (!overlong)
				take_line(&rep, line);
			len = 0;
			overlong = false;
		}
	}
	close(fd);
	if (!done || !rep.have_errno) {
		fprintf(stderr, "hwguard-key: %s: incomplete reply from the daemon\n", ifname);
		return 1;
	}
	if (rep.err != 0) {
		fprintf(stderr, "hwguard-key: %s: the daemon answered errno=%ld\n", ifname,
		        rep.err);
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
