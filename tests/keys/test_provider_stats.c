/* key_provider_dh's statistics (keys/provider.h): counts, provider errors (not low-order points),
 * time, maximum and the latency histogram, with a fake provider of known latency. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "keys/provider.h"
#include "support/test_main.h"

static int next_result;
static long sleep_us;

static int fake_dh(struct key_provider *kp, uint8_t shared[KEY_LEN], const uint8_t pub[KEY_LEN])
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = sleep_us * 1000};
	nanosleep(&ts, NULL);
	memset(shared, 1, KEY_LEN);
	return next_result;
}

static void fake_destroy(struct key_provider *kp)
{
}

static const struct key_provider_ops fake_ops = {
        .name = "fake", .dh = fake_dh, .destroy = fake_destroy};

static void test_counts_and_histogram(void **state)
{
	struct key_provider kp;
	memset(&kp, 0, sizeof(kp));
	kp.ops = &fake_ops;
	uint8_t shared[KEY_LEN], pub[KEY_LEN] = {9};

	sleep_us = 0;
	next_result = 0;
	assert_int_equal(key_provider_dh(&kp, shared, pub), 0);
	next_result = -EINVAL; /* a low-order point: the peer's fault, not the provider's */
	assert_int_equal(key_provider_dh(&kp, shared, pub), -EINVAL);
	next_result = -ENODEV;
	sleep_us = 3000; /* 3 ms: the (1 ms, 10 ms] bucket */
	assert_int_equal(key_provider_dh(&kp, shared, pub), -ENODEV);

	struct key_provider_stats st;
	key_provider_stats_read(&kp, &st);
	assert_int_equal(st.operations, 3);
	assert_int_equal(st.errors, 1);
	assert_true(st.max_ns >= 3000000);
	assert_true(st.total_ns >= st.max_ns);
	uint64_t sum = 0;
	for (unsigned i = 0; i < KEY_PROVIDER_LATENCY_BUCKETS; i++)
		sum += st.buckets[i];
	assert_int_equal(sum, 3);
	assert_int_equal(key_provider_latency_bound_us(1), 1000);
	assert_int_equal(key_provider_latency_bound_us(2), 10000);
	/* The 3 ms call is in the (1 ms, 10 ms] bucket or, on a loaded machine, a later one. */
	uint64_t slow = 0;
	for (unsigned i = 2; i < KEY_PROVIDER_LATENCY_BUCKETS; i++)
		slow += st.buckets[i];
	assert_true(slow >= 1);
	assert_int_equal(key_provider_latency_bound_us(KEY_PROVIDER_LATENCY_BUCKETS - 1), 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_histogram),
};

HWG_TEST_MAIN(tests, NULL, NULL)
