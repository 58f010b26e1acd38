/* pufauth bench: authentications against a store of N devices, end to end through the UDP server
 * (HELLO .. CONFIRM, batched search on all cores, durable commit, device verification), from C
 * clients at once.
 *
 * A fresh store is filled quickly: R devices are real simulated PUFs (enrolled as `pufauth enroll`
 * does); the other N - R rows hold random keys and references, which is what any enrolled device
 * looks like to a server that does not hold its PUF (docs/pufauth-protocol.md [D8]). By default
 * every device also has a live "previous" entry, as in a fleet where every device has
 * authenticated before (the steady state: the scan covers 2N entries). K authentications of
 * randomly chosen real devices are timed; each client owns its own devices, since one device runs
 * one authentication at a time. A false accept (the server matching another row) is counted from
 * the server's side. The last line is `median_ms X`. */
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
#include "puf/host/device_source.h"
#include "puf/proto/wire.h"
#include "puf/host/rng_linux.h"
#include "puf/xoshiro.h"
#include "pufserver/search.h"
#include "pufserver/service.h"
#include "pufserver/simon_batch.h"
#include "pufserver/udp.h"

#define BENCH_SRAM  65536
#define MAX_CLIENTS 64
#define MAX_SERVERS 8

struct bench_device {
	struct sram_sim sim;
	struct pufproto_device dev;
	int64_t id;
};

/* One client: a thread with its own socket and its own devices (r % clients == its index), plus
 * one never-enrolled impostor. */
struct bench;

struct client {
	struct bench *bench;
	pthread_t tid;
	int index;
	long auths;
	struct xoshiro x;
	/* what the server's observer reports for this client's RESPONSE in flight */
	uint8_t session[PUFPROTO_SESSION_LEN];
	int waiting, seen;
	int64_t matched_id;
	uint64_t scan_ns, scan_cpu_ns;
	size_t batch;
	/* results */
	double *ms;
	long done, ok, failures, timeouts, impostor_runs, impostor_accepts, false_accepts;
	double search_ns, search_cpu_ns, batch_sum, class_ns[3];
	long class_n[3];
	char err[256];
};

struct bench {
	long devices, real, impostor_pct;
	int clients;
	struct bench_device *devs; /* real devices, then one impostor per client */
	struct pufproto_device_config cfg;
	int servers;
	char addr[MAX_SERVERS][64]; /* client c talks to server c % servers */
	pthread_mutex_t lock;       /* the clients' in-flight sessions */
	struct client client[MAX_CLIENTS];
};

/* One server: its own store connection, snapshot, socket and threads, as a `pufauth serve`. */
struct server_thread {
	struct pufstore *st;
	struct pufservice *svc;
	int ready, started;
	pthread_t tid;
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
	        "Usage: pufauth bench [--devices N] [--auths K] [--concurrency C] [--real R]\n"
	        "                     [--security 128|64] [--threads T] [--impostors P]\n"
	        "                     [--fresh] [--simd KERNEL] [--db STORE] [--servers S]\n\n"
	        "Times K end-to-end authentications (UDP, batched search on all cores, durable\n"
	        "commit) against a fresh store of N devices, R of them simulated PUFs (default\n"
	        "min(N, 100)), from C clients at once. By default every device also has a\n"
	        "'previous' entry (the steady state of a fleet: the search covers 2N entries).\n"
	        "Prints statistics; auths_per_s is the throughput over the run's wall time; the\n"
	        "last line is 'median_ms X'.\n\n"
	        "  --devices N      enrolled devices (default 1000)\n"
	        "  --auths K        timed authentications (default 100)\n"
	        "  --concurrency C  clients authenticating at the same time (default 1)\n"
	        "  --impostors P    percent of runs by a never-enrolled simulated device\n"
	        "  --fresh          no 'previous' entries (a fleet that never authenticated)\n"
	        "  --previous       the default, accepted for older scripts\n"
	        "  --simd KERNEL    quick-stage kernel: auto, avx512, avx2, vec128, scalar\n"
	        "  --db STORE       fill this new store (an SQLite path or a postgresql:// URI)\n"
	        "                   instead of a temporary SQLite file\n"
	        "  --servers S      S servers on the one store, each with its own connection,\n"
	        "                   snapshot and socket (T threads each); client c uses server\n"
	        "                   c mod S\n");
}

