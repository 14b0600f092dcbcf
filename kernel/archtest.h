/* SPDX-License-Identifier: MIT */
/*
 * In-system tests of arch/riscv's machine-facing modules (timer, interrupt
 * controller, UART receive, IPIs, FP state), selected by the boot argument
 * "tests=arch" (ci/meson.build's qemu-arch-* tests; docs/arch.md). Each
 * hart runs them in the kernel before its boot programs; then the demo's
 * hello runs with a timer interrupt due at once, which proves an interrupt
 * taken in user mode reaches the kernel's handler.
 */
#ifndef KERNEL_ARCHTEST_H
#define KERNEL_ARCHTEST_H

#include <stdbool.h>

#include "dtb.h"
#include "hart.h"

/* Boot hart, after arch_init: how many TAP results the tests add for
 * `hart_count` harts (0 when the boot arguments do not select them); maps
 * the devices they use. */
unsigned archtest_plan(const struct dtb *dtb, const char *bootargs, unsigned hart_count);
/* Run this hart's part, if selected; returns when it is done. */
void archtest_hart(struct hart *hart);

#endif
