/* The emulated SE05x applet driven with the host's own APDU encoders: RFC 7748 vectors in the
 * chip's big-endian order, object policies, paging, and the crash-safe store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/x25519.h"
#include "emu_applet.h"
#include "se050/apdu.h"
#include "se050/se050.h"
#include "support/rfc7748.h"
#include "support/test_main.h"

struct fixture {
	struct emu_store store;
	struct emu_applet applet;
	uint8_t rsp[SE05X_MAX_RSP];
	size_t rlen;
};

/* The chip's byte order is big-endian; RFC 7748 writes little-endian. */
static void rfc_reverse(uint8_t out[32], const uint8_t in[32])
{
	for (int i = 0; i < 32; i++)
		out[i] = in[31 - i];
}

static int setup(void **state)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(emu_store_load(&fx.store, NULL), 0);
	emu_applet_init(&fx.applet, &fx.store);
	*state = &fx;
	return 0;
}

static uint16_t run(struct fixture *fx, const uint8_t *cmd, size_t n)
{
	unsigned latency;
	fx->rlen = emu_applet_process(&fx->applet, cmd, n, fx->rsp, &latency);
	assert_true(fx->rlen >= 2);
	return (uint16_t)(fx->rsp[fx->rlen - 2] << 8 | fx->rsp[fx->rlen - 1]);
}

static void select_applet(struct fixture *fx)
{
	uint8_t cmd[SE05X_MAX_APDU];
	struct se05x_version v;
	assert_int_equal(run(fx, cmd, se05x_cmd_select(cmd)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_select(fx->rsp, fx->rlen, &v), 0);
	assert_true(v.config & SE05X_CONFIG_DH_MONT);
	assert_int_equal(v.major, fx->applet.version[0]);
}

static void add_alice(struct fixture *fx, uint32_t id, bool has_policy, uint32_t rules)
{
	struct emu_object *o = emu_store_add(&fx->store, id);
	assert_non_null(o);
	o->type = SE05X_TYPE_EC_KEY_PAIR;
	o->curve = SE05X_CURVE_MONT_DH_25519;
	o->has_policy = has_policy;
	o->rules = rules;
	memcpy(o->priv, rfc7748.alice_priv, 32);
	assert_int_equal(x25519_public_key(o->pub, o->priv), 0);
}

/* ECDH on object id with Bob's public key in the chip's byte order: the RFC's shared secret comes
 * back reversed. */
static void ecdh_with_bob(struct fixture *fx, uint32_t id)
{
	uint8_t cmd[SE05X_MAX_APDU], bob_be[32], be[32], expect[32];
	rfc_reverse(bob_be, rfc7748.bob_pub);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, id, bob_be)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_x25519(fx->rsp, fx->rlen, be), 0);
	rfc_reverse(expect, rfc7748.shared);
	assert_memory_equal(be, expect, 32);
}

static void test_needs_select(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU];
	assert_int_equal(run(fx, cmd, se05x_cmd_exists(cmd, 1)), SE05X_SW_CLA_UNKNOWN);
	select_applet(fx);
	assert_int_equal(run(fx, cmd, se05x_cmd_exists(cmd, 1)), SE05X_SW_OK);
	emu_applet_reset(&fx->applet);
	assert_int_equal(run(fx, cmd, se05x_cmd_exists(cmd, 1)), SE05X_SW_CLA_UNKNOWN);
}

static void test_rfc7748_big_endian(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU], be[32], expect[32];
	select_applet(fx);
	add_alice(fx, 0x10000009, false, 0);
	/* ReadObject returns Alice's public key byte-reversed. */
	assert_int_equal(run(fx, cmd, se05x_cmd_read_object(cmd, 0x10000009)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_x25519(fx->rsp, fx->rlen, be), 0);
	rfc_reverse(expect, rfc7748.alice_pub);
	assert_memory_equal(be, expect, 32);
	/* ECDH takes Bob's key reversed and returns the shared secret reversed. */
	ecdh_with_bob(fx, 0x10000009);
	/* Sent in RFC order by mistake, the same bytes give a different result. */
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 0x10000009, rfc7748.bob_pub)),
	                 SE05X_SW_OK);
	assert_int_equal(se05x_parse_x25519(fx->rsp, fx->rlen, be), 0);
	assert_memory_not_equal(be, expect, 32);
	assert_int_equal(fx->applet.ecdh_count, 2);
	assert_int_equal(fx->store.nvm_writes, 2);
}

