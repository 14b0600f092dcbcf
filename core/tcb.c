/* SPDX-License-Identifier: MIT */
/*
 * Threads: state machine, registers by role, scheduling parameters,
 * suspend/resume and teardown. See tcb.h; the transition table is
 * docs/ipc.md's.
 */
#include "tcb.h"

#include "asid.h"
#include "endpoint.h"
#include "fault.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"
#include "uintr_obj.h"

#define BIT(s) (1u << (s))
#define BLOCKED_ANY                                                                                \
	(BIT(THREAD_BLOCKED_SEND) | BIT(THREAD_BLOCKED_RECV) | BIT(THREAD_BLOCKED_REPLY) |         \
	 BIT(THREAD_BLOCKED_NTFN) | BIT(THREAD_BLOCKED_UINTR))

/* [from] has bit `to` set when from -> to is allowed (tcb.h). */
const unsigned thread_legal_transitions[THREAD_STATE_COUNT] = {
	[THREAD_INACTIVE] = BIT(THREAD_RUNNING) | BIT(THREAD_RESTART) | BIT(THREAD_IDLE),
	[THREAD_RUNNING] = BIT(THREAD_INACTIVE) | BIT(THREAD_RESTART) | BLOCKED_ANY,
	[THREAD_RESTART] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BLOCKED_ANY,
	[THREAD_BLOCKED_SEND] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART) |
				BIT(THREAD_BLOCKED_REPLY),
	[THREAD_BLOCKED_RECV] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART),
	[THREAD_BLOCKED_REPLY] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART),
	[THREAD_BLOCKED_NTFN] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART),
	[THREAD_IDLE] = 0,
	[THREAD_BLOCKED_UINTR] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART),
};

const char *tcb_queue_check(const struct tcb_queue *q, const void *object, enum thread_state a,
			    enum thread_state b)
{
	const struct tcb *prev = NULL;
	for (const struct tcb *t = q->head; t != NULL; prev = t, t = t->ipc_next) {
		if (t->ipc_prev != prev || t->blocked_on != object)
			return "a wait queue's links are broken";
		if (tcb_state(t) != a && tcb_state(t) != b)
			return "a thread in a wait queue is not blocked on it";
		if (t->ipc_next != NULL && tcb_state(t->ipc_next) != tcb_state(t))
			return "a wait queue mixes senders and receivers";
	}
	if (q->tail != prev)
		return "a wait queue's tail is wrong";
	return NULL;
}

void tcb_restart_call(struct tcb *t)
{
	if (t->fault_kind != FAULT_NONE) {
		/* Nobody will answer the fault: the thread stays stopped. */
		t->fault_kind = FAULT_NONE;
		tcb_set_state(t, THREAD_INACTIVE);
		return;
	}
	tcb_set_state(t, THREAD_RESTART);
	sched_wake(t);
}

void tcb_stop(struct tcb *t)
{
	t->fault_kind = FAULT_NONE;
	tcb_set_state(t, THREAD_INACTIVE);
}

uint64_t tcb_get_reg(const struct tcb *t, enum port_reg reg)
{
	return t->regs[port_reg_index(reg)];
}

void tcb_set_reg(struct tcb *t, enum port_reg reg, uint64_t value)
{
	t->regs[port_reg_index(reg)] = value;
}

void tcb_stopped_current(struct tcb *t)
{
	sched_reschedule(t);
}

void tcb_cancel_ipc(struct tcb *t)
{
	switch (tcb_state(t)) {
	case THREAD_BLOCKED_SEND: endpoint_cancel(t); break;
	case THREAD_BLOCKED_RECV:
		endpoint_cancel(t);
		reply_unbind_receiver(t);
		break;
	case THREAD_BLOCKED_REPLY: reply_remove_caller(t); break;
	case THREAD_BLOCKED_NTFN: notification_cancel(t); break;
	case THREAD_BLOCKED_UINTR: uintr_wait_abort(t); break;
	case THREAD_INACTIVE:
	case THREAD_RUNNING:
	case THREAD_RESTART:
	case THREAD_IDLE: break;
	}
}

void tcb_suspend(struct tcb *t)
{
	CORE_ASSERT(tcb_state(t) != THREAD_IDLE);
	tcb_cancel_ipc(t);
	t->fault_kind = FAULT_NONE;
	if (tcb_state(t) != THREAD_INACTIVE)
		tcb_set_state(t, THREAD_INACTIVE);
	sched_remove(t);
}

