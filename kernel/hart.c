/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data (see hart.h) and the code every hart runs once it is up.
 * trap.S and entry.S read the first fields of struct hart at the offsets in
 * arch/riscv/layout.h; the asserts below keep the two in step.
 */
#include "hart.h"

#include <stddef.h>

#include "arch.h"
#include "archtest.h"
#include "layout.h"
#include "scheduler.h"
#include "thread.h"
#include "trap.h"

_Static_assert(offsetof(struct hart, scratch) == HART_SCRATCH, "layout.h");
_Static_assert(offsetof(struct hart, user_frame) == HART_USER_FRAME, "layout.h");
_Static_assert(offsetof(struct tcb, regs) == 0, "user_frame is running's register block");
_Static_assert(offsetof(struct hart, kernel_stack_top) == HART_KERNEL_STACK_TOP, "layout.h");
_Static_assert(offsetof(struct hart, kernel_satp) == HART_KERNEL_SATP, "layout.h");
_Static_assert(offsetof(struct hart, fastpath_calls) == HART_FASTPATH_CALLS, "layout.h");
_Static_assert(offsetof(struct trap_frame, sepc) == FRAME_SEPC, "layout.h");
_Static_assert(sizeof(struct trap_frame) == FRAME_BYTES, "layout.h");
_Static_assert(sizeof(struct trap_frame) <= sizeof(((struct tcb *)0)->regs),
	       "a TCB's register block holds a trap frame");

struct hart harts[CONFIG_MAX_HARTS];

_Noreturn void hart_main(struct hart *hart)
{
	csr_write_stvec((uint64_t)(uintptr_t)trap_entry);
	csr_write_sscratch(0);
	/* sret goes to user mode with interrupts on there; the kernel itself
	 * runs with them off (sstatus.SIE = 0) and takes them on its way out.
	 * FP state is arch_fpu_switch's from the first thread on (thread.c). */
	csr_clear_sstatus(SSTATUS_SPP | SSTATUS_FS_MASK | SSTATUS_SIE);
	csr_set_sstatus(SSTATUS_SPIE | SSTATUS_FS_INITIAL);
	arch_init_hart();
	archtest_hart(hart); /* tests=arch only: the kernel's tests of arch/riscv */
	kernel_lock_acquire();
	sched_enter(hart->cpu_index);
	thread_start_hart(hart);
	thread_return_to_user(hart);
}
