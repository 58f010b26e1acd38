/* pufauth auth: one device authenticates to a server: HELLO, CHALLENGE, RESPONSE, CONFIRM. On an
 * accepted CONFIRM the state file is replaced atomically (sk := t5, y := y2); on anything else it
 * is left alone, and the server still knows the old key as "previous". The state file is locked for
 * the whole run: a second run on it fails at once instead of racing the first. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crypto/portable/secure.h"
#include "puf/proto/device.h"
#include "puf/host/device_source.h"
#include "puf/host/state_file.h"
#include "puf/proto/wire.h"
#include "puf/host/rng_linux.h"
#include "pufserver/udp.h"

/* Exit statuses (docs/pufauth-protocol.md [D11]). */
enum {
	AUTH_OK = 0, /* authenticated both ways, the new state is saved */
	AUTH_REJECTED =
	        1,      /* the server did not recognise the device, or its answer did not verify */
	AUTH_USAGE = 2, /* bad usage or input: options, an unreadable or corrupt state file */
	AUTH_NO_ANSWER = 3, /* no usable answer from the server (timeout, unreachable) */
	AUTH_NOT_SAVED = 4, /* authenticated, but the new state could not be saved */
	AUTH_BUSY = 5,      /* another run holds the state file */
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth auth --state FILE --server HOST:PORT [--timeout MS] [--tries N]\n\n"
	        "Authenticates the device of FILE (made by 'pufauth enroll') to a server. The\n"
	        "state file is locked while the run lasts.\n\n"
	        "  --state FILE        device state file\n"
	        "  --server HOST:PORT  the server\n"
	        "  --timeout MS        wait per message (default 5000)\n"
	        "  --tries N           HELLO attempts before giving up (default 3)\n\n"
	        "Exit status:\n"
	        "  0  authenticated both ways; the state file holds the new state\n"
	        "  1  rejected: the server did not recognise the device (or its answer did not\n"
	        "     verify); the state file is unchanged\n"
	        "  2  bad usage or input (options, unreadable or corrupt state file, bad address)\n"
	        "  3  no usable answer from the server; the state file is unchanged\n"
	        "  4  authenticated, but the new state could not be saved; the old state stays\n"
	        "     valid (the server accepts it once more as 'previous')\n"
	        "  5  the state file is in use by another 'pufauth auth'\n");
}

/* Test hook: with PUFAUTH_TEST_HOLD_LOCK=FILE (or _HOLD_COMMIT), the run creates FILE when it holds
 * the lock (or has its new state durable in the temporary file, before the rename) and waits until
 * FILE is removed (at most a minute), so a test can interleave another run or a kill exactly
 * there. */
static void hold_if_asked(const char *path)
{
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "w")))
		return;
	fclose(f);
	for (int i = 0; i < 6000 && access(path, F_OK) == 0; i++)
		usleep(10000);
}

static void hold_commit(void *arg)
{
	hold_if_asked(arg);
}

/* Sends msg and waits for a datagram of type want, skipping others (a late answer to an earlier
 * HELLO, stray traffic) until the deadline. Returns its length, 0 on timeout, -1 on error. */
static long request(int fd, const uint8_t *msg, size_t len, uint8_t want, uint8_t *reply,
                    size_t cap, int timeout_ms, char *err, size_t err_len)
{
	uint64_t deadline = pufudp_now_ms() + (uint64_t)timeout_ms;
	long n = pufudp_exchange(fd, msg, len, reply, cap, timeout_ms, err, err_len);

	for (;;) {
		struct pufproto_header h;
		uint64_t now;

		if (n <= 0)
			return n;
		if (pufproto_parse_header(reply, (size_t)n, &h) == 0 && h.type == want)
			return n;
		now = pufudp_now_ms();
		if (now >= deadline)
			return 0;
		n = pufudp_receive(fd, reply, cap, (int)(deadline - now), err, err_len);
	}
}

