/* SPDX-License-Identifier: MIT */
/* System-call decode (see syscall.h; the ABI is core/abi.h, docs/abi.md). */
#include "syscall.h"

#include "abi.h"
#include "capfault.h"
#include "console.h"
#include "endpoint.h"
#include "fastpath.h"
#include "hart.h"
#include "fault.h"
#include "invoke.h"
#include "lend_call.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"
#include "shutdown.h"
#include "thread.h"
#include "uintr_kernel.h"
#include "uintr_sendwait.h"
#include "usermem.h"

struct cte *syscall_lookup(struct tcb *t, uint64_t cptr)
{
	struct resolve_result r = cnode_lookup_cap(t->cspace_root.cap, cptr);
	return r.err == ERR_OK ? r.slot : NULL;
}

uint64_t msg_get(struct tcb *t, unsigned i)
{
	if (i < MSG_REGISTER_WORDS)
		return tcb_get_reg(t, PORT_REG_MR0 + i);
	struct ipc_buffer *buffer = tcb_ipc_buffer(t);
	return buffer != NULL ? buffer->msg[i] : 0;
}

bool msg_set(struct tcb *t, unsigned i, uint64_t value)
{
	if (i < MSG_REGISTER_WORDS) {
		tcb_set_reg(t, PORT_REG_MR0 + i, value);
		return true;
	}
	struct ipc_buffer *buffer = tcb_ipc_buffer(t);
	if (buffer == NULL)
		return false;
	buffer->msg[i] = value;
	return true;
}

static void set_result(struct tcb *t, enum error err)
{
	tcb_set_reg(t, PORT_REG_RESULT, err);
}

static void print_piece(const char *bytes, uint64_t length)
{
	console_write_held(bytes, length);
}

/* Debug print(a0 address, a1 length). Untrusted: both. Unreadable bytes
 * (unmapped, not user, kernel addresses) are ERR_INVALID_ARGUMENT. */
static enum error debug_print(struct tcb *t, struct uslice text)
{
	if (text.length > SYSCALL_PRINT_MAX)
		return ERR_RANGE;
	const struct pagetable *root = thread_vspace(t);
	if (root == NULL || !uslice_readable(root, text))
		return ERR_INVALID_ARGUMENT;
	/* One unit, even across a page boundary. */
	console_hold();
	uslice_for_each_piece(root, text, print_piece);
	console_release();
	return ERR_OK;
}

/* Send, NBSend and Call: on an endpoint IPC, on a notification a signal, on
 * a reply object a reply (Send only), on anything else an invocation. A cap
 * that does not resolve is a cap fault (capfault.h), except for NBSend:
 * seL4's fails silently, here it is ERR_FAILED_LOOKUP. */
static void send(struct tcb *t, bool blocking, bool call)
{
	uint64_t cptr = tcb_get_reg(t, PORT_REG_RESULT);
	struct cte *slot = blocking ? capfault_lookup(t, cptr, false) : syscall_lookup(t, cptr);
	if (slot == NULL) {
		if (!blocking)
			set_result(t, ERR_FAILED_LOOKUP);
		return;
	}
	if (blocking && !capfault_extra_caps(t))
		return;
	struct cap cap = slot->cap;
	switch (cap_type(cap)) {
	case CAP_ENDPOINT: {
		enum error err = endpoint_send(t, cap, blocking, call);
		if (err != ERR_OK)
			set_result(t, err);
		return;
	}
	case CAP_NOTIFICATION: set_result(t, notification_signal(cap)); return;
	case CAP_REPLY: set_result(t, call ? ERR_ILLEGAL_OPERATION : reply_send(t, cap)); return;
	default: invoke_object(t, slot); return;
	}
}

/* A wait on the notification in `slot`; what core/ refuses it for (no
 * read right, bound to another thread) is seL4's cap fault. */
static void wait_on(struct tcb *t, uint64_t cptr, struct cte *slot, bool blocking)
{
	enum error err = notification_wait(t, slot->cap, blocking);
	if (err == ERR_INVALID_CAPABILITY || err == ERR_ILLEGAL_OPERATION)
		capfault_wrong_cap(t, cptr, true);
	else if (err != ERR_OK)
		set_result(t, err);
}

/* The endpoint and reply object (a1; 0: none) of a receive, each checked
 * as seL4 does (cap faults); false when one faulted. */
static bool receive_caps(struct tcb *t, struct cte *slot, uint64_t cptr, uint64_t reply_cptr,
			 struct cap *reply)
{
	if (!endpoint_cap_can_receive(slot->cap)) {
		capfault_wrong_cap(t, cptr, true);
		return false;
	}
	*reply = cap_null();
	if (reply_cptr == 0)
		return true;
	struct cte *reply_slot = capfault_lookup(t, reply_cptr, true);
	if (reply_slot == NULL)
		return false;
	if (cap_type(reply_slot->cap) != CAP_REPLY) {
		capfault_wrong_cap(t, reply_cptr, true);
		return false;
	}
	*reply = reply_slot->cap;
	return true;
}

/* Recv and NBRecv: an endpoint (with a reply object, a1, or none: 0) or a
 * notification (a wait). */
static void receive(struct tcb *t, bool blocking)
{
	uint64_t cptr = tcb_get_reg(t, PORT_REG_RESULT);
	struct cte *slot = capfault_lookup(t, cptr, true);
	if (slot == NULL)
		return;
	if (cap_type(slot->cap) == CAP_NOTIFICATION) {
		wait_on(t, cptr, slot, blocking);
		return;
	}
	struct cap reply;
	if (!receive_caps(t, slot, cptr, tcb_get_reg(t, PORT_REG_BADGE), &reply))
		return;
	enum error err = endpoint_receive(t, slot->cap, reply, blocking);
	if (err != ERR_OK)
		set_result(t, err);
}

