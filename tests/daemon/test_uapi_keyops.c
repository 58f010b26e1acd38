/* hwguard's UAPI key operations (hwguard_key=1): framing beside get and set, the strict parser,
 * and the request hwguard-key sends parsing back to the same operation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/uapi_frame.h"
#include "daemon/uapi_keyops.h"
#include "support/test_main.h"

static int parse(const char *body, struct uapi_key_op *op, size_t *line)
{
	const char *why = NULL;
	int err = uapi_parse_key_op(body, strlen(body), op, line, &why);
	if (err)
		assert_non_null(why);
	return err;
}

static void valid_operations(void **state)
{
	struct uapi_key_op op;
	size_t line;
	assert_int_equal(parse("op=genkey\nobject_id=268435465\n", &op, &line), 0);
	assert_int_equal(op.kind, UAPI_KEY_GENKEY);
	assert_int_equal(op.object_id, 0x10000009);
	assert_false(op.force);
	assert_int_equal(parse("object_id=5\nop=genkey\nforce=true\n", &op, &line), 0);
	assert_true(op.force);
	assert_int_equal(parse("op=pubkey\nobject_id=4294967295\n", &op, &line), 0);
	assert_int_equal(op.object_id, 0xffffffffu);
	assert_int_equal(parse("op=list\n", &op, &line), 0);
	assert_int_equal(op.kind, UAPI_KEY_LIST);
	assert_int_equal(parse("op=delete\nobject_id=7\n", &op, &line), 0);
	assert_int_equal(op.kind, UAPI_KEY_DELETE);
}

static void invalid_operations(void **state)
{
	struct uapi_key_op op;
	size_t line;
	assert_int_equal(parse("op=genkey\nobject_id\n", &op, &line), -EPROTO);
	assert_int_equal(line, 2);
	assert_int_equal(parse("op=format\n", &op, &line), -EINVAL);
	assert_int_equal(line, 1);
	assert_int_equal(parse("op=genkey\nobject_id=0x10\n", &op, &line), -EINVAL);
	assert_int_equal(line, 2);
	assert_int_equal(parse("op=genkey\nobject_id=0\n", &op, &line), -EINVAL);
	assert_int_equal(parse("op=genkey\nobject_id=4294967296\n", &op, &line), -EINVAL);
	assert_int_equal(parse("op=genkey\nobject_id=-1\n", &op, &line), -EINVAL);
	assert_int_equal(parse("op=genkey\nobject_id=1\nforce=yes\n", &op, &line), -EINVAL);
	assert_int_equal(line, 3);
	assert_int_equal(parse("op=genkey\nop=list\n", &op, &line), -EINVAL);
	assert_int_equal(line, 2);
	assert_int_equal(parse("op=genkey\nobject_id=1\nbus=emu:/x\n", &op, &line), -EINVAL);
	/* whole-request errors: line 0 */
	assert_int_equal(parse("object_id=1\n", &op, &line), -EINVAL);
	assert_int_equal(line, 0);
	assert_int_equal(parse("op=genkey\n", &op, &line), -EINVAL);
	assert_int_equal(parse("op=list\nobject_id=1\n", &op, &line), -EINVAL);
	assert_int_equal(parse("op=delete\nobject_id=1\nforce=true\n", &op, &line), -EINVAL);
	assert_int_equal(parse("", &op, &line), -EINVAL);
}

static void framed_and_round_trip(void **state)
{
	const struct uapi_key_op ops[] = {
	        {.kind = UAPI_KEY_GENKEY, .object_id = 0x10000009, .force = true},
	        {.kind = UAPI_KEY_PUBKEY, .object_id = 1},
	        {.kind = UAPI_KEY_LIST},
	        {.kind = UAPI_KEY_DELETE, .object_id = 0x7bffffff},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct strbuf sb;
		strbuf_init(&sb);
		uapi_format_key_op(&sb, &ops[i]);
		strbuf_append(&sb, "get=1\n\n", 7);
		struct uapi_frame f;
		uapi_frame_next(sb.data, sb.len, &f);
		assert_int_equal(f.kind, UAPI_FRAME_KEY_OP);
		assert_int_equal(f.consumed, sb.len - 7);
		struct uapi_key_op back;
		assert_int_equal(
		        uapi_parse_key_op(sb.data + f.body_off, f.body_len, &back, NULL, NULL), 0);
		assert_memory_equal(&back, &ops[i], sizeof(back));
		/* the next request on the connection is still found */
		uapi_frame_next(sb.data + f.consumed, sb.len - f.consumed, &f);
		assert_int_equal(f.kind, UAPI_FRAME_GET);
		strbuf_free(&sb);
	}
	struct uapi_frame f;
	uapi_frame_next("hwguard_key=1\nop=list\n", 22, &f);
	assert_int_equal(f.kind, UAPI_FRAME_INCOMPLETE);
	uapi_frame_next("hwguard_key=2\n\n", 15, &f);
	assert_int_equal(f.kind, UAPI_FRAME_UNKNOWN);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_operations),
        cmocka_unit_test(invalid_operations),
        cmocka_unit_test(framed_and_round_trip),
};

HWG_TEST_MAIN(tests, NULL, NULL)