/* The counts of the options, kept as long like the arithmetic that uses them. */
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

static struct pufproto_nv_store mem_nvs = {mem_commit};

/* The server's observer: hands the outcome of a RESPONSE to the client that sent it. Runs before
 * the reply is sent, so the client finds it when the CONFIRM arrives. */
static void observe(void *arg, const uint8_t *session, int64_t matched_id, size_t full_runs,
                    uint64_t scan_ns, uint64_t scan_cpu_ns, size_t batch)
{
	struct bench *b = arg;

	(void)full_runs;
	pthread_mutex_lock(&b->lock);
	for (int c = 0; c < b->clients; c++) {
		struct client *cl = &b->client[c];

		if (cl->waiting && !memcmp(cl->session, session, PUFPROTO_SESSION_LEN)) {
			cl->seen = 1;
			cl->matched_id = matched_id;
			cl->scan_ns = scan_ns;
			cl->scan_cpu_ns = scan_cpu_ns;
			cl->batch = batch;
		}
	}
	pthread_mutex_unlock(&b->lock);
}

/* One authentication of device d by client cl. Returns 0, or -1 on a timeout. */
static int one_auth(struct bench *b, struct client *cl, int fd, long r, int impostor)
{
	struct pufproto_device *d = &b->devs[r].dev;
	struct pufproto_challenge ch;
	uint8_t x[PUFPROTO_MAX_MESSAGE], y[PUFPROTO_MAX_MESSAGE];
	double start = now_ms();
	long n, m;
	int v, cls;

	n = pufproto_device_hello(d, x, sizeof(x));
	m = pufudp_exchange(fd, x, (size_t)n, y, sizeof(y), 10000, cl->err, sizeof(cl->err));
	if (m <= 0 || pufproto_parse_challenge(y, (size_t)m, &ch))
		return -1;
	n = pufproto_device_begin(d, &b->cfg, y, (size_t)m, rng_linux(), &b->devs[r].sim.base, x,
	                          sizeof(x));
	if (n < 0)
		return -1;
	pthread_mutex_lock(&b->lock);
	memcpy(cl->session, ch.session, sizeof(cl->session));
	cl->waiting = 1;
	cl->seen = 0;
	pthread_mutex_unlock(&b->lock);
	m = pufudp_exchange(fd, x, (size_t)n, y, sizeof(y), 10000, cl->err, sizeof(cl->err));
	pthread_mutex_lock(&b->lock);
	cl->waiting = 0;
	pthread_mutex_unlock(&b->lock);
	if (m <= 0) {
		pufproto_device_abort(d);
		return -1;
	}
	v = pufproto_device_finish(d, y, (size_t)m);
	if (impostor) {
		/* neither side may accept a device that was never enrolled */
		if (v == PUFPROTO_DEVICE_ACCEPT || (cl->seen && cl->matched_id != 0))
			cl->impostor_accepts++;
		pufproto_device_abort(d);
	} else if (v == PUFPROTO_DEVICE_ACCEPT && pufproto_device_commit(d, &mem_nvs) == 0) {
		cl->ok++;
	} else {
		cl->failures++;
	}
	/* the server's view: a match must be this device's row */
	if (!impostor && cl->seen && cl->matched_id != 0 && cl->matched_id != b->devs[r].id)
		cl->false_accepts++;
	cl->ms[cl->done] = now_ms() - start;
	cl->search_ns += (double)cl->scan_ns;
	cl->search_cpu_ns += (double)cl->scan_cpu_ns;
	cl->batch_sum += (double)cl->batch;
	cls = impostor ? 2 : (b->devs[r].id <= (b->devices + 1) / 2 ? 0 : 1);
	cl->class_ns[cls] += (double)cl->scan_ns;
	cl->class_n[cls]++;
	cl->done++;
	return 0;
}