/* ReplyRecv: both caps are checked before the reply goes (a1 must name a
 * reply object). */
static void reply_receive(struct tcb *t)
{
	uint64_t cptr = tcb_get_reg(t, PORT_REG_RESULT);
	uint64_t reply_cptr = tcb_get_reg(t, PORT_REG_BADGE);
	struct cte *slot = capfault_lookup(t, cptr, true);
	struct cap reply;
	if (slot == NULL || !receive_caps(t, slot, cptr, reply_cptr, &reply))
		return;
	if (reply_cptr == 0) {
		capfault_wrong_cap(t, reply_cptr, true);
		return;
	}
	enum error err = endpoint_reply_receive(t, slot->cap, reply);
	if (err != ERR_OK)
		set_result(t, err);
}

/* Wait and Poll: a notification only. */
static void wait(struct tcb *t, bool blocking)
{
	uint64_t cptr = tcb_get_reg(t, PORT_REG_RESULT);
	struct cte *slot = capfault_lookup(t, cptr, true);
	if (slot == NULL)
		return;
	if (cap_type(slot->cap) != CAP_NOTIFICATION) {
		capfault_wrong_cap(t, cptr, true);
		return;
	}
	wait_on(t, cptr, slot, blocking);
}

static void dispatch(struct tcb *t);

void syscall_handle(struct tcb *t)
{
	uint64_t *r = t->regs;
	uint64_t pc = r[REG_PC];
	/* Resume after the ecall; a call that blocks keeps the ecall's address
	 * so that a restart (resume after suspend) runs it again (thread.c). */
	r[REG_SYSCALL_PC] = pc;
	r[REG_PC] = pc + 4;
	dispatch(t);
	if (tcb_is_runnable(t))
		r[REG_SYSCALL_PC] = 0; /* done: nothing to restart */
}

static void dispatch(struct tcb *t)
{
	uint64_t *r = t->regs;
	uint64_t number = r[17]; /* a7 */
	switch (number) {
	case SYS_CALL: send(t, true, true); return;
	case SYS_SEND: send(t, true, false); return;
	case SYS_NB_SEND: send(t, false, false); return;
	case SYS_RECV: receive(t, true); return;
	case SYS_NB_RECV: receive(t, false); return;
	case SYS_REPLY_RECV: reply_receive(t); return;
	case SYS_WAIT: wait(t, true); return;
	case SYS_POLL: wait(t, false); return;
	case SYS_YIELD: sched_yield_slice(); return;
	case SYS_UINTR_WAIT: kuintr_wait(t); return;
	case SYS_UINTR_SEND_WAIT: kuintr_send_wait(hart_current(), t); return;
	case SYS_CALL_LEND: lend_call(t); return;
	/* The window (t0, t1) stays in the saved registers for a CallLend to
	 * find (kernel/lend.c); t2 says what arrived: nothing unless one does. */
	case SYS_RECV_WINDOW:
		r[7] = 0;
		receive(t, true);
		return;
	case SYS_REPLY_RECV_WINDOW:
		r[7] = 0;
		reply_receive(t);
		return;
	case SYS_DEBUG_PRINT:
		set_result(t, debug_print(t, (struct uslice){ r[10], r[11] }));
		return;
	case SYS_DEBUG_HALT:
		kprintf("# halt requested by user level: %s\n", r[10] == 0 ? "pass" : "FAIL");
		system_shutdown(r[10] == 0);
	case SYS_DEBUG_KERNEL_ENTRIES: {
		struct cte *slot = syscall_lookup(t, r[10]);
		if (slot == NULL || cap_type(slot->cap) != CAP_TCB) {
			set_result(t, slot == NULL ? ERR_FAILED_LOOKUP : ERR_INVALID_CAPABILITY);
			return;
		}
		struct tcb *of = tcb_from_cap(slot->cap);
		struct thread_words *w = thread_words(of);
		set_result(t, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE, of->regs[REG_KERNEL_ENTRIES] + w->first_tier_ipcs);
		tcb_set_reg(t, PORT_REG_MR0, w->first_tier_ipcs + w->second_tier_ipcs);
		tcb_set_reg(t, PORT_REG_MR0 + 1, w->first_tier_ipcs);
		return;
	}
	case SYS_DEBUG_FASTPATH:
		/* Untrusted: a0; anything but 1 and 2 only asks. */
		if (r[10] == 1 || r[10] == 2)
			fastpath_set_enabled(r[10] == 2);
		set_result(t, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE,
			    thread_words(t)->first_tier_ipcs + thread_words(t)->second_tier_ipcs);
		tcb_set_reg(t, PORT_REG_INFO, fastpath_enabled);
		tcb_set_reg(t, PORT_REG_MR0, thread_words(t)->first_tier_ipcs);
		return;
	case SYS_DEBUG_UINTR_CLAIMS:
		set_result(t, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE, kuintr_claims[hart_current()->cpu_index]);
		tcb_set_reg(t, PORT_REG_MR0, kuintr_claims_first_tier[hart_current()->cpu_index]);
		return;
	case SYS_DEBUG_HART:
		set_result(t, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE, sched_this_hart());
		return;
	default:
		/* Not a call: the handler may emulate it and resume after it. */
		r[REG_SYSCALL_PC] = 0;
		fault_raise(t, FAULT_UNKNOWN_SYSCALL, number, r[REG_PC] - 4);
		return;
	}
}
