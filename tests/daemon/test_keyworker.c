/* The key worker: jobs run on another thread, in order, and come back through the eventfd to
 * the caller's thread; the queue is bounded; a job past its deadline is skipped without touching
 * the device; a held provider reference keeps the provider alive; and stopping does not wait for
 * a job stuck in the device longer than it was told (the loop must be able to exit). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/keyworker.h"
#include "support/test_main.h"

struct fake_provider {
	struct key_provider base; /* first */
	pthread_t caller;
	unsigned calls;
	bool destroyed;
};

static int fake_dh(struct key_provider *kp, uint8_t shared[KEY_LEN], const uint8_t pub[KEY_LEN])
{
	struct fake_provider *f = (struct fake_provider *)kp;
	f->caller = pthread_self();
	f->calls++;
	for (int i = 0; i < KEY_LEN; i++)
		shared[i] = (uint8_t)(pub[i] ^ 0x5a);
	return pub[0] == 0xee ? -EIO : 0;
}

static void fake_destroy(struct key_provider *kp)
{
	((struct fake_provider *)kp)->destroyed = true;
}

static const struct key_provider_ops fake_ops = {
        .name = "fake", .dh = fake_dh, .destroy = fake_destroy, .blocking = true};

struct record {
	struct keyworker_job *done[64];
	unsigned n;
	pthread_t thread[64];
};

static struct record rec;

static void on_done(struct keyworker_job *job)
{
	rec.thread[rec.n] = pthread_self();
	rec.done[rec.n++] = job;
}

/* Waits (at most 5 s) until the worker signals, then drains. */
static void wait_and_drain(struct keyworker *w, unsigned want)
{
	for (int i = 0; i < 500 && rec.n < want; i++) {
		struct pollfd p = {.fd = keyworker_fd(w), .events = POLLIN};
		if (poll(&p, 1, 10) > 0)
			keyworker_drain(w);
	}
	assert_int_equal(rec.n, want);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void dh_jobs_run_in_order_off_thread(void **state)
{
	memset(&rec, 0, sizeof(rec));
	struct fake_provider prov = {.base.ops = &fake_ops};
	struct keyworker *w;
	assert_int_equal(keyworker_start(&w), 0);
	struct keyworker_job jobs[3];
	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < 3; i++) {
		jobs[i].kp = key_provider_hold(&prov.base);
		memset(jobs[i].input, i == 1 ? 0xee : 0x10 + i, KEY_LEN);
		jobs[i].done = on_done;
		jobs[i].ticket = 100 + (uint64_t)i;
		assert_int_equal(keyworker_submit(w, &jobs[i]), 0);
	}
	wait_and_drain(w, 3);
	for (int i = 0; i < 3; i++) {
		assert_ptr_equal(rec.done[i], &jobs[i]);
		assert_true(pthread_equal(rec.thread[i], pthread_self()));
		assert_true(jobs[i].started_ns && jobs[i].finished_ns >= jobs[i].started_ns);
	}
	assert_int_equal(jobs[0].result, 0);
	assert_int_equal(jobs[0].shared[0], 0x10 ^ 0x5a);
	assert_int_equal(jobs[1].result, -EIO);
	assert_int_equal(jobs[2].shared[31], 0x12 ^ 0x5a);
	assert_int_equal(prov.calls, 3);
	assert_false(pthread_equal(prov.caller, pthread_self()));
	assert_int_equal(keyworker_depth(w), 0);
	assert_int_equal(keyworker_busy_since(w), 0);
	/* The submitter's references keep the provider; the last release destroys it. */
	key_provider_destroy(&prov.base);
	assert_false(prov.destroyed);
	for (int i = 0; i < 3; i++)
		key_provider_destroy(jobs[i].kp);
	assert_true(prov.destroyed);
	assert_true(keyworker_stop(w, 1000));
}

/* A job that blocks in the device until the test lets it go. */
static int gate[2];

