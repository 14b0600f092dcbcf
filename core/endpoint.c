/* SPDX-License-Identifier: MIT */
/*
 * Endpoint send, receive, call, reply-receive and teardown. See endpoint.h.
 * Every entry point decodes first (cap types and rights, the reply object's
 * availability) and only then acts; the acting part cannot fail.
 */
#include "endpoint.h"

#include "cnode.h"
#include "fault.h"
#include "message.h"
#include "msg_regs.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"

static bool has_right(struct cap cap, unsigned right)
{
	return (cap_rights(cap).bits & right) != 0;
}

/* The empty slot the receiver named in its IPC buffer, or NULL. */
static struct cte *receive_slot(const struct tcb *receiver)
{
	const struct ipc_buffer *buf = tcb_ipc_buffer(receiver);
	struct resolve_result cnode =
	    cnode_lookup_cap(receiver->cspace_root.cap, buf->receive_cnode);
	if (cnode.err != ERR_OK)
		return NULL;
	struct resolve_result slot =
	    cnode_lookup_slot(cnode.slot->cap, buf->receive_index, buf->receive_depth);
	if (slot.err != ERR_OK || !cap_is_null(slot.slot->cap))
		return NULL;
	return slot.slot;
}

/*
 * Look up the extra caps the sender names (seL4's lookupExtraCaps): each
 * cptr resolves all 64 bits in its CSpace, and an empty slot is a valid
 * answer (it stops the transfer later). Without an IPC buffer no cap is
 * named. Fills src[0..n) and returns ERR_OK, or the first lookup failure.
 */
static enum error lookup_extra_caps(const struct tcb *sender, struct cte **src, unsigned *n,
				    struct lookup_fault *fault)
{
	const struct ipc_buffer *from = tcb_ipc_buffer(sender);
	struct msg_info info = { tcb_get_reg(sender, PORT_REG_INFO) };
	unsigned wanted = from != NULL ? msg_info_extra_caps(info) : 0;
	*n = 0;
	if (wanted > MSG_MAX_EXTRA_CAPS)
		wanted = MSG_MAX_EXTRA_CAPS;
	for (unsigned i = 0; i < wanted; i++) {
		struct resolve_result r =
		    cnode_resolve_address_bits(sender->cspace_root.cap, from->caps[i], WORD_BITS);
		if (r.err != ERR_OK) {
			*fault = r.fault;
			return r.err;
		}
		src[i] = r.slot;
	}
	*n = wanted;
	return ERR_OK;
}

enum error endpoint_check_extra_caps(const struct tcb *sender, struct lookup_fault *fault)
{
	struct cte *src[MSG_MAX_EXTRA_CAPS];
	unsigned n;
	*fault = (struct lookup_fault){ 0 };
	return lookup_extra_caps(sender, src, &n, fault);
}

/*
 * seL4's transfer of extra caps. If a lookup fails now (the sender blocked
 * and its CSpace changed since it sent) none is sent. In order, a cap to the
 * endpoint the message goes through is unwrapped (its badge lands in the
 * receiver's caps[i], bit i of "unwrapped"); any other cap is copied into
 * the receiver's receive slot, which takes one cap; the transfer stops at
 * the first cap that cannot go (an empty slot, no receive slot left, a cap
 * that is not copied), keeping those before it. Returns how many arrived.
 */
static unsigned transfer_caps(struct tcb *sender, struct tcb *receiver, const struct endpoint *ep,
			      unsigned *unwrapped)
{
	struct cte *src[MSG_MAX_EXTRA_CAPS];
	struct lookup_fault fault;
	unsigned wanted;
	struct ipc_buffer *to = tcb_ipc_buffer(receiver);
	*unwrapped = 0;
	if (lookup_extra_caps(sender, src, &wanted, &fault) != ERR_OK)
		return 0;
	struct cte *dest = receive_slot(receiver);
	unsigned n = 0;
	for (; n < wanted; n++) {
		struct cap cap = src[n]->cap;
		if (cap_is_null(cap))
			break;
		if (cap_type(cap) == CAP_ENDPOINT && cap_ptr(cap) == (uintptr_t)ep) {
			to->caps[n] = cap_badge(cap);
			*unwrapped |= 1u << n;
			continue;
		}
		if (dest == NULL)
			break;
		struct cap_result d = cte_derive(src[n], cap);
		if (d.err != ERR_OK || cap_is_null(d.cap))
			break;
		cte_insert(d.cap, src[n], dest);
		dest = NULL;
	}
	return n;
}

