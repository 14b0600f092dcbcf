/* SPDX-License-Identifier: MIT */
/*
 * Endpoints: synchronous rendezvous IPC, as seL4's. An endpoint is a FIFO of
 * threads that all wait to send or all wait to receive (its state follows
 * from the queue: empty = idle, else the state of the threads in it). A
 * send meeting a waiting receiver (or a receive meeting a waiting sender)
 * copies the message from sender to receiver at once; otherwise the caller
 * blocks (or, non-blocking, the send is dropped / the receive returns an
 * empty message). No timeouts, no long IPC: a message is at most
 * MSG_MAX_LENGTH words (core/message.h).
 *
 * A call is a send that then waits for the answer: the receiver's reply
 * object (reply.h) takes the caller, and a reply through it wakes the
 * caller. Receiving without a reply object makes a caller inactive (seL4's
 * rule). Badges of the sender's cap go to the receiver.
 *
 * Callers: the kernel's system calls (later issue), fault.c (fault
 * messages), object.c (finalise when the last cap goes).
 */
#ifndef CORE_ENDPOINT_H
#define CORE_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "compiler.h"
#include "cnode.h"
#include "error.h"
#include "object.h"
#include "tcb.h"

struct endpoint {
	struct tcb_queue queue;
};

_Static_assert(sizeof(struct endpoint) <= (1u << ENDPOINT_SIZE_BITS), "endpoint fits its size");

enum endpoint_state {
	ENDPOINT_IDLE = 0,
	ENDPOINT_SEND = 1, /* senders wait */
	ENDPOINT_RECV = 2, /* receivers wait */
};

/* Inline: the fastpath's first tier makes no call that returns. The
 * state of an endpoint whose queue's head is `head` (the fastpath keeps
 * the head it read). */
HOT_INLINE enum endpoint_state endpoint_state_of_head(const struct tcb *head)
{
	if (head == NULL)
		return ENDPOINT_IDLE;
	return tcb_state(head) == THREAD_BLOCKED_SEND ? ENDPOINT_SEND : ENDPOINT_RECV;
}

HOT_INLINE enum endpoint_state endpoint_state(const struct endpoint *ep)
{
	return endpoint_state_of_head(ep->queue.head);
}

/*
 * Send (call: and wait for the reply) through `cap`, by the current thread
 * `sender`. ERR_INVALID_CAPABILITY unless cap is an endpoint cap with the
 * write right; ERR_FAILED_LOOKUP when an extra cap the sender names does not
 * resolve (endpoint_check_extra_caps); nothing changes then. Non-blocking
 * sends with no receiver waiting are dropped (ERR_OK, as seL4).
 * Untrusted: cap, the sender's info word and IPC buffer.
 */
MUST_CHECK enum error endpoint_send(struct tcb *sender, struct cap cap, bool blocking, bool call);

/*
 * Receive through `cap` (read right) by the current thread; reply_cap is a
 * reply cap or the null cap. A pending signal of the receiver's bound
 * notification is delivered first. As seL4 MCS, a reply object still
 * holding an earlier caller, or given to another thread that waits to
 * receive, cuts that thread off (it becomes inactive) and is taken.
 * Non-blocking with nothing to receive: an empty message, badge 0.
 * Untrusted: cap, reply_cap.
 */
MUST_CHECK enum error endpoint_receive(struct tcb *receiver, struct cap cap, struct cap reply_cap,
				       bool blocking);

/* Reply through reply_cap, then receive on cap with the same reply object
 * (the server loop). Both caps are checked before anything happens. */
MUST_CHECK enum error endpoint_reply_receive(struct tcb *t, struct cap cap, struct cap reply_cap);

/*
 * seL4's lookupExtraCaps, for the kernel's decode of any send: every extra
 * cap the sender's info word counts (when it has an IPC buffer) must resolve
 * in its CSpace (all 64 bits; an empty slot resolves). ERR_FAILED_LOOKUP and
 * *fault otherwise: the send is aborted (the kernel raises a cap fault for a
 * blocking one). Changes nothing. Untrusted: the info word and the buffer.
 */
MUST_CHECK enum error endpoint_check_extra_caps(const struct tcb *sender,
						struct lookup_fault *fault);

/* The internal send of fault.c: t sends its fault as a call. */
void endpoint_send_fault(struct tcb *t, struct endpoint *ep, uint64_t badge);

/*
 * Copy the message of sender (registers, IPC buffer) to receiver and set its
 * badge and result; a fault in flight is sent as a fault message. With
 * `grant` (the send cap's grant right) and both IPC buffers, the extra caps
 * go too (docs/ipc.md: capability transfer); ep is the endpoint the message
 * went through (for unwrapping), NULL for a reply.
 */
void endpoint_transfer(struct tcb *sender, struct tcb *receiver, uint64_t badge,
		       const struct endpoint *ep, bool grant);

/* t (blocked on an endpoint) leaves its queue. */
void endpoint_cancel(struct tcb *t);

/* seL4's cancelBadgedSends: every thread queued to send on ep with this
 * badge leaves the queue and restarts its call (a faulting one becomes
 * inactive); receivers and other senders stay, in order. */
void endpoint_cancel_badged_sends(struct endpoint *ep, uint64_t badge);

/* The last cap went: every waiting thread restarts its call (seL4's
 * cancelAllIPC; a faulting one stays inactive: its handler is gone). */
void endpoint_finalise(struct endpoint *ep);

const char *endpoint_check_invariants(const struct endpoint *ep);

/*
 * The rules the slow path (below) and the kernel's IPC fastpath
 * (kernel/fastpath.c) share: one copy, inline, so that both decide alike.
 */
/* The same rules on the cap's rights alone (CAP_RIGHT_* bits), for a
 * caller that has checked the type. */
HOT_INLINE bool endpoint_rights_can_send(uint64_t rights)
{
	return (rights & CAP_RIGHT_WRITE) != 0;
}

HOT_INLINE bool endpoint_rights_can_receive(uint64_t rights)
{
	return (rights & CAP_RIGHT_READ) != 0;
}

HOT_INLINE bool endpoint_cap_can_send(struct cap cap)
{
	return cap_type(cap) == CAP_ENDPOINT && endpoint_rights_can_send(cap_rights(cap).bits);
}

HOT_INLINE bool endpoint_cap_can_receive(struct cap cap)
{
	return cap_type(cap) == CAP_ENDPOINT && endpoint_rights_can_receive(cap_rights(cap).bits);
}

/* The cap a call used may have its reply wait for it (seL4's rule):
 * endpoint_rights_call_waits' half on the cap. */
HOT_INLINE bool endpoint_rights_can_reply(uint64_t rights)
{
	return (rights & (CAP_RIGHT_GRANT | CAP_RIGHT_GRANT_REPLY)) != 0;
}

/* A delivered call waits for its reply only when the cap it used may
 * reply and the receiver gave a reply object (seL4's rule). */
HOT_INLINE bool endpoint_rights_call_waits(uint64_t rights, const struct reply *r)
{
	return r != NULL && endpoint_rights_can_reply(rights);
}

HOT_INLINE bool endpoint_call_waits(struct cap cap, const struct reply *r)
{
	return endpoint_rights_call_waits(cap_rights(cap).bits, r);
}

#endif
