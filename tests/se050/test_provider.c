/* The SE050 key provider end to end: production driver over the "emu:" bus to a real se050-emu
 * process. Byte order against RFC 7748, DH against software X25519, errors, locking, the wear
 * budget, persistence, and every injected fault. */
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

#include "crypto/x25519.h"
#include "keys/se050.h"
#include "keys/select.h"
#include "rfc7748.h"
#include "se050/bus.h"
#include "se050/se050.h"

struct fixture {
	char dir[64];
	char sock[96];
	char store[96];
	char bus[128];
	pid_t emu;
};

static int setup(void **state)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof(fx));
	strcpy(fx.dir, "/tmp/se-prov-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.sock, sizeof(fx.sock), "%s/emu.sock", fx.dir);
	snprintf(fx.store, sizeof(fx.store), "%s/store", fx.dir);
	snprintf(fx.bus, sizeof(fx.bus), "emu:%s", fx.sock);
	unsetenv(SE050_RATE_ENV);
	*state = &fx;
	return 0;
}

static void stop_emu(struct fixture *fx)
{
	if (fx->emu > 0) {
		int status;
		kill(fx->emu, SIGTERM);
		waitpid(fx->emu, &status, 0);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		fx->emu = 0;
	}
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	stop_emu(fx);
	const char *names[] = {"store", "store.tmp", "emu.sock", "emu.sock.lock"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
		unlink(path);
	}
	rmdir(fx->dir);
	unsetenv(SE050_RATE_ENV);
	return 0;
}

