/* The protocol end to end through the production server path (pufservice_handle -> pufsearch_run,
 * over an in-memory SQLite store): simulated devices (10 % noise) at both security levels; lost
 * confirmation and recovery through "previous"; replayed, tampered and never-enrolled messages;
 * transcript unlinkability as far as a test can see. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/random.h"
#include "puf/proto/wire.h"
#include "pufserver/service.h"
#include "sim_device.h"
#include "support/test_main.h"

#define MAX_DEVICES 64

/* The server as production runs it, and what the tests need to know about each run. */
struct server {
	struct pufstore *st;
	struct pufservice svc;
	size_t devices;
	int64_t ids[MAX_DEVICES];
	int started;
	/* from the service's observer: the last answered RESPONSE */
	int64_t matched_id;
	int answered;
};

struct result {
	int matched;
	size_t device; /* the matched device */
	int slot;      /* 0: its current entry, 1: its previous one */
};

static void observe(void *arg, const uint8_t *session, int64_t matched_id, size_t full_runs,
                    uint64_t scan_ns, uint64_t scan_cpu_ns, size_t batch)
{
	struct server *s = arg;

	(void)session;
	(void)full_runs;
	(void)scan_ns;
	(void)scan_cpu_ns;
	assert_int_equal(batch, 1);
	s->matched_id = matched_id;
	s->answered = 1;
}

static struct server *server_new(void)
{
	struct server *s = calloc(1, sizeof(*s));
	char err[256];

