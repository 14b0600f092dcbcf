/* SPDX-License-Identifier: MIT */
/* TAP lines for the in-system tests (see tap.h). */
#include "tap.h"

#include <stdarg.h>

#include "console.h"

static unsigned failures;

void tap_plan(unsigned count)
{
	kprintf("TAP version 13\n1..%u\n", count);
}

void tap_result(bool ok, const char *format, ...)
{
	if (!ok)
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	va_list args;
	va_start(args, format);
	console_print_line(ok ? "ok - " : "not ok - ", format, args);
	va_end(args);
}

unsigned tap_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}
