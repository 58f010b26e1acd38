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
 * the tests whose names match it, with the wildcards '*' and '?': `tests/test_wg_timers
 * '*keepalive*'` while chasing one failure. A pattern that matches no test is an error (exit 2),
 * so a typo does not pass as a green run of nothing. */
#ifndef HWG_TEST_SUPPORT_TEST_MAIN_H
#define HWG_TEST_SUPPORT_TEST_MAIN_H

#include <fnmatch.h>
#include <stdio.h>

/* (cmocka.h needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before it; the test file
 * includes them.) */

/* Applies the command line to the table: -1 to run, or the exit status of a usage error. */
static inline int hwg_test_select(int argc, char **argv, const struct CMUnitTest *tests, size_t n)
{
	size_t matches = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [TEST-NAME-PATTERN]\n", argv[0]);
		return 2;
	}
	if (argc < 2)
		return -1;
	for (size_t i = 0; i < n; i++)
		matches += fnmatch(argv[1], tests[i].name, 0) == 0;
	if (matches == 0) {
		fprintf(stderr, "%s: no test matches '%s'\n", argv[0], argv[1]);
		return 2;
	}
	cmocka_set_test_filter(argv[1]);
	return -1;
}

#define HWG_TEST_MAIN(table, group_setup, group_teardown)                                          \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		int status = hwg_test_select(argc, argv, table, sizeof(table) / sizeof(table[0])); \
		if (status >= 0)                                                                   \
			return status;                                                             \
		return cmocka_run_group_tests(table, group_setup, group_teardown);                 \
	}

#endif
