/* SPDX-License-Identifier: MIT */
/*
 * Reply objects: the one-shot answer channel of a call (seL4 MCS's model).
 * A server receives with a reply object; a call it receives stores the
 * caller in it (the caller is then BLOCKED_REPLY, held only by the reply
 * object); a reply through it wakes the caller and empties it. Each reply
 * object holds at most one caller, and each caller is in at most one reply
 * object, so a reply is delivered at most once.
 */
#ifndef CORE_REPLY_H
#define CORE_REPLY_H

#include "cap.h"
#include "compiler.h"
#include "error.h"
#include "lend.h"
#include "object.h"
#include "tcb.h"

struct reply {
	struct tcb *caller;   /* waiting for this reply, or NULL */
	struct tcb *receiver; /* blocked receiving with this object, or NULL */
	uint64_t can_grant;   /* with a caller: the reply may carry caps (docs/ipc.md) */
};

_Static_assert(sizeof(struct reply) <= (1u << REPLY_SIZE_BITS), "reply fits its size");

/*
 * Reply with replier's message. ERR_INVALID_CAPABILITY unless cap is a reply
 * cap; a reply object with no caller does nothing (ERR_OK, as seL4).
 * Untrusted: cap.
 */
MUST_CHECK enum error reply_send(struct tcb *replier, struct cap cap);
/* The acting part of reply_send on a validated object. */
void reply_invoke(struct tcb *replier, struct reply *r);
/* Drop r's caller, who becomes inactive (seL4 MCS's reply_unlink; a fault
 * it sent is forgotten). Nothing when r has no caller. */
void reply_cancel(struct reply *r);
/* r's receiver (blocked receiving with r) stops receiving and becomes
 * inactive, as seL4 MCS's cancelIPC. Assumes r has a receiver. */
void reply_stop_receiver(struct reply *r);
/* The last cap went: its caller and its receiver become inactive (seL4 MCS). */
void reply_finalise(struct reply *r);

const char *reply_check_invariants(const struct reply *r);

/* --- Inline: the IPC fastpath's steps (kernel/fastpath.c). --- */

/* reply_push's links alone (the fastpath sets the state itself).
 * can_grant 0 or 1 (a receiver's ipc_grant is one as it is). */
HOT_INLINE void reply_link_caller(struct reply *r, struct tcb *caller, uint64_t can_grant)
{
	CORE_ASSERT(r->caller == NULL && caller->reply == NULL && can_grant <= 1);
	r->caller = caller;
	r->can_grant = can_grant;
	caller->reply = r;
}

/* caller (just delivered as a call) now waits on r (empty); the reply may
 * carry caps when can_grant. */
HOT_INLINE void reply_push(struct reply *r, struct tcb *caller, bool can_grant)
{
	reply_link_caller(r, caller, can_grant);
	tcb_set_state(caller, THREAD_BLOCKED_REPLY);
}

/* reply_remove_caller's links alone, for a caller that lent nothing (the
 * fastpath's rule). */
HOT_INLINE void reply_unlink_caller(struct tcb *caller)
{
	CORE_ASSERT(!lend_active(&caller->lend));
	caller->reply->caller = NULL;
	caller->reply->can_grant = 0;
	caller->reply = NULL;
}

/* caller (BLOCKED_REPLY) leaves its reply object; its state is the caller's.
 * Pages its Call lent come back, however the wait ends (reply, cancel,
 * the reply object or either thread deleted). */
HOT_INLINE void reply_remove_caller(struct tcb *caller)
{
	if (lend_active(&caller->lend))
		lend_return(&caller->lend);
	reply_unlink_caller(caller);
}

/* r will be filled by t's receive. */
HOT_INLINE void reply_bind_receiver(struct reply *r, struct tcb *t)
{
	r->receiver = t;
	t->reply = r;
}

/* t (receiving) stops using its reply object r, which the caller knows
 * it has (the fastpath's Call: the rule it took needs one). */
HOT_INLINE void reply_unbind_receiver_of(struct reply *r, struct tcb *t)
{
	CORE_ASSERT(r != NULL && t->reply == r);
	r->receiver = NULL;
	t->reply = NULL;
}

/* t (receiving) stops using its reply object, if it has one. */
HOT_INLINE void reply_unbind_receiver(struct tcb *t)
{
	if (t->reply != NULL)
		reply_unbind_receiver_of(t->reply, t);
}

#endif
