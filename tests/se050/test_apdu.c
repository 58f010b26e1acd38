/* SE05x APDU encoders against the byte layouts of the reference, strict response parsing, and
 * command-side parsing round trips. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "se050/apdu.h"
#include "support/test_main.h"

static void test_select_bytes(void **state)
{
	(void)state;
	/* 00 A4 04 00 10 A0000003965453000000010300000000 00 */
	static const uint8_t expect[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00,
	                                 0x03, 0x96, 0x54, 0x53, 0x00, 0x00, 0x00, 0x01,
	                                 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t out[SE05X_MAX_APDU];
	assert_int_equal(se05x_cmd_select(out), sizeof(expect));
	assert_memory_equal(out, expect, sizeof(expect));
}

static void test_ecdh_bytes(void **state)
{
	(void)state;
	uint8_t peer[32], out[SE05X_MAX_APDU];
	for (int i = 0; i < 32; i++)
		peer[i] = (uint8_t)(0xC0 + i);
	size_t n = se05x_cmd_ecdh(out, 0x10000009, peer);
	/* 80 03 01 0F | 00 00 28 | 41 04 10000009 | 42 20 <peer> | 00 00 */
	static const uint8_t head[] = {0x80, 0x03, 0x01, 0x0F, 0x00, 0x00, 0x28, 0x41,
	                               0x04, 0x10, 0x00, 0x00, 0x09, 0x42, 0x20};
	assert_int_equal(n, sizeof(head) + 32 + 2);
	assert_memory_equal(out, head, sizeof(head));
	assert_memory_equal(out + sizeof(head), peer, 32);
	assert_int_equal(out[n - 2], 0);
	assert_int_equal(out[n - 1], 0);
}

static void test_generate_bytes(void **state)
{
	(void)state;
	uint8_t out[SE05X_MAX_APDU];
	size_t n = se05x_cmd_generate_x25519(out, 0x10000002, 0x04240000, true);
	/* 80 01 61 00 | Lc 14 | 11 09 08 00000000 04240000 | 41 04 10000002 | 42 01 41 */
	static const uint8_t expect[] = {0x80, 0x01, 0x61, 0x00, 0x14, 0x11, 0x09, 0x08, 0x00,
	                                 0x00, 0x00, 0x00, 0x04, 0x24, 0x00, 0x00, 0x41, 0x04,
	                                 0x10, 0x00, 0x00, 0x02, 0x42, 0x01, 0x41};
	assert_int_equal(n, sizeof(expect));
	assert_memory_equal(out, expect, sizeof(expect));
	/* Without the curve (object exists): 3 bytes shorter, Lc adjusted. */
	assert_int_equal(se05x_cmd_generate_x25519(out, 0x10000002, 0x04240000, false), n - 3);
	assert_int_equal(out[4], 0x14 - 3);
}