static void *client_thread(void *arg)
{
	struct client *cl = arg;
	struct bench *b = cl->bench;
	long mine = (b->real - cl->index + b->clients - 1) / b->clients;
	int fd = pufudp_connect(b->addr[cl->index % b->servers], cl->err, sizeof(cl->err));

	if (fd < 0) {
		cl->timeouts = cl->auths;
		return NULL;
	}
	for (long k = 0; k < cl->auths; k++) {
		long r = cl->index + b->clients * (long)(xoshiro_next(&cl->x) % (uint64_t)mine);
		int impostor = (long)(xoshiro_next(&cl->x) % 100) < b->impostor_pct;

		if (impostor) {
			r = b->real + cl->index;
			cl->impostor_runs++;
		}
		if (one_auth(b, cl, fd, r, impostor))
			cl->timeouts++;
	}
	close(fd);
	return NULL;
}

/* A real device at store row id: a simulated PUF enrolled as `pufauth enroll` does. */
static int make_real(struct bench *b, long r, uint64_t seed, const struct pufproto_suite *suite,
                     uint8_t *key, uint8_t *ref)
{
	struct pufproto_device_nv nv;

	sram_sim_init(&b->devs[r].sim, &SRAM_SIM_PROTOTYPE, seed, BENCH_SRAM);
	nv.suite = suite->id;
	random_bytes(nv.sk, sizeof(nv.sk));
	random_bytes(&nv.challenge, sizeof(nv.challenge));
	nv.challenge %= b->cfg.challenge_space;
	if (pufproto_read_reference(&b->devs[r].sim.base, suite, nv.challenge, 11, ref))
		return -1;
	memcpy(key, nv.sk, PUFPROTO_KEY_LEN);
	return pufproto_device_init(&b->devs[r].dev, &nv);
}

static void random_fill(struct xoshiro *x, uint8_t *p, size_t n)
{
	for (size_t j = 0; j < n; j += 8) {
		uint64_t v = xoshiro_next(x);

		memcpy(p + j, &v, n - j < 8 ? n - j : 8);
	}
}

/* Enrols the N rows; the real devices sit at random positions among them. */
static int fill(struct bench *b, struct pufstore *st, const struct pufproto_suite *suite,
                struct xoshiro *x)
{
	long *slot_of = malloc((size_t)b->real * sizeof(*slot_of));
	int ret = -1;

	if (!slot_of)
		return -1;
	for (long r = 0; r < b->real; r++)
		slot_of[r] = (long)((uint64_t)r * (uint64_t)b->devices / (uint64_t)b->real) +
		             (long)(xoshiro_next(x) % (uint64_t)(b->devices / b->real));
	if (pufstore_begin(st))
		goto out;
	for (long i = 0, r = 0; i < b->devices; i++) {
		uint8_t key[PUFPROTO_KEY_LEN], ref[PUFPROTO_MAX_RESPONSE];
		char name[32];
		int64_t id;

		snprintf(name, sizeof(name), "bench-%ld", i);
		if (r < b->real && slot_of[r] == i) {
			if (make_real(b, r, (uint64_t)i + 1, suite, key, ref))
				goto out;
		} else {
			random_fill(x, key, sizeof(key));
			random_fill(x, ref, sizeof(ref));
		}
		if (pufstore_enroll(st, name, suite->id, key, ref, suite->response_len, &id))
			goto out;
		if (r < b->real && slot_of[r] == i)
			b->devs[r++].id = id;
	}
	ret = pufstore_commit(st);
out:
	free(slot_of);
	return ret;
}

