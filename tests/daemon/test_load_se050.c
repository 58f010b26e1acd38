/* The SE050 provider's busy() and budget() through the daemon's under-load decision, against a
 * real se050-emu process: with a wear budget of eight ECDHs and no refill, asking costs no token,
 * budget() counts exactly what is left (the core keeps the last quarter for configured peers and
 * counts itself under load from there: tests/wg/test_async.c), and once the budget is spent the
 * daemon is under load too, before any ECDH is refused (so initiations meet cookies first). */
#include <errno.h>
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

#include "daemon/load.h"
#include "keys/se050_provider.h"
#include "keys/select.h"
#include "se050/bus.h"
#include "se050/se050.h"
#include "support/provider_dh.h"
#include "support/test_main.h"

#define SEC 1000000000ull

static char dir[64], sock[96], bus_spec[128];
static pid_t emu;

static void start_emu(void)
{
	strcpy(dir, "/tmp/hwg-load-se-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/emu.sock", dir);
	snprintf(bus_spec, sizeof(bus_spec), "emu:%s", sock);
	emu = fork();
	assert_true(emu >= 0);
	if (emu == 0) {
		execl(SE050_EMU_PATH, SE050_EMU_PATH, "--socket", sock, "--bwt", "50",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		struct se050_bus *b;
		if (se050_bus_emu_open(sock, &b, NULL) == 0) {
			se050_bus_close(b);
			return;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fail_msg("se050-emu did not start");
}

static void stop_emu(void)
{
	int status;
	char path[128];
	kill(emu, SIGTERM);
	waitpid(emu, &status, 0);
	snprintf(path, sizeof(path), "%s/emu.sock.lock", dir);
	unlink(path);
	unlink(sock);
	rmdir(dir);
}

static void spent_budget_means_under_load(void **state)
{
	start_emu();
	struct se050 *se;
	assert_int_equal(se050_open(bus_spec, &se, NULL), 0);
	assert_int_equal(se050_generate_x25519(se, 0x41, false), 0);
	se050_close(se);

	setenv(SE050_RATE_ENV, "0,8", 1); /* eight ECDHs, no refill; two kept for peers */
	uint8_t handle[KEY_LEN];
	se050_handle_encode(0x41, handle);
	struct key_config cfg = {.se050_bus = bus_spec};
	struct key_provider *kp = NULL;
	const char *why = NULL;
	assert_int_equal(key_provider_from_config(handle, &cfg, &kp, &why), 0);
	assert_string_equal(kp->ops->name, "se050");
	assert_non_null(kp->ops->busy);
	assert_non_null(kp->ops->budget);
	assert_true(key_provider_blocking(kp));

	struct load_monitor m = {0};
	uint64_t now = 10 * SEC;
	unsigned left, capacity;
	/* asking is free: many questions, and every token is still there */
	for (int i = 0; i < 10; i++) {
		assert_false(load_under_load(&m, kp, 0, now));
		key_provider_budget(kp, &left, &capacity);
	}
	assert_int_equal(left, 8);
	assert_int_equal(capacity, 8);
	for (unsigned spent = 1; spent <= 6; spent++) {
		assert_int_equal(test_provider_dh_round(kp), 0);
		key_provider_budget(kp, &left, &capacity);
		assert_int_equal(left, 8 - spent);
		assert_false(key_provider_busy(kp));
		assert_false(load_under_load(&m, kp, 0, now));
	}
	assert_int_equal(key_provider_budget_reserve(capacity), 2); /* the core's reserve */
	assert_int_equal(test_provider_dh_round(kp), 0);
	assert_int_equal(test_provider_dh_round(kp), 0);
	/* spent: busy, and the daemon is under load before any ECDH is refused */
	assert_true(key_provider_busy(kp));
	key_provider_budget(kp, &left, &capacity);
	assert_int_equal(left, 0);
	assert_true(load_under_load(&m, kp, 0, now));
	assert_true(load_under_load(&m, kp, 0, now + 5 * SEC)); /* renewed while it lasts */
	assert_int_equal(test_provider_dh_round(kp), -EBUSY);

	key_provider_destroy(kp);
	unsetenv(SE050_RATE_ENV);
	stop_emu();
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(spent_budget_means_under_load),
};

HWG_TEST_MAIN(tests, NULL, NULL)
