/* The fault matrix: every fault kind of se050-emu, on the applet personality given as argv[1] (3.1
 * or 7.2), with a chip slower than BWT (every command takes longer than the BWT it announces, and
 * its WTX requests come 1.3 x BWT apart). Through the key provider, as the daemon uses it, each
 * round asks one ECDH with a fresh peer key. Every row must end with each ECDH recovered or
 * reported cleanly (-EIO), the link usable, and each ECDH performed exactly once on the chip: none
 * run twice (the emulator counts repeated peer keys), none reported done that did not run, and
 * never more runs than requests. The emulator's counters also show the fault was injected, and
 * that the driver kept the guard times and never wrote to a computing chip when it did not have
 * to. Timing is scaled down (BWT 40 ms), which the property allows: the driver's wait follows the
 * ATR (2 x BWT) once the 2 s floor, which only real chips need, is lowered. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/x25519.h"
#include "emu_proc.h"
#include "keys/se050_provider.h"
#include "support/provider_dh.h"
#include "keys/select.h"
#include "se050/se050.h"

#define ROUNDS 6
#define KEY_ID 0x10000042u

static const char *applet = "3.1";

/* A chip slower than BWT: BWT 40 ms, every command 45 ms, an ECDH 105 ms, WTX 52 ms apart. */
static const char *const slow_chip[] = {"--bwt",          "40", "--latency",      "45",
                                        "--latency-ecdh", "60", "--wtx-interval", "52"};
#define SLOW_CHIP_ARGS (sizeof(slow_chip) / sizeof(slow_chip[0]))

struct row {
	const char *fault;
	const char *counter; /* emulator counter that proves the fault happened */
	bool may_fail;       /* the fault destroys commands: some ECDHs may be reported lost */
	bool writes_busy;    /* the host may have to write while the chip computes */
};

static const struct row rows[] = {
        {"crc:2", "crc_injected", false, false},
        {"nak:3", "nak_injected", false, false},
        {"nad0:3", "nad0_injected", false, false},
        {"wtx:1:3", "wtx_sent", false, false},
        {"drop:3", "dropped", false, false},
        {"filler:1", "filler_injected", false, false},
        {"shift:2", "shift_injected", false, false},
        /* The driver never writes to a computing chip, so its writes are never NACKed: the row
         * shows exactly that (busy_nacks stays 0). */
        {"busynack:1", NULL, false, false},
        {"reset:4", "resets", true, true},
};

static void start(struct emu_proc *e, const char *fault)
{
	const char *argv[24];
	size_t n = 0;
	argv[n++] = "--applet";
	argv[n++] = applet;
	for (size_t i = 0; i < SLOW_CHIP_ARGS; i++)
		argv[n++] = slow_chip[i];
	if (fault) {
		argv[n++] = "--fault";
		argv[n++] = fault;
	}
	argv[n] = NULL;
	emu_proc_start(e, argv);
}

static struct key_provider *provider(const struct emu_proc *e)
{
	uint8_t handle[KEY_LEN];
	struct key_config cfg = {.se050_bus = e->bus};
	struct key_provider *kp = NULL;
	const char *why = NULL;
	se050_handle_encode(KEY_ID, handle);
	int r = key_provider_from_config(handle, &cfg, &kp, &why);
	if (r)
		fail_msg("provider: %d (%s)", r, why ? why : "-");
	return kp;
}

static void run_row(const struct row *row)
{
	struct emu_proc e;
	struct se050 *se;
	struct se050_options opt;
	const char *why = NULL;
	emu_proc_init(&e);
	/* The key, made by the driver on a fault-free but equally slow chip. */
	start(&e, NULL);
	assert_int_equal(se050_options_from_env(&opt, &why), 0);
	assert_int_equal(se050_open_with(e.bus, &opt, &se, &why), 0);
	assert_int_equal(se050_generate_x25519(se, KEY_ID, false), 0);
	se050_close(se);
	emu_proc_stop(&e);

	start(&e, row->fault);
	struct key_provider *kp = provider(&e);
	unsigned ok = 0, failed = 0;
	for (unsigned i = 0; i < ROUNDS; i++) {
		int r = test_provider_dh_round(kp);
		if (r == 0) {
			ok++;
		} else {
			if (r != -EIO)
				fail_msg("%s: ECDH failed with %d, not a clean -EIO", row->fault,
				         r);
			failed++;
		}
	}
	key_provider_destroy(kp);
	emu_proc_stop(&e);

	unsigned long long ecdh = emu_proc_stat(&e, "ecdh");
	fprintf(stderr, "applet %s, fault %-10s: %u ok, %u reported lost; chip ran %llu ECDHs\n",
	        applet, row->fault, ok, failed, ecdh);
	if (!row->may_fail)
		assert_int_equal(failed, 0);
	assert_true(ok >= ROUNDS / 2);
	assert_int_equal(emu_proc_stat(&e, "ecdh_repeats"), 0);
	assert_true(ecdh >= ok);
	assert_true(ecdh <= ROUNDS);
	if (!row->may_fail)
		assert_int_equal(ecdh, ROUNDS);
	if (row->counter)
		assert_true(emu_proc_stat(&e, row->counter) > 0);
	assert_int_equal(emu_proc_stat(&e, "guard_nacks"), 0);
	if (!row->writes_busy) {
		assert_int_equal(emu_proc_stat(&e, "busy_nacks"), 0);
		assert_int_equal(emu_proc_stat(&e, "ignored_busy"), 0);
	}
	emu_proc_cleanup(&e);
}

static void test_fault_matrix(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		applet = argv[1];
	if (strcmp(applet, "3.1") != 0 && strcmp(applet, "7.2") != 0) {
		fprintf(stderr, "usage: %s [3.1|7.2]\n", argv[0]);
		return 2;
	}
	setenv(SE050_BLOCK_WAIT_ENV, "0", 1);
	unsetenv(SE050_RATE_ENV);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fault_matrix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
