/* SPDX-License-Identifier: MIT */
/*
 * Stopping the machine with a pass/fail status that QEMU's exit code carries.
 * SBI SRST cannot carry a failure to QEMU 7.2 (OpenSBI 1.1 always writes its
 * "pass" value, PLATFORM.md), so when the DTB has a sifive,test0 device the
 * kernel writes it directly; SRST is the fallback, and documents the status
 * only in its "reason" argument.
 */
#ifndef KERNEL_SHUTDOWN_H
#define KERNEL_SHUTDOWN_H

#include <stdbool.h>
#include <stdint.h>

/* Use the sifive,test0 register at this kernel virtual address (or NULL). */
void shutdown_set_test_device(volatile uint32_t *finisher);
_Noreturn void system_shutdown(bool pass);

#endif
