/* Crash injection around the server's update: the server runs in a child process and is killed
 * with SIGKILL at random moments while it searches, commits to SQLite and replies; it is then
 * restarted on the same database. Afterwards every device must still authenticate (its state is
 * always the server's current or previous entry) and the database must pass integrity_check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "support/test_main.h"

#include <sqlite3.h>

#include <dirent.h>

#include "puf/host/state_file.h"
#include "puf/proto/wire.h"
#include "pufserver/service.h"
#include "pufserver/store.h"
#include "sim_device.h"

#define NDEV   8
#define ROUNDS 60

static char dir[64], db_path[128];
static struct sim_device devs[NDEV];
static struct mem_nv nvs[NDEV];

static void widen_window(void *arg)
{
	(void)arg;
	usleep(500); /* committed, reply not yet built: a kill here must lose nothing */
}

/* The server process: datagrams over a SOCK_SEQPACKET socket until the peer closes. */
static void server_child(int fd)
{
	struct pufstore *st;
	struct pufservice *svc = malloc(sizeof(*svc));
	uint8_t msg[PUFPROTO_MAX_MESSAGE], reply[PUFPROTO_MAX_MESSAGE];
	char err[256];

	if (!svc || pufstore_open(&st, db_path, 0, err, sizeof(err)) ||
	    pufservice_init(svc, st, 1, err, sizeof(err)))
		_exit(3);
	svc->after_commit = widen_window;
	for (;;) {
		ssize_t n = recv(fd, msg, sizeof(msg), 0);
		long r;

		if (n <= 0)
			_exit(0);
		r = pufservice_handle(svc, msg, (size_t)n, 1000, reply, sizeof(reply));
		if (r <= 0)
			reply[0] = 0, r = 1; /* "nothing": keep the exchange in lock step */
		if (send(fd, reply, (size_t)r, 0) < 0)
			_exit(0);
	}
}

struct server {
	pid_t pid;
	int fd;
};

static void start_server(struct server *s)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		close(sv[0]);
		server_child(sv[1]);
	}
	close(sv[1]);
	s->fd = sv[0];
}

static void kill_server(struct server *s)
{
	int status;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	close(s->fd);
}

static void stop_server(struct server *s)
{
	int status;

	close(s->fd);
	waitpid(s->pid, &status, 0);
}

static long call(struct server *s, const uint8_t *msg, long len, uint8_t *reply)
{
	ssize_t n;

	if (send(s->fd, msg, (size_t)len, MSG_NOSIGNAL) < 0)
		return -1;
	n = recv(s->fd, reply, PUFPROTO_MAX_MESSAGE, 0);
	return n <= 1 ? -1 : n;
}

/* One run; kill_after_us >= 0 kills the server that long after the RESPONSE was sent. Returns the
 * device verdict, or -1 when the run was cut short. */
static int run(struct server *s, int i, long kill_after_us)
{
	struct sim_device *d = &devs[i];
	uint8_t a[PUFPROTO_MAX_MESSAGE], b[PUFPROTO_MAX_MESSAGE];
	long n, m;
	int v;

	n = pufproto_device_hello(&d->dev, a, sizeof(a));
	m = call(s, a, n, b);
	assert_true(m > 0);
	n = pufproto_device_begin(&d->dev, &d->cfg, b, (size_t)m, &d->rng.base, &d->sim.base, a,
	                          sizeof(a));
	assert_true(n > 0);
	if (kill_after_us >= 0) {
		assert_true(send(s->fd, a, (size_t)n, 0) == n);
		if (kill_after_us)
			usleep((useconds_t)kill_after_us);
		kill_server(s);
		pufproto_device_abort(&d->dev);
		start_server(s);
		return -1;
	}
	m = call(s, a, n, b);
	assert_true(m > 0);
	v = pufproto_device_finish(&d->dev, b, (size_t)m);
	if (v == PUFPROTO_DEVICE_ACCEPT)
		assert_int_equal(pufproto_device_commit(&d->dev, &nvs[i].base), 0);
	return v;
}

/* The invariant the scheme rests on: the device's key is its row's current or previous key.
 * Returns 0 for current, 1 for previous. */
static int device_slot(int i)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char name[16];
	int slot = -1;

	snprintf(name, sizeof(name), "d%d", i);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	/* a restarted server may be recovering the WAL or migrating: wait as the server does */
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT cur_key, prev_key FROM devices WHERE name = ?1",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	if (!memcmp(sqlite3_column_blob(q, 0), devs[i].dev.nv.sk, PUFPROTO_KEY_LEN))
		slot = 0;
	else if (sqlite3_column_bytes(q, 1) == PUFPROTO_KEY_LEN &&
	         !memcmp(sqlite3_column_blob(q, 1), devs[i].dev.nv.sk, PUFPROTO_KEY_LEN))
		slot = 1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	if (slot < 0)
		fail_msg("device %d holds a key that is neither current nor previous", i);
	return slot;
}