static void test_low_order_peer_gives_zero(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU], zero[32] = {0}, be[32];
	select_applet(fx);
	add_alice(fx, 7, false, 0);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 7, zero)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_x25519(fx->rsp, fx->rlen, be), 0);
	assert_memory_equal(be, zero, 32);
}

static void test_policies(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU], peer[32] = {9};
	select_applet(fx);
	/* Generated with hwguard's policy: no regeneration in place. */
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 5, SE050_KEY_POLICY, true)),
	                 SE05X_SW_OK);
	struct emu_object *o = emu_store_find(&fx->store, 5);
	assert_non_null(o);
	assert_true(o->has_policy);
	assert_int_equal(o->rules, SE050_KEY_POLICY);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 5, SE050_KEY_POLICY, false)),
	                 SE05X_SW_NOT_ALLOWED);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 5, peer)), SE05X_SW_OK);
	/* Read-only key: ECDH refused, reading allowed, deletion refused. */
	add_alice(fx, 6, true, SE05X_POLICY_ALLOW_READ);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 6, peer)), SE05X_SW_NOT_ALLOWED);
	assert_int_equal(run(fx, cmd, se05x_cmd_read_object(cmd, 6)), SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_delete(cmd, 6)), SE05X_SW_NOT_ALLOWED);
	/* Deletion with ALLOW_DELETE. */
	assert_int_equal(run(fx, cmd, se05x_cmd_delete(cmd, 5)), SE05X_SW_OK);
	uint8_t v;
	assert_int_equal(run(fx, cmd, se05x_cmd_exists(cmd, 5)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_u8(fx->rsp, fx->rlen, &v), 0);
	assert_int_equal(v, SE05X_RESULT_FAILURE);
	/* Missing objects. */
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 5, peer)), SE05X_SW_WRONG_DATA);
	assert_int_equal(run(fx, cmd, se05x_cmd_read_type(cmd, 5)), SE05X_SW_WRONG_DATA);
}

static void test_list_pages(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU];
	uint32_t ids[EMU_LIST_PAGE];
	size_t count;
	bool more;
	select_applet(fx);
	for (uint32_t i = 1; i <= 70; i++)
		add_alice(fx, 0x100 + i, false, 0);
	assert_int_equal(run(fx, cmd, se05x_cmd_list(cmd, 0)), SE05X_SW_OK);
	assert_true(fx->rlen > 254); /* a response that needs T=1 chaining */
	assert_int_equal(se05x_parse_list(fx->rsp, fx->rlen, ids, EMU_LIST_PAGE, &count, &more), 0);
	assert_int_equal(count, EMU_LIST_PAGE);
	assert_true(more);
	assert_int_equal(ids[0], 0x101);
	assert_int_equal(run(fx, cmd, se05x_cmd_list(cmd, EMU_LIST_PAGE)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_list(fx->rsp, fx->rlen, ids, EMU_LIST_PAGE, &count, &more), 0);
	assert_int_equal(count, 6);
	assert_false(more);
	assert_int_equal(ids[5], 0x100 + 70);
}

static void test_store_persists_and_detects_damage(void **state)
{
	struct fixture *fx = *state;
	char dir[] = "/tmp/se-store-XXXXXX";
	char path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store", dir);
	assert_int_equal(emu_store_load(&fx->store, path), 0); /* missing: empty */
	assert_int_equal(fx->store.n, 0);
	add_alice(fx, 42, true, SE050_KEY_POLICY);
	assert_int_equal(emu_store_save(&fx->store), 0);

	static struct emu_store again;
	assert_int_equal(emu_store_load(&again, path), 0);
	assert_int_equal(again.n, 1);
	assert_int_equal(again.obj[0].id, 42);
	assert_int_equal(again.obj[0].rules, SE050_KEY_POLICY);
	assert_memory_equal(again.obj[0].priv, rfc7748.alice_priv, 32);
	assert_memory_equal(again.obj[0].pub, rfc7748.alice_pub, 32);

	/* One flipped byte is detected. */
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 20, SEEK_SET);
	int c = fgetc(f);
	fseek(f, 20, SEEK_SET);
	fputc(c ^ 1, f);
	fclose(f);
	assert_int_equal(emu_store_load(&again, path), -EBADMSG);
	/* No temporary file is left behind. */
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
	unlink(path);
	rmdir(dir);
}

