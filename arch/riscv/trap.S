/* SPDX-License-Identifier: MIT */
/*
 * The trap vector and the return to user mode.
 *
 * Convention: while a hart runs a user program, sscratch holds its struct
 * hart pointer and tp is the user's; in the kernel tp is the hart pointer
 * and sscratch stays the hart pointer too, from the hart's first entry to
 * user mode on (before that it is 0: boot). So `csrrw tp, sscratch, tp` at
 * entry yields the hart pointer for a trap from user mode, and 0 for a
 * trap from the kernel at boot; a later trap from the kernel (a bug: the
 * kernel runs with interrupts off) comes the user's way and is told by
 * sstatus.SPP in trap_from_user, on its exception branch, before the lock
 * (docs/decisions.md "Kernel"). Keeping sscratch spares the fast exit
 * (user_return_ipc) its write. A trap from user mode saves the user's
 * registers straight into the register block of the thread the hart runs
 * (HART_USER_FRAME: that TCB's regs, docs/arch.md "Where a thread's
 * registers live") and, unless the fastpath's first tier takes the trap
 * (it touches no stack), starts afresh at the top of the hart's kernel
 * stack: the kernel keeps no state on the stack between traps (one stack
 * per hart, as seL4).
 */
#include "layout.h"

#define SAVE(reg, n) sd reg, FRAME_REGISTER(n)(t0)
#define LOAD(reg, n) ld reg, FRAME_REGISTER(n)(a0)

/* MR0..MR7 (docs/abi.md) into the register block at t0. */
.macro SAVE_MESSAGE_REGISTERS
	SAVE(a3, 13)
	SAVE(a4, 14)
	SAVE(a5, 15)
	SAVE(a6, 16)
	SAVE(t3, 28)
	SAVE(t4, 29)
	SAVE(t5, 30)
	SAVE(t6, 31)
.endm

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw tp, sscratch, tp
	beqz tp, trap_from_kernel_entry

	sd t0, HART_SCRATCH(tp)
	ld t0, HART_USER_FRAME(tp)
	/* First what every way on needs in the TCB: then these registers are
	 * free for the dispatch below, and the fastpath's entry saves no
	 * more than its calls need (docs/abi.md "Registers": t0..t2 are not
	 * kept across Call and ReplyRecv). */
	SAVE(ra, 1)
	SAVE(sp, 2)
	SAVE(gp, 3)
	SAVE(s0, 8)
	SAVE(s1, 9)
	SAVE(a0, 10)
	SAVE(a1, 11)
	SAVE(a2, 12)
	SAVE(a7, 17)
	SAVE(s2, 18)
	SAVE(s3, 19)
	SAVE(s4, 20)
	SAVE(s5, 21)
	SAVE(s6, 22)
	SAVE(s7, 23)
	SAVE(s8, 24)
	SAVE(s9, 25)
	SAVE(s10, 26)
	SAVE(s11, 27)
	csrrw a0, sscratch, tp /* the user's tp; the hart stays in sscratch */
	SAVE(a0, 4)
	/* Call and ReplyRecv try the fastpath's first tier, which comes
	 * back to fastpath_entry_refused only when it did nothing (docs/ipc.md);
	 * a7 is still the user's. The two numbers are consecutive: one
	 * unsigned compare, whose a1 (0 Call, 1 ReplyRecv) the tier takes,
	 * against the hart's bound (2, or 0 with the fastpath off). */
	addi a1, a7, -TRAP_SYS_CALL
	ld a2, HART_FASTPATH_CALLS(tp)
	bgeu a1, a2, 3f
	csrr a2, scause
	li a0, TRAP_CAUSE_USER_ECALL
	bne a2, a0, 3f
	/* The tier's ecall is done when the tier is (syscall_handle's
	 * step): the thread goes on after it, and a restart runs it again
	 * from FRAME_SYSCALL_PC (kernel/thread.h's REG_SYSCALL_PC). t1 is
	 * free: the thread's t0..t2 stay unsaved. */
	csrr t1, sepc
	sd t1, FRAME_SYSCALL_PC(t0)
	addi t1, t1, 4
	sd t1, FRAME_SEPC(t0)
	/* A Call's message stays in the TCB, for a restart (a Call blocked
	 * on its reply runs again after suspend and resume). ReplyRecv's
	 * need not: what arrives next overwrites every message register
	 * (past its length with 0: docs/abi.md), a restarted ReplyRecv finds
	 * its reply object without a caller and reads none, and the tier's
	 * refusal stores them from the registers it kept them in. */
	bnez a1, 2f
	SAVE_MESSAGE_REGISTERS
	/* (sp stays the user's: the tier touches no stack, checked by
	 * ci/check-fastpath-entry; each of its ways out loads sp.) */
