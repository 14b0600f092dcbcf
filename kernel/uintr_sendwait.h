/* SPDX-License-Identifier: MIT */
/*
 * SYS_UINTR_SEND_WAIT (docs/uintr.md, "The claim of a sleeper"): uipi SEND
 * then UintrWait in one kernel entry. When the send reaches a receiver
 * asleep on this hart that the scheduler would run next and the caller
 * blocks, core's claim (core/uintr_claim.h) hands the hart to it and the
 * call leaves through thread_run_direct, the IPC fastpath's exit: no wake
 * list, no scheduling pass, no deadline walk. Anything else takes the
 * general path (uintr_send, kuintr_wait, thread_return_to_user), which
 * reaches the same state. Off with the IPC fastpath (fastpath=off,
 * SYS_DEBUG_FASTPATH), so the slow-path suites run the general path.
 */
#ifndef KERNEL_UINTR_SENDWAIT_H
#define KERNEL_UINTR_SENDWAIT_H

#include <stdint.h>

#include "config.h"
#include "hart.h"
#include "tcb.h"

/* Claims taken per hart (SYS_DEBUG_UINTR_CLAIMS), under the lock; and
 * those of them the first tier took. */
extern uint64_t kuintr_claims[CONFIG_MAX_HARTS];
extern uint64_t kuintr_claims_first_tier[CONFIG_MAX_HARTS];

/* SYS_UINTR_SEND_WAIT by t, current on hart (lock held, the ecall's pc
 * stepped over): never returns when the claim is taken. Untrusted: a0
 * (deadline), a1 (index), a2 (flags: any bits). */
void kuintr_send_wait(struct hart *hart, struct tcb *t);

/*
 * The claim, when it applies, for t (current and runnable on hart, lock
 * held, a receiver loaded there; untrusted: index, deadline): taken, it
 * never returns (thread_run_direct to the claimed thread). Else false
 * with nothing changed (but the hardware's slot bits, which before_wait
 * moves into core's word, as the general wait does first), or, when a
 * sender on another hart claimed the sleeper first, the send made and t
 * blocked: true from the second tier (`first` false: syscall_handle's
 * return follows), the general return from the first tier. `first`: from
 * uintr_sendwait_entry (t's ecall not stepped over): it also makes
 * trap_from_user's and syscall_handle's steps (the count, the step past
 * the ecall) once something changed, and counts the claim as its own.
 */
bool kuintr_claim(struct hart *hart, struct tcb *t, uint64_t index, uint64_t deadline, bool first);
/* trap.S's jump for an ecall with a7 = SYS_UINTR_SEND_WAIT (registers
 * saved in the running thread's TCB, lock not held): the first tier, or
 * trap.S's fastpath_refused having changed nothing. Never returns. */
_Noreturn void uintr_sendwait_entry(struct hart *hart);

/* uintr_kernel.c's, for this path: load t (current on h) unless it is
 * loaded (kuintr_wait's first step). */
void kuintr_load(unsigned h, struct tcb *t);
/* After core's claim on h, which switched out, h's loaded receiver, out in
 * core alone (uintr_claim_commit): the kernel's side of it. Taken: t (whose
 * receiver core made RUNNING on h, t current) is loaded, with the backend's
 * one swap (switch_claimed) where it has one, else switch_out then
 * switch_in. Blocked (a sender claimed the sleeper first): out's
 * switch_out, and nothing loaded. */
void kuintr_switch_claimed(unsigned h, struct uintr_receiver *out, struct tcb *t);
void kuintr_claim_unloaded(unsigned h, struct uintr_receiver *out);

#endif
