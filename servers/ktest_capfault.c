/* SPDX-License-Identifier: MIT */
/*
 * ktest: seL4's cap faults (docs/abi.md). A system call whose cap does not
 * resolve, or a receive on a cap it cannot receive on, runs in a child
 * thread whose fault handler is ktest: the fault message (kind, cptr,
 * receive phase, lookup failure) arrives here; any answer runs the call
 * again, a written PC skips it, and a thread without a handler is left
 * suspended. A non-blocking send is the exception: an error, no fault.
 */
#include <stdio.h>

#include "fault.h"
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define GUARD_MISS (UINT64_C(1) << 40) /* above the CNode's 10 bits: the guard */
#define HANDLER_BADGE 0x77

/* The calls a child makes, with the caps in shared[0..]. */
enum which {
	CALL_EMPTY,
	CALL_GUARD,
	SEND_EMPTY,
	SIGNAL_EMPTY,
	CALL_EXTRA_GUARD,
	RECV_EMPTY,
	RECV_TCB,
	RECV_NO_READ,
	RECV_REPLY_EMPTY,
	RECV_REPLY_NTFN,
	REPLY_RECV_REPLY_EMPTY,
	REPLY_RECV_REPLY_NTFN,
	WAIT_TCB,
	POLL_EMPTY,
	POLL_NO_READ,
	WAIT_BOUND_ELSEWHERE,
	WHICH_COUNT,
};

enum { S_EP, S_NTFN, S_EP_WRITE_ONLY, S_NTFN_WRITE_ONLY, S_NTFN_BOUND };

static enum error make_call(enum which w)
{
	struct kmsg m = msg(0, 0);
	uint64_t badge;
	switch (w) {
	case CALL_EMPTY: return kestrel_call(NO_SLOT, &m);
	case CALL_GUARD: return kestrel_call(GUARD_MISS, &m);
	case SEND_EMPTY: return kestrel_send(NO_SLOT, &m);
	case SIGNAL_EMPTY: return kestrel_signal(NO_SLOT);
	case CALL_EXTRA_GUARD:
		kestrel_ipc_buffer()->caps[0] = GUARD_MISS;
		m.info = kestrel_info(0, 0, 1);
		return kestrel_call(shared[S_EP], &m);
	case RECV_EMPTY: return kestrel_recv(NO_SLOT, 0, &m);
	case RECV_TCB: return kestrel_recv(PROC_CAP_TCB, 0, &m);
	case RECV_NO_READ: return kestrel_recv(shared[S_EP_WRITE_ONLY], 0, &m);
	case RECV_REPLY_EMPTY: return kestrel_recv(shared[S_EP], NO_SLOT, &m);
	case RECV_REPLY_NTFN: return kestrel_recv(shared[S_EP], shared[S_NTFN], &m);
	case REPLY_RECV_REPLY_EMPTY: return kestrel_reply_recv(shared[S_EP], NO_SLOT, &m);
	case REPLY_RECV_REPLY_NTFN: return kestrel_reply_recv(shared[S_EP], shared[S_NTFN], &m);
	case WAIT_TCB: return kestrel_wait(PROC_CAP_TCB, &badge);
	case POLL_EMPTY: return kestrel_poll(NO_SLOT, &badge);
	case POLL_NO_READ: return kestrel_poll(shared[S_NTFN_WRITE_ONLY], &badge);
	case WAIT_BOUND_ELSEWHERE: return kestrel_wait(shared[S_NTFN_BOUND], &badge);
	case WHICH_COUNT: break;
	}
	return ERR_INVALID_ARGUMENT;
}

/* Make the call; shared[11] says it went past it. */
static void child(uint64_t which)
{
	(void)make_call((enum which)which);
	shared[11] = 1 + which;
}

/* What each call's fault must say: the cptr, the receive phase, the lookup
 * failure type and its bits left (the child's CSpace: 10 bits after a
 * 54-bit guard; an empty slot leaves 0). */
struct expected {
	const char *name;
	unsigned cap; /* a shared[] index, or NONE: `cptr` */
	uint64_t cptr;
	bool receive;
	unsigned type;
	unsigned bits_left;
};
#define NONE 16
#define MISSING LOOKUP_FAULT_MISSING_CAPABILITY
#define GUARD LOOKUP_FAULT_GUARD_MISMATCH

