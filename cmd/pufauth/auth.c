/* pufauth auth: one device authenticates to a server: HELLO, CHALLENGE, RESPONSE, CONFIRM. On an
 * accepted CONFIRM the state file is replaced atomically (sk := t5, y := y2); on anything else it
 * is left alone, and the server still knows the old key as "previous". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crypto/portable/secure.h"
#include "puf/proto/device.h"
#include "puf/proto/device_source.h"
#include "puf/proto/state_file.h"
#include "puf/proto/wire.h"
#include "pufserver/udp.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: pufauth auth --state FILE --server HOST:PORT [--timeout MS] [--tries N]\n\n"
	        "Authenticates the device of FILE (made by 'pufauth enroll') to a server.\n"
	        "Exit status 0: mutual authentication succeeded and the state file was\n"
	        "updated; 1: the server did not authenticate the device (or vice versa);\n"
	        "3: no usable answer from the server; 2: bad usage or input.\n\n"
	        "  --state FILE        device state file\n"
	        "  --server HOST:PORT  the server\n"
	        "  --timeout MS        wait per message (default 5000)\n"
	        "  --tries N           HELLO attempts before giving up (default 3)\n");
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
	static const struct option opts[] = {
	        {"state", required_argument, NULL, 's'},
	        {"server", required_argument, NULL, 'S'},
	        {"timeout", required_argument, NULL, 't'},
	        {"tries", required_argument, NULL, 'n'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
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
	int c, ret = 2, fd = -1, v;
	long n, m = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			state = optarg;
			break;
		case 'S':
			server = optarg;
			break;
		case 't':
			if (cli_parse_uint("auth", "--timeout", optarg, 1, 600000, &timeout))
				return 2;
			break;
		case 'n':
			if (cli_parse_uint("auth", "--tries", optarg, 1, 100, &tries))
				return 2;
			break;
		default:
			return cli_common_option(c, usage);
		}
	}
	if (optind != argc || !state || !server)
		return cli_usage_error("auth", "need --state and --server", usage);
	if (pufproto_file_store_load(&fs, state, &nv, err, sizeof(err)) ||
	    device_source_parse(fs.source, fs.source_len, &desc, err, sizeof(err))) {
		fprintf(stderr, "pufauth auth: %s\n", err);
		return 2;
	}
	if (device_source_open(&src, &desc, err, sizeof(err))) {
		fprintf(stderr, "pufauth auth: %s\n", err);
		return 2;
	}
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
		ret = 3;
		goto out;
	}
	n = pufproto_device_begin(&dev, &cfg, b, (size_t)m, &device_os_rng, device_source_puf(&src),
	                          a, sizeof(a));
	if (n < 0) {
		fprintf(stderr, "pufauth auth: %s\n", pufproto_device_strerror((int)n));
		ret = 1;
		goto out;
	}
	m = request(fd, a, (size_t)n, PUFPROTO_MSG_CONFIRM, b, sizeof(b), (int)timeout, err,
	            sizeof(err));
	if (m <= 0) {
		fprintf(stderr,
		        "pufauth auth: %s: %s; the device keeps its state (the server still "
		        "accepts it as 'previous')\n",
		        server, m == 0 ? "no confirmation" : err);
		ret = 3;
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
		ret = 1;
		goto out;
	}
	if (v != PUFPROTO_DEVICE_ACCEPT) {
		fprintf(stderr, "pufauth auth: authentication failed (the server did not recognise "
		                "this device, or its answer did not verify)\n");
		ret = 1;
		goto out;
	}
	if (pufproto_device_commit(&dev, &fs.base)) {
		fprintf(stderr,
		        "pufauth auth: authenticated, but %s could not be updated; the old state "
		        "stays valid\n",
		        state);
		ret = 1;
		goto out;
	}
	printf("authenticated\n");
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	device_source_close(&src);
	pufproto_device_abort(&dev);
	secure_wipe(&dev, sizeof(dev));
	secure_wipe(&nv, sizeof(nv));
	secure_wipe(&fs, sizeof(fs));
	return ret;
}
