/* show IFNAME: asks the running daemon, not the chip (the daemon owns the chip while it runs), for
 * its key and counters (metrics.h), as text or in the Prometheus text format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "metrics.h"

#define DEFAULT_RUN_DIR "/var/run/wireguard"
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
	        DEFAULT_RUN_DIR, VIA_RUN_DIR_ENV);
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

struct fetch_state {
	struct metrics *m;
	bool malformed;
};

static void take_line(void *ctx, const char *line)
{
	struct fetch_state *st = ctx;
	if (metrics_take_line(st->m, line, strlen(line)) != 0)
		st->malformed = true;
}

/* Sends get=1 and feeds the reply's lines to m (via.c reads them; memory stays bounded whatever
 * the reply's size). Returns 0, or 1 after printing why not. */
static int fetch(const char *ifname, struct metrics *m)
{
	static const char req[] = "get=1\n\n";
	struct fetch_state st = {.m = m};
	long err = -1;
	if (via_exchange(ifname, req, sizeof(req) - 1, REPLY_TIMEOUT_S, take_line, &st, &err))
		return 1;
	m->have_errno = true;
	m->err = err;
	if (m->err != 0) {
		fprintf(stderr, "hwguard-key: %s: the daemon answered errno=%ld\n", ifname, m->err);
		return 1;
	}
	if (st.malformed || m->out_of_memory) {
		fprintf(stderr, "hwguard-key: %s: %s\n", ifname,
		        m->out_of_memory ? "out of memory"
		                         : "malformed hwguard_ line in the reply");
		return 1;
	}
	if (!m->have_key && !m->have_counters) {
		fprintf(stderr,
		        "hwguard-key: %s: no hwguard_public_key in the reply (no private key set, "
		        "or the daemon is not hwguard)\n",
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
	if (via_check_ifname(ifname))
		return 2;
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