static void stuck(struct keyworker_job *job)
{
	char c;
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	job->result = 7;
}

static void skipped(struct keyworker_job *job)
{
	job->result = 99; /* must never run */
}

static void bounded_queue_deadlines_and_stall(void **state)
{
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pipe(gate), 0);
	struct keyworker *w;
	assert_int_equal(keyworker_start(&w), 0);
	static struct keyworker_job jobs[KEYWORKER_CAPACITY + 1];
	memset(jobs, 0, sizeof(jobs));
	jobs[0].run = stuck;
	jobs[0].done = on_done;
	assert_int_equal(keyworker_submit(w, &jobs[0]), 0);
	uint64_t t0 = mono_ns();
	for (int i = 0; i < 200 && !keyworker_busy_since(w); i++)
		usleep(1000);
	assert_true(keyworker_busy_since(w) >= t0 - 1000000000ull);
	/* The rest waits behind it, up to the capacity; one of them is already too late. */
	for (unsigned i = 1; i < KEYWORKER_CAPACITY; i++) {
		jobs[i].run = skipped;
		jobs[i].done = on_done;
		jobs[i].deadline_ns = i == 1 ? mono_ns() + 1000000ull : 0;
		assert_int_equal(keyworker_submit(w, &jobs[i]), 0);
	}
	assert_int_equal(keyworker_depth(w), KEYWORKER_CAPACITY);
	jobs[KEYWORKER_CAPACITY].run = skipped;
	assert_int_equal(keyworker_submit(w, &jobs[KEYWORKER_CAPACITY]), -EAGAIN);
	usleep(5000); /* job 1's deadline passes while the device is stuck */
	assert_int_equal(write(gate[1], "x", 1), 1);
	wait_and_drain(w, KEYWORKER_CAPACITY);
	assert_int_equal(jobs[0].result, 7);
	assert_int_equal(jobs[1].result, -ETIMEDOUT);
	assert_int_equal(jobs[2].result, 99); /* no deadline: ran */
	assert_true(keyworker_stop(w, 1000));
	close(gate[0]);
	close(gate[1]);
}

static void stop_does_not_wait_for_a_stuck_device(void **state)
{
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pipe(gate), 0);
	struct keyworker *w;
	assert_int_equal(keyworker_start(&w), 0);
	static struct keyworker_job jobs[3];
	memset(jobs, 0, sizeof(jobs));
	jobs[0].run = stuck;
	jobs[0].done = on_done;
	jobs[1].run = skipped;
	jobs[1].done = on_done;
	jobs[2].run = skipped;
	jobs[2].done = on_done;
	for (int i = 0; i < 3; i++)
		assert_int_equal(keyworker_submit(w, &jobs[i]), 0);
	for (int i = 0; i < 200 && !keyworker_busy_since(w); i++)
		usleep(1000);
	uint64_t t0 = mono_ns();
	assert_false(keyworker_stop(w, 100));
	uint64_t waited = mono_ns() - t0;
	assert_true(waited >= 90000000ull && waited < 2000000000ull);
	/* the queued jobs were cancelled (their done ran here); the stuck one was left alone */
	assert_int_equal(rec.n, 2);
	assert_int_equal(jobs[1].result, -ECANCELED);
	assert_int_equal(jobs[2].result, -ECANCELED);
	/* the device answers at last: the thread ends by itself (and frees the worker) */
	assert_int_equal(write(gate[1], "x", 1), 1);
	for (int i = 0; i < 200 && jobs[0].result != 7; i++)
		usleep(1000);
	assert_int_equal(jobs[0].result, 7);
	usleep(20000);
	assert_int_equal(rec.n, 2);
	close(gate[0]);
	close(gate[1]);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(dh_jobs_run_in_order_off_thread),
        cmocka_unit_test(bounded_queue_deadlines_and_stall),
        cmocka_unit_test(stop_does_not_wait_for_a_stuck_device),
};

HWG_TEST_MAIN(tests, NULL, NULL)
