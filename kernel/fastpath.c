/* SPDX-License-Identifier: MIT */
/*
 * The IPC fastpath (fastpath.h, docs/ipc.md). Each case first checks,
 * with the predicates core/ uses on the slow path (endpoint.h, the
 * scheduler's direct-switch rule), that the slow path would do exactly
 * this and nothing else; only then it acts, and what it does is what
 * endpoint.c and reply.c would do for such a message: a register copy, the
 * queue and reply-object links, the two states, one switch.
 */
#include "fastpath.h"

#include "abi.h"
#include "asid.h"
#include "endpoint.h"
#include "fault.h"
#include "kstring.h"
#include "message.h"
#include "reply.h"
#include "scheduler.h"
#include "space_cache.h"
#include "syscall.h"
#include "thread.h"

bool fastpath_enabled = true;

void fastpath_configure(const char *bootargs)
{
	static const char off[] = "fastpath=off";
	const unsigned n = sizeof(off) - 1;
	for (const char *p = bootargs; *p != '\0'; p++) {
		bool starts = p == bootargs || p[-1] == ' ';
		if (starts && memcmp(p, off, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			fastpath_enabled = false;
	}
}

/* A message the registers carry alone: no fault in flight (that message
 * is built by fault.c), no extra caps, at most MSG_REGISTER_WORDS words. */
HOT_INLINE bool in_registers(const struct tcb *sender, struct msg_info info)
{
	return sender->fault_kind == FAULT_NONE && msg_info_extra_caps(info) == 0 &&
	       msg_info_length(info) <= MSG_REGISTER_WORDS;
}

/* endpoint_transfer for such a message (no caps, so no grant question). */
HOT_INLINE void transfer(struct tcb *from, struct tcb *to, struct msg_info info, uint64_t badge)
{
	unsigned length = msg_info_length(info);
	for (unsigned i = 0; i < length; i++)
		tcb_set_reg(to, PORT_REG_MR0 + i, tcb_get_reg(from, PORT_REG_MR0 + i));
	tcb_set_reg(to, PORT_REG_INFO, msg_info_make(msg_info_label(info), length, 0, 0).word);
	tcb_set_reg(to, PORT_REG_BADGE, badge);
	tcb_set_reg(to, PORT_REG_RESULT, ERR_OK);
}

/*
 * The slot cptr names in t's CSpace, as the slow path's lookup finds it
 * (syscall_lookup: all 64 bits, cnode_resolve_address_bits' rules), done
 * inline for the shape every program has: a root CNode whose guard and
 * radix take all 64 bits, so one guard compare and one index. Any other
 * shape takes the general lookup. The slot may be empty (callers check
 * the cap's type); NULL when nothing resolves. Untrusted: cptr.
 */
HOT_INLINE struct cte *lookup(struct tcb *t, uint64_t cptr)
{
	struct cap root = t->cspace_root.cap;
	if (cap_type(root) == CAP_CNODE) {
		unsigned radix = cap_cnode_radix(root);
		if (radix + cap_cnode_guard_size(root) == WORD_BITS) {
			if ((cptr >> radix) != cap_cnode_guard(root))
				return NULL;
			return (struct cte *)cap_ptr(root) + (cptr & ((UINT64_C(1) << radix) - 1));
		}
	}
	return syscall_lookup(t, cptr);
}

/* Call (a0 endpoint cptr, a2 info). Untrusted: every register. Returns
 * the receiver to run (its satp in *s), or NULL having changed nothing. */
static struct tcb *call(unsigned h, struct tcb *t, struct space *s)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	if (!in_registers(t, info))
		return NULL;
	struct cte *slot = lookup(t, tcb_get_reg(t, PORT_REG_RESULT));
	if (slot == NULL || !endpoint_cap_can_send(slot->cap))
		return NULL;
	struct cap cap = slot->cap;
	struct endpoint *ep = (struct endpoint *)cap_ptr(cap);
	if (endpoint_state(ep) != ENDPOINT_RECV)
		return NULL;
	struct tcb *receiver = ep->queue.head;
	struct reply *r = receiver->reply;
	if (!endpoint_call_waits(cap, r) || !space_find(receiver, h, s) ||
	    !sched_can_switch_direct(h, receiver))
		return NULL;
	/* do_send, then caller_after_delivery, then the switch. */
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	tcb_queue_remove(&ep->queue, receiver);
	reply_unbind_receiver(receiver);
	transfer(t, receiver, info, cap_badge(cap));
	tcb_set_state(receiver, THREAD_RUNNING);
	/* Switched before t blocks: t's block then asks for no decision. */
	sched_switch_direct_asid(h, receiver, s->join_asid);
	space_remember(receiver, h, s);
	reply_push(r, t, receiver->ipc_grant);
	return receiver;
}

/* ReplyRecv (a0 endpoint cptr, a1 reply cptr, a2 info). Untrusted: every
 * register. Returns the caller to run (its satp in *s), or NULL having
 * changed nothing. */
static struct tcb *reply_recv(unsigned h, struct tcb *t, struct space *s)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	if (!in_registers(t, info) || t->bound != NULL)
		return NULL; /* a bound notification may have a signal to deliver */
	struct cte *slot = lookup(t, tcb_get_reg(t, PORT_REG_RESULT));
	struct cte *reply_slot = lookup(t, tcb_get_reg(t, PORT_REG_BADGE));
	if (slot == NULL || reply_slot == NULL || cap_type(reply_slot->cap) != CAP_REPLY ||
	    !endpoint_cap_can_receive(slot->cap))
		return NULL;
	struct endpoint *ep = (struct endpoint *)cap_ptr(slot->cap);
	struct reply *r = (struct reply *)cap_ptr(reply_slot->cap);
	struct tcb *caller = r->caller;
	/* A sender already waiting would be received at once: slow path. */
	if (caller == NULL || tcb_state(caller) != THREAD_BLOCKED_REPLY ||
	    caller->fault_kind != FAULT_NONE || r->receiver != NULL ||
	    endpoint_state(ep) == ENDPOINT_SEND || !space_find(caller, h, s) ||
	    !sched_can_switch_direct(h, caller))
		return NULL;
	/* reply_invoke, then do_receive's blocking case, then the switch. */
	reply_remove_caller(caller);
	transfer(t, caller, info, 0);
	tcb_set_state(caller, THREAD_RUNNING);
	sched_switch_direct_asid(h, caller, s->join_asid); /* before t blocks, as in call() */
	space_remember(caller, h, s);
	t->ipc_grant = (cap_rights(slot->cap).bits & CAP_RIGHT_GRANT) != 0;
	tcb_queue_append(&ep->queue, t, ep);
	tcb_set_state(t, THREAD_BLOCKED_RECV);
	reply_bind_receiver(r, t);
	return caller;
}

void fastpath_try(struct hart *hart, struct tcb *t)
{
	if (!fastpath_enabled)
		return;
	unsigned h = hart->cpu_index;
	uint64_t number = t->regs[17]; /* a7 */
	struct tcb *next;
	struct space space;
	if (number == SYS_CALL)
		next = call(h, t, &space);
	else if (number == SYS_REPLY_RECV)
		next = reply_recv(h, t, &space);
	else
		return;
	if (next == NULL)
		return;
	/* t blocked inside its ecall: a restart runs it again (syscall.c). */
	t->regs[REG_SYSCALL_PC] = t->regs[REG_PC];
	t->regs[REG_PC] += 4;
	hart->fastpath_taken++;
	thread_run_direct(hart, t, next, space.satp);
}
