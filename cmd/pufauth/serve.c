/* pufauth serve: the authentication server over UDP on an SQLite store. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "pufserver/search.h"
#include "pufserver/service.h"
#include "pufserver/udp.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth serve --db PATH --listen HOST:PORT [--threads N]\n\n"
	        "Answers authentication requests over UDP. Each request is searched over every\n"
	        "enrolled device on all cores; a match is committed to the store before the\n"
	        "reply is sent. Stops on SIGINT or SIGTERM.\n\n"
	        "  --db PATH           server store (SQLite, made by 'pufauth enroll')\n"
	        "  --listen HOST:PORT  address to listen on, e.g. 127.0.0.1:7700\n"
	        "  --threads N         search threads (default: all CPUs)\n");
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},      {"listen", required_argument, NULL, 'l'},
	        {"threads", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *listen = NULL;
	struct pufservice *svc;
	struct pufstore *st;
	struct sigaction sa;
	char err[512];
	unsigned long threads = 0;
	int fd, c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 't':
			if (cli_parse_uint("serve", "--threads", optarg, 1, 64, &threads))
				return 2;
			break;
		default:
			return cli_common_option(c, usage);
		}
	}
	if (optind != argc || !db || !listen)
		return cli_usage_error("serve", "need --db and --listen", usage);
	st = cli_open_store("serve", db, 0);
	if (!st)
		return 1;
	svc = malloc(sizeof(*svc));
	if (!svc || pufservice_init(svc, st, (unsigned)threads, err, sizeof(err))) {
		fprintf(stderr, "pufauth serve: %s\n", svc ? err : "out of memory");
		free(svc);
		pufstore_close(st);
		return 1;
	}
	fd = pufudp_listen(listen, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "pufauth serve: %s\n", err);
		pufservice_free(svc);
		free(svc);
		pufstore_close(st);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr,
	        "pufauth serve: %zu devices, listening on %s (port %u), %u search threads\n",
	        svc->snap.devices, listen, pufudp_local_port(fd),
	        threads ? (unsigned)threads : pufsearch_default_threads());
	ret = pufudp_serve(svc, fd, &stop) ? 1 : 0;
	if (ret)
		perror("pufauth serve");
	fprintf(stderr,
	        "pufauth serve: stopping; %llu challenges, %llu responses, %llu matches, %llu "
	        "rejects\n",
	        (unsigned long long)svc->stats.challenges, (unsigned long long)svc->stats.responses,
	        (unsigned long long)svc->stats.matches, (unsigned long long)svc->stats.rejects);
	close(fd);
	pufservice_free(svc);
	free(svc);
	pufstore_close(st);
	return ret;
}
