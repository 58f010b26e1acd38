/* The TAI64N high-water mark (daemon/tai64n_mark.h): timestamps that never go back, across
 * restarts with the wall clock behind, with rare writes and a bounded lead. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/tai64n.h"
#include "daemon/tai64n_mark.h"
#include "support/test_main.h"

#define S       1000000000ull
#define MINUTE  (60 * S)
#define HOUR    (3600 * S)
#define DAY     (24 * HOUR)
#define WALL_T0 (1800000000ull * S)

/* Each call's TAI64N must be strictly later than the previous one's (a peer compares them). */
struct sender {
	struct tai64n_mark m;
	uint8_t last[TAI64N_LEN];
	bool has_last;
	unsigned writes;
	uint64_t persisted_sec; /* what a restart would read back */
	uint64_t max_sent_ns;
};

static uint64_t send_one(struct sender *s, uint64_t wall, uint64_t mono)
{
	uint64_t persist;
	uint64_t t = tai64n_mark_next(&s->m, wall, mono, &persist);
	if (persist) {
		assert_true(persist * S >= t); /* written before it is used, and covering it */
		s->persisted_sec = persist;
		s->writes++;
	}
	uint8_t enc[TAI64N_LEN];
	tai64n_encode(enc, t / S, (uint32_t)(t % S));
	if (s->has_last)
		assert_int_equal(tai64n_compare(enc, s->last), 1);
	memcpy(s->last, enc, sizeof(enc));
	s->has_last = true;
	assert_true(s->persisted_sec * S >= t);
	if (t > s->max_sent_ns)
		s->max_sent_ns = t;
	return t;
}

static void restart(struct sender *s, uint64_t mono)
{
	tai64n_mark_init(&s->m, s->persisted_sec, mono);
}

static void test_first_start_follows_the_wall_clock(void **state)
{
	struct sender s = {0};
	restart(&s, 5 * S);
	assert_int_equal(send_one(&s, WALL_T0, 5 * S), WALL_T0);
	assert_int_equal(s.writes, 1);
	assert_int_equal(s.persisted_sec, WALL_T0 / S + 60);
	/* Within the lead: no write. */
	assert_int_equal(send_one(&s, WALL_T0 + 30 * S, 35 * S), WALL_T0 + 30 * S);
	assert_int_equal(s.writes, 1);
}

static void test_restart_with_clock_two_days_behind(void **state)
{
	struct sender s = {0};
	restart(&s, 0);
	uint64_t before = send_one(&s, WALL_T0, 0);
	/* Reboot: the wall clock starts two days back, the monotonic clock from zero. */
	restart(&s, 0);
	s.has_last = false;
	uint64_t after = send_one(&s, WALL_T0 - 2 * DAY, 0);
	assert_true(after > before);
	assert_true(after > (WALL_T0 / S + 60) * S); /* above the persisted mark */
	/* Later initiations advance with the monotonic clock. */
	uint64_t later = send_one(&s, WALL_T0 - 2 * DAY + 120 * S, 120 * S);
	assert_true(later >= after + 120 * S);
	/* NTP sets the clock: the wall clock takes over again. */
	uint64_t synced = send_one(&s, WALL_T0 + DAY, 240 * S);
	assert_int_equal(synced, WALL_T0 + DAY);
}

static void test_wall_clock_stepping_back_while_running(void **state)
{
	struct sender s = {0};
	restart(&s, 0);
	uint64_t t1 = send_one(&s, WALL_T0, 0);
	uint64_t t2 = send_one(&s, WALL_T0 - HOUR, 10 * S);
	assert_true(t2 >= t1 + 10 * S);
}

static void test_back_to_back_calls_differ_in_tai64n(void **state)
{
	struct sender s = {0};
	restart(&s, 0);
	/* The same instant many times (several peers in one loop wake-up): send_one checks that
	 * each encoding is later than the previous one. */
	for (int i = 0; i < 200; i++)
		send_one(&s, WALL_T0, 7 * S);
}

static void test_writes_are_rare(void **state)
{
	struct sender s = {0};
	restart(&s, 0);
	/* A day of rekeys every two minutes with a correct clock. */
	for (uint64_t t = 0; t <= DAY; t += 2 * MINUTE)
		send_one(&s, WALL_T0 + t, t);
	/* 1, 2, 4, ... 32 minutes, then hourly: 6 + 24 writes at most. */
	assert_true(s.writes <= 31);
	assert_true(s.writes >= 24);
	/* The mark is never more than an hour ahead of what was sent. */
	assert_true(s.persisted_sec * S <= s.max_sent_ns + HOUR + S);
}

static void test_boot_loop_lead_is_bounded(void **state)
{
	struct sender s = {0};
	restart(&s, 0);
	/* A device stuck in a boot loop: the clock restarts at the same stale value every time and
	 * each boot sends one initiation after 10 s. The timestamps may run ahead of real time only
	 * by the lead of one minute per boot. */
	for (int boot = 0; boot < 100; boot++) {
		restart(&s, 0);
		s.has_last = false;
		uint64_t prev = s.max_sent_ns;
		uint64_t t = send_one(&s, WALL_T0, 10 * S);
		assert_true(t > prev || boot == 0);
	}
	assert_true(s.max_sent_ns <= WALL_T0 + 100 * (MINUTE + 10 * S + S));
}

static void test_parse(void **state)
{
	uint64_t v;
	assert_int_equal(tai64n_mark_parse("1800000000\n", 11, &v), 0);
	assert_int_equal(v, 1800000000);
	assert_int_equal(tai64n_mark_parse("42", 2, &v), 0);
	assert_int_equal(v, 42);
	const char *bad[] = {"",
	                     "\n",
	                     "12a\n",
	                     "-1\n",
	                     "1 \n",
	                     "1\n\n",
	                     "99999999999999999999\n",
	                     "253402300800\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(tai64n_mark_parse(bad[i], strlen(bad[i]), &v), 0);
}

static void test_file_round_trip(void **state)
{
	char dir[] = "/tmp/hwg-mark-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64], path[128];
	snprintf(sub, sizeof(sub), "%s/state", dir);
	snprintf(path, sizeof(path), "%s/wgx.timestamp", sub);
	const char *why = NULL;

	struct tai64n_mark m;
	assert_int_equal(tai64n_mark_open(&m, sub, "wgx", 0, &why), 0); /* creates the dir */
	struct stat st;
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(m.mark_ns, 0);
	assert_string_equal(m.path, path);

	assert_int_equal(tai64n_mark_persist(&m, 1800000123), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char text[32] = {0};
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "1800000123\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(tai64n_mark_open(&m, sub, "wgx", 0, &why), 0);
	assert_int_equal(m.mark_ns, 1800000123ull * S);
	uint64_t persist;
	assert_true(tai64n_mark_next(&m, WALL_T0 - 2 * DAY, 0, &persist) > 1800000123ull * S);

	/* A damaged file is reported and ignored. */
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(tai64n_mark_open(&m, sub, "wgx", 0, &why), -EINVAL);
	assert_int_equal(m.mark_ns, 0);
	assert_string_equal(m.path, path); /* still written from now on */

	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_start_follows_the_wall_clock),
        cmocka_unit_test(test_restart_with_clock_two_days_behind),
        cmocka_unit_test(test_wall_clock_stepping_back_while_running),
        cmocka_unit_test(test_back_to_back_calls_differ_in_tai64n),
        cmocka_unit_test(test_writes_are_rare),
        cmocka_unit_test(test_boot_loop_lead_is_bounded),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_file_round_trip),
};

HWG_TEST_MAIN(tests, NULL, NULL)
