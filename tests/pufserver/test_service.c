/* The server over SQLite: enrolment, the HELLO/CHALLENGE/RESPONSE/CONFIRM exchange through
 * pufservice_handle, single-use challenges, revocation, persistence across reopen; RESPONSEs that
 * wait together sharing one scan, and the queue's bounds; a store that cannot commit (logged,
 * counted, answered "not recognised"), one that cannot be written at all (refused), and a lost
 * compare-and-swap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "support/test_main.h"

#include <sqlite3.h>

#include "puf/proto/wire.h"
#include "pufserver/service.h"
#include "pufserver/store.h"
#include "pufserver/store_impl.h"
#include "sim_device.h"

#define NDEV 12

static char dir[64], db_path[128];
static struct sim_device devs[NDEV];
static struct mem_nv nvs[NDEV];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pp-test-service-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/store.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct pufstore *open_store(void)
{
	struct pufstore *st;
	char err[256];

	if (pufstore_open(&st, db_path, 1, err, sizeof(err)))
		fail_msg("%s", err);
	return st;
}

/* A service on st with that many search threads; stop_service frees it (st stays open). */
static struct pufservice *start_service(struct pufstore *st, unsigned threads)
{
	struct pufservice *svc = malloc(sizeof(*svc));
	char err[256];

	assert_non_null(svc);
	if (pufservice_init(svc, st, threads, err, sizeof(err)))
		fail_msg("%s", err);
	return svc;
}

static void stop_service(struct pufservice *svc)
{
	pufservice_free(svc);
	free(svc);
}

static void enroll_all(struct pufstore *st, uint8_t suite)
{
	for (int i = 0; i < NDEV; i++) {
		char name[32];

		snprintf(name, sizeof(name), "dev%d", i);
		sim_device_enroll(&devs[i], suite, 7000 + (uint64_t)i);
		mem_nv_init(&nvs[i]);
		assert_int_equal(pufstore_enroll(st, name, suite, devs[i].enrolled_key,
		                                 devs[i].enrolled_ref, devs[i].suite.response_len,
		                                 NULL),
		                 0);
	}
}

/* HELLO -> CHALLENGE -> RESPONSE -> CONFIRM. Returns the verdict, or -1 when the server sent no
 * CONFIRM. resp/resp_len keep the RESPONSE for replay tests. */
static int exchange(struct pufservice *svc, struct sim_device *d, struct mem_nv *nv, int deliver,
                    uint8_t *resp, long *resp_len)
{
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	long n, m;
	int v;

	n = pufproto_device_hello(&d->dev, a, sizeof(a));
	assert_true(n > 0);
	m = pufservice_handle(svc, a, (size_t)n, 1000, b, sizeof(b));
	assert_true(m > 0);
	n = pufproto_device_begin(&d->dev, &d->cfg, b, (size_t)m, &d->rng.base, &d->sim.base, a,
	                          sizeof(a));
	assert_true(n > 0);
	if (resp) {
		memcpy(resp, a, (size_t)n);
		*resp_len = n;
	}
	m = pufservice_handle(svc, a, (size_t)n, 1000, b, sizeof(b));
	if (m <= 0)
		return -1;
	assert_int_equal(m, (long)pufproto_confirm_len(&d->suite));
	if (!deliver) {
		pufproto_device_abort(&d->dev);
		return -2;
	}
	v = pufproto_device_finish(&d->dev, b, (size_t)m);
	if (v == PUFPROTO_DEVICE_ACCEPT)
		assert_int_equal(pufproto_device_commit(&d->dev, &nv->base), 0);
	return v;
}

static void authenticate_and_persist(void **state)
{
	struct pufstore *st = open_store();
	struct pufservice *svc;
	int ok = 0;

	(void)state;
	enroll_all(st, PUFPROTO_SUITE_128);
	svc = start_service(st, 2);
	for (int r = 0; r < 4; r++)
		for (int i = 0; i < NDEV; i++)
			ok += exchange(svc, &devs[i], &nvs[i], 1, NULL, NULL) ==
			      PUFPROTO_DEVICE_ACCEPT;
	assert_true(ok >= 4 * NDEV - 2);
	assert_int_equal(svc->stats.matches, (uint64_t)ok);
	stop_service(svc);
	pufstore_close(st);

	/* reopened: the keys the devices hold now are the store's current ones */
	st = open_store();
	svc = start_service(st, 1);
	ok = 0;
	for (int i = 0; i < NDEV; i++)
		ok += exchange(svc, &devs[i], &nvs[i], 1, NULL, NULL) == PUFPROTO_DEVICE_ACCEPT;
	assert_true(ok >= NDEV - 1);
	stop_service(svc);
	pufstore_close(st);
}

