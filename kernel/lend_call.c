/* SPDX-License-Identifier: MIT */
/*
 * CallLend (lend_call.h). Everything is checked before anything changes: the
 * endpoint cap, the extra caps, a server waiting to receive with a reply
 * object, and core/lend.c's check of both VSpaces; then the message goes
 * as a Call (the caller now waits in the server's reply object) and the
 * pages move, which cannot fail. The return needs no glue here: core's
 * reply_remove_caller gives the pages back however the caller's wait ends.
 */
#include "lend_call.h"

#include "abi.h"
#include "capfault.h"
#include "endpoint.h"
#include "console.h"
#include "reply.h"

/* The window the blocked receiver named: t0/t1 of its RecvWindow or
 * ReplyRecvWindow (saved when it entered), none for any other receive. */
static struct lend_window window_of(const struct tcb *server)
{
	uint64_t number = server->regs[17]; /* a7 */
	if (number != SYS_RECV_WINDOW && number != SYS_REPLY_RECV_WINDOW)
		return (struct lend_window){ 0, 0 };
	return (struct lend_window){ server->regs[5], server->regs[6] }; /* t0, t1 */
}

static void fail(struct tcb *t, enum error err)
{
	tcb_set_reg(t, PORT_REG_RESULT, err);
}

/* Untrusted: every register of t. Cap faults as Call's (capfault.h);
 * errors in a0 with nothing changed (docs/abi.md). */
void lend_call(struct tcb *t)
{
	uint64_t base = t->regs[5], bytes = t->regs[6]; /* t0, t1 */
	struct cte *slot = capfault_lookup(t, tcb_get_reg(t, PORT_REG_RESULT), false);
	if (slot == NULL || !capfault_extra_caps(t))
		return;
	struct cap cap = slot->cap;
	if (!endpoint_cap_can_send(cap)) {
		fail(t, ERR_INVALID_CAPABILITY);
		return;
	}
	struct endpoint *ep = (struct endpoint *)cap_ptr(cap);
	if (endpoint_state(ep) != ENDPOINT_RECV) {
		fail(t, ERR_ILLEGAL_OPERATION); /* no server waits: nothing to lend to */
		return;
	}
	struct tcb *server = ep->queue.head;
	if (!endpoint_call_waits(cap, server->reply)) {
		fail(t, ERR_ILLEGAL_OPERATION); /* the answer could not come back */
		return;
	}
	uint64_t client_asid = tcb_vspace_asid(t), server_asid = tcb_vspace_asid(server);
	struct lend_window window = window_of(server);
	enum error err = lend_check(client_asid, base, bytes, server_asid, window);
	if (err != ERR_OK) {
		fail(t, err);
		return;
	}
	/* Act: the Call reaches the waiting server (the checks above are
	 * endpoint_send's), then the pages follow. */
	err = endpoint_send(t, cap, true, true);
	if (err != ERR_OK || tcb_state(t) != THREAD_BLOCKED_REPLY)
		panic("CallLend: the checked call was not delivered");
	lend_move(&t->lend, client_asid, base, bytes, server_asid, window.base);
	t->lent = 1;             /* core/tcb.h: its reply is then the slow path's */
	server->regs[7] = bytes; /* t2: what arrived at the window */
}
