#include "support/provider_dh.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/portable/secure.h"
#include "crypto/x25519.h"

int test_provider_dh_round(struct key_provider *kp)
{
	uint8_t a[32], A[32], chip_side[32], soft_side[32];
	assert_int_equal(x25519_generate(a, A), 0);
	int r = key_provider_dh(kp, chip_side, A);
	if (r == 0) {
		assert_int_equal(x25519(soft_side, a, kp->public_key), 0);
		assert_memory_equal(chip_side, soft_side, 32);
	}
	secure_wipe(a, sizeof(a));
	return r;
}
