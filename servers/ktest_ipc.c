/* SPDX-License-Identifier: MIT */
/* ktest: IPC between threads: call/reply, badges, long messages, cap
 * transfer, notifications (bound too), deletion of an object with waiters. */
#include <stdio.h>

#include "fault.h"
#include "ktest_support.h"

#define CN PROC_CAP_CNODE

/* Serve `shared[0]` calls on shared_ep: answer MR0 + 1 with label 7. */
static void adder_server(uint64_t rounds)
{
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(shared_ep, shared_reply, &m);
	for (uint64_t i = 0; err == ERR_OK; i++) {
		shared[1] = m.badge;
		shared[2] = info_label(m.info);
		uint64_t sum = m.mr[0] + 1;
		unsigned length = info_length(m.info);
		struct ipc_buffer *b = kestrel_ipc_buffer();
		uint64_t tail = length > 8 ? b->msg[length - 1] : 0;
		m.info = kestrel_info(7, length, 0); /* the words go back as they came */
		m.mr[0] = sum;
		if (length > 8)
			b->msg[length - 1] = tail + 1;
		if (i + 1 == rounds) {
			err = kestrel_reply(shared_reply, &m);
			break;
		}
		err = kestrel_reply_recv(shared_ep, shared_reply, &m);
	}
	shared_err = err;
}

static void call_reply(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	cptr_t badged = slot();
	(void)kestrel_cnode_mint(CN, badged, DEPTH, CN, shared_ep, DEPTH, ABI_RIGHTS_ALL, 0xbeef);
	shared_err = ERR_RANGE;
	spawn(adder_server, 4, MAIN_PRIORITY + 1, 0, 0);
	struct kmsg m = msg(3, 1);
	m.mr[0] = 41;
	enum error err = kestrel_call(badged, &m);
	check(err == ERR_OK && m.mr[0] == 42, "call and reply carry a word each way");
	check(shared[1] == 0xbeef, "the server sees the caller's badge");
	check(shared[2] == 3, "the server sees the caller's label");
	check(info_label(m.info) == 7 && info_length(m.info) == 1,
	      "the caller sees the reply's label and length");
	m = msg(1, 8);
	for (unsigned i = 0; i < 8; i++)
		m.mr[i] = i;
	err = kestrel_call(shared_ep, &m);
	check(err == ERR_OK && m.mr[0] == 1 && m.mr[7] == 7 && shared[1] == 0,
	      "eight register words, unbadged cap: badge 0");
	struct ipc_buffer *b = kestrel_ipc_buffer();
	m = msg(1, 20);
	m.mr[0] = 100;
	b->msg[19] = 5000;
	err = kestrel_call(shared_ep, &m);
	check(err == ERR_OK && m.mr[0] == 101 && info_length(m.info) == 20 && b->msg[19] == 5001,
	      "a 20-word message uses the IPC buffer both ways");
	m = msg(1, 127);
	err = kestrel_call(shared_ep, &m);
	check(err == ERR_OK && info_length(m.info) == MSG_MAX_LENGTH,
	      "a length over 120 is cut to 120");
	let_others_run(2);
	check(shared_err == ERR_OK, "the server's reply-receive loop ran without errors");
	reset();
}

static void sender(uint64_t value)
{
	struct kmsg m = msg(9, 1);
	m.mr[0] = value;
	shared_err = kestrel_send(shared_ep, &m);
	shared[3] = 1;
}

static void send_recv(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared[3] = 0;
	spawn(sender, 1234, MAIN_PRIORITY + 1, 0, 0);
	check(shared[3] == 0, "a send with no receiver blocks");
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(shared_ep, 0, &m);
	check(err == ERR_OK && m.mr[0] == 1234 && info_label(m.info) == 9,
	      "receive takes the waiting sender's message");
	check(shared[3] == 1 && shared_err == ERR_OK, "the sender went on");
	reset();
}

/* Receive one message with caps into the receive slot shared[4]. */
static void cap_receiver(uint64_t unused)
{
	(void)unused;
	struct ipc_buffer *b = kestrel_ipc_buffer();
	b->receive_cnode = CN;
	b->receive_index = shared[4];
	b->receive_depth = DEPTH;
	struct kmsg m = msg(0, 0);
	shared_err = kestrel_recv(shared_ep, 0, &m);
	shared[5] = m.info;
	shared[6] = b->caps[0];
}

