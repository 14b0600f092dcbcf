/* SPDX-License-Identifier: MIT */
/*
 * UintrSendWait's first tier (uintr_sendwait.h, docs/uintr.md "The claim
 * of a sleeper"): trap.S jumps here for an ecall with a7 = 28 after saving
 * every user register into the running thread's TCB, keeping nothing in a
 * register but tp. It stands in for trap_from_user's general entry (the
 * scause and stval reads, the uipi-trap test, the counters, fastpath_try's
 * look at a7, syscall_handle, dispatch): one try at the lock, the same
 * test of a trap the kernel handles as trap_from_user's, then the claim
 * (kuintr_claim, which leaves by thread_run_direct when it is taken).
 * Anything else, having changed nothing, goes on to trap.S's
 * fastpath_refused and the general entry, which handles the call in full.
 *
 * Its own object, as kernel/fastpath_entry.c and for the same reason: built
 * without LTO (which drops per-file flags) with s1..s11 call-clobbered, so
 * that this function, which never returns, saves no s register (GCC keeps
 * the saves of a noreturn function otherwise). ci/check-uintr-sendwait-entry
 * checks from the disassembly that it calls nothing but kuintr_claim (and a
 * failed assertion's report) and leaves only by its jump to
 * fastpath_refused.
 */
#include "abi.h"
#include "csr.h"
#include "fastpath.h"
#include "layout.h"
#include "scheduler.h"
#include "thread.h"
#include "uintr_kernel.h"
#include "uintr_sendwait.h"

/* t->regs[n] is register xn as trap.S saved it (a0..a2: x10..x12). */
_Static_assert(TRAP_SYS_UINTR_SEND_WAIT == SYS_UINTR_SEND_WAIT, "trap.S's number (layout.h)");

/* Nothing done: on to trap_from_user (trap.S), with a jump, so that this
 * never returns and GCC keeps nothing for a return. */
static inline __attribute__((always_inline)) _Noreturn void refuse(void)
{
	__asm__ volatile("j fastpath_refused" : : : "memory");
	__builtin_unreachable();
}

/* Jumped to only by trap.S (above). Untrusted: every user register (the
 * claim reads a0..a2 from the TCB and checks them). */
_Noreturn void uintr_sendwait_entry(struct hart *hart)
{
	/* a7 may be 28 in a fault or an interrupt too: only the ecall. */
	if (!fastpath_enabled || csr_read_scause() != CAUSE_USER_ECALL)
		refuse();
	/* Taken at the first try, or left to trap_from_user, which waits. */
	if (!spinlock_try_acquire(&kernel_lock))
		refuse();
	struct tcb *t = hart->running;
	/* trap_from_user's test of a trap it handles, plus a stale one; then
	 * the claim's shape: a send by a receiver loaded here (a remote stall
	 * may have unloaded it: the second tier loads it). */
	if (t != NULL && sched_current_on(hart->sched) == t && t->trap_stale == 0 &&
	    tcb_is_runnable(t) && (t->regs[12] & ABI_UINTR_SEND) != 0 && t->uintr_service != NULL &&
	    hart->uintr_loaded->thread == t)
		(void)kuintr_claim(hart, t, t->regs[11], t->regs[10],
				   true); /* returns only having done nothing */
	spinlock_release(&kernel_lock);
	refuse();
}
