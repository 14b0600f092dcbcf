/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of threads: the one big kernel lock, what the kernel
 * keeps in a TCB beside core/'s struct tcb, and the way back to user mode
 * (pick with the core/ scheduler, activate, switch address space, return).
 *
 * Every system call, fault and interrupt runs core/ under kernel_lock (one
 * big lock, as seL4's): trap_from_user takes it, thread_return_to_user
 * drops it just before sret. A hart with nothing to run waits in wfi with
 * the lock released (its idle thread is the kernel's loop, not a user
 * thread) and decides again when an IPI or interrupt arrives.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "fpu.h"
#include "hart.h"
#include "pagetable.h"
#include "spinlock.h"
#include "tcb.h"

extern struct spinlock kernel_lock;
/* kernel_lock_acquire when the lock was held: spin, answering IPIs. */
void kernel_lock_contended(void);
/* Take the big lock; while spinning, answer IPIs (a remote stall). */
static inline __attribute__((always_inline)) void kernel_lock_acquire(void)
{
	if (!spinlock_try_acquire(&kernel_lock))
		kernel_lock_contended();
}

/*
 * Register-block word holding the address of the ecall a thread is inside
 * (0 when none): the PC a restarted system call runs again from. Words
 * 0..32 are the trap frame (x1..x31, sepc); 33.. are the kernel's.
 */
#define REG_SYSCALL_PC 33
#define REG_PC 32
/* Kernel entries of the thread but those of the fastpath's first tier,
 * which thread_words counts (SYS_DEBUG_KERNEL_ENTRIES adds the two). */
#define REG_KERNEL_ENTRIES 34
/* Word 35 is free (it was the stale-trap flag, now core/tcb.h's
 * trap_stale byte, in the fastpath's one-compare word). */
_Static_assert(REG_KERNEL_ENTRIES < 35, "the kernel's words fit the register block");

/*
 * A thread's FP registers live in the TCB object after core/'s struct tcb
 * (arch/riscv/fpu.h, switched lazily). A TCB gets thread_fpu_init when it
 * is made (retype, the root task); a zeroed one is a valid unused state.
 */
#define THREAD_FPU_OFFSET 704
_Static_assert(sizeof(struct tcb) <= THREAD_FPU_OFFSET, "core/'s TCB ends before the FP state");
_Static_assert(THREAD_FPU_OFFSET + sizeof(struct arch_fpu_state) <= (1u << TCB_SIZE_BITS),
	       "the FP state fits the TCB object");

static inline struct arch_fpu_state *thread_fpu(struct tcb *t)
{
	return (struct arch_fpu_state *)(void *)((char *)t + THREAD_FPU_OFFSET);
}

/*
 * The kernel's own words of a thread, in the TCB object's last bytes past
 * the FP state (all zero when the TCB is made: retype's memory is).
 */
struct thread_words {
	/* The thread's IPCs (Call, ReplyRecv) that the fastpath's first and
	 * second tier did: DebugKernelEntries adds the first to
	 * REG_KERNEL_ENTRIES (each is one entry, which the first tier counts
	 * only here), DebugFastpath and it give both (docs/abi.md). */
	uint64_t first_tier_ipcs, second_tier_ipcs;
};
/* An enumerator, not a macro: ci/trace-fastpath reads it from the
 * debug information. */
enum { THREAD_WORDS_OFFSET = THREAD_FPU_OFFSET + sizeof(struct arch_fpu_state) };
_Static_assert(THREAD_WORDS_OFFSET % 8 == 0 &&
		   THREAD_WORDS_OFFSET + sizeof(struct thread_words) <= (1u << TCB_SIZE_BITS),
	       "the kernel's words fit the TCB object after the FP state");

static inline struct thread_words *thread_words(struct tcb *t)
{
	return (struct thread_words *)(void *)((char *)t + THREAD_WORDS_OFFSET);
}

/* The root table t runs in, or NULL when it has none or it went away. */
struct pagetable *thread_vspace(struct tcb *t);

/*
 * seL4's remoteTCBStall, before an invocation on t's TCB: when another hart
 * has t as its current thread, that hart is stopped (arch_ipi_stall: it
 * left user mode, saved t's live registers into the TCB, and waits for the
 * lock), so the invocation reads what t has now, a write is what t goes on
 * with (that hart's pending trap is then dropped: core/tcb.h's
 * trap_stale), and a suspend ends it at once. Returns that hart, or NULL.
 * Under the lock.
 */
struct hart *thread_stall(struct tcb *t);
/* After the invocation on t (thread_stall's answer `remote`): nothing to
 * do since the registers live in the TCB; kept as the pair's other half. */
void thread_unstall(struct tcb *t, struct hart *remote);

/* Create the idle threads and start the scheduler (boot hart, once).
 * With `preemption`, every hart's timer ticks the scheduler (time slices);
 * without (tests=arch, whose tests own the timer) threads run until they
 * block or yield. */
void thread_init(unsigned harts, bool preemption);

/* The IPC fastpath's exit, lock held: core/ made next (woken from an IPC
 * block) current on this hart (sched_switch_direct); run it with `satp`,
 * which the fastpath found valid under this same lock hold
 * (space_cache.h). from: the thread that ran before. */
_Noreturn void thread_run_direct(struct hart *hart, struct tcb *from, struct tcb *next,
				 uint64_t satp);

/* A frame was mapped executable (lock held): every hart runs fence.i
 * before it next enters user mode, so code a loader wrote as data is what
 * runs. Code written into a page already mapped executable is the writer's
 * to fence (RISC-V's rule: fence.i on the hart that will run it). */
void thread_code_mapped(void);

/* This hart is about to run threads for the first time (lock held): its
 * interrupt enables for user mode, and its tick. */
void thread_start_hart(struct hart *hart);

/*
 * With kernel_lock held on hart `hart`: let the scheduler decide, run the
 * chosen thread (or wait for one), and return to user mode, dropping the
 * lock. Never returns.
 */
_Noreturn void thread_return_to_user(struct hart *hart);

#endif