static void report(struct bench *b, long auths, int with_previous, unsigned threads, int security,
                   double fill_s, double wall_ms, const struct server_thread *srv)
{
	unsigned long long scans = 0;
	size_t largest = 0;
	long done = 0, ok = 0, failures = 0, timeouts = 0, imp_runs = 0, imp_acc = 0, fa = 0;
	double search_ns = 0, search_cpu_ns = 0, batch_sum = 0, total = 0, class_ns[3] = {0, 0, 0};
	double *ms;
	long class_n[3] = {0, 0, 0};

	ms = calloc((size_t)auths + 1, sizeof(*ms));
	for (int c = 0; c < b->clients; c++) {
		struct client *cl = &b->client[c];

		memcpy(ms + done, cl->ms, (size_t)cl->done * sizeof(*ms));
		done += cl->done;
		ok += cl->ok;
		failures += cl->failures;
		timeouts += cl->timeouts;
		imp_runs += cl->impostor_runs;
		imp_acc += cl->impostor_accepts;
		fa += cl->false_accepts;
		search_ns += cl->search_ns;
		search_cpu_ns += cl->search_cpu_ns;
		batch_sum += cl->batch_sum;
		for (int k = 0; k < 3; k++) {
			class_ns[k] += cl->class_ns[k];
			class_n[k] += cl->class_n[k];
		}
	}
	for (long i = 0; i < done; i++)
		total += ms[i];
	qsort(ms, (size_t)done, sizeof(*ms), cmp_double);
	printf("devices %ld\nreal_devices %ld\nsecurity %d\nsearch_threads %u\n", b->devices,
	       b->real, security, threads ? threads : pufsearch_default_threads());
	printf("concurrency %d\nprevious_entries %s\nquick_stage %s\n", b->clients,
	       with_previous ? "yes" : "no", simon_batch_name(simon_batch_current()));
	printf("fill_s %.2f\n", fill_s);
	printf("auths %ld\naccepted %ld\nrejected %ld\ntimeouts %ld\n", auths - imp_runs, ok,
	       failures, timeouts);
	printf("impostor_runs %ld\nimpostor_accepts %ld\n", imp_runs, imp_acc);
	printf("false_accepts %ld\n", fa + imp_acc);
	for (int i = 0; i < b->servers; i++) {
		scans += srv[i].svc->stats.scans;
		if (srv[i].svc->stats.largest_batch > largest)
			largest = srv[i].svc->stats.largest_batch;
	}
	printf("servers %d\nscans %llu\nlargest_batch %zu\n", b->servers, scans, largest);
	if (done > 0) {
		static const char *const what[] = {"match_first_half", "match_second_half",
		                                   "no_match"};

		printf("search_ms_mean %.3f\n", search_ns / 1e6 / (double)done);
		/* CPU time of a scan, all threads: what a quiet machine's wall time would be times
		 * the number of threads; it hardly moves with the load of a shared machine */
		printf("search_cpu_ms_mean %.3f\n", search_cpu_ns / 1e6 / (double)done);
		printf("requests_per_scan_mean %.2f\n", batch_sum / (double)done);
		for (int k = 0; k < 3; k++)
			if (class_n[k])
				printf("search_ms_%s %.3f (%ld runs)\n", what[k],
				       class_ns[k] / 1e6 / (double)class_n[k], class_n[k]);
		printf("mean_ms %.3f\np90_ms %.3f\nmax_ms %.3f\n", total / (double)done,
		       ms[(size_t)(done * 9 / 10)], ms[done - 1]);
		printf("wall_s %.3f\nauths_per_s %.1f\n", wall_ms / 1e3,
		       1e3 * (double)done / wall_ms);
		printf("median_ms %.3f\n", ms[done / 2]);
	} else {
		printf("median_ms nan\n");
	}
	free(ms);
}

