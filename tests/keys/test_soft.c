/* The software key provider (RFC 7748 §6.1 key pair) and the rule that tells an SE050 handle from a
 * software key (DESIGN.md "Naming a key"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keys/select.h"
#include "keys/soft.h"
#include "support/rfc7748.h"
#include "support/test_main.h"

static void rfc7748_pair_through_provider(void **state)
{
	(void)state;
	const uint8_t *pub = rfc7748.alice_pub, *peer = rfc7748.bob_pub, *want = rfc7748.shared;
	uint8_t priv[32], got[32];
	memcpy(priv, rfc7748.alice_priv, 32);

	struct key_provider *kp = soft_key_provider_new(priv);
	assert_non_null(kp);
	assert_string_equal(kp->ops->name, "soft");
	assert_memory_equal(kp->public_key, pub, 32);
	assert_true(kp->config_key_is_private);
	/* config_key is the clamped private key: what wireguard-go reports in `get`. */
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
	assert_memory_equal(kp->config_key, priv, 32);
	assert_int_equal(key_provider_dh(kp, got, peer), 0);
	assert_memory_equal(got, want, 32);
	key_provider_destroy(kp);
}

static void low_order_peer_rejected(void **state)
{
	(void)state;
	uint8_t priv[32], zero_point[32] = {0}, out[32];
	memcpy(priv, rfc7748.alice_priv, 32);
	struct key_provider *kp = soft_key_provider_new(priv);
	assert_non_null(kp);
	assert_int_not_equal(key_provider_dh(kp, out, zero_point), 0);
	key_provider_destroy(kp);
}

static void handle_recognised(void **state)
{
	(void)state;
	uint8_t key[32] = {0x09, 0x00, 0x00, 0x10}; /* 0x10000009, the talk's example */
	uint32_t id = 0;
	assert_true(key_is_se050_handle(key, &id));
	assert_int_equal(id, 0x10000009);

	uint8_t zero[32] = {0};
	assert_false(key_is_se050_handle(zero, &id)); /* all zeros means "no key" in UAPI */

	assert_false(key_is_se050_handle(rfc7748.alice_priv, &id));
	key[31] = 1; /* any byte past the id makes it a software key */
	assert_false(key_is_se050_handle(key, &id));
}

static void software_key_selected(void **state)
{
	(void)state;
	uint8_t priv[32];
	memcpy(priv, rfc7748.alice_priv, 32);
	struct key_provider *kp = NULL;
	const char *msg = NULL;
	assert_int_equal(key_provider_from_config(priv, NULL, &kp, &msg), 0);
	assert_non_null(kp);
	assert_string_equal(kp->ops->name, "soft");
	key_provider_destroy(kp);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7748_pair_through_provider),
        cmocka_unit_test(low_order_peer_rejected),
        cmocka_unit_test(handle_recognised),
        cmocka_unit_test(software_key_selected),
};

HWG_TEST_MAIN(tests, NULL, NULL)
