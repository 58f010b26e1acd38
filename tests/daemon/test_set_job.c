/* The daemon's sliced set (set_job.h) against the real WireGuard core: a request bounded by time
 * comes back in several slices and ends as one apply would; a request that installs a new hardware
 * key stops before anything is applied until the key is handed over (the daemon opens it on its
 * key worker), and a key that could not be opened fails it with nothing applied; a refused request
 * changes nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/set_job.h"
#include "daemon/strbuf.h"
#include "daemon/text.h"
#include "keys/soft.h"
#include "support/test_main.h"
#include "uapi_fixture.h"

/* RFC 7748 §6.1: Alice's private key and public key. */
#define ALICE_PRIV "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PUB  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
/* An SE050 object (0x10000009) named as a private key. */
#define HANDLE "0900001000000000000000000000000000000000000000000000000000000000"
#define P1     "1111111111111111111111111111111111111111111111111111111111111111"

/* The clock set_job_run reads between steps: 100 us per read. */
static struct wg_time fake_now;
static void fake_clock(struct wg_time *now)
{
	fake_now.mono_ns += 100000;
	*now = fake_now;
}

static int setup(void **state)
{
	struct uapi_fixture *f = uapi_fixture_new();
	assert_non_null(f);
	fake_now = f->now; /* set_job_run's clock starts at the fixture's */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	uapi_fixture_free(*state);
	return 0;
}

static void key_of(const char *hex, uint8_t key[WG_KEY_LEN])
{
	assert_int_equal(text_parse_key(hex, strlen(hex), key), 0);
}

/* Runs slices of 1 ms (10 clock reads) until the job is done or needs a key; counts them. */
static enum set_job_state run(struct uapi_fixture *f, struct set_job *job, unsigned *slices)
{
	enum set_job_state st;
	do {
		++*slices;
		st = set_job_run(job, &f->now, f->now.mono_ns + 1000000, fake_clock);
	} while (st == SET_JOB_MORE);
	return st;
}

/* A job for the request body, with hardware keys opened elsewhere (as the daemon does). */
static struct set_job *job_for(struct uapi_fixture *f, const char *body)
{
	return set_job_new(body, strlen(body), &f->target, true, f->now.mono_ns);
}

/* A job for the request body that has stopped, as it must, to have its hardware key opened. */
static struct set_job *job_waiting_for_key(struct uapi_fixture *f, const char *body,
                                           unsigned *slices)
{
	struct set_job *job = job_for(f, body);
	assert_int_equal(run(f, job, slices), SET_JOB_NEEDS_KEY);
	return job;
}

/* Runs the job to its end and frees it; returns its result. */
static int finish(struct uapi_fixture *f, struct set_job *job, unsigned *slices)
{
	assert_int_equal(run(f, job, slices), SET_JOB_DONE);
	int err = set_job_result(job, &f->now);
	set_job_free(job);
	return err;
}

/* What the key worker hands back for HANDLE: the opened key, Alice's (in software here). */
static struct uapi_prepared_key alice_behind_handle(void)
{
	uint8_t alice[WG_KEY_LEN];
	key_of(ALICE_PRIV, alice);
	struct uapi_prepared_key opened = {.kp = soft_key_provider_new(alice)};
	key_of(HANDLE, opened.key);
	return opened;
}

static void large_set_comes_in_slices(void **state)
{
	struct uapi_fixture *f = *state;
	struct strbuf body;
	strbuf_init(&body);
	for (int i = 0; i < 2000; i++)
		strbuf_printf(&body, "public_key=%062x%02x\nallowed_ip=10.%d.%d.0/24\n", i + 1, 1,
		              i / 256, i % 256);
	struct set_job *job = set_job_new(body.data, body.len, &f->target, true, f->now.mono_ns);
	assert_non_null(job);
	unsigned slices = 0;
	enum set_job_state st;
	unsigned seen_partial = 0;
	while ((st = set_job_run(job, &f->now, f->now.mono_ns + 1000000, fake_clock)) ==
	       SET_JOB_MORE) {
		slices++;
		unsigned n = uapi_fixture_peers(f);
		seen_partial += n > 0 && n < 2000;
	}
	assert_int_equal(st, SET_JOB_DONE);
	assert_int_equal(set_job_result(job, &f->now), 0);
	set_job_free(job);
	strbuf_free(&body);
	/* 2000 lines parsed 256 per step, 4000 operations 8 per step (plus the blocks' ends), 10
	 * steps per slice: dozens of slices, and traffic saw the peers arrive. */
	assert_true(slices > 40);
	assert_true(seen_partial > 20);
	assert_int_equal(uapi_fixture_peers(f), 2000);
}

