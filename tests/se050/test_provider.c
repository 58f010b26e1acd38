/* The SE050 key provider end to end: production driver over the "emu:" bus to a real se050-emu
 * process, on both applet personalities. Byte order against RFC 7748 (the key imported through
 * WriteECKey APDUs), DH against software X25519, errors that name their cause, locking, the wear
 * budget, persistence, recovery without restarting from a silent chip, a restarted emulator and a
 * power cut in the middle of an ECDH, and the failure / recovery log lines. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/x25519.h"
#include "emu_proc.h"
#include "support/provider_dh.h"
#include "keys/log.h"
#include "keys/se050_provider.h"
#include "keys/select.h"
#include "se050/bus.h"
#include "se050/se050.h"
#include "support/rfc7748.h"
#include "support/test_main.h"

/* Log lines the provider emitted, captured through the keys/log.h hook. */
#define MAX_LINES 64
static pthread_mutex_t lines_mu = PTHREAD_MUTEX_INITIALIZER;
static char lines[MAX_LINES][320];
static enum key_log_level levels[MAX_LINES];
static unsigned nlines;

static void capture(enum key_log_level level, const char *line)
{
	pthread_mutex_lock(&lines_mu);
	if (nlines < MAX_LINES) {
		snprintf(lines[nlines], sizeof(lines[0]), "%s", line);
		levels[nlines] = level;
	}
	nlines++;
	pthread_mutex_unlock(&lines_mu);
}

static unsigned count_lines(enum key_log_level level, const char *needle)
{
	unsigned n = 0;
	pthread_mutex_lock(&lines_mu);
	for (unsigned i = 0; i < nlines && i < MAX_LINES; i++)
		if (levels[i] == level && strstr(lines[i], needle))
			n++;
	pthread_mutex_unlock(&lines_mu);
	return n;
}

static struct emu_proc emu;

static int setup(void **state)
{
	emu_proc_init(&emu);
	unsetenv(SE050_RATE_ENV);
	/* The emulator spaces WTX requests by its (short) BWT: 2 x BWT is the wait that matters. */
	setenv(SE050_BLOCK_WAIT_ENV, "0", 1);
	nlines = 0;
	key_log_set_hook(capture);
	*state = &emu;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (emu.pid > 0)
		emu_proc_stop(&emu);
	emu_proc_cleanup(&emu);
	unsetenv(SE050_RATE_ENV);
	key_log_set_hook(NULL);
	return 0;
}

/* Starts se050-emu with a short BWT, the applet personality and extra options. */
static void start(const char *applet, const char *const *extra)
{
	const char *argv[32] = {"--bwt", "50", "--applet", applet};
	int n = 4;
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	emu_proc_start(&emu, argv);
}

static struct key_provider *provider(uint32_t id, int expect)
{
	uint8_t handle[KEY_LEN];
	struct key_config cfg = {.se050_bus = emu.bus};
	struct key_provider *kp = NULL;
	const char *why = NULL;
	se050_handle_encode(id, handle);
	int r = key_provider_from_config(handle, &cfg, &kp, &why);
	if (r != expect)
		fail_msg("provider for 0x%08X: got %d (%s), expected %d", id, r, why ? why : "-",
		         expect);
	if (r)
		assert_non_null(why);
	return kp;
}

static struct se050 *session(void)
{
	struct se050 *se;
	struct se050_options opt;
	const char *why = NULL;
	assert_int_equal(se050_options_from_env(&opt, &why), 0);
	int r = se050_open_with(emu.bus, &opt, &se, &why);
	if (r)
		fail_msg("se050_open: %d (%s)", r, why ? why : "-");
	return se;
}

static void generate(uint32_t id)
{
	struct se050 *se = session();
	assert_int_equal(se050_generate_x25519(se, id, false), 0);
	assert_int_equal(se050_generate_x25519(se, id, false), -EEXIST);
	se050_close(se);
}