void endpoint_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge,
		       const struct endpoint *ep, bool grant)
{
	if (sender->fault_kind != FAULT_NONE) {
		fault_message(sender, receiver);
	} else {
		struct msg_info info = { tcb_get_reg(sender, PORT_REG_INFO) };
		unsigned length = msg_info_length(info);
		const struct ipc_buffer *from = tcb_ipc_buffer(sender);
		struct ipc_buffer *to = tcb_ipc_buffer(receiver);
		bool buffers = from != NULL && to != NULL;
		if (length > MSG_MAX_LENGTH)
			length = MSG_MAX_LENGTH;
		/* Words past the registers, and caps, need both IPC buffers. */
		if (!buffers)
			length = length < MSG_REGISTER_WORDS ? length : MSG_REGISTER_WORDS;
		for (unsigned i = 0; i < length; i++) {
			if (i < MSG_REGISTER_WORDS)
				tcb_set_reg(receiver, PORT_REG_MR0 + i,
					    tcb_get_reg(sender, PORT_REG_MR0 + i));
			else
				to->msg[i] = from->msg[i];
		}
		unsigned caps = 0, unwrapped = 0;
		if (grant && buffers)
			caps = transfer_caps(sender, receiver, ep, &unwrapped);
		tcb_set_reg(receiver, PORT_REG_INFO,
			    msg_info_make(msg_info_label(info), length, caps, unwrapped).word);
	}
	struct msg_info arrived = { tcb_get_reg(receiver, PORT_REG_INFO) };
	msg_regs_clear_past(receiver, msg_info_length(arrived));
	tcb_set_reg(receiver, PORT_REG_BADGE, badge);
	tcb_set_reg(receiver, PORT_REG_RESULT, ERR_OK);
}

/*
 * A delivered call. The caller waits on the receiver's reply object only if
 * its cap had the grant or grant-reply right and the receiver gave a reply
 * object; otherwise it becomes inactive (seL4's rule). The reply may carry
 * caps when the receiver's endpoint cap had the grant right (seL4 RFC-13).
 */
static void caller_after_delivery(struct tcb *caller, struct reply *r, bool can_reply,
				  bool receiver_grant)
{
	if (r != NULL && can_reply) {
		reply_push(r, caller, receiver_grant);
	} else {
		caller->fault_kind = FAULT_NONE;
		tcb_set_state(caller, THREAD_INACTIVE);
	}
}

static void do_send(struct endpoint *ep, struct tcb *sender, uint64_t badge, bool grant,
		    bool grant_reply, bool blocking, bool call)
{
	if (endpoint_state(ep) == ENDPOINT_RECV) {
		struct tcb *receiver = tcb_queue_remove_head(&ep->queue);
		struct reply *r = receiver->reply;
		reply_unbind_receiver(receiver);
		endpoint_transfer(sender, receiver, badge, ep, grant);
		tcb_set_state(receiver, THREAD_RUNNING);
		if (call)
			caller_after_delivery(sender, r, grant || grant_reply, receiver->ipc_grant);
		sched_wake(receiver);
	} else if (blocking) {
		sender->ipc_badge = badge;
		sender->ipc_call = call;
		sender->ipc_grant = grant;
		sender->ipc_grant_reply = grant || grant_reply;
		tcb_queue_append(&ep->queue, sender, ep);
		tcb_set_state(sender, THREAD_BLOCKED_SEND);
	}
}

enum error endpoint_send(struct tcb *sender, struct cap cap, bool blocking, bool call)
{
	if (!endpoint_cap_can_send(cap))
		return ERR_INVALID_CAPABILITY;
	struct lookup_fault fault;
	if (endpoint_check_extra_caps(sender, &fault) != ERR_OK)
		return ERR_FAILED_LOOKUP;
	tcb_set_reg(sender, PORT_REG_RESULT, ERR_OK);
	do_send((struct endpoint *)cap_ptr(cap), sender, cap_badge(cap),
		has_right(cap, CAP_RIGHT_GRANT), has_right(cap, CAP_RIGHT_GRANT_REPLY), blocking,
		call);
	return ERR_OK;
}

