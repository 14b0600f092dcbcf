/* SPDX-License-Identifier: MIT */
/*
 * void ktest_regs_ecall(uint64_t regs[32]): one ecall with every register
 * but sp (x2, which stays the caller's) set from regs[n] for xn, and every
 * register it returns with written back to regs[n] (ktest_regs.c: what a
 * thread sees after an IPC, register by register). C's callee-saved
 * registers, ra, gp and tp are kept on the stack around it.
 * void ktest_regs_spin(uint64_t regs[32]): the same around a wait instead
 * of the ecall: regs[31] (t6) is the address of a word, loaded into t5
 * until it is not 0 (another thread of the hart sets it: this one was
 * preempted meanwhile, an interrupt taken in the middle of its registers).
 */
/* AROUND insn: every register but sp from the array in a0, insn, every
 * register back into the array; the caller's own kept on the stack. */
	.macro AROUND insn
	addi sp, sp, -128
	sd a0, 0(sp)
	sd ra, 16(sp)
	sd gp, 24(sp)
	sd tp, 32(sp)
	sd s0, 40(sp)
	sd s1, 48(sp)
	sd s2, 56(sp)
	sd s3, 64(sp)
	sd s4, 72(sp)
	sd s5, 80(sp)
	sd s6, 88(sp)
	sd s7, 96(sp)
	sd s8, 104(sp)
	sd s9, 112(sp)
	sd s10, 120(sp)
	sd s11, 8(sp)
	mv t6, a0
	ld ra, 8(t6)
	ld gp, 24(t6)
	ld tp, 32(t6)
	ld t0, 40(t6)
	ld t1, 48(t6)
	ld t2, 56(t6)
	ld s0, 64(t6)
	ld s1, 72(t6)
	ld a0, 80(t6)
	ld a1, 88(t6)
	ld a2, 96(t6)
	ld a3, 104(t6)
	ld a4, 112(t6)
	ld a5, 120(t6)
	ld a6, 128(t6)
	ld a7, 136(t6)
	ld s2, 144(t6)
	ld s3, 152(t6)
	ld s4, 160(t6)
	ld s5, 168(t6)
	ld s6, 176(t6)
	ld s7, 184(t6)
	ld s8, 192(t6)
	ld s9, 200(t6)
	ld s10, 208(t6)
	ld s11, 216(t6)
	ld t3, 224(t6)
	ld t4, 232(t6)
	ld t5, 240(t6)
	ld t6, 248(t6)
	\insn
	/* Every register but sp is the kernel's answer now: t6 goes to the
	 * stack first, then the array's address comes back in it. */
	addi sp, sp, -16
	sd t6, 0(sp)
	ld t6, 16(sp)
	sd ra, 8(t6)
	sd gp, 24(t6)
	sd tp, 32(t6)
	sd t0, 40(t6)
	sd t1, 48(t6)
	sd t2, 56(t6)
	sd s0, 64(t6)
	sd s1, 72(t6)
	sd a0, 80(t6)
	sd a1, 88(t6)
	sd a2, 96(t6)
	sd a3, 104(t6)
	sd a4, 112(t6)
	sd a5, 120(t6)
	sd a6, 128(t6)
	sd a7, 136(t6)
	sd s2, 144(t6)
	sd s3, 152(t6)
	sd s4, 160(t6)
	sd s5, 168(t6)
	sd s6, 176(t6)
	sd s7, 184(t6)
	sd s8, 192(t6)
	sd s9, 200(t6)
	sd s10, 208(t6)
	sd s11, 216(t6)
	sd t3, 224(t6)
	sd t4, 232(t6)
	sd t5, 240(t6)
	ld t5, 0(sp)
	sd t5, 248(t6)
	addi sp, sp, 16
	ld ra, 16(sp)
	ld gp, 24(sp)
	ld tp, 32(sp)
	ld s0, 40(sp)
	ld s1, 48(sp)
	ld s2, 56(sp)
	ld s3, 64(sp)
	ld s4, 72(sp)
	ld s5, 80(sp)
	ld s6, 88(sp)
	ld s7, 96(sp)
	ld s8, 104(sp)
	ld s9, 112(sp)
	ld s10, 120(sp)
	ld s11, 8(sp)
	addi sp, sp, 128
	ret
	.endm

	.section .text
	.balign 4
	.globl ktest_regs_ecall
ktest_regs_ecall:
	AROUND ecall

/* ktest_regs_spin's wait: t5 = *t6 until it is not 0. */
	.macro WAIT_ON_T6
1:	ld t5, 0(t6)
	beqz t5, 1b
	.endm

	.balign 4
	.globl ktest_regs_spin
ktest_regs_spin:
	AROUND WAIT_ON_T6
