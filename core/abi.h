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
	/* invoke(a0 = cap address, a1 = enum invocation_label, a2..a5 = the
	 * label's arguments): one capability invocation, seL4-style. Returns an
	 * enum error; a bad argument is an error code, never a fault. The
	 * minimal path until the kernel-integration issue brings seL4's Call
	 * with message-info words (docs/abi.md). */
	SYSCALL_INVOKE = 3,
};

/*
 * Invocation labels of SYSCALL_INVOKE (seL4's names). Cap addresses are
 * indices into the caller's root CNode (USER_CSPACE_RADIX bits, guard
 * covering the rest, so any address >= 2^USER_CSPACE_RADIX fails lookup).
 */
enum invocation_label {
	/* a0 untyped; a2 object type (core/object.h), a3 size bits, a4 first
	 * destination slot in the caller's root CNode, a5 how many. */
	INVOKE_UNTYPED_RETYPE = 1,
	/* a0 page table; a2 VSpace root cap address, a3 virtual address. */
	INVOKE_PAGE_TABLE_MAP = 2,
	/* a0 page table (its last cap). */
	INVOKE_PAGE_TABLE_UNMAP = 3,
	/* a0 frame; a2 VSpace root cap address, a3 virtual address, a4 rights
	 * (ABI_RIGHT_*), a5 attributes (ABI_ATTR_*). Same place again: remap. */
	INVOKE_PAGE_MAP = 4,
	/* a0 frame. */
	INVOKE_PAGE_UNMAP = 5,
};

#define ABI_RIGHT_READ 1u
#define ABI_RIGHT_WRITE 2u
#define ABI_ATTR_EXECUTE_NEVER 1u

/* A boot program's CSpace: its root CNode's slots as the kernel fills them. */
#define USER_CSPACE_RADIX 4
#define USER_CAP_VSPACE 1  /* a copy of its VSpace root's cap */
#define USER_CAP_UNTYPED 2 /* USER_UNTYPED_BITS of untyped memory of its own */
#define USER_UNTYPED_BITS 16

/* The most bytes one print call takes: bounds the kernel's time per call. */
#define SYSCALL_PRINT_MAX 4096

/* Where the kernel puts a boot program's stack, and how big it is (a guard
 * page below it stays unmapped). Programs find their arguments in a0..a2:
 * a0 = the argument the boot image gives it, a1 = hart id it runs on. */
#define USER_STACK_TOP 0x0000003fffff0000ull
#define USER_STACK_BYTES (16u * 1024u)

#endif