/* Starts se050-emu with a short BWT, the store, and extra options (NULL-terminated). */
static void start_emu(struct fixture *fx, const char *const *extra)
{
	const char *argv[32] = {SE050_EMU_PATH, "--socket", fx->sock, "--store",
	                        fx->store,      "--bwt",    "50"};
	int n = 7;
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	fx->emu = pid;
	/* Wait until it listens. */
	for (int i = 0; i < 300; i++) {
		struct se050_bus *bus;
		if (se050_bus_emu_open(fx->sock, &bus, NULL) == 0) {
			se050_bus_close(bus);
			return;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fail_msg("se050-emu did not start");
}

static struct key_provider *provider(struct fixture *fx, uint32_t id, int expect)
{
	uint8_t handle[KEY_LEN];
	struct key_config cfg = {.se050_bus = fx->bus};
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

static void generate(struct fixture *fx, uint32_t id)
{
	struct se050 *se;
	assert_int_equal(se050_open(fx->bus, &se, NULL), 0);
	assert_int_equal(se050_generate_x25519(se, id, false), 0);
	assert_int_equal(se050_generate_x25519(se, id, false), -EEXIST);
	se050_close(se);
}

/* One DH with a fresh software peer, checked against software X25519 from the peer's side. */
static int dh_round(struct key_provider *kp)
{
	uint8_t a[32], A[32], chip_side[32], soft_side[32];
	assert_int_equal(x25519_generate(a, A), 0);
	int r = key_provider_dh(kp, chip_side, A);
	if (r == 0) {
		assert_int_equal(x25519(soft_side, a, kp->public_key), 0);
		assert_memory_equal(chip_side, soft_side, 32);
	}
	return r;
}

static void test_rfc7748_through_chip(void **state)
{
	struct fixture *fx = *state;
	const char *extra[] = {"--import", "0x10000009:" RFC_ALICE_PRIV_HEX, NULL};
	start_emu(fx, extra);
	struct key_provider *kp = provider(fx, 0x10000009, 0);
	assert_string_equal(kp->ops->name, "se050");
	assert_memory_equal(kp->public_key, rfc_alice_pub, 32);
	uint8_t shared[32];
	assert_int_equal(key_provider_dh(kp, shared, rfc_bob_pub), 0);
	assert_memory_equal(shared, rfc_shared, 32);
	/* config_key is the handle, which is not secret. */
	static const uint8_t handle[32] = {0x09, 0x00, 0x00, 0x10};
	assert_memory_equal(kp->config_key, handle, 32);
	assert_false(kp->config_key_is_private);
	assert_int_equal(kp->queue_depth, 0);
	key_provider_destroy(kp);
}

static void test_generated_key_agrees_with_software(void **state)
{
	struct fixture *fx = *state;
	start_emu(fx, NULL);
	generate(fx, 0x10000002);
	struct key_provider *kp = provider(fx, 0x10000002, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dh_round(kp), 0);
	/* Low-order peers (u = 0 and u = 1) give an all-zero secret, which the host refuses. */
	uint8_t shared[32], u[32] = {0};
	assert_int_equal(key_provider_dh(kp, shared, u), -EINVAL);
	u[0] = 1;
	assert_int_equal(key_provider_dh(kp, shared, u), -EINVAL);
	key_provider_destroy(kp);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	uint8_t handle[KEY_LEN];
	struct key_provider *kp;
	const char *why;
	/* No emulator yet. */
	assert_null(provider(fx, 0x10000002, -ENODEV));
	/* Malformed bus. */
	struct key_config bad = {.se050_bus = "spi:/dev/spidev0"};
	se050_handle_encode(1, handle);
	assert_int_equal(key_provider_from_config(handle, &bad, &kp, &why), -EINVAL);
	bad.se050_bus = "i2c:/dev/i2c-1@0x1234";
	assert_int_equal(key_provider_from_config(handle, &bad, &kp, &why), -EINVAL);
	/* Missing object; an object that is not an X25519 key. */
	const char *extra[] = {"--add-foreign", "0x20", NULL};
	start_emu(fx, extra);
	assert_null(provider(fx, 0x10000002, -ENOENT));
	assert_null(provider(fx, 0x20, -EINVAL));
	/* A software key still makes a software provider. */
	uint8_t soft[KEY_LEN] = {1, 2, 3, 4, 5};
	struct key_config cfg = {.se050_bus = fx->bus};
	assert_int_equal(key_provider_from_config(soft, &cfg, &kp, &why), 0);
	assert_string_equal(kp->ops->name, "soft");
	key_provider_destroy(kp);
}

static void test_applet_without_x25519(void **state)
{
	struct fixture *fx = *state;
	const char *extra[] = {"--applet-config", "0x0003", NULL};
	start_emu(fx, extra);
	assert_null(provider(fx, 1, -ENOTSUP));
}

static void test_one_owner(void **state)
{
	struct fixture *fx = *state;
	start_emu(fx, NULL);
	generate(fx, 0x10);
	generate(fx, 0x11);
	/* Two providers in one process share the session... */
	struct key_provider *a = provider(fx, 0x10, 0);
	struct key_provider *b = provider(fx, 0x11, 0);
	assert_int_equal(dh_round(a), 0);
	assert_int_equal(dh_round(b), 0);
	/* ...while a second session on the same chip is refused. */
	struct se050 *se;
	const char *why = NULL;
	assert_int_equal(se050_open(fx->bus, &se, &why), -EBUSY);
	assert_non_null(strstr(why, "in use"));
	key_provider_destroy(a);
	assert_int_equal(dh_round(b), 0);
	key_provider_destroy(b);
	/* Released: a session opens again. */
	assert_int_equal(se050_open(fx->bus, &se, NULL), 0);
	se050_close(se);
}

static void test_wear_budget(void **state)
{
	struct fixture *fx = *state;
	start_emu(fx, NULL);
	generate(fx, 0x30);
	setenv(SE050_RATE_ENV, "0,3", 1); /* three ECDHs, no refill */
	struct key_provider *kp = provider(fx, 0x30, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dh_round(kp), 0);
	assert_int_equal(dh_round(kp), -EBUSY);
	key_provider_destroy(kp);
	setenv(SE050_RATE_ENV, "thirty", 1);
	assert_null(provider(fx, 0x30, -EINVAL));
}

static void test_keys_survive_restart(void **state)
{
	struct fixture *fx = *state;
	uint8_t pub[32];
	start_emu(fx, NULL);
	generate(fx, 0x10000009);
	struct key_provider *kp = provider(fx, 0x10000009, 0);
	memcpy(pub, kp->public_key, 32);
	key_provider_destroy(kp);
	stop_emu(fx);
	start_emu(fx, NULL);
	kp = provider(fx, 0x10000009, 0);
	assert_memory_equal(kp->public_key, pub, 32);
	assert_int_equal(dh_round(kp), 0);
	key_provider_destroy(kp);
}

/* Runs DH rounds against an emulator with one fault schedule. */
static void faulted_rounds(struct fixture *fx, const char *fault, bool may_fail)
{
	const char *extra[] = {"--fault", fault, NULL};
	start_emu(fx, NULL);
	generate(fx, 0x40);
	stop_emu(fx);
	start_emu(fx, extra);
	struct key_provider *kp = provider(fx, 0x40, 0);
	unsigned ok = 0, failed = 0;
	for (int i = 0; i < 12; i++) {
		int r = dh_round(kp);
		if (r == 0) {
			ok++;
		} else {
			assert_int_equal(r, -EIO);
			failed++;
		}
	}
	if (!may_fail)
		assert_int_equal(failed, 0);
	assert_true(ok >= 6);
	key_provider_destroy(kp);
	stop_emu(fx);
}

static void test_fault_crc(void **state)
{
	faulted_rounds(*state, "crc:2", false);
}

static void test_fault_nak(void **state)
{
	faulted_rounds(*state, "nak:3", false);
}

static void test_fault_wtx(void **state)
{
	faulted_rounds(*state, "wtx:1:3", false);
}

static void test_fault_drop(void **state)
{
	faulted_rounds(*state, "drop:4", false);
}

static void test_fault_reset(void **state)
{
	/* A reset during an ECDH loses it; the provider reports -EIO rather than retrying (each
	 * ECDH writes NVM), and the next one works. */
	faulted_rounds(*state, "reset:5", true);
}

static void test_fault_dead_link_reported(void **state)
{
	struct fixture *fx = *state;
	const char *extra[] = {"--fault", "drop:1", NULL};
	start_emu(fx, NULL);
	generate(fx, 0x50);
	stop_emu(fx);
	start_emu(fx, extra);
	/* Every response is lost: creation fails with an error, promptly and without a crash. */
	assert_null(provider(fx, 0x50, -EIO));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_rfc7748_through_chip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_generated_key_agrees_with_software, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_applet_without_x25519, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_owner, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_wear_budget, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_keys_survive_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_crc, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_nak, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_wtx, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_drop, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_reset, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fault_dead_link_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