static void kill9_during_updates(void **state)
{
	struct pufstore *st;
	struct server s;
	char err[256];
	int kills = 0, committed_then_killed = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pp-test-crash-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/store.db", dir);
	assert_int_equal(pufstore_open(&st, db_path, 1, err, sizeof(err)), 0);
	for (int i = 0; i < NDEV; i++) {
		char name[16];

		snprintf(name, sizeof(name), "d%d", i);
		sim_device_enroll(&devs[i], PUFPROTO_SUITE_DEFAULT, 31337 + (uint64_t)i);
		mem_nv_init(&nvs[i]);
		assert_int_equal(pufstore_enroll(st, name, PUFPROTO_SUITE_DEFAULT,
		                                 devs[i].enrolled_key, devs[i].enrolled_ref,
		                                 devs[i].suite.response_len, NULL),
		                 0);
	}
	pufstore_close(st);

	srand((unsigned)time(NULL));
	start_server(&s);
	for (int r = 0; r < ROUNDS; r++) {
		int i = rand() % NDEV;

		if (rand() % 3) {
			/* kill somewhere in search, commit (fsync), or reply */
			int before = device_slot(i);

			run(&s, i, rand() % 6000);
			kills++;
			/* the kill either came before the commit (nothing changed) or after it
			 * (the device's key moved to "previous") */
			committed_then_killed += device_slot(i) == 1 && before == 0;
		} else {
			run(&s, i, -1);
		}
	}
	print_message("%d kills, %d of them after the commit\n", kills, committed_then_killed);
	/* every device still authenticates, twice in a row (current, then the new current) */
	for (int i = 0; i < NDEV; i++) {
		for (int k = 0; k < 2; k++) {
			int ok = 0;

			for (int tries = 0; tries < 4 && !ok; tries++)
				ok = run(&s, i, -1) == PUFPROTO_DEVICE_ACCEPT;
			if (!ok)
				fail_msg("device %d cannot authenticate after %d kills", i, kills);
		}
	}
	stop_server(&s);

	{
		sqlite3 *db;
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Temporary files of state commits left in dir. */
static int leftovers(const char *in)
{
	struct dirent *de;
	DIR *d = opendir(in);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

/* A committed state's number: the first 4 bytes of sk; the rest of sk repeats its low byte and the
 * challenge is the number modulo the 2 case maps, so a mix of two states shows. */
static uint32_t state_number(const struct pufproto_device_nv *nv)
{
	return (uint32_t)nv->sk[0] << 24 | (uint32_t)nv->sk[1] << 16 | (uint32_t)nv->sk[2] << 8 |
	       nv->sk[3];
}

static void set_state_number(struct pufproto_device_nv *nv, uint32_t n)
{
	memset(nv->sk, (int)(n & 0xff), sizeof(nv->sk));
	nv->sk[0] = (uint8_t)(n >> 24), nv->sk[1] = (uint8_t)(n >> 16);
	nv->sk[2] = (uint8_t)(n >> 8), nv->sk[3] = (uint8_t)n;
	nv->challenge = n % 2;
}

/* The device side: a child commits new states to a state file in a loop and is killed with
 * SIGKILL at random moments; the file must always load, and hold the last state the child
 * reported durable or the one after it. A kill mid-commit leaves a temporary file holding a key:
 * the next load (which holds the lock, so it is the only writer) removes it. */
static void kill9_during_state_commits(void **state)
{
	char path[160], err[256];
	struct pufproto_file_store fs;
	/* the default suite's state record carries the case maps (version 2): they must survive
	 * every kill unchanged, as sk and y must */
	static uint8_t maps[2 * 100];
	struct pufproto_device_nv nv = {.suite = PUFPROTO_SUITE_DEFAULT,
	                                .helper = maps,
	                                .helper_len = sizeof(maps)},
	                          loaded;
	const uint8_t src[] = {1, 2, 3};
	int kills_mid_commit = 0;

	for (size_t i = 0; i < sizeof(maps); i++)
		maps[i] = (uint8_t)(i * 37 + 11);
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pp-test-nv-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dev.state", dir);
	assert_int_equal(
	        pufproto_file_store_create(&fs, path, &nv, src, sizeof(src), 0, err, sizeof(err)),
	        0);
	pufproto_file_store_close(&fs);
	srand((unsigned)time(NULL) ^ 0x5a5a);
	for (int round = 0; round < 40; round++) {
		int sv[2], status;
		uint32_t durable = 0;
		pid_t pid;

		assert_int_equal(pufproto_file_store_load(&fs, path, &loaded, err, sizeof(err)), 0);
		assert_int_equal(leftovers(dir), 0);
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* commit states n = start+1, start+2, ... (n in sk, y = n mod the maps);
			 * report each once durable */
			struct pufproto_device_nv next = loaded;
			uint32_t n = state_number(&loaded);

			close(sv[0]);
			for (;;) {
				n++;
				set_state_number(&next, n);
				if (fs.base.commit(&fs.base, &next))
					_exit(3);
				if (send(sv[1], &n, sizeof(n), 0) < 0)
					_exit(0);
			}
		}
		close(sv[1]);
		usleep((useconds_t)(rand() % 3000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		/* the last report the child managed to send */
		for (;;) {
			uint32_t v;

			if (recv(sv[0], &v, sizeof(v), MSG_DONTWAIT) != sizeof(v))
				break;
			durable = v;
		}
		close(sv[0]);
		pufproto_file_store_close(&fs);
		if (leftovers(dir))
			kills_mid_commit++;
		assert_int_equal(pufproto_file_store_load(&fs, path, &loaded, err, sizeof(err)), 0);
		assert_int_equal(leftovers(dir), 0);
		uint32_t got = state_number(&loaded);
		if (durable)
			assert_true(got == durable || got == durable + 1);
		/* the key always belongs to the same state as the challenge: never a mix */
		for (size_t i = 4; i < sizeof(loaded.sk); i++)
			assert_int_equal(loaded.sk[i], (uint8_t)got);
		assert_int_equal(loaded.challenge, got % 2);
		assert_int_equal(loaded.helper_len, sizeof(maps));
		assert_memory_equal(loaded.helper, maps, sizeof(maps));
		pufproto_file_store_close(&fs);
	}
	print_message("%d of 40 kills left a temporary file behind; each was removed\n",
	              kills_mid_commit);
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(kill9_during_updates),
        cmocka_unit_test(kill9_during_state_commits),
};

HWG_TEST_MAIN(tests, NULL, NULL)
