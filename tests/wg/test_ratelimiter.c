/* Per-source token bucket: 20 packets/s, burst 5, IPv4 /32 and IPv6 /64 keys, bounded table with
 * collection of idle entries. Time is passed in, so every step is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/test_main.h"
#include "wg/ratelimiter.h"

#define MS  1000000ULL
#define SEC 1000000000ULL
#define T0  (1000 * SEC) /* an arbitrary monotonic start */

static const uint8_t v4_a[4] = {192, 0, 2, 1};
static const uint8_t v4_b[4] = {192, 0, 2, 2};

static int count_allowed(struct ratelimiter *r, int family, const uint8_t *addr, uint64_t now,
                         int tries)
{
	int n = 0;
	for (int i = 0; i < tries; i++)
		n += ratelimiter_allow(r, family, addr, now);
	return n;
}

static void burst_then_rate(void **state)
{
	(void)state;
	struct ratelimiter *r = ratelimiter_new();
	assert_non_null(r);
	uint64_t t = T0;

	/* A fresh source gets the burst, then nothing more at the same instant. */
	assert_int_equal(count_allowed(r, AF_INET, v4_a, t, 10), RATELIMIT_BURST);
	/* One packet's worth of time (50 ms) buys exactly one packet. */
	t += 50 * MS;
	assert_int_equal(count_allowed(r, AF_INET, v4_a, t, 10), 1);
	/* Half of that buys none; the other half completes the token. */
	t += 25 * MS;
	assert_false(ratelimiter_allow(r, AF_INET, v4_a, t));
	t += 25 * MS;
	assert_true(ratelimiter_allow(r, AF_INET, v4_a, t));
	assert_false(ratelimiter_allow(r, AF_INET, v4_a, t));
	/* 100 ms: two packets. */
	t += 100 * MS;
	assert_int_equal(count_allowed(r, AF_INET, v4_a, t, 10), 2);
	/* A long pause refills only up to the burst. */
	t += 10 * SEC;
	assert_int_equal(count_allowed(r, AF_INET, v4_a, t, 10), RATELIMIT_BURST);
	/* Sustained: one packet every 50 ms for two seconds passes in full. */
	for (int i = 0; i < 40; i++) {
		t += 50 * MS;
		assert_true(ratelimiter_allow(r, AF_INET, v4_a, t));
		assert_false(ratelimiter_allow(r, AF_INET, v4_a, t));
	}
	/* Over one second at a steady 100 packets/s, 20 get through. */
	t += 10 * SEC;
	int passed = 0;
	for (int i = 0; i < 100; i++)
		passed += ratelimiter_allow(r, AF_INET, v4_a, t + (uint64_t)i * 10 * MS);
	/* 5 from the full bucket plus one per 50 ms over 990 ms. */
	assert_int_equal(passed, RATELIMIT_BURST + 19);
	ratelimiter_free(r);
}

static void keys_are_per_prefix(void **state)
{
	(void)state;
	struct ratelimiter *r = ratelimiter_new();
	assert_non_null(r);
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t b6[16];

	assert_int_equal(count_allowed(r, AF_INET, v4_a, T0, 10), RATELIMIT_BURST);
	/* Another IPv4 host has its own bucket. */
	assert_int_equal(count_allowed(r, AF_INET, v4_b, T0, 10), RATELIMIT_BURST);

	/* Every address inside one IPv6 /64 shares a bucket. */
	assert_int_equal(count_allowed(r, AF_INET6, a6, T0, 3), 3);
	memcpy(b6, a6, 16);
	memset(b6 + 8, 0xff, 8);
	assert_int_equal(count_allowed(r, AF_INET6, b6, T0, 10), 2);
	/* The neighbouring /64 does not. */
	b6[7] ^= 1;
	assert_int_equal(count_allowed(r, AF_INET6, b6, T0, 10), RATELIMIT_BURST);

	/* An IPv6 address whose first bytes spell an IPv4 address is still a different source. */
	uint8_t v6_like_v4[16] = {192, 0, 2, 1};
	assert_int_equal(count_allowed(r, AF_INET6, v6_like_v4, T0, 10), RATELIMIT_BURST);
	uint8_t v4_like_v6[4] = {0, 0, 0, 0};
	uint8_t v6_zero[16] = {0};
	assert_int_equal(count_allowed(r, AF_INET6, v6_zero, T0, 10), RATELIMIT_BURST);
	assert_int_equal(count_allowed(r, AF_INET, v4_like_v6, T0, 10), RATELIMIT_BURST);
	assert_int_equal(ratelimiter_entries(r), 7);

	/* Unknown families are refused and not tracked. */
	assert_false(ratelimiter_allow(r, 12345, v4_a, T0));
	assert_int_equal(ratelimiter_entries(r), 7);
	ratelimiter_free(r);
}