	assert_non_null(s);
	if (pufstore_open(&s->st, ":memory:", 1, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

/* Devices are enrolled first, then the service loads them (as `pufauth serve` does). */
static size_t server_add(struct server *s, const struct sim_device *d)
{
	size_t i = s->devices++;
	char name[32];

	assert_true(i < MAX_DEVICES && !s->started);
	snprintf(name, sizeof(name), "dev%zu", i);
	assert_int_equal(pufstore_enroll(s->st, name, d->suite.id, d->enrolled_key, d->enrolled_ref,
	                                 d->suite.response_len, &s->ids[i]),
	                 0);
	return i;
}

static void server_start(struct server *s)
{
	char err[256];

	if (pufservice_init(&s->svc, s->st, 1, err, sizeof(err)))
		fail_msg("%s", err);
	s->svc.on_result = observe;
	s->svc.on_result_arg = s;
	s->started = 1;
}

static void server_free(struct server *s)
{
	if (s->started)
		pufservice_free(&s->svc);
	pufstore_close(s->st);
	free(s);
}

/* Which of device i's entries holds key (0 current, 1 previous, -1 neither). */
static int slot_of_key(const struct server *s, size_t i, const uint8_t *key)
{
	long d = pufsnap_find(&s->svc.snap, s->ids[i]);

	assert_true(d >= 0);
	for (int slot = 0; slot < 2; slot++)
		if (s->svc.snap.live[2 * d + slot] &&
		    !memcmp(s->svc.snap.keys + (2 * (size_t)d + slot) * PUFPROTO_KEY_LEN, key,
		            PUFPROTO_KEY_LEN))
			return slot;
	return -1;
}

/* The entry (0 current, 1 previous) that holds key now, in whichever device's row; -1 if none. */
static int find_key(const struct server *s, const uint8_t *key)
{
	for (size_t i = 0; i < s->devices; i++) {
		int slot = slot_of_key(s, i, key);

		if (slot >= 0)
			return slot;
	}
	return -1;
}

/* What the last answered RESPONSE matched; slot is where the device's key was before the run. */
static void read_result(const struct server *s, int slot_before, struct result *r)
{
	memset(r, 0, sizeof(*r));
	assert_true(s->answered);
	if (s->matched_id == 0)
		return;
	r->matched = 1;
	for (size_t i = 0; i < s->devices; i++)
		if (s->ids[i] == s->matched_id)
			r->device = i;
	r->slot = slot_before;
}

/* Sends a RESPONSE (or anything) to the service. Returns the reply length, 0 for none. */
static long send_response(struct server *s, const uint8_t *msg, long len, uint8_t *reply)
{
	s->answered = 0;
	return pufservice_handle(&s->svc, msg, (size_t)len, 1000, reply, PUFPROTO_MAX_MESSAGE);
}

struct transcript {
	uint8_t challenge[PUFPROTO_MAX_MESSAGE];
	long challenge_len;
	uint8_t response[PUFPROTO_MAX_MESSAGE];
	long response_len;
	uint8_t confirm[PUFPROTO_MAX_MESSAGE];
	long confirm_len;
	struct result res;
	int verdict;
};

/* HELLO -> CHALLENGE through the service; keeps the issued challenge's table entry in *saved so
 * that a test can re-arm it (the service accepts each challenge once). */
static long get_challenge(struct server *s, struct sim_device *d, uint8_t *out,
                          struct pufservice_pending *saved)
{
	uint8_t hello[PUFPROTO_MAX_MESSAGE];
	long n = pufproto_device_hello(&d->dev, hello, sizeof(hello)), m;
	struct pufproto_challenge ch;

	assert_true(n > 0);
	m = pufservice_handle(&s->svc, hello, (size_t)n, 1000, out, PUFPROTO_MAX_MESSAGE);
	assert_true(m > 0);
	assert_int_equal(pufproto_parse_challenge(out, (size_t)m, &ch), 0);
	if (saved)
		*saved = s->svc.pending[((uint32_t)ch.session[0] << 8 | ch.session[1]) %
		                        PUFSERVICE_PENDING];
	return m;
}

static void rearm(struct server *s, const struct pufservice_pending *saved)
{
	s->svc.pending[((uint32_t)saved->session[0] << 8 | saved->session[1]) %
	               PUFSERVICE_PENDING] = *saved;
}

/* One run. deliver_confirm 0 simulates a lost final message. Returns the device's verdict (or -1
 * when the confirmation was not delivered). */
static int run_auth(struct server *srv, struct sim_device *d, struct mem_nv *nv,
                    int deliver_confirm, struct transcript *t)
{
	int slot_before = find_key(srv, d->dev.nv.sk);
	long n;

	t->challenge_len = get_challenge(srv, d, t->challenge, NULL);
	t->response_len =
	        pufproto_device_begin(&d->dev, &d->cfg, t->challenge, (size_t)t->challenge_len,
	                              &d->rng.base, &d->sim.base, t->response, sizeof(t->response));
	assert_true(t->response_len > 0);
	n = send_response(srv, t->response, t->response_len, t->confirm);
	assert_true(n > 0);
	t->confirm_len = n;
	assert_int_equal(n, (long)pufproto_confirm_len(&d->suite));
	read_result(srv, slot_before, &t->res);
	t->verdict = -1;
	if (deliver_confirm) {
		t->verdict = pufproto_device_finish(&d->dev, t->confirm, (size_t)n);
		if (t->verdict == PUFPROTO_DEVICE_ACCEPT)
			assert_int_equal(pufproto_device_commit(&d->dev, &nv->base), 0);
	} else {
		pufproto_device_abort(&d->dev);
	}
	return t->verdict;
}

static struct sim_device devs[MAX_DEVICES];
static struct mem_nv nvs[MAX_DEVICES];
static struct transcript tr;

/* Many devices, repeated authentication with fresh noise: every accept is by the right row, and
 * the device accepts exactly when the server matched. */
static void many_devices(uint8_t suite, size_t ndev, int rounds)
{
	struct server *srv = server_new();
	int ok = 0, total = 0;

	for (size_t i = 0; i < ndev; i++) {
		sim_device_enroll(&devs[i], suite, 1000 + i);
		mem_nv_init(&nvs[i]);
		assert_int_equal(server_add(srv, &devs[i]), i);
	}
	server_start(srv);
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < ndev; i++) {
			int v = run_auth(srv, &devs[i], &nvs[i], 1, &tr);

			total++;
			if (tr.res.matched) {
				/* no false accept: the matched row is this device's */
				assert_int_equal(tr.res.device, i);
				assert_int_equal(v, PUFPROTO_DEVICE_ACCEPT);
				ok++;
			} else {
				assert_int_equal(v, PUFPROTO_DEVICE_REJECT);
			}
		}
	}
	/* 10 % noise: failures should be rare (two layers: spec 1.92e-6 per run; debiased-128:
	 * < 1e-14, docs/puf.md §9.5) */
	print_message("suite %u: %d of %d runs authenticated\n", suite, ok, total);
	assert_true(ok >= total - total / 50);
	for (size_t i = 0; i < ndev; i++)
		assert_true(nvs[i].commits > 0);
	server_free(srv);
}

static void many_devices_default(void **state)
{
	(void)state;
	many_devices(PUFPROTO_SUITE_DEFAULT, 24, 8);
}

static void many_devices_128(void **state)
{
	(void)state;
	many_devices(PUFPROTO_SUITE_128, 24, 8);
}

static void many_devices_64(void **state)
{
	(void)state;
	many_devices(PUFPROTO_SUITE_64, 24, 8);
}

/* Run until one succeeds (FE failures are possible, never silent). */
static int auth_retry(struct server *srv, struct sim_device *d, struct mem_nv *nv, int deliver)
{
	for (int tries = 0; tries < 5; tries++) {
		run_auth(srv, d, nv, deliver, &tr);
		if (tr.res.matched)
			return 1;
	}
	return 0;
}

static void lost_confirm_recovers(void **state)
{
	struct server *srv = server_new();
	struct sim_device *d = &devs[0];
	struct mem_nv *nv = &nvs[0];
	uint8_t old_sk[PUFPROTO_KEY_LEN];

	(void)state;
	sim_device_enroll(d, PUFPROTO_SUITE_DEFAULT, 77);
	mem_nv_init(nv);
	server_add(srv, d);
	server_start(srv);
	memcpy(old_sk, d->dev.nv.sk, sizeof(old_sk));

	/* the server updates, the confirmation is lost: device keeps its old key */
	assert_true(auth_retry(srv, d, nv, 0));
	assert_int_equal(tr.res.slot, 0);
	assert_memory_equal(d->dev.nv.sk, old_sk, sizeof(old_sk));
	assert_int_equal(nv->commits, 0);
	/* lost again: still matched through "previous" */
	assert_true(auth_retry(srv, d, nv, 0));
	assert_int_equal(tr.res.slot, 1);
	/* now delivered: match on previous, device commits */
	assert_true(auth_retry(srv, d, nv, 1));
	assert_int_equal(tr.res.slot, 1);
	assert_int_equal(tr.verdict, PUFPROTO_DEVICE_ACCEPT);
	assert_int_equal(nv->commits, 1);
	assert_memory_not_equal(d->dev.nv.sk, old_sk, sizeof(old_sk));
	/* and from then on through "current" */
	assert_true(auth_retry(srv, d, nv, 1));
	assert_int_equal(tr.res.slot, 0);
	assert_int_equal(nv->commits, 2);
	server_free(srv);
}

static void replay_and_tamper_rejected(void **state)
{
	struct server *srv = server_new();
	struct sim_device *d = &devs[0];
	struct mem_nv *nv = &nvs[0];
	struct pufservice_pending issued;
	uint8_t reply[PUFPROTO_MAX_MESSAGE], chal[PUFPROTO_MAX_MESSAGE], msg[PUFPROTO_MAX_MESSAGE];
	uint64_t dropped;
	long n, len;

	(void)state;
	sim_device_enroll(d, PUFPROTO_SUITE_DEFAULT, 99);
	mem_nv_init(nv);
	server_add(srv, d);
	server_start(srv);

	/* A RESPONSE to a real challenge. The service takes each challenge once, so the test
	 * re-arms the issued challenge before every variant it sends. */
	n = get_challenge(srv, d, chal, &issued);
	len = pufproto_device_begin(&d->dev, &d->cfg, chal, (size_t)n, &d->rng.base, &d->sim.base,
	                            msg, sizeof(msg));
	assert_true(len > 0);
	/* every single-bit change of the body after the session is rejected */
	for (long i = PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN; i < len; i++) {
		uint8_t bad[PUFPROTO_MAX_MESSAGE];

		memcpy(bad, msg, (size_t)len);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		rearm(srv, &issued);
		n = send_response(srv, bad, len, reply);
		if (n > 0) {
			read_result(srv, -1, &tr.res);
			assert_false(tr.res.matched);
		}
	}
	assert_int_equal(srv->svc.stats.matches, 0);
	/* truncated messages are malformed: dropped before any search */
	dropped = srv->svc.stats.dropped;
	for (long cut = 0; cut < len; cut += 7) {
		rearm(srv, &issued);
		assert_int_equal(send_response(srv, msg, cut, reply), 0);
		assert_false(srv->answered);
	}
	assert_true(srv->svc.stats.dropped > dropped);
	/* another session id: refused before any search */
	{
		uint8_t other[PUFPROTO_MAX_MESSAGE];

		memcpy(other, msg, (size_t)len);
		other[PUFPROTO_HEADER_LEN + 3] ^= 1;
		rearm(srv, &issued);
		assert_int_equal(send_response(srv, other, len, reply), 0);
		assert_false(srv->answered);
	}
	/* the genuine message matches (it may fail FE decoding, at ~1e-6) */
	rearm(srv, &issued);
	n = send_response(srv, msg, len, reply);
	assert_true(n > 0);
	read_result(srv, 0, &tr.res);
	assert_true(tr.res.matched);
	/* ... once: the same RESPONSE again finds its challenge used up */
	assert_int_equal(send_response(srv, msg, len, reply + 512), 0);
	/* a forged CONFIRM (wrong t4) makes the device reject and keep its state */
	{
		uint8_t forged[PUFPROTO_MAX_MESSAGE];

		memcpy(forged, reply, (size_t)n);
		forged[n - 1] ^= 0x40;
		assert_int_equal(pufproto_device_finish(&d->dev, forged, (size_t)n),
		                 PUFPROTO_DEVICE_REJECT);
		assert_int_equal(pufproto_device_commit(&d->dev, &nv->base), -1);
		assert_int_equal(nv->commits, 0);
	}
	/* replaying the old RESPONSE against a fresh challenge of the same session: no match (n_S
	 * is bound into t1 and v1), even though the device's old key is still "previous" */
	random_bytes(issued.n_s, sizeof(issued.n_s));
	rearm(srv, &issued);
	n = send_response(srv, msg, len, reply);
	assert_true(n > 0);
	read_result(srv, -1, &tr.res);
	assert_false(tr.res.matched);
	/* the device still authenticates afterwards */
	assert_true(auth_retry(srv, d, nv, 1));
	assert_int_equal(tr.verdict, PUFPROTO_DEVICE_ACCEPT);
	server_free(srv);
}

static void never_enrolled_rejected(void **state)
{
	struct server *srv = server_new();
	struct sim_device stranger;
	struct mem_nv nv;

	(void)state;
	for (size_t i = 0; i < 8; i++) {
		sim_device_enroll(&devs[i], PUFPROTO_SUITE_DEFAULT, 500 + i);
		server_add(srv, &devs[i]);
	}
	server_start(srv);
	sim_device_enroll(&stranger, PUFPROTO_SUITE_DEFAULT, 9999);
	mem_nv_init(&nv);
	for (int r = 0; r < 20; r++) {
		run_auth(srv, &stranger, &nv, 1, &tr);
		assert_false(tr.res.matched);
		assert_int_equal(tr.verdict, PUFPROTO_DEVICE_REJECT);
		/* the "no match" reply has the length of a real one */
		assert_int_equal(tr.confirm_len, (long)pufproto_confirm_len(&stranger.suite));
	}
	/* a device that knows sk but has another PUF (a clone of the NV memory) is rejected too */
	{
		struct sim_device clone;

		sim_device_enroll(&clone, PUFPROTO_SUITE_DEFAULT, 4242);
		clone.dev.nv = devs[3].dev.nv;
		for (int r = 0; r < 10; r++) {
			run_auth(srv, &clone, &nv, 1, &tr);
			assert_false(tr.res.matched);
		}
	}
	assert_int_equal(nv.commits, 0);
	server_free(srv);
}

/* Transcripts: every message of a suite has the same length, and the only bytes that stay fixed
 * over many runs of one device are fixed for every device of the suite (header, field lengths). */
static void transcripts_unlinkable_suite(uint8_t suite)
{
	enum { RUNS = 40 };
	struct server *srv = server_new();
	static uint8_t resp[2][RUNS][PUFPROTO_MAX_MESSAGE];
	long len = -1;

	for (size_t i = 0; i < 2; i++) {
		sim_device_enroll(&devs[i], suite, 300 + i);
		mem_nv_init(&nvs[i]);
		server_add(srv, &devs[i]);
	}
	server_start(srv);
	for (int r = 0; r < RUNS; r++) {
		for (size_t i = 0; i < 2; i++) {
			run_auth(srv, &devs[i], &nvs[i], 1, &tr);
			if (len < 0)
				len = tr.response_len;
			assert_int_equal(tr.response_len, len);
			memcpy(resp[i][r], tr.response, (size_t)len);
		}
	}
	for (long pos = 0; pos < len; pos++) {
		int constant[2];

		for (int i = 0; i < 2; i++) {
			constant[i] = 1;
			for (int r = 1; r < RUNS; r++)
				constant[i] &= resp[i][r][pos] == resp[i][0][pos];
		}
		/* a byte constant for one device is the same constant for the other */
		if (constant[0] || constant[1]) {
			assert_true(constant[0] && constant[1]);
			assert_int_equal(resp[0][0][pos], resp[1][0][pos]);
			/* and it lies in the header or a length prefix, never in c, n_D, t1, u, v1
			 */
			assert_true(pos < PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN + 2 ||
			            pos >= PUFPROTO_HEADER_LEN + PUFPROTO_SESSION_LEN);
		}
	}
	server_free(srv);
}

static void transcripts_unlinkable(void **state)
{
	(void)state;
	transcripts_unlinkable_suite(PUFPROTO_SUITE_DEFAULT);
	transcripts_unlinkable_suite(PUFPROTO_SUITE_128);
}

/* A suite's prefilter: usable; returns how many padding bytes it checks. */
static unsigned prefilter_pad_bytes(uint8_t suite)
{
	struct pufproto_suite s;
	struct pufproto_prefilter f;

	assert_int_equal(pufproto_suite_get(suite, &s), 0);
	assert_int_equal(pufproto_prefilter_init(&s, &f), 0);
	assert_true(f.usable);
	print_message("suite %s: helper %zu bytes, ciphertext %zu, padding bytes checked %u\n",
	              pufproto_suite_name(suite), s.helper_len, s.ciphertext_len, f.pad_bytes);
	return f.pad_bytes;
}

static void prefilter_learns_padding(void **state)
{
	(void)state;
	assert_true(prefilter_pad_bytes(PUFPROTO_SUITE_128) >= 1);
	assert_true(prefilter_pad_bytes(PUFPROTO_SUITE_64) >= 1);
	/* debiased-128: 103 bytes of helper leave 9 padding bytes in the last block */
	assert_int_equal(prefilter_pad_bytes(PUFPROTO_SUITE_DEBIASED_128), 9);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefilter_learns_padding), cmocka_unit_test(many_devices_default),
        cmocka_unit_test(many_devices_128),         cmocka_unit_test(many_devices_64),
        cmocka_unit_test(lost_confirm_recovers),    cmocka_unit_test(replay_and_tamper_rejected),
        cmocka_unit_test(never_enrolled_rejected),  cmocka_unit_test(transcripts_unlinkable),
};

HWG_TEST_MAIN(tests, NULL, NULL)
