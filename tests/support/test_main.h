/* The one main() of the cmocka test programs.
 *
 * A test file ends with its table and this macro:
 *
 *	static const struct CMUnitTest tests[] = {
 *	        cmocka_unit_test(test_something),
 *	};
 *
 *	HWG_TEST_MAIN(tests, NULL, NULL)
 *
 * Run without arguments (as CTest does) the program runs the whole table. One argument runs only
 * the tests whose names match it, with cmocka's wildcards '*' and '?': `tests/test_wg_timers
 * '*rekey*'` while chasing one failure. */
#ifndef HWG_TEST_SUPPORT_TEST_MAIN_H
#define HWG_TEST_SUPPORT_TEST_MAIN_H

#include <stdio.h>

/* (cmocka.h needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before it; the test file
 * includes them.) */

#define HWG_TEST_MAIN(table, group_setup, group_teardown)                                          \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		if (argc > 2) {                                                                    \
			fprintf(stderr, "usage: %s [TEST-NAME-PATTERN]\n", argv[0]);               \
			return 2;                                                                  \
		}                                                                                  \
		if (argc == 2)                                                                     \
			cmocka_set_test_filter(argv[1]);                                           \
		return cmocka_run_group_tests(table, group_setup, group_teardown);                 \
	}

#endif
