/* pufauth bench: authentication time against a store of N devices, end to end through the UDP
 * server (HELLO .. CONFIRM, search on all cores, SQLite commit, device verification).
 *
 * A fresh temporary store is filled quickly: R devices are real simulated PUFs (enrolled as
 * `pufauth enroll` does); the other N - R rows hold random keys and references, which is what any
 * enrolled device looks like to a server that does not hold its PUF (docs/pufauth-protocol.md §8).
 * K authentications of randomly chosen real devices are timed; a false accept (the server matching
 * another row) is counted from the server's side. The last line is `median_ms X`. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crypto/random.h"
#include "puf/proto/device.h"
#include "puf/proto/device_source.h"
#include "puf/proto/wire.h"
#include "puf/xoshiro.h"
#include "pufserver/search.h"
#include "pufserver/service.h"
#include "pufserver/udp.h"

#define BENCH_SRAM 65536

struct bench_device {
	struct sram_sim sim;
	struct pufproto_device dev;
	int64_t id;
};

struct server_thread {
	struct pufservice *svc;
	int fd;
	volatile sig_atomic_t stop;
	int rc;
};

static void *serve_thread(void *arg)
{
	struct server_thread *t = arg;

	t->rc = pufudp_serve(t->svc, t->fd, &t->stop);
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth bench [--devices N] [--auths K] [--real R] [--security 128|64]\n"
	        "                     [--threads T] [--impostors P] [--previous]\n"
	        "                     [--db PATH]\n\n"
	        "Times K end-to-end authentications (UDP, all cores, SQLite commit) against a\n"
	        "fresh store of N devices, R of them simulated PUFs (default min(N, 100)).\n"
	        "Prints statistics; the last line is 'median_ms X'.\n\n"
	        "  --devices N   enrolled devices (default 1000)\n"
	        "  --auths K     timed authentications (default 100)\n"
	        "  --impostors P percent of runs by a never-enrolled simulated device\n"
	        "  --previous    give every device a live 'previous' entry (steady state)\n"
	        "  --db PATH     keep the store at PATH (default: a temporary directory)\n");
}

/* The counts of the options, kept as long like the arithmetic that uses them. */
static int parse_count(const char *opt, const char *text, unsigned long min, unsigned long max,
                       long *out)
{
	unsigned long v;

	if (cli_parse_uint("bench", opt, text, min, max, &v))
		return -1;
	*out = (long)v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int mem_commit(struct pufproto_nv_store *st, const struct pufproto_device_nv *nv)
{
	(void)st;
	(void)nv;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"devices", required_argument, NULL, 'n'},
	        {"auths", required_argument, NULL, 'k'},
	        {"real", required_argument, NULL, 'r'},
	        {"security", required_argument, NULL, 'b'},
	        {"threads", required_argument, NULL, 't'},
	        {"db", required_argument, NULL, 'd'},
	        {"impostors", required_argument, NULL, 'i'},
	        {"previous", no_argument, NULL, 'p'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	long devices = 1000, auths = 100, real = -1, threads = 0, impostor_pct = 0;
	long impostor_runs = 0, impostor_accepts = 0;
	int with_previous = 0;
	int security = 128, c, ret = 1;
	const char *keep = NULL;
	char dir[256] = "", db[512], err[512], addr[64];
	struct pufproto_suite suite;
	struct pufproto_device_config cfg;
	struct pufproto_nv_store nvs = {mem_commit};
	struct bench_device *devs = NULL;
	struct pufservice *svc = NULL;
	struct pufstore *st = NULL;
	struct server_thread srv = {0};
	pthread_t tid;
	int started = 0, svc_ready = 0, fd = -1;
	double *ms = NULL, t0, fill_s, total = 0;
	long ok = 0, false_accepts = 0, failures = 0, timeouts = 0;
	uint64_t search_ns = 0;
	/* search time by outcome and by the matched row's place in the table: the privacy claim is
	 * that neither changes it (beyond the commit, which is outside the search) */
	double class_ns[3] = {0, 0, 0};
	long class_n[3] = {0, 0, 0};
	struct xoshiro x;
	long *slot_of = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_count("--devices", optarg, 1, 100000000, &devices))
				return 2;
			break;
		case 'k':
			if (parse_count("--auths", optarg, 1, 100000000, &auths))
				return 2;
			break;
		case 'r':
			if (parse_count("--real", optarg, 1, 100000, &real))
				return 2;
			break;
		case 'b':
			if (cli_parse_security("bench", optarg, &security))
				return 2;
			break;
		case 't':
			if (parse_count("--threads", optarg, 0, 64, &threads))
				return 2;
			break;
		case 'd':
			keep = optarg;
			break;
		case 'p':
			with_previous = 1;
			break;
		case 'i':
			if (parse_count("--impostors", optarg, 0, 100, &impostor_pct))
				return 2;
			break;
		default:
			return cli_common_option(c, usage);
		}
	}
	if (real < 0)
		real = devices < 100 ? devices : 100;
	if (optind != argc || real > devices)
		return cli_usage_error("bench", "bad arguments", usage);
	pufproto_suite_get(security == 128 ? PUFPROTO_SUITE_128 : PUFPROTO_SUITE_64, &suite);
	cfg.challenge_space = BENCH_SRAM / (2 * (uint32_t)suite.read_len);
	cfg.reference_readings = 5;

	if (keep) {
		snprintf(db, sizeof(db), "%s", keep);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/pufauth-bench-XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror("pufauth bench: mkdtemp");
			return 1;
		}
		snprintf(db, sizeof(db), "%s/store.db", dir);
	}
	/* devs[real] is the impostor: a simulated PUF whose state looks enrolled but is not */
	devs = calloc((size_t)real + 1, sizeof(*devs));
	slot_of = malloc((size_t)real * sizeof(*slot_of));
	ms = calloc((size_t)auths, sizeof(*ms));
	svc = malloc(sizeof(*svc));
	if (!devs || !slot_of || !ms || !svc) {
		fprintf(stderr, "pufauth bench: out of memory\n");
		goto out;
	}
	st = cli_open_store("bench", db, 1);
	if (!st)
		goto out;

	/* the real devices sit at random positions among the N rows */
	xoshiro_seed(&x, (uint64_t)time(NULL));
	for (long r = 0; r < real; r++)
		slot_of[r] = (long)((uint64_t)r * (uint64_t)devices / (uint64_t)real) +
		             (long)(xoshiro_next(&x) % (uint64_t)(devices / real));
	t0 = now_ms();
	if (pufstore_begin(st))
		goto store_error;
	for (long i = 0, r = 0; i < devices; i++) {
		uint8_t key[PUFPROTO_KEY_LEN], ref[PUFPROTO_MAX_RESPONSE];
		char name[32];
		int64_t id;

		snprintf(name, sizeof(name), "bench-%ld", i);
		if (r < real && slot_of[r] == i) {
			struct pufproto_device_nv nv;

			sram_sim_init(&devs[r].sim, &SRAM_SIM_PROTOTYPE, (uint64_t)i + 1,
			              BENCH_SRAM);
			nv.suite = suite.id;
			random_bytes(nv.sk, sizeof(nv.sk));
			random_bytes(&nv.challenge, sizeof(nv.challenge));
			nv.challenge %= cfg.challenge_space;
			if (pufproto_read_reference(&devs[r].sim.base, &suite, nv.challenge, 11,
			                            ref))
				goto out;
			memcpy(key, nv.sk, sizeof(key));
			pufproto_device_init(&devs[r].dev, &nv);
			if (pufstore_enroll(st, name, suite.id, key, ref, suite.response_len, &id))
				goto store_error;
			devs[r++].id = id;
		} else {
			for (size_t j = 0; j < sizeof(key); j += 8) {
				uint64_t v = xoshiro_next(&x);

				memcpy(key + j, &v, 8);
			}
			for (size_t j = 0; j < sizeof(ref); j += 8) {
				uint64_t v = xoshiro_next(&x);

				memcpy(ref + j, &v, 8);
			}
			if (pufstore_enroll(st, name, suite.id, key, ref, suite.response_len, &id))
				goto store_error;
		}
	}
	if (pufstore_commit(st))
		goto store_error;
	{
		struct pufproto_device_nv nv;

		sram_sim_init(&devs[real].sim, &SRAM_SIM_PROTOTYPE, (uint64_t)devices + 7,
		              BENCH_SRAM);
		nv.suite = suite.id;
		random_bytes(nv.sk, sizeof(nv.sk));
		nv.challenge = 0;
		pufproto_device_init(&devs[real].dev, &nv);
		devs[real].id = -1;
	}
	if (pufservice_init(svc, st, (unsigned)threads, err, sizeof(err))) {
		fprintf(stderr, "pufauth bench: %s\n", err);
		goto out;
	}
	svc_ready = 1;
	if (with_previous) {
		/* the steady state: every device has authenticated before, so each row has a live
		 * previous entry and the scan covers two entries per device (random keys here: they
		 * cost the same to reject) */
		for (size_t e = 1; e < pufsnap_entries(&svc->snap); e += 2) {
			for (size_t j = 0; j < PUFPROTO_KEY_LEN; j += 8) {
				uint64_t v = xoshiro_next(&x);

				memcpy(svc->snap.keys + e * PUFPROTO_KEY_LEN + j, &v, 8);
			}
			svc->snap.live[e] = 1;
		}
	}
	fill_s = (now_ms() - t0) / 1e3;

	srv.svc = svc;
	srv.fd = pufudp_listen("127.0.0.1:0", err, sizeof(err));
	if (srv.fd < 0) {
		fprintf(stderr, "pufauth bench: %s\n", err);
		goto out;
	}
	if (pthread_create(&tid, NULL, serve_thread, &srv)) {
		fprintf(stderr, "pufauth bench: cannot start the server thread\n");
		goto out;
	}
	started = 1;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", pufudp_local_port(srv.fd));
	fd = pufudp_connect(addr, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "pufauth bench: %s\n", err);
		goto out;
	}

	for (long k = 0; k < auths; k++) {
		long r = (long)(xoshiro_next(&x) % (uint64_t)real);
		int impostor = (long)(xoshiro_next(&x) % 100) < impostor_pct;
		struct pufproto_device *d;
		uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
		double start = now_ms();
		long n, m;
		int v;

		if (impostor) {
			r = real;
			impostor_runs++;
		}
		d = &devs[r].dev;

		n = pufproto_device_hello(d, a, sizeof(a));
		m = pufudp_exchange(fd, a, (size_t)n, b, sizeof(b), 10000, err, sizeof(err));
		if (m <= 0) {
			timeouts++;
			continue;
		}
		n = pufproto_device_begin(d, &cfg, b, (size_t)m, &device_os_rng, &devs[r].sim.base,
		                          a, sizeof(a));
		if (n < 0) {
			fprintf(stderr, "pufauth bench: %s\n", pufproto_device_strerror((int)n));
			goto out;
		}
		m = pufudp_exchange(fd, a, (size_t)n, b, sizeof(b), 10000, err, sizeof(err));
		if (m <= 0) {
			timeouts++;
			pufproto_device_abort(d);
			continue;
		}
		v = pufproto_device_finish(d, b, (size_t)m);
		if (impostor) {
			/* neither side may accept a device that was never enrolled */
			if (v == PUFPROTO_DEVICE_ACCEPT || svc->stats.last_match_id != 0)
				impostor_accepts++;
			pufproto_device_abort(d);
		} else if (v == PUFPROTO_DEVICE_ACCEPT && pufproto_device_commit(d, &nvs) == 0) {
			ok++;
		} else {
			failures++;
		}
		ms[k - timeouts] = now_ms() - start;
		total += ms[k - timeouts];
		search_ns += svc->stats.last_search_ns;
		{
			int cls = impostor ? 2 : (devs[r].id <= (devices + 1) / 2 ? 0 : 1);

			class_ns[cls] += (double)svc->stats.last_search_ns;
			class_n[cls]++;
		}
		/* the server's view: a match must be this device's row */
		if (!impostor && svc->stats.last_match_id != 0 &&
		    svc->stats.last_match_id != devs[r].id)
			false_accepts++;
	}
	{
		long done = auths - timeouts;

		qsort(ms, (size_t)done, sizeof(*ms), cmp_double);
		printf("devices %ld\nreal_devices %ld\nsecurity %d\nsearch_threads %u\n", devices,
		       real, security, threads ? (unsigned)threads : pufsearch_default_threads());
		printf("fill_s %.2f\n", fill_s);
		printf("auths %ld\naccepted %ld\nrejected %ld\ntimeouts %ld\n",
		       auths - impostor_runs, ok, failures, timeouts);
		printf("impostor_runs %ld\nimpostor_accepts %ld\n", impostor_runs,
		       impostor_accepts);
		printf("false_accepts %ld\n", false_accepts + impostor_accepts);
		if (done > 0) {
			printf("search_ms_mean %.3f\n", (double)search_ns / 1e6 / (double)done);
			for (int cls = 0; cls < 3; cls++) {
				static const char *const what[] = {"match_first_half",
				                                   "match_second_half", "no_match"};

				if (class_n[cls])
					printf("search_ms_%s %.3f (%ld runs)\n", what[cls],
					       class_ns[cls] / 1e6 / (double)class_n[cls],
					       class_n[cls]);
			}
			printf("mean_ms %.3f\np90_ms %.3f\nmax_ms %.3f\nauths_per_s %.1f\n",
			       total / (double)done, ms[(size_t)(done * 9 / 10)], ms[done - 1],
			       1e3 * (double)done / total);
			printf("median_ms %.3f\n", ms[done / 2]);
		} else {
			printf("median_ms nan\n");
		}
		ret = false_accepts == 0 && impostor_accepts == 0 && timeouts == 0 ? 0 : 1;
	}
	goto out;
store_error:
	fprintf(stderr, "pufauth bench: %s: %s\n", db, pufstore_error(st));
out:
	if (started) {
		srv.stop = 1;
		pthread_join(tid, NULL);
	}
	if (srv.fd > 0)
		close(srv.fd);
	if (fd >= 0)
		close(fd);
	if (svc_ready)
		pufservice_free(svc);
	free(svc);
	pufstore_close(st);
	free(devs);
	free(slot_of);
	free(ms);
	if (dir[0]) {
		char path[600];

		snprintf(path, sizeof(path), "%s/store.db-wal", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/store.db-shm", dir);
		unlink(path);
		unlink(db);
		rmdir(dir);
	}
	return ret;
}
