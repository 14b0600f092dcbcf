/* SPDX-License-Identifier: MIT */
/*
 * The system-call ABI, shared by the kernel and libos so they cannot drift
 * (STYLE.md item 12). Documented in docs/abi.md.
 *
 * Calling convention: `ecall` with the number in a7 and arguments in a0..a5;
 * the result (an `enum error`, or a value for calls that say so) comes back
 * in a0. Every other register is preserved. Numbers never change meaning.
 */
#ifndef CORE_ABI_H
#define CORE_ABI_H

#include "error.h"

enum syscall_number {
	/* print(a0 = user address, a1 = length): write bytes to the console.
	 * Returns ERR_OK, or ERR_RANGE when length > SYSCALL_PRINT_MAX. A range
	 * the caller cannot read is a fault: the program is ended. */
	SYSCALL_PRINT = 1,
	/* exit(a0 = status): end the calling program. Does not return. */
	SYSCALL_EXIT = 2,
};

/* The most bytes one print call takes: bounds the kernel's time per call. */
#define SYSCALL_PRINT_MAX 4096

/* Where the kernel puts a boot program's stack, and how big it is (a guard
 * page below it stays unmapped). Programs find their arguments in a0..a2:
 * a0 = the argument the boot image gives it, a1 = hart id it runs on. */
#define USER_STACK_TOP 0x0000003fffff0000ull
#define USER_STACK_BYTES (16u * 1024u)

#endif
