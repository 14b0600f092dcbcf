/* SPDX-License-Identifier: MIT */
/* Tests of core/error.c: every code has a distinct stable name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

static void test_names_are_distinct_and_prefixed(void **state)
{
	(void)state;
	for (int a = 0; a < ERROR_COUNT; a++) {
		const char *name = error_name((enum error)a);
		assert_int_equal(strncmp(name, "ERR_", 4), 0);
		assert_string_not_equal(name, "ERR_UNKNOWN");
		for (int b = a + 1; b < ERROR_COUNT; b++)
			assert_string_not_equal(name, error_name((enum error)b));
	}
}

static void test_abi_values_are_sel4s(void **state)
{
	(void)state;
	/* The numbers are ABI: user programs compare against them. */
	assert_int_equal(ERR_OK, 0);
	assert_int_equal(ERR_INVALID_ARGUMENT, 1);
	assert_int_equal(ERR_FAILED_LOOKUP, 6);
	assert_int_equal(ERR_NOT_ENOUGH_MEMORY, 10);
	assert_string_equal(error_name(ERR_RANGE), "ERR_RANGE");
}

static void test_unknown_value(void **state)
{
	(void)state;
	assert_string_equal(error_name((enum error)ERROR_COUNT), "ERR_UNKNOWN");
	assert_string_equal(error_name((enum error) - 1), "ERR_UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_are_distinct_and_prefixed),
		cmocka_unit_test(test_abi_values_are_sel4s),
		cmocka_unit_test(test_unknown_value),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
