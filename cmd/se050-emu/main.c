/* se050-emu: behaves like an NXP SE050 on the wire (T=1 over I2C frames, SE05x APDUs, latency,
 * faults) behind a Unix socket, for tests and demos without a chip. Its private keys stay in this
 * process and its store file. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto/codec.h"
#include "crypto/portable/secure.h"
#include "crypto/x25519.h"
#include "emu_applet.h"
#include "emu_link.h"
#include "emu_store.h"
#include "se050/bus.h"
#include "se050/emu_wire.h"
#include "se050/se050.h"

#define MAX_CLIENTS         8
#define EMU_CURVE_NIST_P256 0x03

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	stats_requested = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: se050-emu --socket PATH [options]\n"
	        "Emulates an NXP SE050 secure element (T=1 over I2C, SE05x applet, X25519) on a "
	        "Unix\n"
	        "socket; hwguard reaches it with the bus \"emu:PATH\". By default it behaves as "
	        "the\n"
	        "slowest and most awkward chip NXP's host tolerates: WTX requests a full BWT "
	        "apart,\n"
	        "frames ignored while it computes (a RESYNCH does not cancel a command), guard "
	        "times\n"
	        "(SEGT, MPOT) enforced with address NACKs.\n\n"
	        "Options:\n"
	        "  --socket PATH            listen here (SOCK_SEQPACKET; replaced if it exists)\n"
	        "  --store FILE             persistent key store (created; survives restarts);\n"
	        "                           without it keys live in memory only\n"
	        "  --applet VERSION         3.1 (default: SE050 A/B/C/F) or 7.2 (SE050E, SE051: a\n"
	        "                           type per curve, CreateECCurve before a key on it);\n"
	        "                           any other MAJOR.MINOR is announced as such and "
	        "behaves\n"
	        "                           as 3.1 (to test a host's refusal of unknown applets)\n"
	        "  --bwt MS                 block waiting time announced in the ATR (default "
	        "1000)\n"
	        "  --wtx-interval MS        time between WTX requests while computing (default:\n"
	        "                           the BWT, the longest a real chip leaves)\n"
	        "  --latency MS             time every command takes (default 0)\n"
	        "  --latency-ecdh MS        extra time for ECDH\n"
	        "  --latency-generate MS    extra time for key generation and import\n"
	        "  --max-objects N          objects the memory holds (default %d); one more is\n"
	        "                           refused with 6A84 (memory full)\n"
	        "  --fault KIND:N[:COUNT]   misbehave on every Nth event; KIND is\n"
	        "                             crc      response block sent with a bad CRC\n"
	        "                             nak      host I-block answered with R(CRC error)\n"
	        "                             nad0     host I-block answered with the NAD-00\n"
	        "                                      R-NACK (00 82|92 00)\n"
	        "                             wtx      COUNT (default 2) WTX requests before a "
	        "response\n"
	        "                             drop     response block never sent\n"
	        "                             filler   response block whose first poll reads "
	        "filler\n"
	        "                             shift    response block sent one byte late\n"
	        "                             busynack writes NACKed while the command computes\n"
	        "                             reset    chip resets while executing the command\n"
	        "  --no-guard-times         accept frames sooner than SEGT/MPOT\n"
	        "  --applet-config HEX      applet configuration bitmap in SELECT (default "
	        "0x%04X;\n"
	        "                           0x0008 = X25519 present)\n"
	        "  --import ID:HEX          put an X25519 private key (RFC 7748 hex) at ID\n"
	        "  --add-foreign ID         put a NIST P-256 key pair placeholder at ID\n"
	        "                           (both refuse an ID the store already holds)\n"
	        "  --stats-file FILE        keep counters in FILE (key=value lines), rewritten\n"
	        "                           after every command\n"
	        "  --help, --version\n"
	        "On SIGTERM/SIGINT it prints counters (commands, ECDHs, NVM writes, faults) to "
	        "stderr\n"
	        "and exits; SIGUSR1 prints them without exiting.\n",
	        EMU_MAX_OBJECTS, EMU_APPLET_CONFIG);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* --fault KIND:N: the counter each KIND sets (every Nth event). */
static const struct {
	const char *name;
	size_t every; /* offset of its field in struct emu_faults */
} fault_kinds[] = {
        {"crc", offsetof(struct emu_faults, crc_every)},
        {"nak", offsetof(struct emu_faults, nak_every)},
        {"nad0", offsetof(struct emu_faults, nad0_every)},
        {"filler", offsetof(struct emu_faults, filler_every)},
        {"shift", offsetof(struct emu_faults, shift_every)},
        {"busynack", offsetof(struct emu_faults, busynack_every)},
        {"wtx", offsetof(struct emu_faults, wtx_every)},
        {"drop", offsetof(struct emu_faults, drop_every)},
        {"reset", offsetof(struct emu_faults, reset_every)},
};

