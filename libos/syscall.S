/* SPDX-License-Identifier: MIT */
/*
 * System-call stubs: the C arguments are already in a0.., the number goes in
 * a7 (core/abi.h). Only a0 changes.
 */
	.section .text
	.globl libos_syscall2
/* long libos_syscall2(long a0, long a1, long number) */
libos_syscall2:
	mv a7, a2
	ecall
	ret

	.globl libos_syscall6
/* long libos_syscall6(long a0, long a1, long a2, long a3, long a4, long a5,
 *                     long number) */
libos_syscall6:
	mv a7, a6
	ecall
	ret
