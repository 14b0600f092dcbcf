/* SPDX-License-Identifier: MIT */
/*
 * The claim of a sleeper: UintrSendWait's lean direct switch (docs/uintr.md,
 * "The claim of a sleeper"). A thread t that sends through its sender table
 * and then waits for a user interrupt, whose send reaches a receiver that
 * sleeps in its own wait on this hart and that the scheduler would run at
 * once (sched_can_switch_direct, the IPC fastpath's rule), hands the hart
 * to that receiver in one locked step: t sleeps as uintr_sleep leaves it
 * (unloaded, in the sleep list), the receiver runs with its bit pending,
 * as the general path (uintr_send, uintr_sleep, the wake list's drain,
 * sched_schedule, uintr_switch_in) leaves it, without the wake list, the
 * candidate or the scheduling pass. hosttest/test_uintr_claim.c compares
 * the two end states.
 *
 * Two calls, as the fastpath's check-then-act: uintr_claim_check changes
 * nothing; the kernel then finds the receiver's address space (the satp it
 * returns to) and calls uintr_claim_commit under the same lock hold.
 */
#ifndef CORE_UINTR_CLAIM_H
#define CORE_UINTR_CLAIM_H

#include <stdint.h>

#include "tcb.h"
#include "uintr.h"

/* Why uintr_claim_check said no (the general path then runs). */
enum uintr_claim_refusal {
	UINTR_CLAIM_OK = 0,
	UINTR_CLAIM_NO_ENTRY = 1, /* no table, a bad index, or an empty entry */
	UINTR_CLAIM_NO_BLOCK = 2, /* t's deadline would not block it (0: a poll, or passed) */
	UINTR_CLAIM_NOT_SLEEPING =
	    3, /* the receiver does not sleep in its wait (woken, running, t's own) */
	UINTR_CLAIM_OTHER_HART = 4, /* it sleeps on another hart */
	UINTR_CLAIM_NOT_NEXT = 5,   /* the scheduler would not run it now (a better thread waits,
					 a decision is pending, another affinity) */
};

/* What uintr_claim_check found, for uintr_claim_commit. */
struct uintr_claim {
	struct tcb *next;          /* the sleeper's thread */
	struct uintr_receiver *rx; /* its receiver */
	uint64_t bit;              /* the entry's pending bit there */
};

/*
 * May t (current and RUNNING on `hart`, a receiver RUNNING there, the
 * kernel lock held) claim the receiver that entry `index` of its sender
 * table names, sleeping until `deadline` itself (uintr_sleep's rules; `now`
 * the time base)? UINTR_CLAIM_OK fills *c; nothing changes either way.
 * Untrusted: index, deadline.
 */
enum uintr_claim_refusal uintr_claim_check(struct tcb *t, uint64_t index, uint64_t deadline,
					   uint64_t now, unsigned hart, struct uintr_claim *c);

enum uintr_claim_result {
	UINTR_CLAIM_TAKEN = 0,        /* c->next is current on hart, t blocked and unloaded */
	UINTR_CLAIM_CALLER_READY = 1, /* t had bits pending: nothing changed, t does not block */
	UINTR_CLAIM_BLOCKED = 2,      /* a sender claimed the sleep first: the bit is sent, t
					 blocked and unloaded; the hart's scheduling pass runs */
};

/*
 * Do it, under the lock hold of the check that filled *c: t sleeps until
 * `deadline` (uintr_sleep), its receiver is switched out in core
 * (uintr_switch_out: t's receiver must be the one current on hart; the
 * caller unloads the machine's side after the commit, whatever it says),
 * the bit is set at c->rx, which is claimed (uintr_claim_sleeper) and its
 * thread made current on hart (sched_switch_direct_asid with `asid`, the
 * ASID the caller found for c->next, or ASID_INVALID when hart is already
 * in its flush set). See enum uintr_claim_result.
 */
enum uintr_claim_result uintr_claim_commit(struct tcb *t, const struct uintr_claim *c,
					   uint64_t deadline, uint64_t now, unsigned hart,
					   uint64_t asid);

#endif