void endpoint_send_fault(struct tcb *t, struct endpoint *ep, uint64_t badge)
{
	/* tcb_set_fault_handler took only caps with grant or grant-reply. */
	do_send(ep, t, badge, false, true, true, true);
}

static enum error decode_receive(struct cap cap, struct cap reply_cap, struct reply **r)
{
	if (!endpoint_cap_can_receive(cap))
		return ERR_INVALID_CAPABILITY;
	*r = NULL;
	if (cap_is_null(reply_cap))
		return ERR_OK;
	if (cap_type(reply_cap) != CAP_REPLY)
		return ERR_INVALID_CAPABILITY;
	*r = (struct reply *)cap_ptr(reply_cap);
	return ERR_OK;
}

static void do_receive(struct endpoint *ep, struct tcb *receiver, struct reply *r, bool grant,
		       bool blocking)
{
	/* seL4 MCS: whoever the reply object still holds (a caller never
	 * answered, another thread receiving with it) is cut off, inactive. */
	if (r != NULL) {
		reply_cancel(r);
		if (r->receiver != NULL) /* never `receiver`: it is running */
			reply_stop_receiver(r);
	}
	if (notification_deliver_bound(receiver))
		return;
	if (endpoint_state(ep) == ENDPOINT_SEND) {
		struct tcb *sender = tcb_queue_remove_head(&ep->queue);
		endpoint_transfer(sender, receiver, sender->ipc_badge, ep, sender->ipc_grant);
		if (sender->ipc_call) {
			caller_after_delivery(sender, r, sender->ipc_grant_reply, grant);
		} else {
			tcb_set_reg(sender, PORT_REG_RESULT, ERR_OK);
			tcb_set_state(sender, THREAD_RUNNING);
			sched_wake(sender);
		}
	} else if (blocking) {
		receiver->ipc_grant = grant;
		tcb_queue_append(&ep->queue, receiver, ep);
		tcb_set_state(receiver, THREAD_BLOCKED_RECV);
		if (r != NULL)
			reply_bind_receiver(r, receiver);
	} else {
		tcb_set_reg(receiver, PORT_REG_RESULT, ERR_OK);
		tcb_set_reg(receiver, PORT_REG_INFO, 0);
		tcb_set_reg(receiver, PORT_REG_BADGE, 0);
		msg_regs_clear_past(receiver, 0); /* an empty message */
	}
}

enum error endpoint_receive(struct tcb *receiver, struct cap cap, struct cap reply_cap,
			    bool blocking)
{
	struct reply *r;
	enum error err = decode_receive(cap, reply_cap, &r);
	if (err != ERR_OK)
		return err;
	do_receive((struct endpoint *)cap_ptr(cap), receiver, r, has_right(cap, CAP_RIGHT_GRANT),
		   blocking);
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
	do_receive((struct endpoint *)cap_ptr(cap), t, r, has_right(cap, CAP_RIGHT_GRANT), true);
	return ERR_OK;
}

void endpoint_cancel(struct tcb *t)
{
	struct endpoint *ep = t->blocked_on;
	tcb_queue_remove(&ep->queue, t);
}

void endpoint_cancel_badged_sends(struct endpoint *ep, uint64_t badge)
{
	if (endpoint_state(ep) != ENDPOINT_SEND)
		return;
	struct tcb *t = ep->queue.head;
	while (t != NULL) {
		struct tcb *next = t->ipc_next;
		if (t->ipc_badge == badge) {
			tcb_queue_remove(&ep->queue, t);
			tcb_restart_call(t);
		}
		t = next;
	}
}

void endpoint_finalise(struct endpoint *ep)
{
	while (ep->queue.head != NULL) {
		struct tcb *t = ep->queue.head;
		tcb_queue_remove(&ep->queue, t);
		if (tcb_state(t) == THREAD_BLOCKED_RECV)
			reply_unbind_receiver(t);
		tcb_restart_call(t);
	}
}

const char *endpoint_check_invariants(const struct endpoint *ep)
{
	return tcb_queue_check(&ep->queue, ep, THREAD_BLOCKED_SEND, THREAD_BLOCKED_RECV);
}
