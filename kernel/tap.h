/* SPDX-License-Identifier: MIT */
/*
 * The kernel's in-system test report, in TAP (Test Anything Protocol):
 * "1..N" once, then one "ok - ..." / "not ok - ..." line per case. Numbers
 * are left out because harts report concurrently; ci/qemu-run numbers the
 * lines, checks that N arrived and turns other console lines into comments.
 */
#ifndef KERNEL_TAP_H
#define KERNEL_TAP_H

#include <stdbool.h>

void tap_plan(unsigned count);
void tap_result(bool ok, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* How many "not ok" lines have been printed. */
unsigned tap_failures(void);

#endif