static int parse_fault(const char *s, struct emu_faults *f)
{
	char kind[16];
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(kind))
		return -1;
	memcpy(kind, s, (size_t)(colon - s));
	kind[colon - s] = '\0';
	char rest[64];
	snprintf(rest, sizeof(rest), "%s", colon + 1);
	char *count_s = strchr(rest, ':');
	unsigned long every, count = 2;
	if (count_s)
		*count_s++ = '\0';
	if (parse_uint(rest, 1000000, &every) || every == 0)
		return -1;
	if (count_s && (parse_uint(count_s, 1000, &count) || count == 0))
		return -1;
	if (count_s && strcmp(kind, "wtx") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(fault_kinds) / sizeof(fault_kinds[0]); i++) {
		if (strcmp(kind, fault_kinds[i].name))
			continue;
		*(unsigned *)((char *)f + fault_kinds[i].every) = (unsigned)every;
		if (!strcmp(kind, "wtx"))
			f->wtx_count = (unsigned)count;
		return 0;
	}
	return -1;
}

/* "MAJOR.MINOR", each 0-255. */
static bool parse_version(const char *s, unsigned *major, unsigned *minor)
{
	char buf[16];
	unsigned long ma, mi;
	const char *dot = strchr(s, '.');
	if (!dot || (size_t)(dot - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(dot - s));
	buf[dot - s] = '\0';
	if (parse_uint(buf, 255, &ma) || parse_uint(dot + 1, 255, &mi))
		return false;
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return true;
}

/* Returns 0, -1 for a malformed value, -2 when the id is taken, -3 when the store is full or
 * cannot be written. */
static int add_object(struct emu_store *store, const char *spec, bool foreign)
{
	char idbuf[32];
	const char *colon = foreign ? NULL : strchr(spec, ':');
	size_t idlen = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long id;
	if ((!foreign && !colon) || idlen >= sizeof(idbuf))
		return -1;
	memcpy(idbuf, spec, idlen);
	idbuf[idlen] = '\0';
	if (parse_uint(idbuf, SE050_ID_MAX, &id) || id == 0)
		return -1;
	if (emu_store_find(store, (uint32_t)id))
		return -2; /* never overwrite a key silently */
	struct emu_object *o = emu_store_add(store, (uint32_t)id);
	if (!o)
		return -3;
	o->type = SE05X_TYPE_EC_KEY_PAIR;
	if (foreign) {
		/* Not a usable P-256 key: only its type and curve matter to the tests. */
		o->curve = EMU_CURVE_NIST_P256;
		memset(o->pub, 0x04, sizeof(o->pub));
	} else {
		o->curve = SE05X_CURVE_MONT_DH_25519;
		if (hex_decode(o->priv, sizeof(o->priv), colon + 1, strlen(colon + 1)) ||
		    x25519_public_key(o->pub, o->priv)) {
			emu_store_remove(store, (uint32_t)id);
			return -1;
		}
	}
	emu_store_add_curve(store, o->curve);
	return emu_store_save(store) == 0 ? 0 : -3;
}

/* Writes the counters as key=value pairs separated by sep. */
static void write_stats(FILE *f, char sep, const struct emu_link *l, const struct emu_applet *a)
{
	const struct emu_link_stats *s = &l->stats;
	fprintf(f,
	        "commands=%u%cecdh=%llu%cecdh_repeats=%llu%cnvm_writes=%llu%cobjects=%zu%c"
	        "frames_in=%u%cframes_out=%u%ccrc_injected=%u%cnak_injected=%u%cnad0_injected=%u%c"
	        "wtx_sent=%u%cdropped=%u%cfiller_injected=%u%cshift_injected=%u%cbusy_nacks=%u%c"
	        "resets=%u%cchip_resets=%u%cignored_busy=%u%cguard_nacks=%u\n",
	        s->commands, sep, (unsigned long long)a->ecdh_count, sep,
	        (unsigned long long)a->ecdh_repeats, sep, (unsigned long long)a->store->nvm_writes,
	        sep, a->store->n, sep, s->frames_in, sep, s->frames_out, sep, s->crc_injected, sep,
	        s->nak_injected, sep, s->nad0_injected, sep, s->wtx_sent, sep, s->dropped, sep,
	        s->filler_injected, sep, s->shift_injected, sep, s->busy_nacks, sep, s->resets, sep,
	        s->chip_resets, sep, s->ignored_busy, sep, s->guard_nacks);
}

static void print_stats(const struct emu_link *l, const struct emu_applet *a)
{
	fprintf(stderr, "se050-emu: ");
	write_stats(stderr, ' ', l, a);
}

/* Rewrites the stats file (temporary file and rename, so a reader never sees half of it). */
static void save_stats(const char *path, const struct emu_link *l, const struct emu_applet *a)
{
	char tmp[600];
	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	write_stats(f, '\n', l, a);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static size_t applet_apdu(void *ctx, const uint8_t *cmd, size_t n, uint8_t *rsp, unsigned *latency)
{
	return emu_applet_process(ctx, cmd, n, rsp, latency);
}

static void applet_reset(void *ctx)
{
	emu_applet_reset(ctx);
}

/* One bus transaction from a client. Returns -1 when the client must be dropped. */
static int serve_message(int fd, struct emu_link *link)
{
	uint8_t msg[EMU_HDR_LEN + SE050_BUS_MAX_XFER + 1];
	uint8_t reply[EMU_HDR_LEN + SE050_BUS_MAX_XFER];
	ssize_t n = recv(fd, msg, sizeof(msg), 0);
	if (n < EMU_HDR_LEN || n > EMU_HDR_LEN + SE050_BUS_MAX_XFER)
		return -1;
	size_t rlen;
	reply[1] = msg[1]; /* the sequence byte comes back unchanged */
	if (msg[0] == EMU_MSG_WRITE && n > EMU_HDR_LEN) {
		int r = emu_link_write(link, msg + EMU_HDR_LEN, (size_t)n - EMU_HDR_LEN, now_us());
		reply[0] = r == 0 ? EMU_REPLY_ACK : EMU_REPLY_NACK;
		rlen = EMU_HDR_LEN;
	} else if (msg[0] == EMU_MSG_READ && n == EMU_HDR_LEN + 2) {
		size_t len = (size_t)msg[2] << 8 | msg[3];
		if (len == 0 || len > SE050_BUS_MAX_XFER)
			return -1;
		if (emu_link_read(link, reply + EMU_HDR_LEN, len, now_us()) == 0) {
			reply[0] = EMU_REPLY_DATA;
			rlen = EMU_HDR_LEN + len;
		} else {
			reply[0] = EMU_REPLY_NACK;
			rlen = EMU_HDR_LEN;
		}
	} else {
		return -1;
	}
	return send(fd, reply, rlen, MSG_NOSIGNAL) == (ssize_t)rlen ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct emu_store store;
	static struct emu_applet applet;
	static struct emu_link link;
	const char *socket_path = NULL, *store_path = NULL, *stats_path = NULL;
	unsigned long bwt = 1000, wtx_interval = 0, max_objects = EMU_MAX_OBJECTS, v;
	unsigned applet_major = 3, applet_minor = 1;
	bool guard_times = true;
	struct emu_faults faults = {0};
	struct emu_latency latency = {0};
	unsigned long config = EMU_APPLET_CONFIG;
	const char *imports[64];
	bool import_foreign[64];
	int nimports = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("se050-emu %s\n", HWGUARD_VERSION);
			return 0;
		}
		if (!strcmp(a, "--no-guard-times")) {
			guard_times = false;
			continue;
		}
		if (!val) {
			fprintf(stderr,
			        "se050-emu: unknown option or missing value: %s (see --help)\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--socket")) {
			socket_path = val;
		} else if (!strcmp(a, "--store")) {
			store_path = val;
		} else if (!strcmp(a, "--bwt") && !parse_uint(val, 10000, &v) && v >= 10) {
			bwt = v;
		} else if (!strcmp(a, "--wtx-interval") && !parse_uint(val, 60000, &v) && v >= 1) {
			wtx_interval = v;
		} else if (!strcmp(a, "--applet") &&
		           parse_version(val, &applet_major, &applet_minor)) {
			;
		} else if (!strcmp(a, "--max-objects") && !parse_uint(val, EMU_MAX_OBJECTS, &v)) {
			max_objects = v;
		} else if (!strcmp(a, "--stats-file")) {
			stats_path = val;
		} else if (!strcmp(a, "--latency") && !parse_uint(val, 60000, &v)) {
			latency.base_ms = (unsigned)v;
		} else if (!strcmp(a, "--latency-ecdh") && !parse_uint(val, 60000, &v)) {
			latency.ecdh_ms = (unsigned)v;
		} else if (!strcmp(a, "--latency-generate") && !parse_uint(val, 60000, &v)) {
			latency.generate_ms = (unsigned)v;
		} else if (!strcmp(a, "--fault") && !parse_fault(val, &faults)) {
			;
		} else if (!strcmp(a, "--applet-config") && !parse_uint(val, 0xFFFF, &v)) {
			config = v;
		} else if ((!strcmp(a, "--import") || !strcmp(a, "--add-foreign")) &&
		           nimports < 64) {
			import_foreign[nimports] = !strcmp(a, "--add-foreign");
			imports[nimports++] = val;
		} else {
			fprintf(stderr, "se050-emu: bad option or value: %s %s (see --help)\n", a,
			        val);
			return 2;
		}
	}
	if (!socket_path) {
		fprintf(stderr, "se050-emu: --socket PATH is required (see --help)\n");
		return 2;
	}

	int r = emu_store_load(&store, store_path);
	if (r) {
		fprintf(stderr, "se050-emu: cannot load store %s: %s\n", store_path,
		        r == -EBADMSG ? "file is damaged or not a store" : strerror(-r));
		return 1;
	}
	for (int i = 0; i < nimports; i++) {
		const char *opt = import_foreign[i] ? "--add-foreign" : "--import";
		r = add_object(&store, imports[i], import_foreign[i]);
		if (r == -2)
			fprintf(stderr,
			        "se050-emu: %s %.*s: the store already holds that object; delete "
			        "it "
			        "first (hwguard-key delete ID)\n",
			        opt, (int)strcspn(imports[i], ":"), imports[i]);
		else if (r == -3)
			fprintf(stderr, "se050-emu: %s: the store is full or cannot be written\n",
			        opt);
		else if (r)
			fprintf(stderr, "se050-emu: bad %s value (expected %s)\n", opt,
			        import_foreign[i] ? "ID" : "ID:64-hex-digit-key");
		if (r) {
			emu_store_clear(&store);
			return r == -3 ? 1 : 2;
		}
	}
	emu_applet_init(&applet, &store);
	emu_applet_set_version(&applet, applet_major, applet_minor);
	applet.config = (uint16_t)config;
	applet.latency = latency;
	applet.max_objects = max_objects;
	emu_link_init(&link, (uint16_t)bwt);
	link.wtx_interval_ms = wtx_interval ? (unsigned)wtx_interval : (unsigned)bwt;
	link.enforce_guard_times = guard_times;
	link.faults = faults;
	link.apdu = applet_apdu;
	link.reset = applet_reset;
	link.ctx = &applet;

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "se050-emu: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, socket_path);
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	unlink(socket_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0) {
		fprintf(stderr, "se050-emu: cannot listen on %s: %s\n", socket_path,
		        strerror(errno));
		return 1;
	}

	struct sigaction sact = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sact, NULL);
	sigaction(SIGINT, &sact, NULL);
	sact.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sact, NULL);

	struct pollfd pfd[1 + MAX_CLIENTS];
	int nclients = 0;
	unsigned stats_commands = 0;
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	save_stats(stats_path, &link, &applet);
	while (!stop_requested) {
		if (stats_requested) {
			stats_requested = 0;
			print_stats(&link, &applet);
		}
		int n = poll(pfd, (nfds_t)(1 + nclients), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 1; i <= nclients; i++) {
			if (!pfd[i].revents)
				continue;
			/* A client that hung up is gone with whatever it still had queued: a chip
			 * never sees transactions from a host that is no longer on the bus. */
			if (!(pfd[i].revents & (POLLHUP | POLLERR)) && (pfd[i].revents & POLLIN) &&
			    serve_message(pfd[i].fd, &link) == 0)
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[nclients--];
			i--;
		}
		if (link.stats.commands != stats_commands) {
			stats_commands = link.stats.commands;
			save_stats(stats_path, &link, &applet);
		}
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0 && nclients < MAX_CLIENTS) {
				nclients++;
				pfd[nclients].fd = cfd;
				pfd[nclients].events = POLLIN;
				pfd[nclients].revents = 0;
			} else if (cfd >= 0) {
				close(cfd);
			}
		}
	}
	print_stats(&link, &applet);
	save_stats(stats_path, &link, &applet);
	for (int i = 1; i <= nclients; i++)
		close(pfd[i].fd);
	close(lfd);
	unlink(socket_path);
	emu_store_clear(&store);
	return 0;
}