static uint8_t read_type(struct fixture *fx, uint32_t id)
{
	uint8_t cmd[SE05X_MAX_APDU], type;
	assert_int_equal(run(fx, cmd, se05x_cmd_read_type(cmd, id)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_type(fx->rsp, fx->rlen, &type), 0);
	return type;
}

static void test_applet_72_personality(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU];
	struct se05x_version v;
	assert_int_equal(emu_applet_set_version(&fx->applet, 7, 2), 0);
	assert_int_not_equal(emu_applet_set_version(&fx->applet, 256, 0), 0);
	select_applet(fx);
	assert_int_equal(run(fx, cmd, se05x_cmd_get_version(cmd)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_version(fx->rsp, fx->rlen, &v), 0);
	assert_int_equal(v.major, 7);
	assert_int_equal(v.minor, 2);
	/* A key on a curve that was never created is refused; CreateECCurve, then it works, and a
	 * second CreateECCurve answers "already exists". */
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 5, SE050_KEY_POLICY, true)),
	                 SE05X_SW_CONDITIONS);
	assert_int_equal(run(fx, cmd, se05x_cmd_create_curve(cmd, SE05X_CURVE_MONT_DH_25519)),
	                 SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_create_curve(cmd, SE05X_CURVE_MONT_DH_25519)),
	                 SE05X_SW_EXISTS);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 5, SE050_KEY_POLICY, true)),
	                 SE05X_SW_OK);
	/* ReadType gives the per-curve type; a P-256 pair gets its own. */
	assert_int_equal(read_type(fx, 5), SE05X_TYPE_EC_KEY_PAIR_X25519);
	struct emu_object *p256 = emu_store_add(&fx->store, 6);
	p256->type = SE05X_TYPE_EC_KEY_PAIR;
	p256->curve = 0x03;
	assert_int_equal(read_type(fx, 6), 0x29);
	/* On 3.1 the same objects have the generic type, and CreateECCurve is not needed. */
	emu_applet_set_version(&fx->applet, 3, 1);
	assert_int_equal(read_type(fx, 5), SE05X_TYPE_EC_KEY_PAIR);
	assert_int_equal(read_type(fx, 6), SE05X_TYPE_EC_KEY_PAIR);
}

static void test_import_through_apdus(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU], priv_be[32], pub_be[32], be[32];
	select_applet(fx);
	rfc_reverse(priv_be, rfc7748.alice_priv);
	rfc_reverse(pub_be, rfc7748.alice_pub);
	size_t n = se05x_cmd_import_x25519(cmd, 9, SE050_KEY_POLICY, true, priv_be, pub_be);
	assert_int_equal(run(fx, cmd, n), SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_read_object(cmd, 9)), SE05X_SW_OK);
	assert_int_equal(se05x_parse_x25519(fx->rsp, fx->rlen, be), 0);
	assert_memory_equal(be, pub_be, 32);
	ecdh_with_bob(fx, 9);
	/* A public key that does not belong to the private key is refused. */
	pub_be[5] ^= 1;
	n = se05x_cmd_import_x25519(cmd, 10, SE050_KEY_POLICY, true, priv_be, pub_be);
	assert_int_equal(run(fx, cmd, n), SE05X_SW_WRONG_DATA);
	assert_null(emu_store_find(&fx->store, 10));
}