int cmd_auth(int argc, char **argv)
{
	const char *state = NULL, *server = NULL;
	struct pufproto_file_store fs;
	struct pufproto_device dev;
	struct pufproto_device_config cfg;
	struct pufproto_device_nv nv;
	struct pufproto_suite suite;
	struct device_source_desc desc;
	struct device_source src;
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	char err[512];
	unsigned long timeout = 5000, tries = 3;
	int c, ret = AUTH_USAGE, fd = -1, v, rc;
	long n, m = 0;
	const struct cli_option opts[] = {
	        {"state", CLI_TEXT, .to = &state},
	        {"server", CLI_TEXT, .to = &server},
	        {"timeout", CLI_UINT, .to = &timeout, .min = 1, .max = 600000},
	        {"tries", CLI_UINT, .to = &tries, .min = 1, .max = 100},
	        {0},
	};

	c = cli_parse_options_only("auth", argc, argv, opts, usage);
	if (c >= 0)
		return c;
	if (!state || !server)
		return cli_usage_error("auth", "need --state and --server", usage);
	memset(&dev, 0, sizeof(dev));
	memset(&src, 0, sizeof(src));
	rc = pufproto_file_store_load(&fs, state, &nv, err, sizeof(err));
	if (rc == 0)
		rc = device_source_parse(fs.source, fs.source_len, &desc, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "pufauth auth: %s\n", err);
		pufproto_file_store_close(&fs);
		secure_wipe(&nv, sizeof(nv));
		return rc == PUFPROTO_STATE_FILE_BUSY ? AUTH_BUSY : AUTH_USAGE;
	}
	if (device_source_open(&src, &desc, err, sizeof(err))) {
		fprintf(stderr, "pufauth auth: %s\n", err);
		pufproto_file_store_close(&fs);
		secure_wipe(&nv, sizeof(nv));
		return AUTH_USAGE;
	}
	hold_if_asked(getenv("PUFAUTH_TEST_HOLD_LOCK"));
	fs.before_rename = hold_commit;
	fs.before_rename_arg = getenv("PUFAUTH_TEST_HOLD_COMMIT");
	pufproto_suite_get(nv.suite, &suite);
	cfg.challenge_space = device_source_challenges(&src, &suite);
	cfg.reference_readings = desc.kind == DEVICE_SOURCE_SIM ? 5 : 1;
	if (pufproto_device_init(&dev, &nv) || cfg.challenge_space == 0) {
		fprintf(stderr, "pufauth auth: %s: unusable device state\n", state);
		goto out;
	}
	fd = pufudp_connect(server, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "pufauth auth: %s\n", err);
		goto out;
	}
	n = pufproto_device_hello(&dev, a, sizeof(a));
	for (unsigned long t = 0; t < tries && m == 0; t++)
		m = request(fd, a, (size_t)n, PUFPROTO_MSG_CHALLENGE, b, sizeof(b), (int)timeout,
		            err, sizeof(err));
	if (m <= 0) {
		fprintf(stderr, "pufauth auth: %s: %s\n", server, m == 0 ? "no answer" : err);
		ret = AUTH_NO_ANSWER;
		goto out;
	}
	n = pufproto_device_begin(&dev, &cfg, b, (size_t)m, rng_linux(), device_source_puf(&src), a,
	                          sizeof(a));
	if (n < 0) {
		fprintf(stderr, "pufauth auth: %s\n", pufproto_device_strerror((int)n));
		ret = AUTH_REJECTED;
		goto out;
	}
	m = request(fd, a, (size_t)n, PUFPROTO_MSG_CONFIRM, b, sizeof(b), (int)timeout, err,
	            sizeof(err));
	if (m <= 0) {
		fprintf(stderr,
		        "pufauth auth: %s: %s; the device keeps its state (the server still "
		        "accepts it as 'previous')\n",
		        server, m == 0 ? "no confirmation" : err);
		ret = AUTH_NO_ANSWER;
		goto out;
	}
	v = pufproto_device_finish(&dev, b, (size_t)m);
	/* a CONFIRM of another run (stale, or forged) does not end ours: wait for the real one */
	for (int stray = 0; v == PUFPROTO_DEV_WRONG_SESSION && stray < 8; stray++) {
		m = pufudp_receive(fd, b, sizeof(b), (int)timeout, err, sizeof(err));
		if (m <= 0)
			break;
		v = pufproto_device_finish(&dev, b, (size_t)m);
	}
	if (v < 0) {
		fprintf(stderr, "pufauth auth: bad confirmation: %s\n",
		        pufproto_device_strerror(v));
		ret = AUTH_REJECTED;
		goto out;
	}
	if (v != PUFPROTO_DEVICE_ACCEPT) {
		fprintf(stderr, "pufauth auth: authentication failed (the server did not recognise "
		                "this device, or its answer did not verify)\n");
		ret = AUTH_REJECTED;
		goto out;
	}
	if (pufproto_device_commit(&dev, &fs.base)) {
		fprintf(stderr,
		        "pufauth auth: authenticated, but %s could not be updated (%s); the old "
		        "state stays valid\n",
		        state, strerror(errno));
		ret = AUTH_NOT_SAVED;
		goto out;
	}
	printf("authenticated\n");
	ret = AUTH_OK;
out:
	if (fd >= 0)
		close(fd);
	pufproto_file_store_close(&fs);
	device_source_close(&src);
	pufproto_device_abort(&dev);
	secure_wipe(&dev, sizeof(dev));
	secure_wipe(&nv, sizeof(nv));
	secure_wipe(&fs, sizeof(fs));
	return ret;
}
