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

long libos_syscall6(long a0, long a1, long a2, long a3, long a4, long a5, long number);

/* One capability invocation (core/abi.h: enum invocation_label). */
static inline enum error kestrel_invoke(uint64_t cap, enum invocation_label label, uint64_t a2,
					uint64_t a3, uint64_t a4, uint64_t a5)
{
	return (enum error)libos_syscall6((long)cap, (long)label, (long)a2, (long)a3, (long)a4,
					  (long)a5, SYSCALL_INVOKE);
}

_Noreturn void kestrel_exit(int status);

/* What the kernel passed at start: the boot argument and the hart id. */
uint64_t kestrel_boot_argument(void);
uint64_t kestrel_hart_id(void);

#endif