/* At T0, one packet from each of n sources never seen, 10.0.0.0 upwards: each is allowed. */
static void one_from_each_new_source(struct ratelimiter *r, uint32_t n)
{
	uint8_t addr[4] = {10, 0, 0, 0};
	for (uint32_t i = 0; i < n; i++) {
		addr[1] = (uint8_t)(i >> 16);
		addr[2] = (uint8_t)(i >> 8);
		addr[3] = (uint8_t)i;
		assert_true(ratelimiter_allow(r, AF_INET, addr, T0));
	}
}

static void idle_entries_collected(void **state)
{
	(void)state;
	struct ratelimiter *r = ratelimiter_new();
	assert_non_null(r);
	one_from_each_new_source(r, 1000);
	assert_int_equal(ratelimiter_entries(r), 1000);

	/* Within the second nothing is collected. */
	assert_true(ratelimiter_allow(r, AF_INET, v4_a, T0 + 500 * MS));
	assert_int_equal(ratelimiter_entries(r), 1001);
	/* v4_a stays busy while the others go idle. */
	assert_true(ratelimiter_allow(r, AF_INET, v4_a, T0 + 1500 * MS));
	assert_true(ratelimiter_allow(r, AF_INET, v4_b, T0 + 2100 * MS));
	assert_int_equal(ratelimiter_entries(r), 2);

	/* A collected source starts again with a full bucket: collection changes no decision. */
	uint8_t addr[4] = {10, 0, 0, 7};
	assert_int_equal(count_allowed(r, AF_INET, addr, T0 + 2100 * MS, 10), RATELIMIT_BURST);

	/* The explicit collector does the same. */
	ratelimiter_gc(r, T0 + 10 * SEC);
	assert_int_equal(ratelimiter_entries(r), 0);
	ratelimiter_free(r);
}

static void table_is_bounded(void **state)
{
	(void)state;
	struct ratelimiter *r = ratelimiter_new();
	assert_non_null(r);
	one_from_each_new_source(r, RATELIMIT_MAX_ENTRIES);
	assert_int_equal(ratelimiter_entries(r), RATELIMIT_MAX_ENTRIES);
	/* A new source is refused while the table is full; known sources keep their buckets. */
	assert_false(ratelimiter_allow(r, AF_INET, v4_a, T0 + 1));
	assert_int_equal(ratelimiter_entries(r), RATELIMIT_MAX_ENTRIES);
	const uint8_t first[4] = {10, 0, 0, 0};
	assert_int_equal(count_allowed(r, AF_INET, first, T0 + 2, 10), RATELIMIT_BURST - 1);
	/* Once the flood has gone idle, it is collected and new sources are served again. */
	assert_true(ratelimiter_allow(r, AF_INET, v4_a, T0 + 2 * SEC));
	assert_int_equal(ratelimiter_entries(r), 1);
	ratelimiter_free(r);
}

static void clock_going_backwards(void **state)
{
	(void)state;
	struct ratelimiter *r = ratelimiter_new();
	assert_non_null(r);
	assert_int_equal(count_allowed(r, AF_INET, v4_a, T0, 10), RATELIMIT_BURST);
	/* An earlier timestamp neither mints tokens nor collects. */
	assert_false(ratelimiter_allow(r, AF_INET, v4_a, T0 - 10 * SEC));
	assert_int_equal(ratelimiter_entries(r), 1);
	assert_int_equal(count_allowed(r, AF_INET, v4_a, T0 + 50 * MS, 10), 1);
	ratelimiter_free(r);
	ratelimiter_free(NULL);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_rate),        cmocka_unit_test(keys_are_per_prefix),
        cmocka_unit_test(idle_entries_collected), cmocka_unit_test(table_is_bounded),
        cmocka_unit_test(clock_going_backwards),
};

HWG_TEST_MAIN(tests, NULL, NULL)
