/* SPDX-License-Identifier: MIT */
/*
 * Trap dispatch. From user mode: system calls (kernel/syscall.c), faults
 * (to the thread's fault handler through core/fault.c) and interrupts (an
 * IPI here, the timer and the PLIC through arch/riscv/interrupt.c); all of
 * it under the big kernel lock, and every path ends in
 * thread_return_to_user, which picks what runs next. From the kernel: a
 * bug (the kernel runs with interrupts off), so a panic.
 */
#include "console.h"
#include "fastpath.h"
#include "csr.h"
#include "fault.h"
#include "hart.h"
#include "interrupt.h"
#include "kstring.h"
#include "scheduler.h"
#include "syscall.h"
#include "thread.h"
#include "trap.h"
#include "uintr_kernel.h"

_Noreturn void trap_from_user(struct hart *hart);
_Noreturn void trap_from_kernel(struct trap_frame *frame);

/* What a hardware exception in user mode is to its fault handler. */
static enum fault_kind fault_kind_of(uint64_t cause)
{
	switch (cause) {
	case CAUSE_ILLEGAL_INSTRUCTION:
	case CAUSE_BREAKPOINT: return FAULT_ILLEGAL_INSTRUCTION;
	case CAUSE_MISALIGNED_FETCH:
	case CAUSE_MISALIGNED_LOAD:
	case CAUSE_MISALIGNED_STORE: return FAULT_MISALIGNED;
	default: return FAULT_PAGE; /* page and access faults: the address missed */
	}
}

/* The timer, the PLIC and IPIs (arch/riscv/interrupt.c routes them). */
static void interrupt(struct hart *hart, uint64_t cause)
{
	if (!arch_interrupt(cause))
		panic("hart %lu: unexpected interrupt %lx from user mode", hart->hart_id, cause);
}

_Noreturn void trap_from_user(struct hart *hart)
{
	uint64_t cause = csr_read_scause();
	uint64_t tval = csr_read_stval();
	if (cause != CAUSE_USER_ECALL && (cause & CAUSE_INTERRUPT) == 0) {
		/* An exception. The kernel's own (a bug) come this way too
		 * while sscratch keeps the hart (trap.S), with the kernel's
		 * registers where trap.S saved the thread's: told here, before
		 * the lock (the fastpath's first tier may hold it). */
		if ((csr_read_sstatus() & SSTATUS_SPP) != 0)
			trap_from_kernel(hart->user_frame);
		/* uipi and uret (emulated backend): without the lock (DESIGN.md). */
		if (cause == CAUSE_ILLEGAL_INSTRUCTION && kuintr_trap(hart, tval))
			user_return(hart, hart->user_frame);
	}
	kernel_lock_acquire();
	sched_enter(hart->cpu_index);
	struct tcb *t = hart->running;
	bool current = t != NULL && sched_current_on(hart->sched) == t;
	bool replaced = false;
	if (current) { /* (trap.S saved its registers into its TCB) */
		t->regs[REG_KERNEL_ENTRIES]++;
		replaced = t->trap_stale != 0; /* then the trap is stale */
		t->trap_stale = 0;
	}
	if (cause & CAUSE_INTERRUPT) {
		interrupt(hart, cause);
	} else if (current && !replaced && tcb_is_runnable(t)) {
		/* (A thread another hart suspended or destroyed meanwhile does
		 * nothing more: an ecall left unhandled is restarted later.) */
		if (cause == CAUSE_USER_ECALL) {
			fastpath_try(hart, t); /* returns only when it did nothing */
			syscall_handle(t);
		} else
			fault_raise(t, fault_kind_of(cause), tval, t->regs[REG_PC]);
	}
	thread_return_to_user(hart);
}

_Noreturn void trap_from_kernel(struct trap_frame *frame)
{
	panic("trap in the kernel: scause 0x%lx sepc 0x%lx stval 0x%lx ra 0x%lx", csr_read_scause(),
	      frame->sepc, csr_read_stval(), frame->registers[1]);
}
