/* SPDX-License-Identifier: MIT */
/*
 * Notification signal, wait, poll, binding and teardown. See notification.h.
 */
#include "notification.h"

#include "endpoint.h"
#include "msg_regs.h"
#include "reply.h"
#include "scheduler.h"

#define ACTIVE_BIT 1ull

struct tcb *notification_bound_tcb(const struct notification *n)
{
	return (struct tcb *)(uintptr_t)(n->bound_active & ~ACTIVE_BIT);
}

static bool is_active(const struct notification *n)
{
	return (n->bound_active & ACTIVE_BIT) != 0;
}

static void set_bound(struct notification *n, struct tcb *t)
{
	n->bound_active = (uint64_t)(uintptr_t)t | (n->bound_active & ACTIVE_BIT);
}

enum notification_state notification_state(const struct notification *n)
{
	if (n->queue.head != NULL)
		return NOTIFICATION_WAITING;
	return is_active(n) ? NOTIFICATION_ACTIVE : NOTIFICATION_IDLE;
}

static bool has_right(struct cap cap, unsigned right)
{
	return (cap_rights(cap).bits & right) != 0;
}

static void deliver(struct tcb *t, uint64_t badge)
{
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	tcb_set_reg(t, PORT_REG_BADGE, badge);
	tcb_set_reg(t, PORT_REG_INFO, 0);
}

enum error notification_signal(struct cap cap)
{
	if (cap_type(cap) != CAP_NOTIFICATION || !has_right(cap, CAP_RIGHT_WRITE))
		return ERR_INVALID_CAPABILITY;
	struct notification *n = (struct notification *)cap_ptr(cap);
	uint64_t badge = cap_badge(cap);
	struct tcb *bound = notification_bound_tcb(n);
	if (n->queue.head != NULL) {
		struct tcb *t = n->queue.head;
		tcb_queue_remove(&n->queue, t);
		deliver(t, badge);
		tcb_set_state(t, THREAD_RUNNING);
		sched_wake(t);
	} else if (bound != NULL && tcb_state(bound) == THREAD_BLOCKED_RECV) {
		/* The bound thread waits on an endpoint: the signal ends that wait. */
		tcb_cancel_ipc(bound);
		deliver(bound, badge);
		msg_regs_clear_past(bound, 0); /* an endpoint receive's empty message */
		tcb_set_state(bound, THREAD_RUNNING);
		sched_wake(bound);
	} else {
		n->word |= badge;
		n->bound_active |= ACTIVE_BIT;
	}
	return ERR_OK;
}

enum error notification_wait(struct tcb *t, struct cap cap, bool blocking)
{
	if (cap_type(cap) != CAP_NOTIFICATION || !has_right(cap, CAP_RIGHT_READ))
		return ERR_INVALID_CAPABILITY;
	struct notification *n = (struct notification *)cap_ptr(cap);
	struct tcb *bound = notification_bound_tcb(n);
	if (bound != NULL && bound != t)
		return ERR_ILLEGAL_OPERATION;
	if (is_active(n)) {
		deliver(t, n->word);
		n->word = 0;
		n->bound_active &= ~ACTIVE_BIT;
	} else if (blocking) {
		tcb_queue_append(&n->queue, t, n);
		tcb_set_state(t, THREAD_BLOCKED_NTFN);
	} else {
		deliver(t, 0);
	}
	return ERR_OK;
}

bool notification_deliver_bound(struct tcb *t)
{
	struct notification *n = t->bound;
	if (n == NULL || !is_active(n))
		return false;
	deliver(t, n->word);
	msg_regs_clear_past(t, 0); /* an endpoint receive's empty message */
	n->word = 0;
	n->bound_active &= ~ACTIVE_BIT;
	return true;
}

enum error notification_bind(struct tcb *t, struct cap cap)
{
	if (cap_type(cap) != CAP_NOTIFICATION || !has_right(cap, CAP_RIGHT_READ))
		return ERR_INVALID_CAPABILITY;
	struct notification *n = (struct notification *)cap_ptr(cap);
	if (t->bound != NULL || notification_bound_tcb(n) != NULL || n->queue.head != NULL)
		return ERR_ILLEGAL_OPERATION;
	set_bound(n, t);
	t->bound = n;
	return ERR_OK;
}

void notification_unbind(struct tcb *t)
{
	set_bound(t->bound, NULL);
	t->bound = NULL;
}

enum error notification_unbind_checked(struct tcb *t)
{
	if (t->bound == NULL)
		return ERR_ILLEGAL_OPERATION;
	notification_unbind(t);
	return ERR_OK;
}

void notification_cancel(struct tcb *t)
{
	struct notification *n = t->blocked_on;
	tcb_queue_remove(&n->queue, t);
}

void notification_finalise(struct notification *n)
{
	while (n->queue.head != NULL) {
		struct tcb *t = n->queue.head;
		tcb_queue_remove(&n->queue, t);
		tcb_restart_call(t);
	}
	struct tcb *bound = notification_bound_tcb(n);
	if (bound != NULL)
		notification_unbind(bound);
}

const char *notification_check_invariants(const struct notification *n)
{
	const char *why = tcb_queue_check(&n->queue, n, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN);
	if (why != NULL)
		return why;
	if (n->queue.head != NULL && is_active(n))
		return "a notification has both waiters and a pending signal";
	if (!is_active(n) && n->word != 0)
		return "an idle notification holds badges";
	struct tcb *bound = notification_bound_tcb(n);
	if (bound != NULL && bound->bound != n)
		return "a notification's bound thread does not name it";
	return NULL;
}