void tcb_resume(struct tcb *t)
{
	switch (tcb_state(t)) {
	case THREAD_INACTIVE:
	case THREAD_BLOCKED_SEND:
	case THREAD_BLOCKED_RECV:
	case THREAD_BLOCKED_REPLY:
	case THREAD_BLOCKED_NTFN:
	case THREAD_BLOCKED_UINTR:
		/* Stopped: its call is cancelled and runs again (seL4's restart). */
		tcb_cancel_ipc(t);
		t->fault_kind = FAULT_NONE;
		tcb_set_state(t, THREAD_RESTART);
		sched_wake(t);
		return;
	case THREAD_RUNNING:
	case THREAD_RESTART:
	case THREAD_IDLE: return;
	}
}

/* Change a scheduling parameter of t with t out of the queues meanwhile. */
static void requeue(struct tcb *t, uint8_t priority, uint8_t hart)
{
	bool ready = t->queued || t->candidate;
	sched_remove(t);
	t->priority = priority;
	t->affinity = hart;
	if (ready)
		sched_wake(t);
	if (tcb_current_hart(t) != NO_HART)
		sched_reschedule(t);
}

enum error tcb_set_priority(struct tcb *authority, struct tcb *target, uint64_t value)
{
	if (value > authority->mcp)
		return ERR_RANGE;
	requeue(target, (uint8_t)value, target->affinity);
	return ERR_OK;
}

enum error tcb_set_mcp(struct tcb *authority, struct tcb *target, uint64_t value)
{
	if (value > authority->mcp)
		return ERR_RANGE;
	target->mcp = (uint8_t)value;
	return ERR_OK;
}

enum error tcb_set_affinity(struct tcb *target, uint64_t hart)
{
	if (hart >= sched_hart_count())
		return ERR_ILLEGAL_OPERATION;
	requeue(target, target->priority, (uint8_t)hart);
	return ERR_OK;
}

/* Empty one of the TCB's own slots (never a CNode: one step). */
static void delete_own_slot(struct cte *slot)
{
	struct work_budget budget = { .left = 1 };
	enum error err = cte_delete(slot, &budget);
	CORE_ASSERT(err == ERR_OK);
	(void)err;
}

enum error tcb_check_fault_handler(struct cap cap)
{
	if (cap_is_null(cap))
		return ERR_OK;
	if (cap_type(cap) != CAP_ENDPOINT)
		return ERR_INVALID_CAPABILITY;
	/* seL4's valid fault handler: it can send, and the fault can be answered. */
	unsigned rights = cap_rights(cap).bits;
	if (!(rights & CAP_RIGHT_WRITE) || !(rights & (CAP_RIGHT_GRANT | CAP_RIGHT_GRANT_REPLY)))
		return ERR_INVALID_CAPABILITY;
	return ERR_OK;
}

enum error tcb_set_fault_handler(struct tcb *t, struct cte *src)
{
	struct cap cap = src != NULL ? src->cap : cap_null();
	enum error err = tcb_check_fault_handler(cap);
	if (err != ERR_OK)
		return err;
	delete_own_slot(&t->fault_handler);
	if (!cap_is_null(cap))
		cte_insert(cap, src, &t->fault_handler);
	return ERR_OK;
}

/* A live VSpace root: a page-table cap whose ASID names this very table. */
/* What TCB_SetSpace installs, decoded. */
struct space_plan {
	struct cap fault, cspace, vspace;
};

static enum error decode_space(const struct cte *tcb_slot, const struct tcb_space_args *a,
			       struct space_plan *plan)
{
	if (cap_type(tcb_slot->cap) != CAP_TCB)
		return ERR_INVALID_CAPABILITY;
	plan->cspace = a->cspace->cap;
	if (a->cspace_data != 0 && cap_type(plan->cspace) == CAP_CNODE)
		plan->cspace = cap_update_data(plan->cspace, false, a->cspace_data);
	if (cap_type(plan->cspace) != CAP_CNODE)
		return ERR_ILLEGAL_OPERATION;
	plan->vspace = a->vspace->cap;
	if (!tcb_is_vspace_root(plan->vspace))
		return ERR_ILLEGAL_OPERATION;
	plan->fault = a->fault != NULL ? a->fault->cap : cap_null();
	return tcb_check_fault_handler(plan->fault);
}