static void replay_unknown_session_and_revoke(void **state)
{
	struct pufstore *st = open_store();
	struct pufservice *svc;
	uint8_t resp[PUFPROTO_MAX_MESSAGE], out[PUFPROTO_MAX_MESSAGE];
	long resp_len;

	(void)state;
	enroll_all(st, PUFPROTO_SUITE_64);
	svc = start_service(st, 1);
	assert_int_equal(exchange(svc, &devs[0], &nvs[0], 1, resp, &resp_len),
	                 PUFPROTO_DEVICE_ACCEPT);
	/* the same RESPONSE again: its challenge was used up, no reply at all */
	assert_int_equal(pufservice_handle(svc, resp, (size_t)resp_len, 1000, out, sizeof(out)), 0);
	/* an expired challenge gets no reply either */
	{
		uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
		long n = pufproto_device_hello(&devs[1].dev, a, sizeof(a));
		long m = pufservice_handle(svc, a, (size_t)n, 1000, b, sizeof(b));

		n = pufproto_device_begin(&devs[1].dev, &devs[1].cfg, b, (size_t)m,
		                          &devs[1].rng.base, &devs[1].sim.base, a, sizeof(a));
		assert_true(n > 0);
		assert_int_equal(pufservice_handle(svc, a, (size_t)n,
		                                   1000 + PUFSERVICE_CHALLENGE_MS + 1, b,
		                                   sizeof(b)),
		                 0);
		pufproto_device_abort(&devs[1].dev);
	}
	/* garbage and truncated datagrams are dropped */
	assert_int_equal(
	        pufservice_handle(svc, (const uint8_t *)"hello", 5, 1000, out, sizeof(out)), 0);
	assert_int_equal(pufservice_handle(svc, resp, 10, 1000, out, sizeof(out)), 0);

	/* revoked from another connection (as `pufauth revoke` does while the server runs) */
	{
		struct pufstore *other = open_store();

		assert_int_equal(pufstore_revoke(other, "dev2"), 1);
		assert_int_equal(pufstore_revoke(other, "dev2"), 0);
		assert_int_equal(pufstore_revoke(other, "nosuch"), 0);
		pufstore_close(other);
	}
	for (int r = 0; r < 3; r++)
		assert_int_equal(exchange(svc, &devs[2], &nvs[2], 1, NULL, NULL),
		                 PUFPROTO_DEVICE_REJECT);
	assert_int_equal(exchange(svc, &devs[3], &nvs[3], 1, NULL, NULL), PUFPROTO_DEVICE_ACCEPT);
	stop_service(svc);
	pufstore_close(st);
}

static void lost_confirm_across_restart(void **state)
{
	struct pufstore *st = open_store();
	struct pufservice *svc;

	(void)state;
	enroll_all(st, PUFPROTO_SUITE_128);
	svc = start_service(st, 1);
	assert_int_equal(exchange(svc, &devs[5], &nvs[5], 0, NULL, NULL), -2);
	assert_int_equal(exchange(svc, &devs[5], &nvs[5], 0, NULL, NULL), -2);
	stop_service(svc);
	pufstore_close(st);
	/* after a restart the device (still on its enrolment key) matches "previous" */
	st = open_store();
	svc = start_service(st, 1);
	assert_int_equal(exchange(svc, &devs[5], &nvs[5], 1, NULL, NULL), PUFPROTO_DEVICE_ACCEPT);
	assert_int_equal(exchange(svc, &devs[5], &nvs[5], 1, NULL, NULL), PUFPROTO_DEVICE_ACCEPT);
	stop_service(svc);
	pufstore_close(st);
}

/* A device enrolled by another connection while the server runs authenticates without a restart;
 * a database from a newer program is refused. */
