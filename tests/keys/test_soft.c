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
#include "support/hex.h"

static void rfc7748_pair_through_provider(void **state)
{
	(void)state;
	uint8_t priv[32], pub[32], peer[32], want[32], got[32];
	test_unhex(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	test_unhex(pub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", 32);
	test_unhex(peer, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", 32);
	test_unhex(want, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", 32);

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
	test_unhex(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
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

	uint8_t soft[32];
	test_unhex(soft, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	assert_false(key_is_se050_handle(soft, &id));
	key[31] = 1; /* any byte past the id makes it a software key */
	assert_false(key_is_se050_handle(key, &id));
}

static void software_key_selected(void **state)
{
	(void)state;
	uint8_t priv[32];
	test_unhex(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	struct key_provider *kp = NULL;
	const char *msg = NULL;
	assert_int_equal(key_provider_from_config(priv, NULL, &kp, &msg), 0);
	assert_non_null(kp);
	assert_string_equal(kp->ops->name, "soft");
	key_provider_destroy(kp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(rfc7748_pair_through_provider),
	        cmocka_unit_test(low_order_peer_rejected),
	        cmocka_unit_test(handle_recognised),
	        cmocka_unit_test(software_key_selected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