static void hardware_key_is_opened_first(void **state)
{
	struct uapi_fixture *f = *state;
	const char *body = "listen_port=51820\nprivate_key=" HANDLE "\npublic_key=" P1 "\n";
	unsigned slices = 0;
	struct set_job *job = job_waiting_for_key(f, body, &slices);
	uint8_t handle[WG_KEY_LEN];
	key_of(HANDLE, handle);
	assert_memory_equal(set_job_key_to_open(job), handle, WG_KEY_LEN);
	/* nothing applied while the key is being opened, and asking again changes nothing */
	assert_int_equal(f->port, 0);
	assert_int_equal(uapi_fixture_peers(f), 0);
	assert_int_equal(run(f, job, &slices), SET_JOB_NEEDS_KEY);
	assert_int_equal(f->port, 0);

	struct uapi_prepared_key opened = alice_behind_handle();
	struct key_provider *kp = opened.kp;
	set_job_key_opened(job, &opened);
	assert_null(opened.kp); /* the job has it now */
	assert_int_equal(finish(f, job, &slices), 0);
	assert_ptr_equal(wg_device_key(f->dev), kp);
	assert_int_equal(f->port, 51820);
	assert_int_equal(uapi_fixture_peers(f), 1);
}

static void key_that_cannot_be_opened_fails_the_set(void **state)
{
	struct uapi_fixture *f = *state;
	const char *body = "private_key=" HANDLE "\npublic_key=" P1 "\n";
	unsigned slices = 0;
	struct set_job *job = job_waiting_for_key(f, body, &slices);
	struct uapi_prepared_key failed = {.err = -ENODEV, .why = "no chip"};
	key_of(HANDLE, failed.key);
	set_job_key_opened(job, &failed);
	assert_int_equal(finish(f, job, &slices), -ENODEV);
	assert_null(wg_device_key(f->dev));
	assert_int_equal(uapi_fixture_peers(f), 0); /* the request stopped at its key */
}

/* Without a key worker (open_keys_elsewhere false), or for a software key, the job never stops for
 * a key; a request with a syntax error applies nothing. */
static void no_key_step_for_software_keys(void **state)
{
	struct uapi_fixture *f = *state;
	const char *body = "private_key=" ALICE_PRIV "\npublic_key=" P1 "\n";
	struct set_job *job = job_for(f, body);
	unsigned slices = 0;
	assert_int_equal(finish(f, job, &slices), 0);
	assert_non_null(wg_device_key(f->dev));

	body = "listen_port=51820\npublic_key=" P1 "\nbogus=1\n";
	job = job_for(f, body);
	assert_int_equal(finish(f, job, &slices), -EINVAL);
	assert_int_equal(f->port, 0);
}

/* A job abandoned while it waits for its key (the daemon stopping) releases what it holds. */
static void abandoned_job_releases_its_key(void **state)
{
	struct uapi_fixture *f = *state;
	const char *body = "private_key=" HANDLE "\n";
	unsigned slices = 0;
	struct set_job *job = job_waiting_for_key(f, body, &slices);
	struct uapi_prepared_key opened = alice_behind_handle();
	set_job_key_opened(job, &opened);
	set_job_free(job); /* the sanitizer build finds a leaked provider */
	assert_null(wg_device_key(f->dev));
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(large_set_comes_in_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(hardware_key_is_opened_first, setup, teardown),
        cmocka_unit_test_setup_teardown(key_that_cannot_be_opened_fails_the_set, setup, teardown),
        cmocka_unit_test_setup_teardown(no_key_step_for_software_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(abandoned_job_releases_its_key, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
