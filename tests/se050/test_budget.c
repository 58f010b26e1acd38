/* The NVM-wear token bucket, with time passed in explicitly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "se050/budget.h"
#include "support/test_main.h"

static void test_burst_then_refill(void **state)
{
	(void)state;
	struct nvm_budget b;
	nvm_budget_init(&b, 4, 60, 1000); /* 4 at once, then one per second */
	for (int i = 0; i < 4; i++)
		assert_true(nvm_budget_take(&b, 1000));
	assert_false(nvm_budget_take(&b, 1000));
	assert_false(nvm_budget_take(&b, 1999));
	assert_true(nvm_budget_take(&b, 2000));
	assert_false(nvm_budget_take(&b, 2000));
	/* A long idle period refills to the burst, not beyond. */
	for (int i = 0; i < 4; i++)
		assert_true(nvm_budget_take(&b, 1000000));
	assert_false(nvm_budget_take(&b, 1000000));
	assert_int_equal(b.granted, 9);
	assert_int_equal(b.refused, 4);
}

static void test_flood_is_capped(void **state)
{
	(void)state;
	struct nvm_budget b;
	nvm_budget_init(&b, 32, 30, 0);
	unsigned granted = 0;
	/* An attempt every millisecond for an hour. */
	for (uint64_t t = 0; t < 3600 * 1000; t++)
		granted += nvm_budget_take(&b, t);
	assert_int_equal(granted, 32 + 30 * 60 - 1);
}

static void test_no_refill(void **state)
{
	(void)state;
	struct nvm_budget b;
	nvm_budget_init(&b, 2, 0, 0);
	assert_true(nvm_budget_take(&b, 0));
	assert_true(nvm_budget_take(&b, 5));
	assert_false(nvm_budget_take(&b, 100000000));
}

static void test_parse(void **state)
{
	(void)state;
	uint32_t rate, burst;
	assert_int_equal(nvm_budget_parse("30,32", &rate, &burst), 0);
	assert_int_equal(rate, 30);
	assert_int_equal(burst, 32);
	assert_int_equal(nvm_budget_parse("12", &rate, &burst), 0);
	assert_int_equal(burst, 12);
	assert_int_equal(nvm_budget_parse("0,3", &rate, &burst), 0);
	assert_int_equal(rate, 0);
	assert_int_equal(burst, 3);
	assert_int_equal(nvm_budget_parse("", &rate, &burst), -EINVAL);
	assert_int_equal(nvm_budget_parse("30,", &rate, &burst), -EINVAL);
	assert_int_equal(nvm_budget_parse("30,0", &rate, &burst), -EINVAL);
	assert_int_equal(nvm_budget_parse("x", &rate, &burst), -EINVAL);
	assert_int_equal(nvm_budget_parse("30,32,1", &rate, &burst), -EINVAL);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_flood_is_capped),
        cmocka_unit_test(test_no_refill),
        cmocka_unit_test(test_parse),
};

HWG_TEST_MAIN(tests, NULL, NULL)
