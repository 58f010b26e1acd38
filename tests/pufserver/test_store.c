/* The store interface on either engine: SQLite (a temporary file; the default), or the PostgreSQL
 * database named by PUFAUTH_TEST_STORE (a fresh one: tests/pufserver/pufauth_fleet.sh creates it
 * on its private server). Enrolment and its messages, revocation, the compare-and-swap update seen
 * from two connections, and a second connection following the changes of the first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pufserver/snapshot.h"
#include "pufserver/store.h"
#include "support/test_main.h"

static char location[512], dir[64];

static struct pufstore *open_store(int create)
{
	struct pufstore *st;
	char err[600];

	if (pufstore_open(&st, location, create, err, sizeof(err)))
		fail_msg("%s", err);
	return st;
}

static int setup(void **state)
{
	const char *uri = getenv("PUFAUTH_TEST_STORE");

	(void)state;
	if (uri && *uri) {
		snprintf(location, sizeof(location), "%s", uri);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/pp-test-store-XXXXXX");
		assert_non_null(mkdtemp(dir));
		snprintf(location, sizeof(location), "%s/store.db", dir);
	}
	print_message("store: %s\n", pufstore_is_postgres(location) ? "PostgreSQL" : "SQLite");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (!dir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void key_of(uint8_t *k, uint8_t seed)
{
	for (int i = 0; i < PUFPROTO_KEY_LEN; i++)
		k[i] = (uint8_t)(seed * 16 + i);
}

/* Collects what a load or a change check reports. */
struct seen {
	int n;
	struct pufstore_device d[16];
};

static int collect(void *arg, const struct pufstore_device *d)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->d[s->n++] = *d;
	return 0;
}

static const struct pufstore_device *find(const struct seen *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->d[i].id == id)
			return &s->d[i];
	return NULL;
}

static void store_semantics(void **state)
{
	struct pufstore *a = open_store(1), *b;
	uint8_t k1[16], k2[16], k3[16], k4[16], ref[64] = {1, 2, 3};
	int64_t id1, id2, id3;
	struct seen seen;
	struct pufsnap snap;

	(void)state;
	key_of(k1, 1);
	key_of(k2, 2);
	key_of(k3, 3);
	key_of(k4, 4);
	assert_int_equal(pufstore_enroll(a, "one", PUFPROTO_SUITE_128, k1, ref, 63, &id1), 0);
	assert_int_equal(pufstore_enroll(a, "two", PUFPROTO_SUITE_64, k2, ref, 32, &id2), 0);
	assert_int_equal(pufstore_enroll(a, "one", PUFPROTO_SUITE_128, k3, ref, 63, NULL), -1);
	assert_non_null(strstr(pufstore_error(a), "already enrolled"));
	assert_int_equal(pufstore_enroll(a, "bad", PUFPROTO_SUITE_128, k3, ref, 62, NULL), -1);
	assert_int_equal(pufstore_enroll(a, "#9", PUFPROTO_SUITE_128, k3, ref, 63, NULL), -1);
	assert_int_equal(pufstore_count(a), 2);

	/* a second connection (another server) loads, then follows a's changes */
	b = open_store(0);
	pufsnap_init(&snap);
	assert_int_equal(pufsnap_load(&snap, b), 0);
	assert_int_equal(snap.devices, 2);
	memset(&seen, 0, sizeof(seen));
	assert_true(pufstore_changes(b, collect, &seen) >= 0);

	/* compare-and-swap: of two servers that matched k1 as current, exactly one advances it */
	assert_int_equal(pufstore_update(a, id1, PUFSTORE_CURRENT, k1, k3, ref, 63, 100), 1);
	assert_int_equal(pufstore_update(b, id1, PUFSTORE_CURRENT, k1, k4, ref, 63, 100), 0);
	/* a stale "current" is now "previous": a lost confirmation recovers through it, once */
	assert_int_equal(pufstore_update(b, id1, PUFSTORE_PREVIOUS, k1, k4, ref, 63, 101), 1);
	assert_int_equal(pufstore_update(a, id1, PUFSTORE_PREVIOUS, k2, k4, ref, 63, 102), 0);
	/* revocation: by name, by id; then no update applies */
	assert_int_equal(pufstore_revoke(a, "two"), 1);
	assert_int_equal(pufstore_revoke(a, "two"), 0);
	assert_int_equal(pufstore_revoke(a, "nosuch"), 0);
	assert_int_equal(pufstore_revoke(a, "#x1"), -1);
	assert_int_equal(pufstore_update(b, id2, PUFSTORE_CURRENT, k2, k3, ref, 32, 103), 0);
	assert_int_equal(pufstore_enroll(a, "two", PUFPROTO_SUITE_64, k3, ref, 32, NULL), -1);
	assert_non_null(strstr(pufstore_error(a), "revoked"));
	assert_int_equal(pufstore_enroll(a, "three", PUFPROTO_SUITE_128, k3, ref, 63, &id3), 0);
	{
		char byid[32];

		snprintf(byid, sizeof(byid), "#%lld", (long long)id3);
		assert_int_equal(pufstore_revoke(b, byid), 1);
	}

	/* b learns every change committed before it asks, its own included, without loading
	 * everything again */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(pufstore_changes(b, collect, &seen), 0);
	assert_non_null(find(&seen, id1));
	assert_memory_equal(find(&seen, id1)->cur_key, k4, 16);
	assert_true(find(&seen, id1)->has_previous);
	assert_memory_equal(find(&seen, id1)->prev_key, k1, 16);
	assert_int_equal(find(&seen, id1)->auth_count, 2);
	assert_non_null(find(&seen, id2));
	assert_true(find(&seen, id2)->revoked);
	assert_non_null(find(&seen, id3));
	assert_true(find(&seen, id3)->revoked);

	/* the same through a snapshot */
	pufsnap_free(&snap);
	assert_int_equal(pufsnap_load(&snap, a), 0);
	assert_int_equal(snap.devices, 3);
	{
		long d = pufsnap_find(&snap, id1);

		assert_true(d >= 0);
		assert_memory_equal(snap.keys + 2 * (size_t)d * 16, k4, 16);
		assert_true(snap.live[2 * d] && snap.live[2 * d + 1]);
		d = pufsnap_find(&snap, id2);
		assert_false(snap.live[2 * d] || snap.live[2 * d + 1]);
	}
	pufsnap_free(&snap);
	assert_int_equal(pufstore_check_writable(a), 0);
	pufstore_close(a);
	pufstore_close(b);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(store_semantics, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