/*
 * seL4's install of a TCB cap: empty the thread's slot `own` (preemptibly),
 * then copy new_cap from src into it, but only if src and the TCB's own cap
 * still name the objects they named at decode: the deletion may have
 * removed either (both may lie in the CNode that went).
 */
static enum error install(struct cte *tcb_slot, struct cap tcb_cap, struct cte *own,
			  struct cap new_cap, struct cte *src, struct work_budget *budget)
{
	enum error err = cte_delete(own, budget);
	if (err != ERR_OK)
		return err;
	if (!cap_is_null(new_cap) && cap_same_object_as(new_cap, src->cap) &&
	    cap_same_object_as(tcb_cap, tcb_slot->cap))
		cte_insert(new_cap, src, own);
	return ERR_OK;
}

static enum error invoke_space(struct cte *tcb_slot, const struct tcb_space_args *a,
			       const struct space_plan *plan, struct work_budget *budget)
{
	struct cap tcb_cap = tcb_slot->cap;
	struct tcb *t = tcb_from_cap(tcb_cap);
	enum error err =
	    install(tcb_slot, tcb_cap, &t->fault_handler, plan->fault, a->fault, budget);
	if (err == ERR_OK)
		err = install(tcb_slot, tcb_cap, &t->cspace_root, plan->cspace, a->cspace, budget);
	if (err == ERR_OK)
		err = install(tcb_slot, tcb_cap, &t->vspace_root, plan->vspace, a->vspace, budget);
	/* A thread running now gets its new address space at its next entry
	 * to user mode, on the hart it is current on. */
	if (err == ERR_OK && tcb_current_hart(t) != NO_HART)
		asid_activate(tcb_vspace_asid(t), tcb_current_hart(t));
	return err;
}

enum error tcb_set_space(struct cte *tcb_slot, const struct tcb_space_args *args,
			 struct work_budget *budget)
{
	struct space_plan plan;
	enum error err = decode_space(tcb_slot, args, &plan);
	if (err != ERR_OK)
		return err;
	return invoke_space(tcb_slot, args, &plan, budget);
}

/* TCB_SetIPCBuffer's checks; `frame` NULL clears the buffer. */
static enum error decode_ipc_buffer(const struct cte *frame, uint64_t address)
{
	if (frame == NULL)
		return ERR_OK;
	struct cap cap = frame->cap;
	const unsigned rw = CAP_RIGHT_READ | CAP_RIGHT_WRITE;
	/* The kernel writes the buffer: never device memory (it may be MMIO). */
	if (cap_type(cap) != CAP_FRAME || cap_frame_is_device(cap) ||
	    (cap_rights(cap).bits & rw) != rw)
		return ERR_INVALID_CAPABILITY;
	if (address & ((UINT64_C(1) << IPC_BUFFER_SIZE_BITS) - 1))
		return ERR_ALIGNMENT;
	return ERR_OK;
}

static void invoke_ipc_buffer(struct tcb *t, struct cte *frame, uint64_t address)
{
	delete_own_slot(&t->ipc_buffer_frame);
	t->ipc_buffer_address = 0;
	if (frame == NULL)
		return;
	/* A frame cap always derives (its copy starts unmapped). */
	struct cap_result copy = cte_derive(frame, frame->cap);
	CORE_ASSERT(copy.err == ERR_OK && !cap_is_null(copy.cap));
	cte_insert(copy.cap, frame, &t->ipc_buffer_frame);
	t->ipc_buffer_address = address;
}

enum error tcb_configure(struct cte *tcb_slot, const struct tcb_space_args *args,
			 struct cte *buffer_frame, uint64_t buffer_address,
			 struct work_budget *budget)
{
	struct space_plan plan;
	enum error err = decode_space(tcb_slot, args, &plan);
	if (err == ERR_OK)
		err = decode_ipc_buffer(buffer_frame, buffer_address);
	if (err != ERR_OK)
		return err;
	struct cap tcb_cap = tcb_slot->cap;
	err = invoke_space(tcb_slot, args, &plan, budget);
	if (err != ERR_OK)
		return err;
	/* The deletions may have taken the thread's cap or the frame's: then
	 * that part is not installed (as install() does). */
	if (!cap_same_object_as(tcb_cap, tcb_slot->cap))
		return ERR_OK;
	if (buffer_frame != NULL && decode_ipc_buffer(buffer_frame, buffer_address) != ERR_OK)
		buffer_frame = NULL;
	invoke_ipc_buffer(tcb_from_cap(tcb_cap), buffer_frame, buffer_address);
	return ERR_OK;
}

