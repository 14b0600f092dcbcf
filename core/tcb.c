/* SPDX-License-Identifier: MIT */
/*
 * Threads: state machine, registers by role, scheduling parameters,
 * suspend/resume and teardown. See tcb.h; the transition table is
 * docs/ipc.md's.
 */
#include "tcb.h"

#include "endpoint.h"
#include "fault.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"

#define BIT(s) (1u << (s))
#define BLOCKED_ANY                                                                                \
	(BIT(THREAD_BLOCKED_SEND) | BIT(THREAD_BLOCKED_RECV) | BIT(THREAD_BLOCKED_REPLY) |         \
	 BIT(THREAD_BLOCKED_NTFN))

/* legal[from] has bit `to` set when from -> to is allowed. */
static const unsigned legal[THREAD_STATE_COUNT] = {
	[THREAD_INACTIVE] = BIT(THREAD_RUNNING) | BIT(THREAD_RESTART) | BIT(THREAD_IDLE),
	[THREAD_RUNNING] = BIT(THREAD_INACTIVE) | BIT(THREAD_RESTART) | BLOCKED_ANY,
	[THREAD_RESTART] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BLOCKED_ANY,
	[THREAD_BLOCKED_SEND] =
	    BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_BLOCKED_REPLY),
	[THREAD_BLOCKED_RECV] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING),
	[THREAD_BLOCKED_REPLY] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING) | BIT(THREAD_RESTART),
	[THREAD_BLOCKED_NTFN] = BIT(THREAD_INACTIVE) | BIT(THREAD_RUNNING),
	[THREAD_IDLE] = 0,
};

void tcb_queue_append(struct tcb_queue *q, struct tcb *t, void *object)
{
	t->blocked_on = object;
	t->ipc_next = NULL;
	t->ipc_prev = q->tail;
	if (q->tail != NULL)
		q->tail->ipc_next = t;
	else
		q->head = t;
	q->tail = t;
}

void tcb_queue_remove(struct tcb_queue *q, struct tcb *t)
{
	if (t->ipc_prev != NULL)
		t->ipc_prev->ipc_next = t->ipc_next;
	else
		q->head = t->ipc_next;
	if (t->ipc_next != NULL)
		t->ipc_next->ipc_prev = t->ipc_prev;
	else
		q->tail = t->ipc_prev;
	t->ipc_prev = t->ipc_next = NULL;
	t->blocked_on = NULL;
}

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

void tcb_wake_with_error(struct tcb *t, enum error err)
{
	tcb_set_reg(t, PORT_REG_RESULT, (uint64_t)err);
	tcb_set_reg(t, PORT_REG_INFO, 0);
	tcb_set_reg(t, PORT_REG_BADGE, 0);
	tcb_set_state(t, THREAD_RUNNING);
	sched_wake(t);
}

void tcb_abandon(struct tcb *t)
{
	if (t->fault_kind != FAULT_NONE) {
		/* Nobody will answer the fault: the thread stays stopped. */
		t->fault_kind = FAULT_NONE;
		tcb_set_state(t, THREAD_INACTIVE);
	} else {
		tcb_wake_with_error(t, ERR_INVALID_CAPABILITY);
	}
}

unsigned tcb_current_hart(const struct tcb *t)
{
	return t->current_on1 == 0 ? NO_HART : t->current_on1 - 1u;
}

void tcb_set_current_hart(struct tcb *t, unsigned hart)
{
	t->current_on1 = hart == NO_HART ? 0 : (uint8_t)(hart + 1);
}

uint64_t tcb_get_reg(const struct tcb *t, enum port_reg reg)
{
	return t->regs[port_reg_index(reg)];
}

void tcb_set_reg(struct tcb *t, enum port_reg reg, uint64_t value)
{
	t->regs[port_reg_index(reg)] = value;
}

bool thread_state_transition_ok(enum thread_state from, enum thread_state to)
{
	return from < THREAD_STATE_COUNT && to < THREAD_STATE_COUNT && (legal[from] & BIT(to));
}

enum thread_state tcb_state(const struct tcb *t)
{
	return (enum thread_state)t->state;
}

bool tcb_is_runnable(const struct tcb *t)
{
	return t->state == THREAD_RUNNING || t->state == THREAD_RESTART;
}

void tcb_set_state(struct tcb *t, enum thread_state to)
{
	CORE_ASSERT(thread_state_transition_ok(tcb_state(t), to));
	t->state = (uint8_t)to;
	if (tcb_current_hart(t) != NO_HART && !tcb_is_runnable(t) && to != THREAD_IDLE)
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
	if (tcb_state(t) != THREAD_INACTIVE)
		return;
	tcb_set_state(t, THREAD_RESTART);
	sched_wake(t);
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
		return ERR_INVALID_ARGUMENT;
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

enum error tcb_set_fault_handler(struct tcb *t, struct cte *src)
{
	struct cap cap = src->cap;
	unsigned rights = cap_rights(cap).bits;
	/* seL4's valid fault handler: it can send, and the fault can be answered. */
	if (cap_type(cap) != CAP_ENDPOINT || !(rights & CAP_RIGHT_WRITE) ||
	    !(rights & (CAP_RIGHT_GRANT | CAP_RIGHT_GRANT_REPLY)))
		return ERR_INVALID_CAPABILITY;
	delete_own_slot(&t->fault_handler);
	cte_insert(cap, src, &t->fault_handler);
	return ERR_OK;
}

enum error tcb_set_space(struct tcb *t, struct cte *src)
{
	if (cap_type(src->cap) != CAP_CNODE)
		return ERR_INVALID_CAPABILITY;
	/* Never the last cap to a CNode here: src still holds one. */
	delete_own_slot(&t->cspace_root);
	cte_insert(src->cap, src, &t->cspace_root);
	return ERR_OK;
}

enum error tcb_set_ipc_buffer(struct tcb *t, struct cte *frame, uint64_t address)
{
	if (frame == NULL) {
		delete_own_slot(&t->ipc_buffer_frame);
		t->ipc_buffer_address = 0;
		return ERR_OK;
	}
	struct cap cap = frame->cap;
	const unsigned rw = CAP_RIGHT_READ | CAP_RIGHT_WRITE;
	/* The kernel writes the buffer: never device memory (it may be MMIO). */
	if (cap_type(cap) != CAP_FRAME || cap_frame_is_device(cap) ||
	    (cap_rights(cap).bits & rw) != rw)
		return ERR_INVALID_CAPABILITY;
	if (address & ((UINT64_C(1) << IPC_BUFFER_SIZE_BITS) - 1))
		return ERR_ALIGNMENT;
	/* A frame cap always derives (its copy starts unmapped). */
	struct cap_result copy = cte_derive(frame, cap);
	CORE_ASSERT(copy.err == ERR_OK && !cap_is_null(copy.cap));
	delete_own_slot(&t->ipc_buffer_frame);
	cte_insert(copy.cap, frame, &t->ipc_buffer_frame);
	t->ipc_buffer_address = address;
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
	if (t->bound != NULL)
		notification_unbind(t);
	delete_own_slot(&t->fault_handler);
	delete_own_slot(&t->ipc_buffer_frame);
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
	if ((t->queued || t->candidate) && !tcb_is_runnable(t))
		return "a thread the scheduler would run is not runnable";
	if (t->bound != NULL && notification_bound_tcb(t->bound) != t)
		return "a bound notification does not name its thread";
	if (t->fault_kind != FAULT_NONE && s != THREAD_BLOCKED_SEND && s != THREAD_BLOCKED_REPLY)
		return "a fault is in flight for a thread that does not wait for its handler";
	return NULL;
}
