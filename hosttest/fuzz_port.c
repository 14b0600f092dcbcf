/* SPDX-License-Identifier: MIT */
/*
 * The core/port.h door for the libFuzzer harnesses (hosttest/fuzz_*.c),
 * which link core/ without CMocka: a failed contract is a finding, so it
 * prints where and aborts, and libFuzzer saves the input that did it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "port.h"

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: core/ contract failed: %s\n", file, line, expr);
	abort();
}
