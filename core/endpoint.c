/* SPDX-License-Identifier: MIT */
/*
 * Endpoint send, receive, call, reply-receive and teardown. See endpoint.h.
 * Every entry point decodes first (cap types and rights, the reply object's
 * availability) and only then acts; the acting part cannot fail.
 */
#include "endpoint.h"

#include "fault.h"
#include "message.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"

enum endpoint_state endpoint_state(const struct endpoint *ep)
{
	if (ep->queue.head == NULL)
		return ENDPOINT_IDLE;
	return tcb_state(ep->queue.head) == THREAD_BLOCKED_SEND ? ENDPOINT_SEND : ENDPOINT_RECV;
}

static bool has_right(struct cap cap, unsigned right)
{
	return (cap_rights(cap).bits & right) != 0;
}

void endpoint_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge)
{
	if (sender->fault_kind != FAULT_NONE) {
		fault_message(sender, receiver);
	} else {
		struct msg_info info = { tcb_get_reg(sender, PORT_REG_INFO) };
		unsigned length = msg_info_length(info);
		if (length > MSG_MAX_LENGTH)
			length = MSG_MAX_LENGTH;
		/* Words past the registers need both IPC buffers. */
		if (sender->ipc_buffer == NULL || receiver->ipc_buffer == NULL)
			length = length < MSG_REGISTER_WORDS ? length : MSG_REGISTER_WORDS;
		for (unsigned i = 0; i < length; i++) {
			if (i < MSG_REGISTER_WORDS)
				tcb_set_reg(receiver, PORT_REG_MR0 + i,
					    tcb_get_reg(sender, PORT_REG_MR0 + i));
			else
				receiver->ipc_buffer->msg[i] = sender->ipc_buffer->msg[i];
		}
		tcb_set_reg(receiver, PORT_REG_INFO,
			    msg_info_make(msg_info_label(info), length, 0, 0).word);
	}
	tcb_set_reg(receiver, PORT_REG_BADGE, badge);
	tcb_set_reg(receiver, PORT_REG_RESULT, ERR_OK);
}

/* A delivered call: the caller waits on the receiver's reply object, or
 * without one becomes inactive (seL4's rule). */
static void caller_after_delivery(struct tcb *caller, struct reply *r)
{
	if (r != NULL) {
		reply_push(r, caller);
	} else {
		caller->fault_kind = FAULT_NONE;
		tcb_set_state(caller, THREAD_INACTIVE);
	}
}

static void do_send(struct endpoint *ep, struct tcb *sender, uint64_t badge, bool blocking,
		    bool call)
{
	if (endpoint_state(ep) == ENDPOINT_RECV) {
		struct tcb *receiver = ep->queue.head;
		struct reply *r = receiver->reply;
		tcb_queue_remove(&ep->queue, receiver);
		reply_unbind_receiver(receiver);
		endpoint_transfer(sender, receiver, badge);
		tcb_set_state(receiver, THREAD_RUNNING);
		if (call)
			caller_after_delivery(sender, r);
		sched_wake(receiver);
	} else if (blocking) {
		sender->ipc_badge = badge;
		sender->ipc_call = call;
		tcb_queue_append(&ep->queue, sender, ep);
		tcb_set_state(sender, THREAD_BLOCKED_SEND);
	}
}

enum error endpoint_send(struct tcb *sender, struct cap cap, bool blocking, bool call)
{
	if (cap_type(cap) != CAP_ENDPOINT || !has_right(cap, CAP_RIGHT_WRITE))
		return ERR_INVALID_CAPABILITY;
	tcb_set_reg(sender, PORT_REG_RESULT, ERR_OK);
	do_send((struct endpoint *)cap_ptr(cap), sender, cap_badge(cap), blocking, call);
	return ERR_OK;
}

void endpoint_send_fault(struct tcb *t, struct endpoint *ep, uint64_t badge)
{
	do_send(ep, t, badge, true, true);
}

static enum error decode_receive(struct cap cap, struct cap reply_cap, struct reply **r)
{
	if (cap_type(cap) != CAP_ENDPOINT || !has_right(cap, CAP_RIGHT_READ))
		return ERR_INVALID_CAPABILITY;
	*r = NULL;
	if (cap_is_null(reply_cap))
		return ERR_OK;
	if (cap_type(reply_cap) != CAP_REPLY)
		return ERR_INVALID_CAPABILITY;
	*r = (struct reply *)cap_ptr(reply_cap);
	if ((*r)->receiver != NULL)
		return ERR_ILLEGAL_OPERATION;
	return ERR_OK;
}

static void do_receive(struct endpoint *ep, struct tcb *receiver, struct reply *r, bool blocking)
{
	if (r != NULL)
		reply_cancel(r);
	if (notification_deliver_bound(receiver))
		return;
	if (endpoint_state(ep) == ENDPOINT_SEND) {
		struct tcb *sender = ep->queue.head;
		tcb_queue_remove(&ep->queue, sender);
		endpoint_transfer(sender, receiver, sender->ipc_badge);
		if (sender->ipc_call) {
			caller_after_delivery(sender, r);
		} else {
			tcb_set_reg(sender, PORT_REG_RESULT, ERR_OK);
			tcb_set_state(sender, THREAD_RUNNING);
			sched_wake(sender);
		}
	} else if (blocking) {
		tcb_queue_append(&ep->queue, receiver, ep);
		tcb_set_state(receiver, THREAD_BLOCKED_RECV);
		if (r != NULL)
			reply_bind_receiver(r, receiver);
	} else {
		tcb_set_reg(receiver, PORT_REG_RESULT, ERR_OK);
		tcb_set_reg(receiver, PORT_REG_INFO, 0);
		tcb_set_reg(receiver, PORT_REG_BADGE, 0);
	}
}

enum error endpoint_receive(struct tcb *receiver, struct cap cap, struct cap reply_cap,
			    bool blocking)
{
	struct reply *r;
	enum error err = decode_receive(cap, reply_cap, &r);
	if (err != ERR_OK)
		return err;
	do_receive((struct endpoint *)cap_ptr(cap), receiver, r, blocking);
	return ERR_OK;
}

enum error endpoint_reply_receive(struct tcb *t, struct cap cap, struct cap reply_cap)
{
	struct reply *r;
	if (cap_type(reply_cap) != CAP_REPLY)
		return ERR_INVALID_CAPABILITY;
	enum error err = decode_receive(cap, reply_cap, &r);
	if (err != ERR_OK)
		return err;
	reply_invoke(t, r);
	do_receive((struct endpoint *)cap_ptr(cap), t, r, true);
	return ERR_OK;
}

void endpoint_cancel(struct tcb *t)
{
	struct endpoint *ep = t->blocked_on;
	tcb_queue_remove(&ep->queue, t);
}

void endpoint_finalise(struct endpoint *ep)
{
	while (ep->queue.head != NULL) {
		struct tcb *t = ep->queue.head;
		tcb_queue_remove(&ep->queue, t);
		if (tcb_state(t) == THREAD_BLOCKED_RECV)
			reply_unbind_receiver(t);
		if (t->fault_kind != FAULT_NONE) {
			t->fault_kind = FAULT_NONE;
			tcb_set_state(t, THREAD_INACTIVE);
		} else {
			tcb_wake_with_error(t, ERR_INVALID_CAPABILITY);
		}
	}
}

const char *endpoint_check_invariants(const struct endpoint *ep)
{
	return tcb_queue_check(&ep->queue, ep, THREAD_BLOCKED_SEND, THREAD_BLOCKED_RECV);
}