enum error tcb_set_ipc_buffer(struct tcb *t, struct cte *frame, uint64_t address)
{
	enum error err = decode_ipc_buffer(frame, address);
	if (err != ERR_OK)
		return err;
	invoke_ipc_buffer(t, frame, address);
	return ERR_OK;
}

struct ipc_buffer *tcb_ipc_buffer(const struct tcb *t)
{
	/* Looked up from the slot each time: a revoke empties the slot without
	 * telling the TCB, and then there is no buffer. */
	struct cap cap = t->ipc_buffer_frame.cap;
	if (cap_type(cap) != CAP_FRAME)
		return NULL;
	uint64_t offset =
	    t->ipc_buffer_address & ((UINT64_C(1) << frame_size_bits(cap_frame_size(cap))) - 1);
	return (struct ipc_buffer *)(cap_ptr(cap) + offset);
}

void tcb_finalise(struct tcb *t)
{
	tcb_suspend(t);
	uintr_thread_finalise(t);
	if (t->bound != NULL)
		notification_unbind(t);
	delete_own_slot(&t->fault_handler);
	delete_own_slot(&t->ipc_buffer_frame);
	delete_own_slot(&t->vspace_root);
	/* Another hart may still run it (in user mode, or on its way into the
	 * kernel): wait until it really stopped before the memory goes. */
	unsigned hart = tcb_current_hart(t);
	if (hart != NO_HART && hart != sched_this_hart())
		port_remote_stall(hart);
	sched_forget(t);
}

struct cte *tcb_remainder(struct tcb *t)
{
	return cap_is_null(t->cspace_root.cap) ? NULL : &t->cspace_root;
}

const char *tcb_check_invariants(const struct tcb *t)
{
	enum thread_state s = tcb_state(t);
	if (s >= THREAD_STATE_COUNT)
		return "a thread state is out of range";
	bool blocked_on_object =
	    s == THREAD_BLOCKED_SEND || s == THREAD_BLOCKED_RECV || s == THREAD_BLOCKED_NTFN;
	if (blocked_on_object != (t->blocked_on != NULL))
		return "a thread waits on an object exactly when it is blocked on one";
	if ((s == THREAD_BLOCKED_REPLY) != (t->reply != NULL && t->reply->caller == t))
		return "a thread waits for a reply exactly when a reply object holds it";
	if (s == THREAD_BLOCKED_RECV && t->reply != NULL && t->reply->receiver != t)
		return "a receiver's reply object does not name it";
	if (s != THREAD_BLOCKED_RECV && s != THREAD_BLOCKED_REPLY && t->reply != NULL)
		return "a thread that is neither receiving nor called keeps a reply object";
	int places = (t->queued != 0) + (t->candidate != 0) + (tcb_current_hart(t) != NO_HART);
	if (places > 1)
		return "a thread is in two places of the scheduler";
	/* The fastpath's first compare (current_on1 in the fast word) stands
	 * for "the hart's current thread": only that thread names the hart. */
	unsigned on = tcb_current_hart(t);
	if (on != NO_HART && (on >= sched_hart_count() || sched_current(on) != t))
		return "a thread names a hart it is not current on";
	if ((t->queued || t->candidate) && !tcb_is_runnable(t))
		return "a thread the scheduler would run is not runnable";
	if (t->bound != NULL && notification_bound_tcb(t->bound) != t)
		return "a bound notification does not name its thread";
	if (t->fault_kind != FAULT_NONE && s != THREAD_BLOCKED_SEND && s != THREAD_BLOCKED_REPLY)
		return "a fault is in flight for a thread that does not wait for its handler";
	/* Stored as they are (reply_link_caller's can_grant). */
	if (t->ipc_grant > 1)
		return "a thread's grant flag is neither 0 nor 1";
	if (t->fast_spare != 0)
		return "a thread's fast word has its spare byte set";
	return uintr_thread_check_invariants(t);
}
