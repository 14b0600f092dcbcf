/* SPDX-License-Identifier: MIT */
/*
 * The host implementation of core/port.h: a fake machine for the CMocka
 * suites. Hooks record what core/ asked for (fake_arch.h) so that tests can
 * assert on it; a failed core/ contract fails the running test, or satisfies
 * a test that expects it via cmocka's expect_assert_failure().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "port.h"

struct fake_arch fake_arch;

void fake_arch_reset(void)
{
	fake_arch = (struct fake_arch){0};
}

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	fake_arch.assert_failures++;
	mock_assert(0, expr, file, line);
	abort(); /* mock_assert longjmps out; this only satisfies _Noreturn */
}