static void rfc7748_through_apdus(const char *applet)
{
	start(applet, NULL);
	struct se050 *se = session();
	struct se050_info info;
	se050_get_info(se, &info);
	assert_int_equal(info.applet.major, applet[0] - '0');
	assert_int_equal(se050_import_x25519(se, 0x10000009, rfc7748.alice_priv, false), 0);
	assert_int_equal(se050_import_x25519(se, 0x10000009, rfc7748.alice_priv, false), -EEXIST);
	se050_close(se);
	struct key_provider *kp = provider(0x10000009, 0);
	assert_string_equal(kp->ops->name, "se050");
	assert_memory_equal(kp->public_key, rfc7748.alice_pub, 32);
	uint8_t shared[32];
	assert_int_equal(key_provider_dh(kp, shared, rfc7748.bob_pub), 0);
	assert_memory_equal(shared, rfc7748.shared, 32);
	/* config_key is the handle, which is not secret. */
	static const uint8_t handle[32] = {0x09, 0x00, 0x00, 0x10};
	assert_memory_equal(kp->config_key, handle, 32);
	assert_false(kp->config_key_is_private);
	key_provider_destroy(kp);
	emu_proc_stop(&emu);
	assert_int_equal(emu_proc_stat(&emu, "ecdh"), 1);
}

static void test_rfc7748_applet_31(void **state)
{
	(void)state;
	rfc7748_through_apdus("3.1");
}

static void test_rfc7748_applet_72(void **state)
{
	(void)state;
	rfc7748_through_apdus("7.2");
}

