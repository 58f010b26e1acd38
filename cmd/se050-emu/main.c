/* se050-emu: behaves like an NXP SE050 on the wire (T=1 over I2C frames, SE05x APDUs, latency,
 * faults) behind a Unix socket, for tests and demos without a chip. Its private keys stay in this
 * process and its store file. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

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

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: se050-emu --socket PATH [options]\n"
	        "Emulates an NXP SE050 secure element (T=1 over I2C, SE05x applet, X25519) on a "
	        "Unix\n"
	        "socket; hwguard reaches it with the bus \"emu:PATH\".\n\n"
	        "Options:\n"
	        "  --socket PATH            listen here (SOCK_SEQPACKET; replaced if it exists)\n"
	        "  --store FILE             persistent key store (created; survives restarts);\n"
	        "                           without it keys live in memory only\n"
	        "  --bwt MS                 block waiting time announced in the ATR (default "
	        "1000)\n"
	        "  --latency MS             time every command takes (default 0)\n"
	        "  --latency-ecdh MS        extra time for ECDH\n"
	        "  --latency-generate MS    extra time for key generation\n"
	        "  --fault KIND:N[:COUNT]   misbehave on every Nth event; KIND is\n"
	        "                             crc    response block sent with a bad CRC\n"
	        "                             nak    host I-block answered with R(CRC error)\n"
	        "                             wtx    COUNT (default 2) WTX requests before a "
	        "response\n"
	        "                             drop   response block never sent\n"
	        "                             reset  chip resets while executing the command\n"
	        "  --applet-config HEX      applet configuration bitmap in SELECT (default "
	        "0x%04X;\n"
	        "                           0x0008 = X25519 present)\n"
	        "  --import ID:HEX          put an X25519 private key (RFC 7748 hex) at ID\n"
	        "  --add-foreign ID         put a NIST P-256 key pair placeholder at ID\n"
	        "  --help, --version\n"
	        "On SIGTERM/SIGINT it prints counters (commands, ECDHs, NVM writes, faults) to "
	        "stderr\n"
	        "and exits; SIGUSR1 prints them without exiting.\n",
	        EMU_APPLET_CONFIG);
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
	if (!strcmp(kind, "crc")) {
		f->crc_every = (unsigned)every;
	} else if (!strcmp(kind, "nak")) {
		f->nak_every = (unsigned)every;
	} else if (!strcmp(kind, "wtx")) {
		f->wtx_every = (unsigned)every;
		f->wtx_count = (unsigned)count;
	} else if (!strcmp(kind, "drop")) {
		f->drop_every = (unsigned)every;
	} else if (!strcmp(kind, "reset")) {
		f->reset_every = (unsigned)every;
	} else {
		return -1;
	}
	return 0;
}

static int hex_key(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

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
	emu_store_remove(store, (uint32_t)id);
	struct emu_object *o = emu_store_add(store, (uint32_t)id);
	if (!o)
		return -1;
	o->type = SE05X_TYPE_EC_KEY_PAIR;
	if (foreign) {
		/* Not a usable P-256 key: only its type and curve matter to the tests. */
		o->curve = EMU_CURVE_NIST_P256;
		memset(o->pub, 0x04, sizeof(o->pub));
		return emu_store_save(store);
	}
	o->curve = SE05X_CURVE_MONT_DH_25519;
	if (hex_key(colon + 1, o->priv) || x25519_public_key(o->pub, o->priv)) {
		emu_store_remove(store, (uint32_t)id);
		return -1;
	}
	return emu_store_save(store);
}

static void print_stats(const struct emu_link *l, const struct emu_applet *a)
{
	fprintf(stderr,
	        "se050-emu: commands=%u ecdh=%llu nvm_writes=%llu objects=%zu frames_in=%u "
	        "frames_out=%u crc_injected=%u nak_injected=%u wtx_sent=%u dropped=%u resets=%u\n",
	        l->stats.commands, (unsigned long long)a->ecdh_count,
	        (unsigned long long)a->store->nvm_writes, a->store->n, l->stats.frames_in,
	        l->stats.frames_out, l->stats.crc_injected, l->stats.nak_injected,
	        l->stats.wtx_sent, l->stats.dropped, l->stats.resets);
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
	uint8_t msg[1 + SE050_BUS_MAX_XFER + 1];
	uint8_t reply[1 + SE050_BUS_MAX_XFER];
	ssize_t n = recv(fd, msg, sizeof(msg), 0);
	if (n <= 0 || n > 1 + SE050_BUS_MAX_XFER)
		return -1;
	size_t rlen;
	if (msg[0] == EMU_MSG_WRITE && n > 1) {
		emu_link_write(link, msg + 1, (size_t)n - 1, now_ms());
		reply[0] = EMU_REPLY_ACK;
		rlen = 1;
	} else if (msg[0] == EMU_MSG_READ && n == 3) {
		size_t len = (size_t)msg[1] << 8 | msg[2];
		if (len == 0 || len > SE050_BUS_MAX_XFER)
			return -1;
		if (emu_link_read(link, reply + 1, len, now_ms()) == 0) {
			reply[0] = EMU_REPLY_DATA;
			rlen = 1 + len;
		} else {
			reply[0] = EMU_REPLY_NACK;
			rlen = 1;
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
	const char *socket_path = NULL, *store_path = NULL;
	unsigned long bwt = 1000, v;
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
		if (add_object(&store, imports[i], import_foreign[i]) != 0) {
			fprintf(stderr, "se050-emu: bad %s value (expected %s)\n",
			        import_foreign[i] ? "--add-foreign" : "--import",
			        import_foreign[i] ? "ID" : "ID:64-hex-digit-key");
			return 2;
		}
	}
	emu_applet_init(&applet, &store);
	applet.config = (uint16_t)config;
	applet.latency = latency;
	emu_link_init(&link, (uint16_t)bwt);
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
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
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
			if ((pfd[i].revents & POLLIN) && serve_message(pfd[i].fd, &link) == 0)
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[nclients--];
			i--;
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
	for (int i = 1; i <= nclients; i++)
		close(pfd[i].fd);
	close(lfd);
	unlink(socket_path);
	emu_store_clear(&store);
	return 0;
}
