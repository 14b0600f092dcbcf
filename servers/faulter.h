/* SPDX-License-Identifier: MIT */
/*
 * The contract between the kernel's boot tests and the `faulter` program:
 * the argument (a0) names the fault the program commits. Each must end the
 * program and leave the kernel and the other harts running.
 */
#ifndef SERVERS_FAULTER_H
#define SERVERS_FAULTER_H

enum faulter_kind {
	FAULTER_BAD_LOAD = 1,            /* load from an unmapped address (0) */
	FAULTER_BAD_STORE = 2,           /* store into its own read-only text */
	FAULTER_ILLEGAL_INSTRUCTION = 3, /* read sstatus, a supervisor CSR */
	FAULTER_UNKNOWN_SYSCALL = 4,     /* ecall with a7 = FAULTER_BOGUS_SYSCALL */
	FAULTER_BAD_PRINT_POINTER = 5,   /* print() of a kernel address */
};

#define FAULTER_BOGUS_SYSCALL 0x7777
#define FAULTER_KERNEL_ADDRESS 0xffffffc080200000ull

#endif