int cmd_bench(int argc, char **argv)
{
	unsigned long devices = 1000, real = 0, impostors = 0, auths = 100, threads = 0,
	              clients = 1, servers = 1;
	int with_previous = 1, security = 128, have_real = 0, ret = 1;
	const char *keep = NULL, *simd = "auto";
	char dir[256] = "", db[512], err[512];
	struct pufproto_suite suite;
	struct bench *b = NULL;
	struct pufstore *st = NULL;
	struct server_thread srv[MAX_SERVERS];
	int clients_started = 0, oom;
	double t0, fill_s, wall;
	struct xoshiro x;
	const struct cli_option opts[] = {
	        {"devices", CLI_UINT, .to = &devices, .min = 1, .max = 100000000},
	        {"auths", CLI_UINT, .to = &auths, .min = 1, .max = 100000000},
	        {"concurrency", CLI_UINT, .to = &clients, .min = 1, .max = MAX_CLIENTS},
	        {"real", CLI_UINT, .to = &real, .min = 1, .max = 100000, .given = &have_real},
	        {"security", CLI_SECURITY, .to = &security},
	        {"threads", CLI_UINT, .to = &threads, .min = 0, .max = 64},
	        {"db", CLI_TEXT, .to = &keep},
	        {"impostors", CLI_UINT, .to = &impostors, .min = 0, .max = 100},
	        {"previous", CLI_FLAG, .to = &with_previous, .min = 1},
	        {"fresh", CLI_FLAG, .to = &with_previous, .min = 0},
	        {"simd", CLI_TEXT, .to = &simd},
	        {"servers", CLI_UINT, .to = &servers, .min = 1, .max = MAX_SERVERS},
	        {0},
	};

	ret = cli_parse_options_only("bench", argc, argv, opts, usage);
	if (ret >= 0)
		return ret;
	b = calloc(1, sizeof(*b));
	if (!b) {
		fprintf(stderr, "pufauth bench: out of memory\n");
		return 1;
	}
	ret = 1;
	pthread_mutex_init(&b->lock, NULL);
	memset(srv, 0, sizeof(srv));
	for (int i = 0; i < MAX_SERVERS; i++)
		srv[i].fd = -1;
	b->devices = (long)devices;
	b->real = (long)(have_real ? real : devices < 100 ? devices : 100);
	b->impostor_pct = (long)impostors;
	b->clients = (int)clients;
	b->servers = (int)servers;
	if (b->real > b->devices || b->real < b->clients) {
		snprintf(err, sizeof(err),
		         "need --concurrency (%d) <= --real (%ld) <= --devices (%ld): each client "
		         "authenticates its own simulated devices",
		         b->clients, b->real, b->devices);
		ret = cli_usage_error("bench", err, usage);
		goto out;
	}
	if (simon_batch_use(simd)) {
		fprintf(stderr, "pufauth bench: --simd %s: unknown, or this CPU cannot run it\n",
		        simd);
		ret = 2;
		goto out;
	}
	pufproto_suite_get(security == 128 ? PUFPROTO_SUITE_128 : PUFPROTO_SUITE_64, &suite);
	b->cfg.challenge_space = BENCH_SRAM / (2 * (uint32_t)suite.read_len);
	b->cfg.reference_readings = 5;

	if (keep) {
		snprintf(db, sizeof(db), "%s", keep);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/pufauth-bench-XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror("pufauth bench: mkdtemp");
			goto out;
		}
		snprintf(db, sizeof(db), "%s/store.db", dir);
	}
	b->devs = calloc((size_t)(b->real + b->clients), sizeof(*b->devs));
	oom = !b->devs;
	for (int i = 0; i < b->servers; i++) {
		srv[i].svc = malloc(sizeof(*srv[i].svc));
		oom |= !srv[i].svc;
	}
	for (int i = 0; i < b->clients; i++) {
		long share = (long)(auths / clients + ((unsigned long)i < auths % clients));

		b->client[i].bench = b;
		b->client[i].index = i;
		b->client[i].auths = share;
		b->client[i].ms = calloc((size_t)share + 1, sizeof(double));
		xoshiro_seed(&b->client[i].x, (uint64_t)time(NULL) * 7919 + (uint64_t)i);
		oom |= !b->client[i].ms;
	}
	if (oom) {
		fprintf(stderr, "pufauth bench: out of memory\n");
		goto out;
	}
	st = cli_open_store("bench", db, 1);
	if (!st)
		goto out;
	if (pufstore_count(st) != 0) {
		fprintf(stderr, "pufauth bench: %s: the store must be new (empty)\n",
		        pufstore_where(st));
		goto out;
	}
	xoshiro_seed(&x, (uint64_t)time(NULL));
	t0 = now_ms();
	if (fill(b, st, &suite, &x)) {
		fprintf(stderr, "pufauth bench: %s: %s\n", pufstore_where(st), pufstore_error(st));
		goto out;
	}
	for (int i = 0; i < b->clients; i++) {
		/* the impostors: simulated PUFs whose state looks enrolled but is not */
		struct pufproto_device_nv nv;
		long r = b->real + i;

		sram_sim_init(&b->devs[r].sim, &SRAM_SIM_PROTOTYPE, (uint64_t)(b->devices + 7 + i),
		              BENCH_SRAM);
		nv.suite = suite.id;
		random_bytes(nv.sk, sizeof(nv.sk));
		nv.challenge = 0;
		pufproto_device_init(&b->devs[r].dev, &nv);
		b->devs[r].id = -1;
	}
	for (int i = 0; i < b->servers; i++) {
		struct server_thread *v = &srv[i];

		/* server 0 uses the connection that filled the store; the others their own */
		v->st = i == 0 ? st : cli_open_store("bench", db, 0);
		if (!v->st)
			goto out;
		if (pufservice_init(v->svc, v->st, (unsigned)threads, err, sizeof(err))) {
			fprintf(stderr, "pufauth bench: %s\n", err);
			goto out;
		}
		v->ready = 1;
		v->svc->on_result = observe;
		v->svc->on_result_arg = b;
		if (with_previous) {
			/* the steady state: every device has authenticated before, so each row has
			 * a live previous entry and the scan covers two entries per device (random
			 * keys here: they cost the same to reject) */
			for (size_t e = 1; e < pufsnap_entries(&v->svc->snap); e += 2) {
				random_fill(&x, v->svc->snap.keys + e * PUFPROTO_KEY_LEN,
				            PUFPROTO_KEY_LEN);
				v->svc->snap.live[e] = 1;
			}
		}
	}
	fill_s = (now_ms() - t0) / 1e3;

	for (int i = 0; i < b->servers; i++) {
		srv[i].fd = pufudp_listen("127.0.0.1:0", err, sizeof(err));
		if (srv[i].fd < 0) {
			fprintf(stderr, "pufauth bench: %s\n", err);
			goto out;
		}
		if (pthread_create(&srv[i].tid, NULL, serve_thread, &srv[i])) {
			fprintf(stderr, "pufauth bench: cannot start the server thread\n");
			goto out;
		}
		srv[i].started = 1;
		snprintf(b->addr[i], sizeof(b->addr[i]), "127.0.0.1:%u",
		         pufudp_local_port(srv[i].fd));
	}
	t0 = now_ms();
	for (; clients_started < b->clients; clients_started++)
		if (pthread_create(&b->client[clients_started].tid, NULL, client_thread,
		                   &b->client[clients_started]))
			break;
	for (int i = 0; i < clients_started; i++)
		pthread_join(b->client[i].tid, NULL);
	wall = now_ms() - t0;
	if (clients_started < b->clients) {
		fprintf(stderr, "pufauth bench: cannot start the client threads\n");
		goto out;
	}
	report(b, (long)auths, with_previous, (unsigned)threads, security, fill_s, wall, srv);
	ret = 0;
	for (int i = 0; i < b->clients; i++) {
		if (b->client[i].false_accepts || b->client[i].impostor_accepts ||
		    b->client[i].timeouts)
			ret = 1;
		if (b->client[i].timeouts && b->client[i].err[0])
			fprintf(stderr, "pufauth bench: client %d: %s\n", i, b->client[i].err);
	}
out:
	for (int i = 0; i < MAX_SERVERS; i++) {
		if (srv[i].started) {
			srv[i].stop = 1;
			pthread_join(srv[i].tid, NULL);
		}
		if (srv[i].fd >= 0)
			close(srv[i].fd);
		if (srv[i].ready)
			pufservice_free(srv[i].svc);
		free(srv[i].svc);
		if (i > 0)
			pufstore_close(srv[i].st);
	}
	pufstore_close(st);
	if (b) {
		for (int i = 0; i < MAX_CLIENTS; i++)
			free(b->client[i].ms);
		free(b->devs);
		pthread_mutex_destroy(&b->lock);
		free(b);
	}
	if (dir[0]) {
		static const char *const files[] = {"store.db-wal", "store.db-shm", "store.db"};
		char path[600];

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	return ret;
}
