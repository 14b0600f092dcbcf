/* SPDX-License-Identifier: MIT */
/*
 * The one way to user mode (thread.c's exits and both tiers of the
 * fastpath end in thread_run): a check "before this thread returns to its
 * user mode" belongs in thread_run. Here, not in thread.c, so that the
 * fastpath's first tier (fastpath.c, entered from trap.S) has it inline and
 * makes no call that returns (docs/ipc.md "The fastpath's two tiers").
 */
#ifndef KERNEL_THREAD_RUN_H
#define KERNEL_THREAD_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "barrier.h"
#include "compiler.h"
#include "csr.h"
#include "fpu.h"
#include "hart.h"
#include "kinfo.h"
#include "spinlock.h"
#include "thread.h"
#include "trap.h"
#include "uintr_kernel.h"

/*
 * Can hart run next after from (two different threads, from being
 * hart->running, which the kernel info page names, and having run in user
 * mode here up to its trap) with nothing but stores: no FP save, restore,
 * zeroing or even sstatus write, no fence.i, no user-interrupt state to
 * load? Then non-zero, else 0, having changed nothing. Non-zero is final:
 * the caller switches at once, and this has done the backend's scrub of
 * the user CSRs where it asks for one. Lock held.
 */
/* exit_work with uintr_scrub alone set (little-endian: byte 2). */
#define EXIT_WORK_SCRUB_ONLY (UINT32_C(1) << 16)
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
		   offsetof(struct hart, uintr_scrub) == offsetof(struct hart, exit_work) + 2 &&
		   sizeof(((struct hart *)0)->exit_work) == 4,
	       "exit_work's bytes");
HOT_INLINE uint64_t thread_run_quick(const struct hart *hart, struct tcb *from, struct tcb *next)
{
	(void)from; /* its FP state is the live sstatus.FS (arch_fpu_switch_none) */
	/* kuintr_return_is_noop: hart's part, with icache_stale, is
	 * exit_work's; next's is in its FP key, which holds (never matches
	 * the hart's) while either of its pointers is set (uintr_kernel.c). */
	CORE_ASSERT((thread_fpu(next)->key & ARCH_FPU_KEY_HOLD) != 0 ||
		    (next->uintr_service == NULL && next->uintr_table == NULL));
	if (!arch_fpu_switch_none(hart->fpu_key, thread_fpu(next)))
		return 0;
	uint32_t work = hart->exit_work;
	if (__builtin_expect(work != 0, 0)) {
		if (work != EXIT_WORK_SCRUB_ONLY)
			return 0;
		/* What is left of kuintr_return_to_user for two different
		 * threads, done here, where the answer is final (the caller
		 * switches at once): the exit then tests nothing for it. */
		uintr_backend_scrub_csrs();
	}
	return 1;
}

/*
 * Everything thread_run does but the register loads and the lock's
 * release: next, current on this hart, goes to user mode in satp; from
 * is the thread whose FP registers the hart holds (or NULL). quick_status:
 * thread_run_quick(hart, from, next) found under this lock hold with
 * nothing changed since but core/'s IPC state, or 0 (the full exit). The
 * caller then drops the lock (a quick exit's hold, which touched no
 * device, with spinlock_release_memory) and enters user mode with one of
 * trap.S's exits and nothing else.
 */
HOT_INLINE void thread_run_prepare_locked(struct hart *hart, struct tcb *from, struct tcb *next,
					  uint64_t satp, uint64_t quick_status)
{
	unsigned h = hart->cpu_index;
	/* quick_status: thread_run_quick found nothing to load and did the
	 * scrub. */
	if (quick_status == 0 && next != from)
		arch_fpu_switch(h, from ? thread_fpu(from) : NULL, thread_fpu(next));
	/* core/ joined this hart to the ASID's flush set when next became
	 * current (asid_activate); the ASID-tagged TLB needs no flush. */
	csr_write_satp(satp);
	/* Set, not written: on the U-interrupt model sie's bit 0 is also
	 * uie.USIE, the running receiver's (arch/riscv/uintr_hardware.c). The
	 * quick exit leaves from's user mode on this hart: every exit set
	 * these bits, only idle_wait clears any (and leaves by the full
	 * exit), and user mode can change none of them (uie aliases bit 0
	 * alone, never in sie_user), so they are still set. */
	if (quick_status == 0)
		csr_set_sie(hart->sie_user);
	else
		CORE_ASSERT((csr_read_sie() & hart->sie_user) == hart->sie_user);
	/* Also user_frame: the next trap saves straight into next's TCB
	 * (trap.S). */
	hart->running = next;
	if (quick_status == 0) {
		/* Code was mapped since this hart last fenced (invoke.c): a
		 * loader wrote it as data, and this hart may hold stale
		 * instructions. */
		if (hart->icache_stale) {
			hart->icache_stale = false;
			fence_i();
		}
		/* User-interrupt switch and delivery. */
		kuintr_return_to_user(hart, next, next != from);
	}
	kinfo_set_running(hart, next);
}

/* thread_run_prepare_locked, the lock's release, then next's registers
 * from its TCB. */
HOT_INLINE _Noreturn void thread_run(struct hart *hart, struct tcb *from, struct tcb *next,
				     uint64_t satp, uint64_t quick_status)
{
	thread_run_prepare_locked(hart, from, next, satp, quick_status);
	spinlock_release(&kernel_lock);
	user_return(hart, (struct trap_frame *)next->regs);
}

#endif