static void test_small_command_bytes(void **state)
{
	(void)state;
	uint8_t out[SE05X_MAX_APDU];
	static const uint8_t exists[] = {0x80, 0x04, 0x00, 0x27, 0x06, 0x41,
	                                 0x04, 0x7F, 0xFF, 0x02, 0x06};
	assert_int_equal(se05x_cmd_exists(out, 0x7FFF0206), sizeof(exists));
	assert_memory_equal(out, exists, sizeof(exists));
	static const uint8_t del[] = {0x80, 0x04, 0x00, 0x28, 0x06, 0x41,
	                              0x04, 0x00, 0x00, 0x00, 0x01};
	assert_int_equal(se05x_cmd_delete(out, 1), sizeof(del));
	assert_memory_equal(out, del, sizeof(del));
	static const uint8_t read[] = {0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x41,
	                               0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
	assert_int_equal(se05x_cmd_read_object(out, 2), sizeof(read));
	assert_memory_equal(out, read, sizeof(read));
	static const uint8_t list[] = {0x80, 0x02, 0x00, 0x25, 0x00, 0x00, 0x07, 0x41,
	                               0x02, 0x01, 0x02, 0x42, 0x01, 0xFF, 0x00, 0x00};
	assert_int_equal(se05x_cmd_list(out, 0x0102), sizeof(list));
	assert_memory_equal(out, list, sizeof(list));
}

static void test_command_parse_round_trip(void **state)
{
	(void)state;
	uint8_t out[SE05X_MAX_APDU], peer[32] = {1};
	struct se05x_cmd c;
	size_t n = se05x_cmd_ecdh(out, 5, peer);
	assert_int_equal(se05x_cmd_parse(&c, out, n), 0);
	assert_int_equal(c.cla, 0x80);
	assert_int_equal(c.ins, SE05X_INS_CRYPTO);
	assert_int_equal(c.lc, 40);
	assert_true(c.has_le);
	n = se05x_cmd_exists(out, 5);
	assert_int_equal(se05x_cmd_parse(&c, out, n), 0);
	assert_int_equal(c.lc, 6);
	assert_false(c.has_le);
	n = se05x_cmd_select(out);
	assert_int_equal(se05x_cmd_parse(&c, out, n), 0);
	assert_int_equal(c.lc, 16);
	assert_true(c.has_le);
	assert_memory_equal(c.data, se05x_applet_aid, 16);
	/* Every truncation of a command is refused, except those that are valid APDUs of another
	 * case: 5 bytes (case 2), 7 bytes (case 2E) and without Le (case 3E). */
	n = se05x_cmd_ecdh(out, 5, peer);
	assert_int_equal(se05x_cmd_parse(&c, out, 6), -EBADMSG);
	for (size_t k = 8; k < n - 2; k++)
		assert_int_equal(se05x_cmd_parse(&c, out, k), -EBADMSG);
	assert_int_equal(se05x_cmd_parse(&c, out, n - 1), -EBADMSG);
	assert_int_equal(se05x_cmd_parse(&c, out, n - 2), 0);
	assert_false(c.has_le);
	/* Lc claiming more than is there. */
	n = se05x_cmd_exists(out, 5);
	out[4] = 0x07;
	assert_int_equal(se05x_cmd_parse(&c, out, n), -EBADMSG);
}

static void test_response_parse(void **state)
{
	(void)state;
	uint8_t be[32];
	uint8_t rsp[64];
	for (int i = 0; i < 32; i++)
		rsp[2 + i] = (uint8_t)i;
	rsp[0] = 0x41;
	rsp[1] = 0x20;
	rsp[34] = 0x90;
	rsp[35] = 0x00;
	assert_int_equal(se05x_parse_x25519(rsp, 36, be), 0);
	assert_memory_equal(be, rsp + 2, 32);
	/* Truncated anywhere: refused. */
	for (size_t n = 0; n < 36; n++)
		assert_int_not_equal(se05x_parse_x25519(rsp, n, be), 0);
	/* Wrong value length. */
	rsp[1] = 0x1F;
	assert_int_equal(se05x_parse_x25519(rsp, 35, be), -EBADMSG);
	rsp[1] = 0x20;
	/* Error status words map to errnos and must come alone. */
	static const uint8_t denied[] = {0x69, 0x86};
	assert_int_equal(se05x_parse_x25519(denied, 2, be), -EACCES);
	static const uint8_t denied_with_data[] = {0x41, 0x00, 0x69, 0x86};
	assert_int_equal(se05x_parse_x25519(denied_with_data, 4, be), -EBADMSG);
	static const uint8_t nocla[] = {0x6E, 0x00};
	assert_int_equal(se05x_parse_status(nocla, 2), -ENOTSUP);
}

static void test_tlv_lengths(void **state)
{
	(void)state;
	struct se05x_tlv t[4];
	unsigned n;
	uint8_t buf[300] = {0x41, 0x81, 0x80};
	assert_int_equal(se05x_tlv_split(buf, 3 + 0x80, t, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].len, 0x80);
	buf[1] = 0x82;
	buf[2] = 0x01;
	buf[3] = 0x00;
	assert_int_equal(se05x_tlv_split(buf, 4 + 256, t, 4, &n), 0);
	assert_int_equal(t[0].len, 256);
	assert_int_equal(se05x_tlv_split(buf, 4 + 255, t, 4, &n), -EBADMSG);
	/* 0x80 and 0x83+ are not length forms here. */
	buf[1] = 0x80;
	assert_int_equal(se05x_tlv_split(buf, 3, t, 4, &n), -EBADMSG);
	buf[1] = 0x83;
	assert_int_equal(se05x_tlv_split(buf, 6, t, 4, &n), -EBADMSG);
	/* Repeated tags and too many TLVs. */
	static const uint8_t dup[] = {0x41, 0x01, 0x00, 0x41, 0x01, 0x00};
	assert_int_equal(se05x_tlv_split(dup, sizeof(dup), t, 4, &n), -EBADMSG);
	static const uint8_t many[] = {0x41, 0, 0x42, 0, 0x43, 0, 0x44, 0, 0x45, 0};
	assert_int_equal(se05x_tlv_split(many, sizeof(many), t, 4, &n), -EBADMSG);
	assert_int_equal(se05x_tlv_split(many, 8, t, 4, &n), 0);
}

static void test_list_parse(void **state)
{
	(void)state;
	uint32_t ids[4];
	size_t count;
	bool more;
	static const uint8_t page[] = {0x41, 0x01, 0x02, 0x42, 0x08, 0x10, 0x00, 0x00,
	                               0x09, 0x7F, 0xFF, 0x02, 0x06, 0x90, 0x00};
	assert_int_equal(se05x_parse_list(page, sizeof(page), ids, 4, &count, &more), 0);
	assert_int_equal(count, 2);
	assert_true(more);
	assert_int_equal(ids[0], 0x10000009);
	assert_int_equal(ids[1], 0x7FFF0206);
	/* Not enough room: refused rather than truncated. */
	assert_int_equal(se05x_parse_list(page, sizeof(page), ids, 1, &count, &more), -EBADMSG);
	/* The list must be whole ids; "more" must be 1 or 2. */
	uint8_t bad[sizeof(page)];
	memcpy(bad, page, sizeof(page));
	bad[4] = 0x07;
	assert_int_equal(se05x_parse_list(bad, sizeof(page) - 1, ids, 4, &count, &more), -EBADMSG);
	memcpy(bad, page, sizeof(page));
	bad[2] = 0x03;
	assert_int_equal(se05x_parse_list(bad, sizeof(page), ids, 4, &count, &more), -EBADMSG);
	static const uint8_t empty[] = {0x41, 0x01, 0x01, 0x90, 0x00};
	assert_int_equal(se05x_parse_list(empty, sizeof(empty), ids, 4, &count, &more), 0);
	assert_int_equal(count, 0);
	assert_false(more);
}

static void test_select_parse(void **state)
{
	(void)state;
	struct se05x_version v;
	static const uint8_t ok[] = {3, 1, 0, 0x10, 0x9F, 0x01, 0x0B, 0x90, 0x00};
	assert_int_equal(se05x_parse_select(ok, sizeof(ok), &v), 0);
	assert_int_equal(v.major, 3);
	assert_int_equal(v.minor, 1);
	assert_int_equal(v.config, 0x109F);
	assert_true(v.has_secure_box);
	assert_int_equal(v.secure_box, 0x010B);
	assert_true(v.config & SE05X_CONFIG_DH_MONT);
	assert_int_equal(se05x_parse_select(ok + 1, sizeof(ok) - 1, &v), -EBADMSG);
	/* Older applets send five bytes. */
	static const uint8_t short_ok[] = {7, 2, 0, 0x10, 0x9F, 0x90, 0x00};
	assert_int_equal(se05x_parse_select(short_ok, sizeof(short_ok), &v), 0);
	assert_int_equal(v.major, 7);
	assert_false(v.has_secure_box);
	/* An error from the card manager is the chip's refusal, not a bus error. */
	static const uint8_t notfound[] = {0x6A, 0x82};
	assert_int_equal(se05x_parse_select(notfound, 2, &v), -EREMOTEIO);
}

static void test_status_words(void **state)
{
	(void)state;
	assert_int_equal(se05x_sw_errno(0x9000), 0);
	assert_int_equal(se05x_sw_errno(0x6A84), -ENOSPC); /* NVM full */
	assert_int_equal(se05x_sw_errno(0x6A89), -EEXIST);
	assert_int_equal(se05x_sw_errno(0x6581), -EREMOTEIO);
	assert_int_equal(se05x_sw_errno(0x6985), -EPERM);
	assert_int_equal(se05x_sw_errno(0x6986), -EACCES);
	assert_int_equal(se05x_sw_errno(0x6A80), -EINVAL);
	assert_int_equal(se05x_sw_errno(0x6F00), -EREMOTEIO);
	/* -EIO is the link's: no status word maps to it. */
	for (unsigned sw = 0x6000; sw <= 0x6FFF; sw++)
		assert_int_not_equal(se05x_sw_errno((uint16_t)sw), -EIO);
}

static void test_applet_7x_commands(void **state)
{
	(void)state;
	uint8_t out[SE05X_MAX_APDU];
	/* CreateECCurve(MONT_DH_25519): 80 01 0B 04 | 03 | 41 01 41 (se05x_APDU_impl.h). */
	static const uint8_t create[] = {0x80, 0x01, 0x0B, 0x04, 0x03, 0x41, 0x01, 0x41};
	assert_int_equal(se05x_cmd_create_curve(out, SE05X_CURVE_MONT_DH_25519), sizeof(create));
	assert_memory_equal(out, create, sizeof(create));
	/* GetVersion: 80 04 00 20 00 (case 2). */
	static const uint8_t version[] = {0x80, 0x04, 0x00, 0x20, 0x00};
	assert_int_equal(se05x_cmd_get_version(out), sizeof(version));
	assert_memory_equal(out, version, sizeof(version));
	/* GetFreeMemory(persistent): 80 04 00 22 | 00 00 03 | 41 01 01 | 00 00. */
	static const uint8_t mem[] = {0x80, 0x04, 0x00, 0x22, 0x00, 0x00,
	                              0x03, 0x41, 0x01, 0x01, 0x00, 0x00};
	assert_int_equal(se05x_cmd_free_memory(out, SE05X_MEMORY_PERSISTENT), sizeof(mem));
	assert_memory_equal(out, mem, sizeof(mem));
	/* Types: 3.x's generic pair needs the curve; 7.x's type names it. */
	assert_true(se05x_is_x25519_key_pair(0x01, 0x41));
	assert_false(se05x_is_x25519_key_pair(0x01, 0x03));
	assert_true(se05x_is_x25519_key_pair(0x69, 0x00));
	assert_false(se05x_is_x25519_key_pair(0x29, 0x03));
	assert_true(se05x_type_is_ec_key_pair(0x29));
	assert_true(se05x_type_is_ec_key_pair(0x71));
	assert_false(se05x_type_is_ec_key_pair(0x2A)); /* a private key alone */
	assert_false(se05x_type_is_ec_key_pair(0x0B)); /* a binary file */
}

static void test_import_bytes(void **state)
{
	(void)state;
	uint8_t out[SE05X_MAX_APDU], priv[32], pub[32];
	for (int i = 0; i < 32; i++) {
		priv[i] = (uint8_t)(0xA0 + i);
		pub[i] = (uint8_t)(0x10 + i);
	}
	size_t n = se05x_cmd_import_x25519(out, 0x10000002, 0x04240000, true, priv, pub);
	/* The generate command's head, Lc grown by 2 x 34, then 43 20 <priv> 44 20 <pub>. */
	uint8_t gen[SE05X_MAX_APDU];
	size_t g = se05x_cmd_generate_x25519(gen, 0x10000002, 0x04240000, true);
	assert_int_equal(n, g + 68);
	assert_int_equal(out[4], gen[4] + 68);
	assert_memory_equal(out + 5, gen + 5, g - 5);
	assert_int_equal(out[g], 0x43);
	assert_int_equal(out[g + 1], 0x20);
	assert_memory_equal(out + g + 2, priv, 32);
	assert_int_equal(out[g + 34], 0x44);
	assert_int_equal(out[g + 35], 0x20);
	assert_memory_equal(out + g + 36, pub, 32);
}

static void test_version_and_memory_parse(void **state)
{
	(void)state;
	struct se05x_version v;
	uint32_t bytes;
	static const uint8_t version[] = {0x41, 0x07, 7, 2, 0, 0x10, 0x9F, 0x01, 0x0B, 0x90, 0x00};
	assert_int_equal(se05x_parse_version(version, sizeof(version), &v), 0);
	assert_int_equal(v.major, 7);
	assert_int_equal(v.minor, 2);
	assert_int_equal(v.config, 0x109F);
	for (size_t n = 0; n < sizeof(version); n++)
		assert_int_not_equal(se05x_parse_version(version, n, &v), 0);
	static const uint8_t mem[] = {0x41, 0x02, 0x7F, 0xFF, 0x90, 0x00};
	assert_int_equal(se05x_parse_free_memory(mem, sizeof(mem), &bytes), 0);
	assert_int_equal(bytes, 32767);
	static const uint8_t mem4[] = {0x41, 0x04, 0x00, 0x01, 0x00, 0x00, 0x90, 0x00};
	assert_int_equal(se05x_parse_free_memory(mem4, sizeof(mem4), &bytes), 0);
	assert_int_equal(bytes, 65536);
	static const uint8_t mem3[] = {0x41, 0x03, 0x00, 0x01, 0x00, 0x90, 0x00};
	assert_int_equal(se05x_parse_free_memory(mem3, sizeof(mem3), &bytes), -EBADMSG);
}

static void test_empty_list_with_tag2(void **state)
{
	(void)state;
	uint32_t ids[4];
	size_t count = 9;
	bool more = true;
	/* A real chip sends the id list even when it is empty: 41 01 01 42 00 90 00. */
	static const uint8_t empty[] = {0x41, 0x01, 0x01, 0x42, 0x00, 0x90, 0x00};
	assert_int_equal(se05x_parse_list(empty, sizeof(empty), ids, 4, &count, &more), 0);
	assert_int_equal(count, 0);
	assert_false(more);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_bytes),
        cmocka_unit_test(test_ecdh_bytes),
        cmocka_unit_test(test_generate_bytes),
        cmocka_unit_test(test_small_command_bytes),
        cmocka_unit_test(test_command_parse_round_trip),
        cmocka_unit_test(test_response_parse),
        cmocka_unit_test(test_tlv_lengths),
        cmocka_unit_test(test_list_parse),
        cmocka_unit_test(test_select_parse),
        cmocka_unit_test(test_status_words),
        cmocka_unit_test(test_applet_7x_commands),
        cmocka_unit_test(test_import_bytes),
        cmocka_unit_test(test_version_and_memory_parse),
        cmocka_unit_test(test_empty_list_with_tag2),
};

HWG_TEST_MAIN(tests, NULL, NULL)