static void enrol_while_serving_and_schema_guard(void **state)
{
	struct pufstore *st = open_store(), *other;
	struct pufservice *svc;
	char err[256];
	sqlite3 *db;

	(void)state;
	svc = start_service(st, 1);
	assert_int_equal(svc->snap.devices, 0);
	other = open_store();
	sim_device_enroll(&devs[0], PUFPROTO_SUITE_128, 4711);
	mem_nv_init(&nvs[0]);
	assert_int_equal(pufstore_enroll(other, "late", PUFPROTO_SUITE_128, devs[0].enrolled_key,
	                                 devs[0].enrolled_ref, devs[0].suite.response_len, NULL),
	                 0);
	pufstore_close(other);
	assert_int_equal(exchange(svc, &devs[0], &nvs[0], 1, NULL, NULL), PUFPROTO_DEVICE_ACCEPT);
	assert_int_equal(svc->snap.devices, 1);
	stop_service(svc);
	pufstore_close(st);

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pufstore_open(&st, db_path, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer than this program"));
}

static void store_rejects_bad_input(void **state)
{
	struct pufstore *st = open_store();
	uint8_t key[16] = {0}, ref[64] = {0};
	char err[256];

	(void)state;
	assert_int_equal(pufstore_enroll(st, "a", PUFPROTO_SUITE_128, key, ref, 63, NULL), 0);
	assert_int_equal(pufstore_enroll(st, "a", PUFPROTO_SUITE_128, key, ref, 63, NULL), -1);
	assert_non_null(strstr(pufstore_error(st), "already enrolled"));
	assert_int_equal(pufstore_enroll(st, "b", PUFPROTO_SUITE_128, key, ref, 62, NULL), -1);
	assert_int_equal(pufstore_enroll(st, "c", 9, key, ref, 63, NULL), -1);
	assert_int_equal(pufstore_enroll(st, "", PUFPROTO_SUITE_128, key, ref, 63, NULL), -1);
	assert_int_equal(pufstore_enroll(st, "#1", PUFPROTO_SUITE_128, key, ref, 63, NULL), -1);
	assert_int_equal(pufstore_count(st), 1);
	pufstore_close(st);
	/* a file that is not a database */
	{
		char bad[160];
		FILE *f;

		snprintf(bad, sizeof(bad), "%s/not-a-db", dir);
		f = fopen(bad, "w");
		fputs("this is not sqlite, just some text that is long enough to look like a "
		      "header",
		      f);
		fclose(f);
		assert_int_equal(pufstore_open(&st, bad, 0, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad));
	}
	/* a missing file without create */
	{
		char missing[160];

		snprintf(missing, sizeof(missing), "%s/missing.db", dir);
		assert_int_equal(pufstore_open(&st, missing, 0, err, sizeof(err)), -1);
	}
}

/* A store that fails on demand: it wraps a real one and replaces its update and write check. */
struct faulty {
	struct pufstore base;
	struct pufstore *real;
	struct pufstore_ops ops;
	int update_result; /* 1: pass through; 0: the row moved on; -1: an I/O error */
	int unwritable;
};

static struct faulty *faulty_of(struct pufstore *st)
{
	return (struct faulty *)st;
}

static int f_update(struct pufstore *st, int64_t id, enum pufstore_slot slot, const uint8_t *key,
                    const uint8_t *new_key, const uint8_t *new_ref, size_t ref_len, int64_t now)
{
	struct faulty *f = faulty_of(st);

	if (f->update_result == 1)
		return pufstore_update(f->real, id, slot, key, new_key, new_ref, ref_len, now);
	if (f->update_result < 0)
		pufstore_set_error(st, "disk I/O error (injected)");
	return f->update_result;
}

static int f_check_writable(struct pufstore *st)
{
	if (faulty_of(st)->unwritable) {
		pufstore_set_error(st, "attempt to write a readonly database (injected)");
		return -1;
	}
	return pufstore_check_writable(faulty_of(st)->real);
}

static int f_load(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return pufstore_load(faulty_of(st)->real, fn, arg);
}

static int f_changes(struct pufstore *st, pufstore_row_fn fn, void *arg)
{
	return pufstore_changes(faulty_of(st)->real, fn, arg);
}

static int64_t f_count(struct pufstore *st)
{
	return pufstore_count(faulty_of(st)->real);
}

static int f_begin(struct pufstore *st)
{
	return pufstore_begin(faulty_of(st)->real);
}

static int f_commit(struct pufstore *st)
{
	return pufstore_commit(faulty_of(st)->real);
}

static int f_rollback(struct pufstore *st)
{
	return pufstore_rollback(faulty_of(st)->real);
}

static void faulty_init(struct faulty *f, struct pufstore *real)
{
	memset(f, 0, sizeof(*f));
	f->real = real;
	f->update_result = 1;
	f->ops.update = f_update;
	f->ops.check_writable = f_check_writable;
	f->ops.load = f_load;
	f->ops.changes = f_changes;
	f->ops.count = f_count;
	f->ops.begin = f_begin;
	f->ops.commit = f_commit;
	f->ops.rollback = f_rollback;
	f->base.ops = &f->ops;
	snprintf(f->base.where, sizeof(f->base.where), "faulty");
}

static char logged[2048];

static void keep_log(void *arg, const char *msg)
{
	(void)arg;
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

struct replies {
	int n;
	size_t peer[NDEV];
	uint8_t msg[NDEV][PUFPROTO_MAX_MESSAGE];
	size_t len[NDEV];
};

static void collect_reply(void *arg, const uint8_t *peer, size_t peer_len, const uint8_t *reply,
                          size_t len)
{
	struct replies *r = arg;

	assert_int_equal(peer_len, sizeof(size_t));
	memcpy(&r->peer[r->n], peer, sizeof(size_t));
	memcpy(r->msg[r->n], reply, len);
	r->len[r->n++] = len;
}

static void failed_commit_logged_counted_answered(void **state)
{
	struct pufstore *st = open_store();
	struct pufservice *svc = malloc(sizeof(*svc));
	struct faulty f;
	char err[256];

	(void)state;
	enroll_all(st, PUFPROTO_SUITE_128);
	faulty_init(&f, st);
	assert_int_equal(pufservice_init(svc, &f.base, 1, err, sizeof(err)), 0);
	svc->log = keep_log;
	logged[0] = 0;
	/* the disk fails: the device is answered like any stranger and keeps its key */
	f.update_result = -1;
	assert_int_equal(exchange(svc, &devs[0], &nvs[0], 1, NULL, NULL), PUFPROTO_DEVICE_REJECT);
	assert_int_equal(nvs[0].commits, 0);
	assert_int_equal(svc->stats.store_errors, 1);
	assert_int_equal(svc->stats.matches, 0);
	assert_non_null(strstr(logged, "cannot record the authentication of device #1"));
	assert_non_null(strstr(logged, "disk I/O error (injected)"));
	/* another server won the compare-and-swap: not recognised either, counted apart */
	f.update_result = 0;
	assert_int_equal(exchange(svc, &devs[0], &nvs[0], 1, NULL, NULL), PUFPROTO_DEVICE_REJECT);
	assert_int_equal(svc->stats.conflicts, 1);
	assert_int_equal(svc->stats.store_errors, 1);
	/* several matches in one scan share one transaction: a failure leaves every one of them
	 * with its key */
	f.update_result = -1;
	{
		uint8_t a[4][PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
		struct replies *r = calloc(1, sizeof(*r));

		for (size_t i = 1; i <= 3; i++) {
			long n = pufproto_device_hello(&devs[i].dev, b, sizeof(b));
			long k = pufservice_accept(svc, b, (size_t)n, 1000, &i, sizeof(i), b,
			                           sizeof(b));

			n = pufproto_device_begin(&devs[i].dev, &devs[i].cfg, b, (size_t)k,
			                          &devs[i].rng.base, &devs[i].sim.base, a[i],
			                          sizeof(a[i]));
			pufservice_accept(svc, a[i], (size_t)n, 1000, &i, sizeof(i), b, sizeof(b));
		}
		assert_int_equal(pufservice_take(svc, 1000), 3);
		assert_int_equal(pufservice_process(svc, collect_reply, r), 0);
		assert_int_equal(r->n, 3);
		for (int k = 0; k < 3; k++)
			assert_int_equal(
			        pufproto_device_finish(&devs[r->peer[k]].dev, r->msg[k], r->len[k]),
			        PUFPROTO_DEVICE_REJECT);
		assert_int_equal(svc->stats.store_errors, 4);
		free(r);
	}
	/* the disk is back: the same device authenticates, with the key it kept */
	f.update_result = 1;
	assert_int_equal(exchange(svc, &devs[0], &nvs[0], 1, NULL, NULL), PUFPROTO_DEVICE_ACCEPT);
	assert_int_equal(nvs[0].commits, 1);
	pufservice_free(svc);
	/* a store the server cannot write: it refuses to start */
	f.unwritable = 1;
	assert_int_equal(pufservice_init(svc, &f.base, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write to the store"));
	assert_non_null(strstr(err, "readonly database (injected)"));
	pufservice_free(svc);
	pufstore_close(st);
	free(svc);
}

/* RESPONSEs that arrive while a scan runs wait in the queue and share the next scan; the queue and
 * the wait are bounded. */
static void waiting_responses_share_one_scan(void **state)
{
	struct pufstore *st = open_store();
	struct pufservice *svc;
	struct replies *r = calloc(1, sizeof(*r));
	uint8_t resp[NDEV][PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	long len[NDEV];

	(void)state;
	enroll_all(st, PUFPROTO_SUITE_128);
	svc = start_service(st, 2);
	for (size_t i = 0; i < NDEV; i++) {
		long n = pufproto_device_hello(&devs[i].dev, b, sizeof(b));
		long m = pufservice_accept(svc, b, (size_t)n, 1000, &i, sizeof(i), b, sizeof(b));

		len[i] = pufproto_device_begin(&devs[i].dev, &devs[i].cfg, b, (size_t)m,
		                               &devs[i].rng.base, &devs[i].sim.base, resp[i],
		                               sizeof(resp[i]));
		assert_true(len[i] > 0);
		assert_int_equal(pufservice_accept(svc, resp[i], (size_t)len[i], 1000, &i,
		                                   sizeof(i), b, sizeof(b)),
		                 0);
	}
	assert_int_equal(pufservice_queued(svc), NDEV);
	assert_int_equal(pufservice_take(svc, 1000), NDEV);
	assert_int_equal(pufservice_process(svc, collect_reply, r), 0);
	assert_int_equal(svc->stats.scans, 1);
	assert_int_equal(svc->stats.largest_batch, NDEV);
	assert_int_equal(r->n, NDEV);
	for (int k = 0; k < r->n; k++) {
		size_t i = r->peer[k];

		assert_int_equal(pufproto_device_finish(&devs[i].dev, r->msg[k], r->len[k]),
		                 PUFPROTO_DEVICE_ACCEPT);
		assert_int_equal(pufproto_device_commit(&devs[i].dev, &nvs[i].base), 0);
	}
	/* bounded: a full queue turns RESPONSEs away (the device retries), and those that waited
	 * too long are dropped when the scanner comes to them */
	for (int k = 0; k <= PUFSERVICE_QUEUE; k++) {
		uint8_t hello[16];
		struct pufproto_challenge ch;
		long n = pufproto_encode_hello(PUFPROTO_SUITE_128, hello, sizeof(hello));

		n = pufservice_accept(svc, hello, (size_t)n, 2000, NULL, 0, b, sizeof(b));
		assert_int_equal(pufproto_parse_challenge(b, (size_t)n, &ch), 0);
		memcpy(resp[0] + PUFPROTO_HEADER_LEN, ch.session, PUFPROTO_SESSION_LEN);
		pufservice_accept(svc, resp[0], (size_t)len[0], 2000, NULL, 0, b, sizeof(b));
	}
	assert_int_equal(pufservice_queued(svc), PUFSERVICE_QUEUE);
	assert_int_equal(svc->stats.queue_full, 1);
	assert_int_equal(pufservice_take(svc, 2000 + PUFSERVICE_MAX_WAIT_MS + 1), 0);
	assert_int_equal(svc->stats.waited_too_long, PUFSERVICE_QUEUE);
	assert_int_equal(pufservice_queued(svc), 0);
	stop_service(svc);
	pufstore_close(st);
	free(r);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(authenticate_and_persist, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_unknown_session_and_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_confirm_across_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(enrol_while_serving_and_schema_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(store_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_commit_logged_counted_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(waiting_responses_share_one_scan, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