static const struct expected expected[WHICH_COUNT] = {
	[CALL_EMPTY] = { "call on an empty slot", NONE, NO_SLOT, false, MISSING, 0 },
	[CALL_GUARD] = { "call on a cptr the guard does not match", NONE, GUARD_MISS, false, GUARD,
			 64 },
	[SEND_EMPTY] = { "send on an empty slot", NONE, NO_SLOT, false, MISSING, 0 },
	[SIGNAL_EMPTY] = { "signal on an empty slot", NONE, NO_SLOT, false, MISSING, 0 },
	[CALL_EXTRA_GUARD] = { "call with an extra cap that does not resolve", NONE, GUARD_MISS,
			       false, GUARD, 64 },
	[RECV_EMPTY] = { "receive on an empty slot", NONE, NO_SLOT, true, MISSING, 0 },
	[RECV_TCB] = { "receive on a TCB cap", NONE, PROC_CAP_TCB, true, MISSING, 0 },
	[RECV_NO_READ] = { "receive needs the read right", S_EP_WRITE_ONLY, 0, true, MISSING, 0 },
	[RECV_REPLY_EMPTY] = { "receive with an empty reply slot", NONE, NO_SLOT, true, MISSING,
			       0 },
	[RECV_REPLY_NTFN] = { "receive with a notification as the reply object", S_NTFN, 0, true,
			      MISSING, 0 },
	[REPLY_RECV_REPLY_EMPTY] = { "reply-receive with an empty reply slot", NONE, NO_SLOT, true,
				     MISSING, 0 },
	[REPLY_RECV_REPLY_NTFN] = { "reply-receive with a notification as the reply object", S_NTFN,
				    0, true, MISSING, 0 },
	[WAIT_TCB] = { "wait on a TCB cap", NONE, PROC_CAP_TCB, true, MISSING, 0 },
	[POLL_EMPTY] = { "poll on an empty slot", NONE, NO_SLOT, true, MISSING, 0 },
	[POLL_NO_READ] = { "poll without the read right", S_NTFN_WRITE_ONLY, 0, true, MISSING, 0 },
	[WAIT_BOUND_ELSEWHERE] = { "wait on a notification bound to another thread", S_NTFN_BOUND,
				   0, true, MISSING, 0 },
};

static cptr_t fault_ep, fault_rep, handler;

/* Objects for the children, and the badged fault endpoint. */
static void setup(void)
{
	fault_ep = make(OBJ_ENDPOINT, 0);
	fault_rep = make(OBJ_REPLY, 0);
	handler = slot();
	(void)kestrel_cnode_mint(CN, handler, DEPTH, CN, fault_ep, DEPTH, ABI_RIGHTS_ALL,
				 HANDLER_BADGE);
	shared[S_EP] = make(OBJ_ENDPOINT, 0);
	shared[S_NTFN] = make(OBJ_NOTIFICATION, 0);
	shared[S_EP_WRITE_ONLY] = slot();
	(void)kestrel_cnode_copy(CN, shared[S_EP_WRITE_ONLY], DEPTH, CN, shared[S_EP], DEPTH,
				 ABI_RIGHT_WRITE);
	shared[S_NTFN_BOUND] = make(OBJ_NOTIFICATION, 0);
	(void)kestrel_tcb_bind_notification(make(OBJ_TCB, 0), shared[S_NTFN_BOUND]);
	shared[S_NTFN_WRITE_ONLY] = slot();
	(void)kestrel_cnode_copy(CN, shared[S_NTFN_WRITE_ONLY], DEPTH, CN, shared[S_NTFN], DEPTH,
				 ABI_RIGHT_WRITE);
}

/* Does m say what `e` expects of a cap fault? */
static bool says(const struct kmsg *m, const struct expected *e)
{
	uint64_t cptr = e->cap == NONE ? e->cptr : shared[e->cap];
	bool ok = info_label(m->info) == FAULT_CAP && m->badge == HANDLER_BADGE &&
		  m->mr[1] == cptr && m->mr[FAULT_CAP_MR_IN_RECEIVE] == e->receive &&
		  m->mr[FAULT_CAP_MR_LOOKUP_TYPE] == e->type &&
		  m->mr[FAULT_CAP_MR_BITS_LEFT] == e->bits_left;
	if (ok && e->type == GUARD)
		ok = info_length(m->info) == 7 && m->mr[FAULT_CAP_MR_GUARD_FOUND] == 0 &&
		     m->mr[FAULT_CAP_MR_GUARD_SIZE] == 54;
	else if (ok)
		ok = info_length(m->info) == 5;
	if (!ok)
		printf("# label %lu len %u badge 0x%lx mr1 0x%lx recv %lu type %lu left %lu\n",
		       (unsigned long)info_label(m->info), info_length(m->info),
		       (unsigned long)m->badge, (unsigned long)m->mr[1], (unsigned long)m->mr[2],
		       (unsigned long)m->mr[3], (unsigned long)m->mr[4]);
	return ok;
}

