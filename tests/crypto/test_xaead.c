/* HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2.1) and XChaCha20-Poly1305 (Appendix A.3.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/xaead.h"
#include "support/hex.h"
#include "support/test_main.h"

static void hchacha20_vector(void **state)
{
	(void)state;
	uint8_t key[32], nonce[16], expect[32], out[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	test_unhex(nonce, "000000090000004a0000000031415927", 16);
	test_unhex(expect, "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc", 32);
	hchacha20(out, key, nonce);
	assert_memory_equal(out, expect, 32);
}

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
                                "only one tip for the future, sunscreen would be it.";
#define PT_LEN 114
static const char a31_ct[] = "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                             "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                             "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                             "21f9664c97637da9768812f615c68b13b52e"
                             "c0875924c1c7987947deafd8780acf49";

static void load_a31(uint8_t key[32], uint8_t nonce[24], uint8_t ad[12], uint8_t ct[PT_LEN + 16])
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	for (int i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	test_unhex(ad, "50515253c0c1c2c3c4c5c6c7", 12);
	test_unhex(ct, a31_ct, PT_LEN + 16);
	assert_int_equal(strlen(sunscreen), PT_LEN);
}

static void xchacha20poly1305_vector(void **state)
{
	(void)state;
	uint8_t key[32], nonce[24], ad[12], expect[PT_LEN + 16], out[PT_LEN + 16], back[PT_LEN];
	load_a31(key, nonce, ad, expect);
	assert_int_equal(
	        xaead_seal(key, nonce, out, (const uint8_t *)sunscreen, PT_LEN, ad, sizeof(ad)), 0);
	assert_memory_equal(out, expect, sizeof(expect));
	assert_int_equal(xaead_open(key, nonce, back, expect, sizeof(expect), ad, sizeof(ad)), 0);
	assert_memory_equal(back, sunscreen, PT_LEN);

	/* In place, as the cookie-reply code may do. */
	uint8_t buf[PT_LEN + 16];
	memcpy(buf, sunscreen, PT_LEN);
	assert_int_equal(xaead_seal(key, nonce, buf, buf, PT_LEN, ad, sizeof(ad)), 0);
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(xaead_open(key, nonce, buf, buf, sizeof(buf), ad, sizeof(ad)), 0);
	assert_memory_equal(buf, sunscreen, PT_LEN);
}

static void xchacha20poly1305_rejects(void **state)
{
	(void)state;
	uint8_t key[32], nonce[24], ad[12], ct[PT_LEN + 16], back[PT_LEN];
	load_a31(key, nonce, ad, ct);
	/* Any nonce byte matters: the first 16 feed HChaCha20, the last 8 the inner nonce. */
	for (int i = 0; i < 24; i++) {
		nonce[i] ^= 0x01;
		assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad)), -1);
		nonce[i] ^= 0x01;
	}
	ct[PT_LEN + 3] ^= 0x10;
	assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad)), -1);
	ct[PT_LEN + 3] ^= 0x10;
	ct[7] ^= 0x10;
	assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad)), -1);
	ct[7] ^= 0x10;
	key[31] ^= 0x01;
	assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad)), -1);
	key[31] ^= 0x01;
	assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad) - 1), -1);
	assert_int_equal(xaead_open(key, nonce, back, ct, 15, ad, sizeof(ad)), -1);
	assert_int_equal(xaead_open(key, nonce, back, ct, sizeof(ct), ad, sizeof(ad)), 0);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(hchacha20_vector),
        cmocka_unit_test(xchacha20poly1305_vector),
        cmocka_unit_test(xchacha20poly1305_rejects),
};

HWG_TEST_MAIN(tests, NULL, NULL)