static void generated_key_agrees(const char *applet)
{
	start(applet, NULL);
	generate(0x10000002);
	struct key_provider *kp = provider(0x10000002, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(test_provider_dh_round(kp), 0);
	/* Low-order peers (u = 0 and u = 1) give an all-zero secret, which the host refuses; that
	 * is the peer's doing, not a provider failure, so nothing is logged. */
	uint8_t shared[32], u[32] = {0};
	assert_int_equal(key_provider_dh(kp, shared, u), -EINVAL);
	u[0] = 1;
	assert_int_equal(key_provider_dh(kp, shared, u), -EINVAL);
	assert_int_equal(nlines, 0);
	key_provider_destroy(kp);
}

static void test_generated_key_agrees_31(void **state)
{
	(void)state;
	generated_key_agrees("3.1");
}

static void test_generated_key_agrees_72(void **state)
{
	(void)state;
	generated_key_agrees("7.2");
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t handle[KEY_LEN];
	struct key_provider *kp;
	const char *why;
	/* No emulator yet. */
	assert_null(provider(0x10000002, -ENODEV));
	/* Malformed bus and settings. */
	struct key_config bad = {.se050_bus = "spi:/dev/spidev0"};
	se050_handle_encode(1, handle);
	assert_int_equal(key_provider_from_config(handle, &bad, &kp, &why), -EINVAL);
	bad.se050_bus = "i2c:/dev/i2c-1@0x1234";
	assert_int_equal(key_provider_from_config(handle, &bad, &kp, &why), -EINVAL);
	setenv(SE050_BLOCK_WAIT_ENV, "soon", 1);
	assert_null(provider(1, -EINVAL));
	setenv(SE050_BLOCK_WAIT_ENV, "0", 1);
	/* Missing object; an object that is not an X25519 key, on both applets. */
	const char *extra[] = {"--add-foreign", "0x20", NULL};
	start("3.1", extra);
	assert_null(provider(0x10000002, -ENOENT));
	assert_null(provider(0x20, -EINVAL));
	emu_proc_stop(&emu);
	start("7.2", NULL);
	assert_null(provider(0x20, -EINVAL));
	/* A software key still makes a software provider. */
	uint8_t soft[KEY_LEN] = {1, 2, 3, 4, 5};
	struct key_config cfg = {.se050_bus = emu.bus};
	assert_int_equal(key_provider_from_config(soft, &cfg, &kp, &why), 0);
	assert_string_equal(kp->ops->name, "soft");
	key_provider_destroy(kp);
}

static void test_applet_without_x25519(void **state)
{
	(void)state;
	const char *extra[] = {"--applet-config", "0x0003", NULL};
	start("3.1", extra);
	assert_null(provider(1, -ENOTSUP));
}

static void test_unsupported_applet(void **state)
{
	(void)state;
	start("6.0", NULL); /* neither SE050 (3.x) nor SE050E/SE051 (7.x) */
	struct se050 *se;
	const char *why = NULL;
	assert_int_equal(se050_open(emu.bus, &se, &why), -ENOTSUP);
	assert_non_null(strstr(why, "applet 6.0 is not supported"));
	assert_non_null(strstr(why, "3.x (SE050 A/B/C/F) and 7.x (SE050E, SE051)"));
	assert_null(provider(0x10, -ENOTSUP));
}

static void test_memory_full_is_enospc(void **state)
{
	(void)state;
	const char *extra[] = {"--max-objects", "1", NULL};
	start("7.2", extra);
	struct se050 *se = session();
	uint32_t free_bytes;
	assert_int_equal(se050_free_memory(se, &free_bytes), 0);
	assert_true(free_bytes > 0);
	assert_int_equal(se050_generate_x25519(se, 0x10, false), 0);
	assert_int_equal(se050_generate_x25519(se, 0x11, false), -ENOSPC);
	assert_int_equal(se050_last_status(se), 0x6A84);
	assert_string_equal(se050_strerror(-ENOSPC), "the SE050's memory is full");
	assert_int_equal(se050_free_memory(se, &free_bytes), 0);
	assert_int_equal(free_bytes, 0);
	se050_close(se);
}

static void test_one_owner(void **state)
{
	(void)state;
	start("3.1", NULL);
	generate(0x10);
	generate(0x11);
	/* Two providers in one process share the session... */
	struct key_provider *a = provider(0x10, 0);
	struct key_provider *b = provider(0x11, 0);
	assert_int_equal(test_provider_dh_round(a), 0);
	assert_int_equal(test_provider_dh_round(b), 0);
	/* ...while a second session on the same chip is refused. */
	struct se050 *se;
	const char *why = NULL;
	assert_int_equal(se050_open(emu.bus, &se, &why), -EBUSY);
	assert_non_null(strstr(why, "in use"));
	key_provider_destroy(a);
	assert_int_equal(test_provider_dh_round(b), 0);
	key_provider_destroy(b);
	/* Released: a session opens again. */
	se = session();
	se050_close(se);
}

static void test_wear_budget(void **state)
{
	(void)state;
	start("3.1", NULL);
	generate(0x30);
	setenv(SE050_RATE_ENV, "0,3", 1); /* three ECDHs, no refill */
	struct key_provider *kp = provider(0x30, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(test_provider_dh_round(kp), -EBUSY);
	assert_int_equal(test_provider_dh_round(kp), -EBUSY);
	/* One line for the episode, naming the cause. */
	assert_int_equal(count_lines(KEY_LOG_ERROR, "busy: the NVM-write budget is spent"), 1);
	key_provider_destroy(kp);
	emu_proc_stop(&emu);
	assert_int_equal(emu_proc_stat(&emu, "ecdh"), 3); /* refused without touching the chip */
	setenv(SE050_RATE_ENV, "thirty", 1);
	start("3.1", NULL);
	assert_null(provider(0x30, -EINVAL));
}

static void test_keys_survive_restart(void **state)
{
	(void)state;
	uint8_t pub[32];
	start("3.1", NULL);
	generate(0x10000009);
	struct key_provider *kp = provider(0x10000009, 0);
	memcpy(pub, kp->public_key, 32);
	key_provider_destroy(kp);
	emu_proc_stop(&emu);
	start("3.1", NULL);
	kp = provider(0x10000009, 0);
	assert_memory_equal(kp->public_key, pub, 32);
	assert_int_equal(test_provider_dh_round(kp), 0);
	key_provider_destroy(kp);
}

static void test_dh_names_a_deleted_key(void **state)
{
	(void)state;
	start("3.1", NULL);
	generate(0x40);
	struct key_provider *kp = provider(0x40, 0);
	assert_int_equal(test_provider_dh_round(kp), 0);
	/* The chip comes back without the key (another store: as if it was deleted). */
	emu_proc_stop(&emu);
	unlink(emu.store);
	start("3.1", NULL);
	assert_int_equal(test_provider_dh_round(kp), -ENOENT);
	assert_int_equal(count_lines(KEY_LOG_ERROR, "no such object in the SE050"), 1);
	key_provider_destroy(kp);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_recovers_from_a_silent_chip(void **state)
{
	(void)state;
	start("3.1", NULL);
	generate(0x50);
	struct key_provider *kp = provider(0x50, 0);
	assert_int_equal(test_provider_dh_round(kp), 0);
	/* Silent for longer than any timeout of the driver: each failure is reported, promptly. */
	kill(emu.pid, SIGSTOP);
	for (int i = 0; i < 2; i++) {
		double t0 = now_s();
		int r = test_provider_dh_round(kp);
		assert_true(r == -EIO || r == -ENODEV);
		assert_true(now_s() - t0 < 15);
	}
	kill(emu.pid, SIGCONT);
	assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(count_lines(KEY_LOG_ERROR, "ECDH failed"), 1);
	assert_int_equal(count_lines(KEY_LOG_NOTICE, "works again after 2 failures"), 1);
	key_provider_destroy(kp);
	emu_proc_stop(&emu);
	/* What the silent chip was sent never ran later: the one ECDH before and two after. */
	assert_int_equal(emu_proc_stat(&emu, "ecdh"), 3);
	assert_int_equal(emu_proc_stat(&emu, "ecdh_repeats"), 0);
}

static void test_recovers_from_an_emulator_restart(void **state)
{
	(void)state;
	start("7.2", NULL);
	generate(0x60);
	struct key_provider *kp = provider(0x60, 0);
	assert_int_equal(test_provider_dh_round(kp), 0);
	emu_proc_kill(&emu);
	for (int i = 0; i < 3; i++)
		assert_int_equal(test_provider_dh_round(kp), -ENODEV);
	start("7.2", NULL); /* same socket, same store */
	assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(count_lines(KEY_LOG_ERROR, "the SE050 does not answer"), 1);
	assert_int_equal(count_lines(KEY_LOG_NOTICE, "works again after 3 failures"), 1);
	/* A second episode is a second pair of lines. */
	emu_proc_kill(&emu);
	assert_int_equal(test_provider_dh_round(kp), -ENODEV);
	start("7.2", NULL);
	assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(count_lines(KEY_LOG_ERROR, "ECDH failed"), 2);
	assert_int_equal(count_lines(KEY_LOG_NOTICE, "works again"), 2);
	key_provider_destroy(kp);
}

struct power_cut {
	struct key_provider *kp;
	int result;
};

static void *dh_thread(void *arg)
{
	struct power_cut *pc = arg;
	pc->result = test_provider_dh_round(pc->kp);
	return NULL;
}

static void test_power_cycle_mid_ecdh(void **state)
{
	(void)state;
	const char *slow[] = {"--latency-ecdh", "600", NULL};
	start("3.1", slow);
	generate(0x70);
	struct power_cut pc = {.kp = provider(0x70, 0)};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, dh_thread, &pc), 0);
	emu_proc_sleep_ms(250); /* the chip is computing, asking for WTX */
	emu_proc_kill(&emu);
	start("3.1", slow); /* power back: same store */
	pthread_join(t, NULL);
	assert_true(pc.result == -ENODEV || pc.result == -EIO);
	assert_int_equal(test_provider_dh_round(pc.kp), 0);
	key_provider_destroy(pc.kp);
	emu_proc_stop(&emu);
	/* The chip after the power cut ran exactly the one ECDH asked of it. */
	assert_int_equal(emu_proc_stat(&emu, "ecdh"), 1);
	assert_int_equal(emu_proc_stat(&emu, "ecdh_repeats"), 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rfc7748_applet_31, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rfc7748_applet_72, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_key_agrees_31, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_key_agrees_72, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_applet_without_x25519, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_applet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_full_is_enospc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wear_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_survive_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dh_names_a_deleted_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovers_from_a_silent_chip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovers_from_an_emulator_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cycle_mid_ecdh, setup, teardown),
};

HWG_TEST_MAIN(tests, NULL, NULL)
