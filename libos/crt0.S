/* SPDX-License-Identifier: MIT */
/*
 * The first instruction of every user program. The kernel enters here in
 * U-mode with sp at the top of the stack it mapped and the boot argument in
 * a0 and the hart id in a1 (core/abi.h). picolibc's own crt0 cannot be used:
 * it writes mstatus, an M-mode register.
 */
	.section .text.libos_start, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	call libos_start
1:	j 1b