static void test_memory_full_and_free_memory(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU];
	uint32_t free_bytes;
	fx->applet.max_objects = 2;
	select_applet(fx);
	assert_int_equal(run(fx, cmd, se05x_cmd_free_memory(cmd, SE05X_MEMORY_PERSISTENT)),
	                 SE05X_SW_OK);
	assert_int_equal(se05x_parse_free_memory(fx->rsp, fx->rlen, &free_bytes), 0);
	assert_int_equal(free_bytes, 2 * EMU_OBJECT_NVM_BYTES);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 1, SE050_KEY_POLICY, true)),
	                 SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 2, SE050_KEY_POLICY, true)),
	                 SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 3, SE050_KEY_POLICY, true)),
	                 SE05X_SW_NVM_FULL);
	assert_int_equal(se05x_sw_errno(SE05X_SW_NVM_FULL), -ENOSPC);
	assert_int_equal(run(fx, cmd, se05x_cmd_free_memory(cmd, SE05X_MEMORY_PERSISTENT)),
	                 SE05X_SW_OK);
	assert_int_equal(se05x_parse_free_memory(fx->rsp, fx->rlen, &free_bytes), 0);
	assert_int_equal(free_bytes, 0);
	/* The empty list of another filter still carries TAG_2, as a real chip's does. */
	uint8_t list[] = {0x80, 0x02, 0x00, 0x25, 0x00, 0x00, 0x07, 0x41,
	                  0x02, 0x00, 0x00, 0x42, 0x01, 0x0B, 0x00, 0x00};
	assert_int_equal(run(fx, list, sizeof(list)), SE05X_SW_OK);
	static const uint8_t empty[] = {0x41, 0x01, 0x01, 0x42, 0x00, 0x90, 0x00};
	assert_int_equal(fx->rlen, sizeof(empty));
	assert_memory_equal(fx->rsp, empty, sizeof(empty));
}

static void test_unwritable_store_is_a_memory_failure(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU];
	char dir[] = "/tmp/se-ro-XXXXXX", sub[64], path[96];
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/gone", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/store", sub);
	assert_int_equal(emu_store_load(&fx->store, path), 0);
	assert_int_equal(rmdir(sub), 0); /* the store's directory vanished under the emulator */
	select_applet(fx);
	assert_int_equal(run(fx, cmd, se05x_cmd_generate_x25519(cmd, 1, SE050_KEY_POLICY, true)),
	                 SE05X_SW_MEMORY_FAILURE);
	assert_int_equal(fx->store.n, 0); /* nothing half-created */
	assert_int_equal(se05x_sw_errno(SE05X_SW_MEMORY_FAILURE), -EREMOTEIO);
	rmdir(dir);
}

static void test_repeated_ecdh_is_counted(void **state)
{
	struct fixture *fx = *state;
	uint8_t cmd[SE05X_MAX_APDU], a[32] = {9}, b[32] = {10};
	select_applet(fx);
	add_alice(fx, 7, false, 0);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 7, a)), SE05X_SW_OK);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 7, b)), SE05X_SW_OK);
	assert_int_equal(fx->applet.ecdh_repeats, 0);
	assert_int_equal(run(fx, cmd, se05x_cmd_ecdh(cmd, 7, a)), SE05X_SW_OK);
	assert_int_equal(fx->applet.ecdh_count, 3);
	assert_int_equal(fx->applet.ecdh_repeats, 1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_needs_select, setup),
        cmocka_unit_test_setup(test_rfc7748_big_endian, setup),
        cmocka_unit_test_setup(test_low_order_peer_gives_zero, setup),
        cmocka_unit_test_setup(test_policies, setup),
        cmocka_unit_test_setup(test_list_pages, setup),
        cmocka_unit_test_setup(test_store_persists_and_detects_damage, setup),
        cmocka_unit_test_setup(test_applet_72_personality, setup),
        cmocka_unit_test_setup(test_import_through_apdus, setup),
        cmocka_unit_test_setup(test_memory_full_and_free_memory, setup),
        cmocka_unit_test_setup(test_unwritable_store_is_a_memory_failure, setup),
        cmocka_unit_test_setup(test_repeated_ecdh_is_counted, setup),
};

HWG_TEST_MAIN(tests, NULL, NULL)
