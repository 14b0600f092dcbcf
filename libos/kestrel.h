/* SPDX-License-Identifier: MIT */
/*
 * The raw system calls and the boot-program facts libos offers a program.
 * POSIX programs use picolibc's stdio and exit() on top of these.
 */
#ifndef LIBOS_KESTREL_H
#define LIBOS_KESTREL_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

long libos_syscall2(long a0, long a1, long number);

/* Write bytes to the console: ERR_OK, or ERR_RANGE above SYSCALL_PRINT_MAX. */
static inline enum error kestrel_print(const void *bytes, size_t length)
{
	return (enum error)libos_syscall2((long)(uintptr_t)bytes, (long)length, SYSCALL_PRINT);
}

_Noreturn void kestrel_exit(int status);

/* What the kernel passed at start: the boot argument and the hart id. */
uint64_t kestrel_boot_argument(void);
uint64_t kestrel_hart_id(void);

#endif
