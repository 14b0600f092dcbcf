/* SPDX-License-Identifier: MIT */
/*
 * Notifications: asynchronous signals, as seL4's. A notification holds a word
 * of pending badges and a FIFO of waiting threads. Signal ORs the cap's
 * badge into the word, or hands it straight to the first waiter; wait takes
 * the word (clearing it) or blocks; poll takes it or returns 0. A
 * notification bound to a thread also wakes that thread while it waits on
 * an endpoint, so one thread can serve IPC and interrupts.
 *
 * Layout: the bound thread's address and an "active" flag (a signal is
 * pending, possibly with badge 0) share one word; TCBs are 1 KiB aligned.
 */
#ifndef CORE_NOTIFICATION_H
#define CORE_NOTIFICATION_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "compiler.h"
#include "error.h"
#include "object.h"
#include "tcb.h"

struct notification {
	struct tcb_queue queue;
	uint64_t word;         /* pending badges */
	uint64_t bound_active; /* bound TCB address | active bit 0 */
};

_Static_assert(sizeof(struct notification) <= (1u << NOTIFICATION_SIZE_BITS),
	       "notification fits its size");

enum notification_state {
	NOTIFICATION_IDLE = 0,
	NOTIFICATION_WAITING = 1, /* threads wait; nothing pending */
	NOTIFICATION_ACTIVE = 2,  /* a signal is pending; nobody waits */
};

enum notification_state notification_state(const struct notification *n);
struct tcb *notification_bound_tcb(const struct notification *n);

/* Signal through cap (write right). Untrusted: cap. */
MUST_CHECK enum error notification_signal(struct cap cap);
/*
 * Wait (blocking) or poll through cap (read right) by the current thread t.
 * ERR_ILLEGAL_OPERATION when the notification is bound to another thread.
 * Untrusted: cap.
 */
MUST_CHECK enum error notification_wait(struct tcb *t, struct cap cap, bool blocking);
/*
 * Bind the notification cap names to t. ERR_INVALID_CAPABILITY unless a
 * notification cap with the read right; ERR_ILLEGAL_OPERATION when t is
 * bound already, the notification is bound already, or threads wait on it.
 * Untrusted: cap.
 */
MUST_CHECK enum error notification_bind(struct tcb *t, struct cap cap);
/* Unbind t's notification: ERR_ILLEGAL_OPERATION when it has none. */
MUST_CHECK enum error notification_unbind_checked(struct tcb *t);
/* The acting part of unbind (t is bound). */
void notification_unbind(struct tcb *t);
/* A receiver t checks its bound notification: if a signal is pending it is
 * delivered to t (which keeps running) and true is returned. */
bool notification_deliver_bound(struct tcb *t);
/* t (BLOCKED_NTFN) leaves its queue. */
void notification_cancel(struct tcb *t);
/* The last cap went: waiters wake with ERR_INVALID_CAPABILITY, the bound
 * thread is unbound. */
void notification_finalise(struct notification *n);

const char *notification_check_invariants(const struct notification *n);

#endif