2:	mv a0, tp
	j fastpath_entry
	/* Any other trap: the rest of the registers, so that the TCB holds
	 * every one of them. */
3:	SAVE(t1, 6)
	SAVE(t2, 7)
	SAVE_MESSAGE_REGISTERS
	ld t1, HART_SCRATCH(tp)
	SAVE(t1, 5)
	csrr t1, sepc
	sd t1, FRAME_SEPC(t0)
	ld sp, HART_KERNEL_STACK_TOP(tp)
	mv a0, tp
	/* UintrSendWait tries its claim's first tier likewise. */
	li t2, TRAP_SYS_UINTR_SEND_WAIT
	bne a7, t2, 5f
	j uintr_sendwait_entry
5:	call trap_from_user
	/* trap_from_user never returns: it ends in user_return. */
1:	j 1b

/* fastpath_entry's way on when it did nothing: ReplyRecv's message
 * registers into the TCB from the registers the tier kept them in (built
 * with them fixed: fastpath_entry.c; a Call's are there already, and the
 * same), the frame's PC and syscall PC back as the entry found them (the
 * ecall's address, 0: a running thread is in no system call), then
 * fastpath_refused's. */
	.globl fastpath_entry_refused
fastpath_entry_refused:
	ld t0, HART_USER_FRAME(tp)
	SAVE_MESSAGE_REGISTERS
	ld t1, FRAME_SYSCALL_PC(t0)
	sd t1, FRAME_SEPC(t0)
	sd zero, FRAME_SYSCALL_PC(t0)
/* uintr_sendwait_entry's (and, after the above, fastpath_entry's) way
 * on when it did nothing (a jump: it kept nothing on the stack that
 * matters, and every user register is in the TCB but, for Call and
 * ReplyRecv, t0..t2, which the TCB keeps as they were: docs/abi.md). */
	.globl fastpath_refused
fastpath_refused:
	ld sp, HART_KERNEL_STACK_TOP(tp)
	mv a0, tp
	call trap_from_user
	/* trap_from_user never returns: it ends in user_return. */
1:	j 1b

/* The first tier's failed CORE_ASSERT (fastpath_entry.c, debug kernel):
 * the tier runs on the user's sp, so the report first takes the hart's
 * kernel stack. Never returns. */
	.globl fastpath_entry_assert_failed
fastpath_entry_assert_failed:
	ld sp, HART_KERNEL_STACK_TOP(tp)
	j port_assert_failed

/* A trap taken in the kernel at boot (sscratch 0): save everything on the
 * current stack. */
trap_from_kernel_entry:
	csrrw tp, sscratch, tp /* tp = hart (or 0 early in boot), sscratch = 0 */
	addi sp, sp, -FRAME_BYTES
	sd t0, FRAME_REGISTER(5)(sp)
	mv t0, sp
	SAVE(ra, 1)
	SAVE(gp, 3)
	SAVE(tp, 4)
	SAVE(a0, 10)
	addi t1, sp, FRAME_BYTES
	SAVE(t1, 2)
	csrr t1, sepc
	sd t1, FRAME_SEPC(t0)
	mv a0, sp
	call trap_from_kernel
	/* Kernel traps are fatal for now (no kernel interrupts enabled). */
2:	wfi
	j 2b

/*
 * void user_return(struct hart *hart, struct trap_frame *frame): enter user
 * mode with the registers in frame (the TCB's register block, which the
 * next trap on this hart saves into); sstatus.SPP must already say "user".
 * Called with the kernel lock released: the thread is current here, so no
 * other hart reuses its TCB before this hart has trapped again (a remote
 * stall waits for that trap).
 */
	.globl user_return