static struct kmsg receive_fault(void)
{
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(fault_ep, fault_rep, &m);
	return m;
}

/* Resume the faulted thread after its ecall (seL4: write the PC, reply). */
static void skip_call(cptr_t tcb, uint64_t ecall_pc)
{
	uint64_t pc = ecall_pc + 4;
	(void)kestrel_tcb_write_registers(tcb, false, 1, &pc);
	struct kmsg m = msg(0, 0);
	(void)kestrel_reply(fault_rep, &m);
}

/* Each call faults with seL4's message; skipping it lets the thread on. */
static void each_call_faults(void)
{
	for (unsigned w = 0; w < WHICH_COUNT; w++) {
		setup();
		shared[11] = 0;
		struct thread t = spawn(child, w, MAIN_PRIORITY + 1, 0, handler);
		struct kmsg m = receive_fault();
		bool ok = says(&m, &expected[w]) && shared[11] == 0;
		skip_call(t.tcb, m.mr[0]);
		let_others_run(3);
		check(ok && shared[11] == 1 + w, expected[w].name);
		reset();
	}
}

/* Any answer runs the call again (it faults again, at the same PC); the
 * handler may also stop the thread for good. */
static void reply_restarts_the_call(void)
{
	setup();
	shared[11] = 0;
	struct thread t = spawn(child, RECV_EMPTY, MAIN_PRIORITY + 1, 0, handler);
	struct kmsg first = receive_fault();
	struct kmsg m = msg(5, 1); /* a label and a word: seL4 reads neither */
	m.mr[0] = 0x1000;
	(void)kestrel_reply(fault_rep, &m);
	struct kmsg again = receive_fault();
	check(info_label(again.info) == FAULT_CAP && again.mr[0] == first.mr[0] &&
		  again.mr[1] == NO_SLOT && shared[11] == 0,
	      "any answer to a cap fault runs the call again");
	expect(kestrel_tcb_suspend(t.tcb), ERR_OK, "the handler suspends the faulted thread");
	let_others_run(3);
	check(shared[11] == 0, "a suspended faulted thread stays stopped");
	reset();
}

/* seL4's double fault: no handler, the thread is suspended; resuming it
 * runs the call again, which suspends it again. */
static void no_handler_suspends(void)
{
	setup();
	shared[11] = 0;
	struct thread t = spawn(child, CALL_EMPTY, MAIN_PRIORITY + 1, 0, 0);
	let_others_run(3);
	uint64_t regs[ABI_REG_COUNT];
	expect(kestrel_tcb_read_registers(t.tcb, false, ABI_REG_COUNT, regs), ERR_OK,
	       "read the registers of a thread stopped by a cap fault");
	check(shared[11] == 0 && regs[ABI_REG_A0] == NO_SLOT,
	      "a cap fault without a handler suspends the thread, its cptr kept");
	expect(kestrel_tcb_resume(t.tcb), ERR_OK, "resume it");
	let_others_run(3);
	check(shared[11] == 0, "resumed, it runs the call again and is suspended again");
	reset();
}

/* A non-blocking send fails as seL4's does, without a fault; here the
 * error says so. */
static void nb_send_does_not_fault(void)
{
	struct kmsg m = msg(0, 0);
	expect(kestrel_nb_send(NO_SLOT, &m), ERR_FAILED_LOOKUP,
	       "non-blocking send on an empty slot: an error, no fault");
	m = msg(0, 0);
	expect(kestrel_nb_send(GUARD_MISS, &m), ERR_FAILED_LOOKUP,
	       "non-blocking send on a cptr the guard does not match: an error, no fault");
}

void ktest_capfault(void)
{
	each_call_faults();
	reply_restarts_the_call();
	no_handler_suspends();
	nb_send_does_not_fault();
}
