/* show IFNAME: asks the running daemon, not the chip (the daemon owns the chip while it runs), for
 * its key and counters (metrics.h), as text or in the Prometheus text format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "metrics.h"

#define DEFAULT_RUN_DIR "/var/run/wireguard"
#define RUN_DIR_ENV     "HWGUARD_RUN_DIR"
#define LINE_MAX_LEN    4096
#define REPLY_TIMEOUT_S 5

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: hwguard-key show IFNAME [--prometheus [--output FILE]]\n"
	        "Prints the public key, key provider and counters of a running hwguard interface\n"
	        "(handshakes, dropped packets by reason, key operations and their latency), read\n"
	        "from its control socket %s/IFNAME.sock (directory overridden by $%s).\n"
	        "\n"
	        "  --prometheus    print them, with per-peer traffic and handshake age, in the\n"
	        "                  Prometheus text format (docs/metrics.md describes each metric)\n"
	        "  --output FILE   write to FILE instead of stdout, atomically (a temporary file\n"
	        "                  renamed over it), as node_exporter's textfile collector needs\n",
	        DEFAULT_RUN_DIR, RUN_DIR_ENV);
}

/* Writes the metrics to path through a temporary file in the same directory, so that a collector
 * never reads half a file. */
static int write_atomically(const char *path, const struct metrics *m, const char *ifname)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, "hwguard-key: %s: path too long\n", path);
		return 1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "hwguard-key: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	metrics_print_prometheus(m, ifname, (uint64_t)time(NULL), f);
	bool ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	int saved = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		fprintf(stderr, "hwguard-key: %s: %s\n", path, strerror(saved));
		return 1;
	}
	return 0;
}

/* Sends get=1 and feeds the reply, line by line up to the blank line that ends it, to m. Long
 * lines (none it reads) are skipped, so the reply size is unbounded but memory is not. Returns 0,
 * or 1 after printing why not. */
static int fetch(const char *ifname, struct metrics *m)
{
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
	char line[LINE_MAX_LEN], buf[4096];
	size_t len = 0;
	bool overlong = false, done = false, malformed = false;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && !done; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line))
					line[len++] = buf[i];
				else
					overlong = true;
				continue;
			}
			if (len == 0)
				done = true;
			else if (!overlong && metrics_take_line(m, line, len) != 0)
				malformed = true;
			len = 0;
			overlong = false;
		}
	}
	close(fd);
	if (!done || !m->have_errno) {
		fprintf(stderr, "hwguard-key: %s: incomplete reply from the daemon\n", ifname);
		return 1;
	}
	if (m->err != 0) {
		fprintf(stderr, "hwguard-key: %s: the daemon answered errno=%ld\n", ifname, m->err);
		return 1;
	}
	if (malformed || m->out_of_memory) {
		fprintf(stderr, "hwguard-key: %s: %s\n", ifname,
		        m->out_of_memory ? "out of memory"
		                         : "malformed hwguard_ line in the reply");
		return 1;
	}
	if (!m->have_key && !m->have_counters) {
		fprintf(stderr,
		        "hwguard-key: %s: no hwguard_public_key in the reply (no private key set, "
		        "or "
		        "the daemon is not hwguard)\n",
		        ifname);
		return 1;
	}
	return 0;
}

int cmd_show(int argc, char **argv)
{
	const char *ifname = NULL, *output = NULL;
	bool prometheus = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--prometheus")) {
			prometheus = true;
		} else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			output = argv[++i];
		} else if (!strncmp(argv[i], "--output=", 9) && argv[i][9]) {
			output = argv[i] + 9;
		} else if (argv[i][0] != '-' && !ifname) {
			ifname = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!ifname || (output && !prometheus)) {
		usage(stderr);
		return 2;
	}
	if (!ifname[0] || strlen(ifname) >= 16 || strchr(ifname, '/') || !strcmp(ifname, ".") ||
	    !strcmp(ifname, "..")) {
		fprintf(stderr, "hwguard-key: '%s' is not an interface name\n", ifname);
		return 2;
	}
	struct metrics m;
	metrics_init(&m);
	int status = fetch(ifname, &m);
	if (status == 0 && output) {
		status = write_atomically(output, &m, ifname);
	} else if (status == 0) {
		if (prometheus)
			metrics_print_prometheus(&m, ifname, (uint64_t)time(NULL), stdout);
		else
			metrics_print_text(&m, ifname, stdout);
		status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	metrics_free(&m);
	return status;
}
