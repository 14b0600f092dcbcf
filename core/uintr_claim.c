/* SPDX-License-Identifier: MIT */
/* The claim of a sleeper (uintr_claim.h, docs/uintr.md). */
#include "uintr_claim.h"

#include "port.h"
#include "scheduler.h"
#include "uintr_obj.h"

/* Assumes t current and RUNNING on hart, its receiver RUNNING there.
 * Untrusted: index, deadline. */
enum uintr_claim_refusal uintr_claim_check(struct tcb *t, uint64_t index, uint64_t deadline,
					   uint64_t now, unsigned hart, struct uintr_claim *c)
{
	CORE_ASSERT(t->uintr_service != NULL && uintr_receiver_hart(&t->uintr_service->rx) == hart);
	struct uintr_sender_table *table = t->uintr_table;
	if (table == NULL || index >= table->size)
		return UINTR_CLAIM_NO_ENTRY;
	struct uintr_sender_entry *e = &table->entry[index];
	/* Relaxed: entries change only under the lock, which this holds. */
	struct uintr_receiver *r = atomic_load_explicit(&e->receiver, memory_order_relaxed);
	if (r == NULL)
		return UINTR_CLAIM_NO_ENTRY;
	if (deadline == 0 || deadline <= now)
		return UINTR_CLAIM_NO_BLOCK;
	/* t's own receiver is RUNNING: refused here too. Relaxed: a hint,
	 * the commit's swap on the exact SLEEPING word decides. */
	if (uintr_receiver_state_relaxed(r) != UINTR_RX_SLEEPING)
		return UINTR_CLAIM_NOT_SLEEPING;
	struct uintr_service *s = uintr_service_of(r);
	struct tcb *next = r->owner;
	CORE_ASSERT(tcb_state(next) == THREAD_BLOCKED_UINTR);
	if (s->sleep_hart != hart)
		return UINTR_CLAIM_OTHER_HART;
	if (!sched_can_switch_direct(hart, next))
		return UINTR_CLAIM_NOT_NEXT;
	c->next = next;
	c->rx = r;
	c->bit = 1ull << atomic_load_explicit(&e->vector, memory_order_relaxed);
	return UINTR_CLAIM_OK;
}

/* Assumes *c from uintr_claim_check under this lock hold. */
enum uintr_claim_result uintr_claim_commit(struct tcb *t, const struct uintr_claim *c,
					   uint64_t deadline, uint64_t now, unsigned hart,
					   uint64_t asid)
{
	(void)now; /* the check compared it */
	/* t first: only a t that blocks may give the hart away. */
	if (uintr_sleep_begin(t, deadline, hart) == UINTR_WAIT_READY)
		return UINTR_CLAIM_CALLER_READY;
	/* The general wait's unload in the same locked step, in core alone
	 * (the kernel's loaded table and the backend follow the commit: one
	 * swap for the two receivers); no receiver is current here from now
	 * on, for the claim below. */
	uintr_switch_out(&t->uintr_service->rx);
	/* uintr_send's bit; its send_seq is for senders without the lock
	 * (the grace period of an unregister, which takes the lock). */
	atomic_fetch_or(&c->rx->pending, c->bit);
	if (!uintr_claim_sleeper(c->rx, hart)) {
		/* The send's action would be PENDING; t blocks as current. */
		uintr_sleep_block(t, hart, true);
		return UINTR_CLAIM_BLOCKED;
	}
	uintr_sleeper_claimed(uintr_service_of(c->rx));
	sched_switch_direct_asid(hart, c->next, asid);
	/* After the switch: t's block asks the scheduler for nothing. */
	uintr_sleep_block(t, hart, false);
	return UINTR_CLAIM_TAKEN;
}
