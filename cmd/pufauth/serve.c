/* pufauth serve: the authentication server over UDP on an SQLite or PostgreSQL store. Several of
 * them may serve one PostgreSQL store (docs/pufauth-protocol.md §6). */
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
#include "pufserver/simon_batch.h"
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
	        "Usage: pufauth serve --db STORE --listen HOST:PORT [--threads N] [--simd "
	        "KERNEL]\n\n"
	        "Answers authentication requests over UDP. Every request is searched over every\n"
	        "enrolled device on all cores; requests that arrive during a search share the\n"
	        "next one. A match is committed to the store before the reply is sent; when the\n"
	        "store cannot commit, the device is answered as not recognised and the cause is\n"
	        "logged. Refuses to start on a store it cannot write, or an SQLite file others\n"
	        "can read. Several servers may share one PostgreSQL store. Stops on SIGINT or\n"
	        "SIGTERM.\n\n" CLI_DB_HELP
	        "  --listen HOST:PORT  address to listen on, e.g. 127.0.0.1:7700 (port 0: any)\n"
	        "  --threads N         search threads (default: all CPUs)\n"
	        "  --simd KERNEL       quick-stage kernel: auto (default: the fastest this CPU\n"
	        "                      runs), avx512, avx2, vec128 or scalar\n");
}

/* Test hook: PUFAUTH_TEST_COMMIT_DELAY_MS=N sleeps N ms between a match's commit and its reply,
 * so that a test can kill the server exactly there. */
static void delay_after_commit(void *arg)
{
	usleep((useconds_t)(*(unsigned long *)arg * 1000));
}

int cmd_serve(int argc, char **argv)
{
	const char *db = NULL, *listen = NULL, *simd = "auto", *delay;
	static unsigned long delay_ms;
	struct pufservice *svc;
	struct pufstore *st;
	struct sigaction sa;
	char err[512];
	unsigned long threads = 0;
	int fd, c, ret;
	const struct cli_option opts[] = {
	        {"db", CLI_TEXT, .to = &db},
	        {"listen", CLI_TEXT, .to = &listen},
	        {"threads", CLI_UINT, .to = &threads, .min = 1, .max = 64},
	        {"simd", CLI_TEXT, .to = &simd},
	        {0},
	};

	c = cli_parse_options_only("serve", argc, argv, opts, usage);
	if (c >= 0)
		return c;
	if (!db || !listen)
		return cli_usage_error("serve", "need --db and --listen", usage);
	if (simon_batch_use(simd)) {
		fprintf(stderr,
		        "pufauth serve: --simd %s: unknown, or this CPU cannot run it (auto, "
		        "avx512, "
		        "avx2, vec128, scalar)\n",
		        simd);
		return 2;
	}
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
	delay = getenv("PUFAUTH_TEST_COMMIT_DELAY_MS");
	if (delay && cli_parse_uint("serve", "PUFAUTH_TEST_COMMIT_DELAY_MS", delay, 0, 60000,
	                            &delay_ms) == 0) {
		svc->after_commit = delay_after_commit;
		svc->after_commit_arg = &delay_ms;
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
	        "pufauth serve: %zu devices in %s, listening on %s (port %u), %u search threads, "
	        "%s quick stage\n",
	        svc->snap.devices, pufstore_where(st), listen, pufudp_local_port(fd),
	        threads ? (unsigned)threads : pufsearch_default_threads(),
	        simon_batch_name(simon_batch_current()));
	ret = pufudp_serve(svc, fd, &stop) ? 1 : 0;
	if (ret)
		perror("pufauth serve");
	fprintf(stderr,
	        "pufauth serve: stopping; %llu challenges, %llu responses, %llu matches, %llu "
	        "rejects, %llu store errors, %llu conflicts, %llu dropped (queue full or waited "
	        "too long: %llu), %llu scans (largest %zu requests)\n",
	        (unsigned long long)svc->stats.challenges, (unsigned long long)svc->stats.responses,
	        (unsigned long long)svc->stats.matches, (unsigned long long)svc->stats.rejects,
	        (unsigned long long)svc->stats.store_errors,
	        (unsigned long long)svc->stats.conflicts, (unsigned long long)svc->stats.dropped,
	        (unsigned long long)(svc->stats.queue_full + svc->stats.waited_too_long),
	        (unsigned long long)svc->stats.scans, svc->stats.largest_batch);
	close(fd);
	pufservice_free(svc);
	free(svc);
	pufstore_close(st);
	return ret;
}