user_return:
	csrw sscratch, a0
	ld t0, FRAME_SEPC(a1)
	csrw sepc, t0
	mv a0, a1
	LOAD(ra, 1)
	LOAD(sp, 2)
	LOAD(gp, 3)
	LOAD(tp, 4)
	LOAD(t0, 5)
	LOAD(t1, 6)
	LOAD(t2, 7)
	LOAD(s0, 8)
	LOAD(s1, 9)
	LOAD(a1, 11)
	LOAD(a2, 12)
	LOAD(a3, 13)
	LOAD(a4, 14)
	LOAD(a5, 15)
	LOAD(a6, 16)
	LOAD(a7, 17)
	LOAD(s2, 18)
	LOAD(s3, 19)
	LOAD(s4, 20)
	LOAD(s5, 21)
	LOAD(s6, 22)
	LOAD(s7, 23)
	LOAD(s8, 24)
	LOAD(s9, 25)
	LOAD(s10, 26)
	LOAD(s11, 27)
	LOAD(t3, 28)
	LOAD(t4, 29)
	LOAD(t5, 30)
	LOAD(t6, 31)
	LOAD(a0, 10)
	sret

/*
 * user_return_ipc(result, badge, info, frame): the first tier's exit to
 * the thread its IPC woke (trap.h), frame its register block. The message
 * words below info's length are still in a3..a6, t3..t6 (MR0..MR7,
 * docs/abi.md) as the sender left them: fastpath_entry.c is built with
 * those registers fixed, so no C between the sender's ecall and here
 * touched them. The others read 0 (docs/abi.md "Registers"), through a
 * jump into the list that zeroes them which skips the first `length`,
 * each one 4-byte instruction (norvc). Every other register comes from
 * frame (the receiver's own). frame's own MR0..MR7 and a0..a2 stay as
 * they were: next is current, and its next trap saves every register its
 * call needs before anything can read the block (docs/arch.md).
 */
	.globl user_return_ipc
user_return_ipc:
	/* (sscratch is this hart already: the entry left it.) */
	ld t0, FRAME_SEPC(a7)
	csrw sepc, t0
	andi t1, a2, TRAP_MSG_LENGTH_MASK
	slli t1, t1, 2
	.option push
	.option norvc
	.option norelax
	/* The list's address folded into the jump's offset (with `la` it
	 * took an addi more): nothing here relaxes or compresses, so the
	 * distance from the auipc is a constant (checked below). */
5:	auipc t0, 0
	add t0, t0, t1
	jalr zero, 12(t0)
4:	.if 4b - 5b != 12
	.error "user_return_ipc's jump offset is the list's distance from the auipc"
	.endif
	li a3, 0
	li a4, 0
	li a5, 0
	li a6, 0
	li t3, 0
	li t4, 0
	li t5, 0
	li t6, 0
4:	.if 4b - 5b != 12 + 8 * 4
	.error "user_return_ipc's list is one 4-byte instruction a message register"
	.endif
	.option pop
	.if TRAP_MSG_REGISTER_WORDS != 8
	.error "user_return_ipc's list has one instruction per message register"
	.endif
	ld ra, FRAME_REGISTER(1)(a7)
	ld sp, FRAME_REGISTER(2)(a7)
	ld gp, FRAME_REGISTER(3)(a7)
	ld tp, FRAME_REGISTER(4)(a7)
	ld t0, FRAME_REGISTER(5)(a7)
	ld t1, FRAME_REGISTER(6)(a7)
	ld t2, FRAME_REGISTER(7)(a7)
	ld s0, FRAME_REGISTER(8)(a7)
	ld s1, FRAME_REGISTER(9)(a7)
	ld s2, FRAME_REGISTER(18)(a7)
	ld s3, FRAME_REGISTER(19)(a7)
	ld s4, FRAME_REGISTER(20)(a7)
	ld s5, FRAME_REGISTER(21)(a7)
	ld s6, FRAME_REGISTER(22)(a7)
	ld s7, FRAME_REGISTER(23)(a7)
	ld s8, FRAME_REGISTER(24)(a7)
	ld s9, FRAME_REGISTER(25)(a7)
	ld s10, FRAME_REGISTER(26)(a7)
	ld s11, FRAME_REGISTER(27)(a7)
	ld a7, FRAME_REGISTER(17)(a7)
	sret
