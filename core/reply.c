/* SPDX-License-Identifier: MIT */
/*
 * Reply objects: push a caller, reply once, cancel, teardown. See reply.h.
 */
#include "reply.h"

#include "endpoint.h"
#include "fault.h"
#include "scheduler.h"

void reply_invoke(struct tcb *replier, struct reply *r)
{
	struct tcb *caller = r->caller;
	if (caller == NULL)
		return;
	bool grant = r->can_grant;
	reply_remove_caller(caller);
	if (caller->fault_kind != FAULT_NONE) {
		fault_reply(caller, replier);
	} else {
		/* No endpoint: a reply unwraps nothing (docs/ipc.md). */
		endpoint_transfer(replier, caller, 0, NULL, grant);
		tcb_set_state(caller, THREAD_RUNNING);
	}
	if (tcb_is_runnable(caller))
		sched_wake(caller);
}

enum error reply_send(struct tcb *replier, struct cap cap)
{
	if (cap_type(cap) != CAP_REPLY)
		return ERR_INVALID_CAPABILITY;
	reply_invoke(replier, (struct reply *)cap_ptr(cap));
	return ERR_OK;
}

void reply_cancel(struct reply *r)
{
	struct tcb *caller = r->caller;
	if (caller == NULL)
		return;
	reply_remove_caller(caller);
	tcb_stop(caller);
}

void reply_stop_receiver(struct reply *r)
{
	struct tcb *t = r->receiver;
	tcb_cancel_ipc(t);
	tcb_stop(t);
}

void reply_finalise(struct reply *r)
{
	reply_cancel(r);
	if (r->receiver != NULL)
		reply_stop_receiver(r);
}

const char *reply_check_invariants(const struct reply *r)
{
	if (r->caller != NULL &&
	    (r->caller->reply != r || tcb_state(r->caller) != THREAD_BLOCKED_REPLY))
		return "a reply object's caller does not wait on it";
	if (r->receiver != NULL &&
	    (r->receiver->reply != r || tcb_state(r->receiver) != THREAD_BLOCKED_RECV))
		return "a reply object's receiver does not receive with it";
	/* A receive cuts off the caller before it binds (do_receive), and a
	 * delivered call unbinds the receiver before it pushes the caller: so
	 * a caller means no receiver (the fastpath's ReplyRecv rests on it). */
	if (r->caller != NULL && r->receiver != NULL)
		return "a reply object holds a caller and a receiver at once";
	return NULL;
}