static void cap_transfer(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	shared[4] = slot();
	spawn(cap_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	struct ipc_buffer *b = kestrel_ipc_buffer();
	b->caps[0] = ntfn;
	struct kmsg m = { .info = kestrel_info(1, 0, 1) };
	enum error err = kestrel_send(shared_ep, &m);
	check(err == ERR_OK && shared_err == ERR_OK &&
		  msg_info_extra_caps((struct msg_info){ shared[5] }) == 1,
	      "a cap goes with a message through a grant endpoint");
	uint64_t badge;
	check(kestrel_signal(shared[4]) == ERR_OK && kestrel_poll(ntfn, &badge) == ERR_OK,
	      "the received cap works");

	/* Without grant: the message goes, the cap does not. */
	cptr_t no_grant = slot();
	(void)kestrel_cnode_copy(CN, no_grant, DEPTH, CN, shared_ep, DEPTH,
				 ABI_RIGHT_READ | ABI_RIGHT_WRITE);
	shared[4] = slot();
	spawn(cap_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	b->caps[0] = ntfn;
	m = (struct kmsg){ .info = kestrel_info(1, 0, 1) };
	err = kestrel_send(no_grant, &m);
	check(err == ERR_OK && msg_info_extra_caps((struct msg_info){ shared[5] }) == 0,
	      "without grant the message goes and the cap does not");

	/* A badged cap to the endpoint itself arrives unwrapped: its badge. */
	cptr_t badged = slot();
	(void)kestrel_cnode_mint(CN, badged, DEPTH, CN, shared_ep, DEPTH, ABI_RIGHTS_ALL, 0x55);
	shared[4] = slot();
	spawn(cap_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	b->caps[0] = badged;
	m = (struct kmsg){ .info = kestrel_info(1, 0, 1) };
	err = kestrel_send(shared_ep, &m);
	check(err == ERR_OK && msg_info_unwrapped((struct msg_info){ shared[5] }) == 1 &&
		  shared[6] == 0x55,
	      "a cap to the same endpoint is unwrapped into its badge");

	shared[4] = slot();
	spawn(cap_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	b->caps[0] = NO_SLOT; /* after spawn: its invocations use caps[] too */
	m = (struct kmsg){ .info = kestrel_info(1, 0, 1) };
	err = kestrel_send(shared_ep, &m);
	/* seL4 aborts such a send with a lookup failure; an older rule sent
	 * the message without caps. Either way no cap goes. */
	bool none = err == ERR_FAILED_LOOKUP ||
		    (err == ERR_OK && msg_info_extra_caps((struct msg_info){ shared[5] }) == 0);
	if (!none)
		printf("# err %s info 0x%lx\n", error_name(err), (unsigned long)shared[5]);
	check(none, "a cap that does not resolve does not go");
	reset();
}

static void waiter(uint64_t unused)
{
	(void)unused;
	uint64_t badge = 0;
	shared_err = kestrel_wait(shared_ntfn, &badge);
	shared[7] = badge;
}

static void bound_receiver(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	shared_err = kestrel_recv(shared_ep, 0, &m);
	shared[7] = m.badge;
	shared[8] = m.info;
}

static void notifications(void)
{
	shared_ntfn = make(OBJ_NOTIFICATION, 0);
	cptr_t badged = slot();
	(void)kestrel_cnode_mint(CN, badged, DEPTH, CN, shared_ntfn, DEPTH, ABI_RIGHTS_ALL, 0x4);
	shared[7] = 0;
	spawn(waiter, 0, MAIN_PRIORITY + 1, 0, 0);
	check(shared[7] == 0, "wait blocks with no signal");
	expect(kestrel_signal(badged), ERR_OK, "signal a waiting thread");
	check(shared[7] == 0x4 && shared_err == ERR_OK, "the waiter got the badge");

	shared_ep = make(OBJ_ENDPOINT, 0);
	struct thread t = spawn(bound_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	expect(kestrel_tcb_bind_notification(t.tcb, shared_ntfn), ERR_OK,
	       "bind a notification to a thread receiving on an endpoint");
	shared[7] = 0;
	(void)kestrel_signal(badged);
	check(shared[7] == 0x4 && shared[8] == 0 && shared_err == ERR_OK,
	      "a signal ends the bound thread's receive");
	reset();
}

static void blocked_receiver(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	shared_err = kestrel_recv(shared_ep, 0, &m);
	shared[9] = 1;
}

static void deletion_with_waiters(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared[9] = 0;
	shared_err = ERR_OK;
	cptr_t fault_ep = make(OBJ_ENDPOINT, 0), fault_reply = make(OBJ_REPLY, 0);
	struct thread t = spawn(blocked_receiver, 0, MAIN_PRIORITY + 1, 0, fault_ep);
	check(shared[9] == 0, "a receiver waits on the endpoint");
	expect(kestrel_cnode_delete(CN, shared_ep, DEPTH), ERR_OK,
	       "delete an endpoint with a waiting receiver");
	/* seL4: it runs its receive again, on a cap that is gone: a cap fault. */
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(fault_ep, fault_reply, &m);
	check(shared[9] == 0 && info_label(m.info) == FAULT_CAP && m.mr[1] == shared_ep &&
		  m.mr[FAULT_CAP_MR_IN_RECEIVE] == 1,
	      "the waiter no longer waits: its receive runs again and is a cap fault");
	(void)kestrel_tcb_suspend(t.tcb);
	reset();

	shared_ep = make(OBJ_ENDPOINT, 0);
	for (unsigned i = 0; i < 3; i++)
		spawn(blocked_receiver, 0, MAIN_PRIORITY + 1, 0, 0);
	expect(kestrel_cnode_revoke(PROC_CAP_CNODE, SCRATCH_UNTYPED, DEPTH), ERR_OK,
	       "revoke the untyped of blocked threads and their endpoint");
	m = msg(0, 0);
	check(kestrel_nb_send(shared_ep, &m) == ERR_FAILED_LOOKUP,
	      "everything made from it is gone");
	reset();
}

/* Three calls to adder_server, each answered with MR0 + 1. */
static bool three_calls(uint64_t first)
{
	bool right = true;
	for (uint64_t i = first; i < first + 3; i++) {
		struct kmsg m = msg(1, 1);
		m.mr[0] = i;
		right = right && kestrel_call(shared_ep, &m) == ERR_OK && m.mr[0] == i + 1;
	}
	return right;
}

/* This thread's and server's IPCs so far that the fastpath did (both
 * tiers; DebugFastpath counts per thread), those of its first tier in
 * *first. */
static uint64_t pair_fastpath(cptr_t server, uint64_t *first)
{
	uint64_t mine, its;
	uint64_t n = kestrel_debug_thread_fastpath(PROC_CAP_TCB, &mine) +
		     kestrel_debug_thread_fastpath(server, &its);
	*first = mine + its;
	return n;
}

/*
 * kernel/fastpath.c: register-only Calls to a server waiting on this hart,
 * and its ReplyRecvs, take the fastpath when it is on (the two threads'
 * counts move) and never when it is off (booted with fastpath=off, or
 * turned off here); the answers are the same either way. The boot state
 * is restored.
 */
static void fastpath_taken(void)
{
	uint64_t unused, first0, first1, ignored;
	bool on = kestrel_debug_fastpath(0, &unused);
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared_err = ERR_RANGE;
	cptr_t server = spawn(adder_server, 7, MAIN_PRIORITY + 1, kestrel_hart(), 0).tcb;
	uint64_t t0 = pair_fastpath(server, &first0);
	struct kmsg e = msg(0, 0);
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &e);
	uint64_t entries0 = e.badge;
	bool right = three_calls(10);
	e = msg(0, 0);
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &e);
	/* Three Calls and the second ask (a tick may add more). */
	check(e.badge - entries0 >= 4,
	      "each call is a kernel entry of the caller, whichever path took it");
	/* A rule that fails (the message is longer than the registers: both
	 * the call and the reply) leaves the IPC to the slow path, neither
	 * tier counting it, with the same answer. */
	uint64_t l0 = pair_fastpath(server, &ignored);
	struct ipc_buffer *b = kestrel_ipc_buffer();
	struct kmsg m = msg(1, 20);
	m.mr[0] = 300;
	b->msg[19] = 7000;
	enum error err = kestrel_call(shared_ep, &m);
	uint64_t l1 = pair_fastpath(server, &ignored);
	check(err == ERR_OK && m.mr[0] == 301 && b->msg[19] == 7001 && l1 == l0,
	      "a 20-word call and its reply take the slow path, answered alike");
	uint64_t t1 = pair_fastpath(server, &first1);
	(void)kestrel_debug_fastpath(1, &unused);
	right = three_calls(20) && right;
	uint64_t t2 = pair_fastpath(server, &ignored);
	bool now_on = kestrel_debug_fastpath(on ? 2 : 1, &unused);
	check(right, "calls are answered alike with the fastpath on and off");
	if (on) {
		check(t1 - t0 >= 5, "with the fastpath on, calls and reply-receives take it (6 of "
				    "6, a tick may cost one)");
		/* The first tier (trap.S's entry) did them, and each of its IPCs
		 * is counted as a fastpath IPC too. */
		check(first1 - first0 >= 4 && first1 - first0 <= t1 - t0,
		      "the fastpath's first tier takes them (no FP state, no fence.i pending)");
	} else {
		check(t1 == t0, "with fastpath=off, no call takes the fastpath");
		check(first1 == first0, "with fastpath=off, its first tier takes nothing either");
	}
	check(t2 == t1, "turned off, the fastpath takes nothing");
	check(now_on == on, "the fastpath is back in its boot state");
	let_others_run(2);
	check(shared_err == ERR_OK, "the server's reply-receive loop ran without errors");
	reset();
}

static void illegal_op(uint64_t unused)
{
	(void)unused;
	__asm__ volatile("csrr t0, sstatus" : : : "t0");
	shared[11] = 1;
}

static void poker(uint64_t ep)
{
	struct kmsg m = msg(0x77, 0);
	(void)kestrel_send(ep, &m);
}

/* Calls shared_ep once (so that it has blocked once: a thread that has
 * not runs its first system calls on the slow path, fastpath.c), then
 * through the cap in `cap`, which may send but not reply: that call is
 * delivered and the caller becomes inactive (seL4's rule), so shared[12]
 * is never set. shared[14]: its fastpath count before that call. */
static void no_reply_caller(uint64_t cap)
{
	struct kmsg m = msg(1, 1);
	m.mr[0] = 5;
	(void)kestrel_call(shared_ep, &m);
	uint64_t count;
	(void)kestrel_debug_fastpath(0, &count);
	shared[14] = count;
	m = msg(1, 1);
	(void)kestrel_call(cap, &m);
	shared[12] = 1;
}

/* Receives one call and answers it with a ReplyRecv through the cap in
 * `write_only`: no read right, so a cap fault before the reply goes. */
static void write_only_server(uint64_t write_only)
{
	struct kmsg m = msg(0, 0);
	if (kestrel_recv(shared_ep, shared_reply, &m) != ERR_OK)
		return;
	m.mr[0]++;
	(void)kestrel_reply_recv(write_only, shared_reply, &m);
}

/* Calls shared_ep; if answered (it must not be), says so on the
 * endpoint in `wake`, where the test waits. */
static void answered_caller(uint64_t wake)
{
	struct kmsg m = msg(1, 1);
	m.mr[0] = 70;
	(void)kestrel_call(shared_ep, &m);
	m = msg(0x99, 0);
	(void)kestrel_send(wake, &m);
}

/*
 * The rights rules the fastpath answers once, when it remembers its
 * lookups (kernel/fastpath.c's lookup_value0 and lookup_value1), with the
 * slow path's answers: a Call through a cap that may send but not reply
 * (the caller becomes inactive, unanswered), and a ReplyRecv through an
 * endpoint cap without the read right (a cap fault before the reply goes:
 * the caller is not answered). Each is left to the slow path: the
 * fastpath would answer both callers.
 */
static void fastpath_rights_refusals(void)
{
	uint64_t t1, unused;
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared_err = ERR_RANGE;
	cptr_t no_reply = slot(), write_only = slot();
	(void)kestrel_cnode_copy(CN, no_reply, DEPTH, CN, shared_ep, DEPTH,
				 ABI_RIGHT_READ | ABI_RIGHT_WRITE);
	(void)kestrel_cnode_copy(CN, write_only, DEPTH, CN, shared_ep, DEPTH,
				 ABI_RIGHT_WRITE | ABI_RIGHT_GRANT);
	struct thread server = spawn(adder_server, 0, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	bool right = three_calls(60); /* everyone's lookups remembered */
	shared[12] = 0;
	shared[14] = UINT64_MAX;
	struct thread caller =
	    spawn(no_reply_caller, no_reply, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	let_others_run(2);
	t1 = kestrel_debug_thread_fastpath(caller.tcb, &unused);
	check(right && shared[12] == 0 && shared[14] != UINT64_MAX && t1 == shared[14],
	      "a call through a cap without grant or grant-reply leaves the caller unanswered, "
	      "on the slow path");
	(void)kestrel_tcb_suspend(caller.tcb);
	(void)kestrel_tcb_suspend(server.tcb);

	/* The server faults to fault_ep, where this thread waits while a
	 * caller below it calls (the call itself may take the fastpath). */
	cptr_t fault_ep = make(OBJ_ENDPOINT, 0), fault_reply = make(OBJ_REPLY, 0);
	server = spawn(write_only_server, write_only, MAIN_PRIORITY + 1, kestrel_hart(), fault_ep);
	caller = spawn(answered_caller, fault_ep, MAIN_PRIORITY - 1, kestrel_hart(), 0);
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(fault_ep, fault_reply, &m);
	/* The server's one IPC the fastpath could take is that ReplyRecv. */
	t1 = kestrel_debug_thread_fastpath(server.tcb, &unused);
	check(err == ERR_OK && info_label(m.info) == FAULT_CAP && t1 == 0,
	      "a reply-receive through an endpoint cap without read is a cap fault before the "
	      "reply goes, on the slow path");
	(void)kestrel_tcb_suspend(caller.tcb);
	(void)kestrel_tcb_suspend(server.tcb);
	reset();
}

/*
 * What the fastpath folds into one compare it must still refuse
 * (kernel/fastpath.c, core/scheduler.h's sched_fast_*_ok): the IPCs the
 * slow path alone does right are left to it, answered alike. A server with
 * a bound notification: the Calls to it take the fastpath, its ReplyRecvs
 * never (a signal may be pending: the slow path delivers it first), also
 * when the server's lookups were remembered before the bind, and all of
 * them again once it is unbound (the fastpath remembers "none bound" with
 * its lookups: a bind or an unbind must move their generation). A
 * fault answered with ReplyRecv (the caller has a fault in flight, a byte
 * of its fast word): the slow path's reply with another label leaves the
 * thread stopped, and the receive then gets another sender's message; the
 * fastpath would run the thread, which would fault again.
 */
static void fastpath_refusals(void)
{
	uint64_t t0, t1, unused;
	bool on = kestrel_debug_fastpath(0, &t0);
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared_err = ERR_RANGE;
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	struct thread server = spawn(adder_server, 0, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	bool right = three_calls(20); /* its lookups remembered, unbound */
	expect(kestrel_tcb_bind_notification(server.tcb, ntfn), ERR_OK,
	       "bind a notification to a server waiting to receive");
	t0 = pair_fastpath(server.tcb, &unused); /* both threads' (ReplyRecvs are the server's) */
	right = three_calls(30) && right;
	t1 = pair_fastpath(server.tcb, &unused);
	check(right, "a server with a bound notification answers its calls");
	if (on)
		check(t1 - t0 >= 2 && t1 - t0 <= 3,
		      "the calls to it take the fastpath, its reply-receives never (3 of 6, a "
		      "tick may cost one)");
	else
		check(t1 == t0, "with fastpath=off, none of them takes it");
	expect(kestrel_tcb_unbind_notification(server.tcb), ERR_OK,
	       "unbind the server's notification");
	t0 = pair_fastpath(server.tcb, &unused);
	right = three_calls(40);
	t1 = pair_fastpath(server.tcb, &unused);
	check(right, "unbound again, the server answers its calls");
	if (on)
		check(t1 - t0 >= 5, "unbound, its reply-receives take the fastpath again (6 of 6, "
				    "a tick may cost one)");
	else
		check(t1 == t0, "with fastpath=off, none of them takes it either");
	(void)kestrel_tcb_suspend(server.tcb);

	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	shared[11] = 0;
	spawn(illegal_op, 0, MAIN_PRIORITY + 1, kestrel_hart(), ep);
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(ep, reply, &m);
	check(info_label(m.info) == 2, "the fault reaches its handler");
	spawn(poker, ep, MAIN_PRIORITY - 1, kestrel_hart(), 0);
	(void)kestrel_debug_fastpath(0, &t0);
	m = msg(1, 0);
	enum error err = kestrel_reply_recv(ep, reply, &m);
	(void)kestrel_debug_fastpath(0, &t1);
	check(err == ERR_OK && info_label(m.info) == 0x77 && shared[11] == 0 && t1 == t0,
	      "a fault answered with ReplyRecv takes the slow path: the thread stays stopped, "
	      "the receive gets the next sender's message");
	reset();
}

/* The client's CSpace (remembered_lookups): R, radix 4 under a 52-bit
 * guard, holds at 1 a CNode of radix 4 (4-bit guard) whose slot 2 is the
 * endpoint, at 3 a notification it waits on, at 4 one it signals. */
#define REMEMBERED_EP ((UINT64_C(1) << 8) | 2)
#define REMEMBERED_GO (UINT64_C(3) << 8)
#define REMEMBERED_DONE (UINT64_C(4) << 8)

static void remembering_client(uint64_t rounds)
{
	uint64_t badge;
	for (uint64_t i = 0; i < rounds; i++) {
		struct kmsg m = msg(1, 1);
		m.mr[0] = i;
		enum error err = kestrel_call(REMEMBERED_EP, &m);
		shared[4 + i] = err == ERR_OK && m.mr[0] == i + 1 ? shared[1] : 0xbad;
		(void)kestrel_signal(REMEMBERED_DONE);
		(void)kestrel_wait(REMEMBERED_GO, &badge);
	}
	for (;;)
		(void)kestrel_wait(REMEMBERED_GO, &badge);
}

/*
 * kernel/fastpath.c remembers the slot each of a thread's lookups found
 * while no cap anywhere changes (core/cte.h's cte_generation). A client
 * with a two-level CSpace calls one cptr twice (then three times), and
 * between the calls the CNode of its second level is replaced by one
 * whose slot holds the endpoint with another badge: each call must reach
 * the endpoint its CSpace names then, which the server tells by the badge.
 */
static void remembered_lookups(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	struct thread server = spawn(adder_server, 0, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	cptr_t root = make(OBJ_CNODE, 4), first = make(OBJ_CNODE, 4), second = make(OBJ_CNODE, 4);
	cptr_t go = make(OBJ_NOTIFICATION, 0), done = make(OBJ_NOTIFICATION, 0);
	enum error err = kestrel_cnode_mint(first, 2, 4, CN, shared_ep, DEPTH, ABI_RIGHTS_ALL, 1);
	if (err == ERR_OK)
		err = kestrel_cnode_mint(second, 2, 4, CN, shared_ep, DEPTH, ABI_RIGHTS_ALL, 2);
	if (err == ERR_OK) /* a 4-bit guard: the two levels take the 64 bits */
		err = kestrel_cnode_mint(root, 1, 4, CN, first, DEPTH, ABI_RIGHTS_ALL, 4);
	if (err == ERR_OK)
		err = kestrel_cnode_copy(root, 3, 4, CN, go, DEPTH, ABI_RIGHTS_ALL);
	if (err == ERR_OK)
		err = kestrel_cnode_copy(root, 4, 4, CN, done, DEPTH, ABI_RIGHTS_ALL);
	/* Below this thread's priority: it runs only once the CSpace is set. */
	struct thread client = spawn(remembering_client, 3, MAIN_PRIORITY - 1, kestrel_hart(), 0);
	if (err == ERR_OK)
		err = kestrel_tcb_set_space(client.tcb, 0, root, 52, PROC_CAP_VSPACE, 0);
	expect(err, ERR_OK, "a client with a two-level CSpace");
	shared[4] = shared[5] = shared[6] = 0;
	uint64_t badge;
	(void)kestrel_wait(done, &badge);
	(void)kestrel_signal(go);
	(void)kestrel_wait(done, &badge);
	check(shared[4] == 1 && shared[5] == 1, "its calls reach the endpoint its CSpace names");
	/* The second level replaced: same cptr, another slot. */
	err = kestrel_cnode_delete(root, 1, 4);
	if (err == ERR_OK)
		err = kestrel_cnode_mint(root, 1, 4, CN, second, DEPTH, ABI_RIGHTS_ALL, 4);
	(void)kestrel_signal(go);
	(void)kestrel_wait(done, &badge);
	check(err == ERR_OK && shared[6] == 2,
	      "after its second-level CNode is replaced, the same cptr reaches the new slot");
	(void)kestrel_tcb_suspend(client.tcb);
	(void)kestrel_tcb_suspend(server.tcb);
	reset();
}

void ktest_ipc(void)
{
	fastpath_taken();
	fastpath_refusals();
	fastpath_rights_refusals();
	remembered_lookups();
	call_reply();
	send_recv();
	cap_transfer();
	notifications();
	deletion_with_waiters();
}
