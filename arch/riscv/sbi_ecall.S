/* SPDX-License-Identifier: MIT */
/*
 * struct sbiret sbi_ecall(a0..a5, fid, eid): the C calling convention
 * already puts the eight arguments in a0..a7 and takes a two-word struct
 * back in a0/a1, exactly as SBI wants them.
 */
	.section .text
	.globl sbi_ecall
sbi_ecall:
	ecall
	ret
