/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/tcb.c: the thread-state transition table (every pair, and
 * tcb_set_state refusing an illegal one), registers by role through the
 * arch layer's index table, the IPC buffer, wait queues, and what the
 * invariant checker catches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "asid.h"
#include "cnode.h"
#include "mdb.h"
#include "thread_world.h"

/* endpoint_state of an endpoint cap. */
static enum endpoint_state ep_state(struct cap c)
{
	return endpoint_state((struct endpoint *)cap_ptr(c));
}

static void test_transition_table(void **state)
{
	(void)state;
	/* The table of docs/ipc.md, written out once more. */
	static const char *const table[THREAD_STATE_COUNT] = {
		/*            to: I R S s r p n d u */
		[THREAD_INACTIVE] = "011000010",      [THREAD_RUNNING] = "101111101",
		[THREAD_RESTART] = "110111101",       [THREAD_BLOCKED_SEND] = "111001000",
		[THREAD_BLOCKED_RECV] = "111000000",  [THREAD_BLOCKED_REPLY] = "111000000",
		[THREAD_BLOCKED_NTFN] = "111000000",  [THREAD_IDLE] = "000000000",
		[THREAD_BLOCKED_UINTR] = "111000000",
	};
	for (unsigned from = 0; from < THREAD_STATE_COUNT; from++)
		for (unsigned to = 0; to < THREAD_STATE_COUNT; to++)
			assert_int_equal(thread_state_transition_ok(from, to),
					 table[from][to] == '1');
	assert_false(thread_state_transition_ok(THREAD_STATE_COUNT, THREAD_RUNNING));
	assert_false(thread_state_transition_ok(THREAD_RUNNING, THREAD_STATE_COUNT));
}

static void test_illegal_transition_asserts(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	expect_core_assert(tcb_set_state(t, THREAD_BLOCKED_SEND));
	assert_int_equal(tcb_state(t), THREAD_INACTIVE);
	tcb_set_state(t, THREAD_RUNNING);
	expect_core_assert(tcb_set_state(t, THREAD_IDLE));
	expect_core_assert(tcb_suspend(sched_idle(0)));
	tcb_set_state(t, THREAD_INACTIVE);
}

static void test_registers_by_role(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	for (unsigned r = 0; r < PORT_REG_COUNT; r++)
		tcb_set_reg(t, r, 100 + r);
	for (unsigned r = 0; r < PORT_REG_COUNT; r++) {
		assert_int_equal(tcb_get_reg(t, r), 100 + r);
		/* fake_arch shifts every role by one word. */
		assert_int_equal(t->regs[r + 1], 100 + r);
	}
	assert_int_equal(t->regs[0], 0);
}

/* TCB_SetIPCBuffer: decode errors change nothing; the thread holds a copy
 * of the frame cap, so the buffer outlives the original cap but not a
 * revoke of it. */
static void test_ipc_buffer(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	assert_null(tcb_ipc_buffer(t));
	static _Alignas(4096) uint8_t frames[3][4096];
	struct cte rw = { 0 }, ro = { 0 }, device = { 0 };
	rw.cap = object_init(OBJ_FRAME_4K, (uintptr_t)frames[0], 0, false);
	mdb_set_flags(&rw, true, false); /* an original cap, as retype makes it */
	ro.cap = cap_mask_rights(object_init(OBJ_FRAME_4K, (uintptr_t)frames[1], 0, false),
				 cap_rights_make(CAP_RIGHT_READ));
	device.cap = object_init(OBJ_FRAME_4K, (uintptr_t)frames[2], 0, true);
	struct cte *ep = tw_slot_of(W, tw_endpoint(W));
	assert_int_equal(tcb_set_ipc_buffer(t, ep, 0), ERR_INVALID_CAPABILITY);
	assert_int_equal(tcb_set_ipc_buffer(t, &ro, 0), ERR_INVALID_CAPABILITY);
	assert_int_equal(tcb_set_ipc_buffer(t, &device, 0), ERR_INVALID_CAPABILITY);
	assert_int_equal(tcb_set_ipc_buffer(t, &rw, 0x7200), ERR_ALIGNMENT);
	assert_null(tcb_ipc_buffer(t));
	assert_true(cap_is_null(t->ipc_buffer_frame.cap));
	/* The buffer is the frame's bytes at the address's offset in it. */
	assert_int_equal(tcb_set_ipc_buffer(t, &rw, 0x7c00), ERR_OK);
	assert_ptr_equal(tcb_ipc_buffer(t), frames[0] + 0xc00);
	assert_false(cap_is_mapped(t->ipc_buffer_frame.cap)); /* the copy starts unmapped */
	struct cte *slots[] = { &rw, &t->ipc_buffer_frame };
	assert_null(mdb_check_invariants(slots, 2));
	/* Setting it again replaces the copy; clearing drops it. */
	assert_int_equal(tcb_set_ipc_buffer(t, &rw, 0), ERR_OK);
	assert_ptr_equal(tcb_ipc_buffer(t), frames[0]);
	assert_int_equal(tcb_set_ipc_buffer(t, NULL, 0), ERR_OK);
	assert_null(tcb_ipc_buffer(t));
	/* Revoking the frame cap takes the thread's copy, and so the buffer. */
	assert_int_equal(tcb_set_ipc_buffer(t, &rw, 0x400), ERR_OK);
	struct work_budget budget = { .left = 100 };
	assert_int_equal(cte_revoke(&rw, &budget), ERR_OK);
	assert_true(cap_is_null(t->ipc_buffer_frame.cap));
	assert_null(tcb_ipc_buffer(t));
	/* Deleting the thread drops its copy. */
	assert_int_equal(tcb_set_ipc_buffer(t, &rw, 0x400), ERR_OK);
	tw_delete(W, tw_thread_slot(W, t));
	assert_true(cap_is_null(t->ipc_buffer_frame.cap));
	assert_false(mdb_has_children(&rw));
}

static void test_message_info_word(void **state)
{
	(void)state;
	struct msg_info m = msg_info_make(0xabcdeull, 120, 3, 5);
	assert_int_equal(msg_info_label(m), 0xabcde);
	assert_int_equal(msg_info_length(m), 120);
	assert_int_equal(msg_info_extra_caps(m), 3);
	assert_int_equal(msg_info_unwrapped(m), 5);
	assert_int_equal(m.word, (0xabcdeull << 12) | (5u << 9) | (3u << 7) | 120u);
	/* Fields never spill into each other. */
	m = msg_info_make(0, 0xff, 7, 0xf);
	assert_int_equal(msg_info_length(m), 0x7f);
	assert_int_equal(msg_info_extra_caps(m), 3);
	assert_int_equal(msg_info_unwrapped(m), 7);
	assert_int_equal(msg_info_label(m), 0);
	assert_int_equal(msg_info_label(msg_info_make(~0ull >> 12, 0, 0, 0)), ~0ull >> 12);
}

static void test_wait_queue(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb_queue q = { 0 };
	int object;
	struct tcb *t[3];
	for (unsigned i = 0; i < 3; i++) {
		t[i] = tw_thread(W, 1, 0);
		tcb_set_state(t[i], THREAD_RUNNING);
		tcb_queue_append(&q, t[i], &object);
		tcb_set_state(t[i], THREAD_BLOCKED_NTFN);
	}
	assert_null(tcb_queue_check(&q, &object, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN));
	assert_non_null(tcb_queue_check(&q, &q, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN));
	assert_non_null(tcb_queue_check(&q, &object, THREAD_BLOCKED_SEND, THREAD_BLOCKED_RECV));
	t[1]->state = THREAD_BLOCKED_SEND;
	assert_non_null(tcb_queue_check(&q, &object, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_SEND));
	t[1]->state = THREAD_BLOCKED_NTFN;
	t[2]->ipc_prev = t[0]; /* skips t[1] backwards */
	assert_string_equal(tcb_queue_check(&q, &object, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN),
			    "a wait queue's links are broken");
	t[2]->ipc_prev = t[1];
	assert_null(tcb_queue_check(&q, &object, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN));
	tcb_queue_remove(&q, t[1]);
	assert_ptr_equal(q.head->ipc_next, t[2]);
	assert_ptr_equal(t[2]->ipc_prev, t[0]);
	q.tail = t[0];
	assert_non_null(tcb_queue_check(&q, &object, THREAD_BLOCKED_NTFN, THREAD_BLOCKED_NTFN));
	q.tail = t[2];
	tcb_queue_remove(&q, t[2]);
	tcb_queue_remove(&q, t[0]);
	assert_null(q.head);
	assert_null(q.tail);
	for (unsigned i = 0; i < 3; i++)
		t[i]->state = THREAD_INACTIVE;
}

/* Every kind of cap a user could name, each in a slot of its own. */
static struct cte *cap_zoo(unsigned *n)
{
	static struct cte zoo[8];
	static _Alignas(4096) uint8_t mem[4096];
	struct cap ep = tw_endpoint(W);
	unsigned k = 0;
	zoo[k++].cap = tw_notification(W);
	zoo[k++].cap = tw_reply(W);
	zoo[k++].cap = tw_cnode(W, 2);
	zoo[k++].cap = tw_thread_slot(W, tw_thread(W, 1, 0))->cap;
	zoo[k++].cap = object_init(OBJ_FRAME_4K, (uintptr_t)mem, 0, false);
	zoo[k++].cap = cap_untyped_new((uintptr_t)mem, 12, false);
	/* Endpoints that cannot carry a fault: no write, or no way to answer. */
	zoo[k++].cap = tw_masked(ep, CAP_RIGHT_READ | CAP_RIGHT_GRANT);
	zoo[k++].cap = tw_masked(ep, CAP_RIGHT_READ | CAP_RIGHT_WRITE);
	*n = k;
	return zoo;
}

/*
 * Fault handlers (issue 15, item 1): any cap but a valid endpoint is
 * ERR_INVALID_CAPABILITY and changes nothing (it used to be able to reach
 * an assertion in the TCB's configuration); the null cap clears the
 * handler, as in seL4.
 */
static void test_fault_handler_null_and_wrong_caps(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	struct cap ep = tw_endpoint(W);
	struct cte *ep_slot = tw_slot_of(W, ep);
	assert_int_equal(tcb_set_fault_handler(t, ep_slot), ERR_OK);
	unsigned n;
	struct cte *zoo = cap_zoo(&n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(tcb_check_fault_handler(zoo[i].cap), ERR_INVALID_CAPABILITY);
		assert_int_equal(tcb_set_fault_handler(t, &zoo[i]), ERR_INVALID_CAPABILITY);
		assert_true(cap_same_object_as(t->fault_handler.cap, ep));
		struct tcb_space_args args = { .fault = &zoo[i],
					       .cspace = tw_slot_of(W, tw_cnode(W, 1)),
					       .vspace = tw_vspace(W) };
		struct work_budget budget = { .left = 100 };
		assert_int_equal(tcb_set_space(tw_thread_slot(W, t), &args, &budget),
				 ERR_INVALID_CAPABILITY);
		assert_int_equal(budget.used, 0);
		assert_true(cap_is_null(t->cspace_root.cap));
	}
	/* The null cap clears the handler, through either door. */
	struct cte empty = { 0 };
	assert_int_equal(tcb_check_fault_handler(cap_null()), ERR_OK);
	assert_int_equal(tcb_set_fault_handler(t, &empty), ERR_OK);
	assert_true(cap_is_null(t->fault_handler.cap));
	assert_int_equal(tcb_set_fault_handler(t, ep_slot), ERR_OK);
	assert_int_equal(tcb_set_fault_handler(t, NULL), ERR_OK);
	assert_true(cap_is_null(t->fault_handler.cap));
	assert_false(mdb_has_children(ep_slot));
	assert_int_equal(tcb_set_fault_handler(t, ep_slot), ERR_OK);
	tw_set_space(W, t, tw_slot_of(W, tw_cnode(W, 1)), &empty);
	assert_true(cap_is_null(t->fault_handler.cap));
	/* A thread without a handler that faults is suspended. */
	tw_delete(W, tw_thread_slot(W, t));
	tw_assert(W);
}

/* A CNode of 2^radix slots full of copies of one endpoint: deleting its
 * last cap takes 2^radix + 2 units of work. */
static struct cap full_cnode(unsigned radix, struct cte *ep_slot)
{
	struct cap c = tw_cnode(W, radix);
	for (uint64_t i = 0; i < (UINT64_C(1) << radix); i++)
		cte_insert(ep_slot->cap, ep_slot, cnode_slot(c, i));
	return c;
}

/*
 * TCB_SetSpace when the thread holds the last cap to its old CSpace root
 * (issue 15, item 2): the old root's deletion is long, so it is preempted
 * (ERR_PREEMPTED) and the call restarted until done; it used to stop at an
 * assertion. Each restart decodes again. The new root goes in at the end.
 */
static void test_set_space_deletes_old_root_preemptibly(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	struct cte *ep_slot = tw_slot_of(W, tw_endpoint(W));
	struct cap old_root = full_cnode(6, ep_slot);
	tw_set_space(W, t, tw_slot_of(W, old_root), NULL);
	tw_delete(W, tw_slot_of(W, old_root)); /* t holds the last cap now */
	assert_true(cap_same_object_as(t->cspace_root.cap, old_root));
	struct cap new_root = tw_cnode(W, 3);
	struct tcb_space_args args = { .cspace = tw_slot_of(W, new_root),
				       .cspace_data = cap_guard_word(5, 0),
				       .vspace = tw_vspace(W) };
	unsigned calls = 0;
	enum error err;
	do {
		struct work_budget budget = { .left = 4 };
		err = tcb_set_space(tw_thread_slot(W, t), &args, &budget);
		calls++;
		assert_true(err == ERR_OK || err == ERR_PREEMPTED);
		assert_true(budget.used <= 5); /* the budget plus one nested zombie */
		tw_assert(W);
		if (err == ERR_PREEMPTED)
			assert_int_equal(cap_type(t->cspace_root.cap), CAP_ZOMBIE);
	} while (err == ERR_PREEMPTED);
	assert_true(calls > 10);
	assert_int_equal(object_finalise_count[CAP_CNODE], 1);
	assert_false(mdb_has_children(ep_slot));
	assert_true(cap_same_object_as(t->cspace_root.cap, new_root));
	assert_int_equal(cap_cnode_guard_size(t->cspace_root.cap), 5); /* the data applied */
	assert_true(cap_same_object_as(t->vspace_root.cap, tw_vspace(W)->cap));
	assert_int_equal(tcb_vspace_asid(t), cap_mapped_asid(tw_vspace(W)->cap));
	tw_assert(W);
}

/*
 * The deletion of the old root may take the very caps the call named: a
 * source slot inside the old root, or the thread's own cap. Then nothing is
 * installed (seL4's check), and nothing is left dangling.
 */
static void test_set_space_sources_lost_in_the_old_root(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cte *ep_slot = tw_slot_of(W, tw_endpoint(W));
	/* The new root's only cap lies in the old root. */
	struct tcb *t = tw_thread(W, 1, 0);
	struct cap old_root = full_cnode(2, ep_slot);
	struct cap inner = tw_cnode(W, 1);
	struct cte *in_old = cnode_slot(old_root, 3);
	struct work_budget budget = { .left = 10 };
	assert_int_equal(cte_delete(in_old, &budget), ERR_OK);
	cte_move(tw_slot_of(W, inner)->cap, tw_slot_of(W, inner), in_old);
	tw_set_space(W, t, tw_slot_of(W, old_root), NULL);
	tw_delete(W, tw_slot_of(W, old_root));
	struct tcb_space_args args = { .cspace = in_old, .vspace = tw_vspace(W) };
	budget = (struct work_budget){ .left = 100 };
	assert_int_equal(tcb_set_space(tw_thread_slot(W, t), &args, &budget), ERR_OK);
	assert_true(cap_is_null(t->cspace_root.cap));
	assert_true(cap_same_object_as(t->vspace_root.cap, tw_vspace(W)->cap));
	assert_int_equal(object_finalise_count[CAP_CNODE], 2); /* old root and inner */
	tw_assert(W);
	/* The thread's own last cap lies in its old root: the thread dies in
	 * the deletion, and nothing is installed into the dead TCB. */
	struct tcb *u = tw_thread(W, 1, 0);
	struct cap root2 = tw_cnode(W, 1);
	tw_set_space(W, u, tw_slot_of(W, root2), NULL);
	tw_delete(W, tw_slot_of(W, root2));
	struct cte *u_slot = tw_thread_slot(W, u);
	struct cte *home = cnode_slot(u->cspace_root.cap, 0);
	cte_move(u_slot->cap, u_slot, home);
	struct cap new_root = tw_cnode(W, 1);
	args = (struct tcb_space_args){ .cspace = tw_slot_of(W, new_root), .vspace = tw_vspace(W) };
	budget = (struct work_budget){ .left = 100 };
	assert_int_equal(tcb_set_space(home, &args, &budget), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_TCB], 1);
	assert_true(cap_is_null(u->vspace_root.cap));
	assert_false(mdb_has_children(tw_slot_of(W, new_root)));
	tw_assert(W);
}

/*
 * TCB_SetSpace checks both roots before anything changes (issue 15, item
 * 5): a CNode cap for the CSpace (seL4: ERR_ILLEGAL_OPERATION otherwise,
 * also when the guard data does not fit), a live VSpace root for the
 * VSpace. The thread's copy keeps the VSpace alive; its deletion drops it.
 */
static void test_set_space_validates_both_roots(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	struct cte *cn = tw_slot_of(W, tw_cnode(W, 2));
	struct cte *ep = tw_slot_of(W, tw_endpoint(W));
	struct cte *vs = tw_vspace(W);
	static _Alignas(4096) uint8_t table[4096];
	struct cte unmapped = { .cap = object_init(OBJ_PAGE_TABLE, (uintptr_t)table, 0, false) };
	struct cte stale = { .cap = cap_set_mapping(unmapped.cap, 77, 0) };
	struct cte not_root = { .cap = cap_set_mapping(unmapped.cap, cap_mapped_asid(vs->cap), 0) };
	struct {
		struct cte *tcb, *cspace, *vspace;
		uint64_t data;
		enum error err;
	} bad[] = {
		{ ep, cn, vs, 0, ERR_INVALID_CAPABILITY },
		{ NULL, ep, vs, 0, ERR_ILLEGAL_OPERATION },
		{ NULL, cn, vs, cap_guard_word(63, 0), ERR_ILLEGAL_OPERATION },
		{ NULL, ep, vs, cap_guard_word(1, 0), ERR_ILLEGAL_OPERATION },
		{ NULL, cn, cn, 0, ERR_ILLEGAL_OPERATION },
		{ NULL, cn, &unmapped, 0, ERR_ILLEGAL_OPERATION },
		{ NULL, cn, &stale, 0, ERR_ILLEGAL_OPERATION },
		{ NULL, cn, &not_root, 0, ERR_ILLEGAL_OPERATION },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tcb_space_args args = { .cspace = bad[i].cspace,
					       .cspace_data = bad[i].data,
					       .vspace = bad[i].vspace };
		struct work_budget budget = { .left = 100 };
		struct cte *tcb_slot = bad[i].tcb != NULL ? bad[i].tcb : tw_thread_slot(W, t);
		assert_int_equal(tcb_set_space(tcb_slot, &args, &budget), bad[i].err);
		assert_int_equal(tcb_configure(tcb_slot, &args, NULL, 0, &budget), bad[i].err);
		assert_int_equal(budget.used, 0);
		assert_true(cap_is_null(t->cspace_root.cap) && cap_is_null(t->vspace_root.cap));
	}
	assert_int_equal(tcb_vspace_asid(t), ASID_INVALID);
	tw_set_space(W, t, cn, NULL);
	uint64_t asid = cap_mapped_asid(vs->cap);
	assert_int_equal(tcb_vspace_asid(t), asid);
	/* The thread's copy keeps the address space: the original's deletion is
	 * not final. */
	struct cte original = { 0 };
	cte_move(vs->cap, vs, &original);
	struct work_budget budget = { .left = 10 };
	assert_int_equal(cte_delete(&original, &budget), ERR_OK);
	assert_int_equal(fake_arch.flush_asid_calls, 0);
	assert_ptr_equal(asid_lookup(asid), (void *)cap_ptr(t->vspace_root.cap));
	/* The thread's deletion drops it: the ASID goes, flushed. */
	tw_delete(W, tw_thread_slot(W, t));
	assert_null(asid_lookup(asid));
	assert_int_equal(fake_arch.flush_asid_calls, 1);
	assert_int_equal(tcb_vspace_asid(t), ASID_INVALID);
}

/* TCB_Configure: space and IPC buffer, every argument checked first. */
static void test_configure(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_thread(W, 1, 0);
	struct cte *cn = tw_slot_of(W, tw_cnode(W, 2));
	struct cte *ep = tw_slot_of(W, tw_endpoint(W));
	static _Alignas(4096) uint8_t frame[4096];
	struct cte buf = { .cap = object_init(OBJ_FRAME_4K, (uintptr_t)frame, 0, false) };
	mdb_set_flags(&buf, true, false);
	struct tcb_space_args args = { .fault = ep, .cspace = cn, .vspace = tw_vspace(W) };
	struct work_budget budget = { .left = 100 };
	struct cte *slot = tw_thread_slot(W, t);
	assert_int_equal(tcb_configure(slot, &args, &buf, 0x123, &budget), ERR_ALIGNMENT);
	assert_int_equal(tcb_configure(slot, &args, ep, 0, &budget), ERR_INVALID_CAPABILITY);
	assert_true(cap_is_null(t->fault_handler.cap) && cap_is_null(t->cspace_root.cap));
	assert_int_equal(budget.used, 0);
	/* No budget: the first deletion (the old fault handler) stops it. */
	assert_int_equal(tcb_set_fault_handler(t, ep), ERR_OK);
	struct work_budget empty = { .left = 0 };
	assert_int_equal(tcb_configure(slot, &args, &buf, 0x5400, &empty), ERR_PREEMPTED);
	assert_int_equal(tcb_set_space(slot, &args, &empty), ERR_PREEMPTED);
	assert_int_equal(tcb_configure(slot, &args, &buf, 0x5400, &budget), ERR_OK);
	assert_true(cap_same_object_as(t->fault_handler.cap, ep->cap));
	assert_true(cap_same_object_as(t->cspace_root.cap, cn->cap));
	assert_int_equal(tcb_vspace_asid(t), cap_mapped_asid(tw_vspace(W)->cap));
	assert_ptr_equal(tcb_ipc_buffer(t), frame + 0x400);
	/* Without a frame the buffer is cleared. */
	assert_int_equal(tcb_configure(slot, &args, NULL, 0, &budget), ERR_OK);
	assert_null(tcb_ipc_buffer(t));
	/* A frame cap whose only home is the old root goes with it: the
	 * buffer is then cleared, not installed. */
	struct cap old_root = tw_cnode(W, 1);
	struct tcb_space_args to_old = { .cspace = tw_slot_of(W, old_root),
					 .vspace = tw_vspace(W) };
	assert_int_equal(tcb_set_space(slot, &to_old, &budget), ERR_OK);
	tw_delete(W, tw_slot_of(W, old_root));
	static _Alignas(4096) uint8_t frame2[4096];
	struct cte *in_old = cnode_slot(t->cspace_root.cap, 0);
	in_old->cap = object_init(OBJ_FRAME_4K, (uintptr_t)frame2, 0, false);
	mdb_set_flags(in_old, true, false);
	assert_int_equal(tcb_configure(slot, &args, in_old, 0x400, &budget), ERR_OK);
	assert_null(tcb_ipc_buffer(t));
	assert_true(cap_same_object_as(t->cspace_root.cap, cn->cap));
	/* A thread whose last cap lies in its old root: the deletion takes
	 * the thread, and the buffer is not installed into the dead TCB. */
	struct cte *home = cnode_slot(cn->cap, 1);
	cte_move(slot->cap, slot, home);
	tw_delete(W, cn);
	assert_int_equal(tcb_configure(home, &args, &buf, 0x400, &budget), ERR_ILLEGAL_OPERATION);
	struct cap other = tw_cnode(W, 1);
	args.cspace = tw_slot_of(W, other);
	assert_int_equal(tcb_configure(home, &args, &buf, 0x400, &budget), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_TCB], 1);
	assert_null(tcb_ipc_buffer(t));
	assert_false(mdb_has_children(&buf));
	tw_assert(W);
}

/*
 * Resume of a stopped thread (issue 15, item 7): seL4's restart cancels the
 * IPC it waits in (send, receive, reply, notification) and makes it
 * runnable, restarting its call; a runnable thread is left alone.
 */
static void test_resume_cancels_ipc(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap n = tw_notification(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 9, 0);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tw_exit(0);
	struct tcb *caller = tw_running(W, 5, 0);
	assert_int_equal(endpoint_send(caller, ep, true, true), ERR_OK);
	tw_exit(0);
	assert_int_equal(tcb_state(caller), THREAD_BLOCKED_REPLY);
	tcb_suspend(server);
	tw_exit(0);
	struct tcb *sender = tw_running(W, 5, 0);
	assert_int_equal(endpoint_send(sender, ep, true, false), ERR_OK);
	tw_exit(0);
	struct tcb *receiver = tw_running(W, 5, 0);
	struct cap ep2 = tw_endpoint(W);
	assert_int_equal(endpoint_receive(receiver, ep2, cap_null(), true), ERR_OK);
	tw_exit(0);
	struct tcb *waiter = tw_running(W, 5, 0);
	assert_int_equal(notification_wait(waiter, n, true), ERR_OK);
	tw_exit(0);
	/* ep holds the sender (the caller left with its reply), ep2 the receiver. */
	assert_int_equal(ep_state(ep), ENDPOINT_SEND);
	assert_int_equal(ep_state(ep2), ENDPOINT_RECV);
	struct tcb *blocked[] = { caller, sender, receiver, waiter };
	enum thread_state was[] = { THREAD_BLOCKED_REPLY, THREAD_BLOCKED_SEND, THREAD_BLOCKED_RECV,
				    THREAD_BLOCKED_NTFN };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(tcb_state(blocked[i]), was[i]);
		tcb_set_reg(blocked[i], PORT_REG_RESULT, 77);
		tcb_resume(blocked[i]);
		assert_int_equal(tcb_state(blocked[i]), THREAD_RESTART);
		assert_null(blocked[i]->blocked_on);
		assert_null(blocked[i]->reply);
		assert_int_equal(tw_result(blocked[i]), 77);
		tw_assert(W);
	}
	assert_null(((struct reply *)cap_ptr(rep))->caller);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	assert_int_equal(ep_state(ep2), ENDPOINT_IDLE);
	assert_int_equal(notification_state((struct notification *)cap_ptr(n)), NOTIFICATION_IDLE);
	/* Runnable threads are left alone. */
	tcb_resume(waiter);
	assert_int_equal(tcb_state(waiter), THREAD_RESTART);
	tcb_resume(sched_idle(0));
	assert_int_equal(tcb_state(sched_idle(0)), THREAD_IDLE);
	tw_exit(0);
	tw_assert(W);
}

static struct tcb *stall_expected;
static unsigned stall_seen;

/* At the stall, the stalled hart still has the dying thread: core/ has not
 * dropped it (nor let its memory go) before the hart stopped using it. */
static void check_stall(unsigned hart)
{
	assert_ptr_equal(sched_current(hart), stall_expected);
	assert_int_equal(tcb_current_hart(stall_expected), hart);
	stall_seen++;
}

/*
 * Finalising a thread current on another hart waits in port_remote_stall
 * for that hart (issue 15, item 4: seL4's remote stall, not just an
 * asynchronous IPI); one current on the acting hart, or on none, does not.
 */
static void test_finalise_stalls_remote_hart(void **state)
{
	(void)state;
	W = tw_new(3);
	struct tcb *remote = tw_running(W, 5, 2);
	struct tcb *local = tw_running(W, 5, 0);
	struct tcb *idle = tw_thread(W, 5, 1);
	stall_expected = remote;
	stall_seen = 0;
	fake_arch.on_stall = check_stall;
	tw_delete(W, tw_thread_slot(W, remote));
	fake_arch.on_stall = NULL;
	assert_int_equal(stall_seen, 1);
	assert_int_equal(fake_arch.stall_calls, 1);
	assert_int_equal(fake_arch.stall_harts, 1u << 2);
	assert_ptr_equal(sched_current(2), sched_idle(2));
	tw_delete(W, tw_thread_slot(W, local));
	tw_delete(W, tw_thread_slot(W, idle));
	assert_int_equal(fake_arch.stall_calls, 1);
	tw_deliver_ipis(W);
	tw_assert(W);
}

/*
 * Threads of one address space run on several harts at once (issue 15):
 * each hart that makes such a thread current joins its ASID's hart set
 * (asid_activate), and a change to the address space flushes all of them.
 */
static void test_one_vspace_on_several_harts(void **state)
{
	(void)state;
	W = tw_new(3);
	struct cte *cn = tw_slot_of(W, tw_cnode(W, 1));
	struct tcb *a = tw_thread(W, 5, 0), *b = tw_thread(W, 5, 2), *c = tw_thread(W, 5, 1);
	tw_set_space(W, a, cn, NULL);
	tw_set_space(W, b, cn, NULL);
	uint64_t asid = tcb_vspace_asid(a);
	assert_int_equal(tcb_vspace_asid(b), asid);
	assert_int_equal(asid_harts(asid), 0);
	sched_start(0, a);
	sched_start(2, b);
	sched_start(1, c); /* no VSpace: hart 1 never runs the address space */
	assert_int_equal(asid_harts(asid), 1u | 1u << 2);
	static _Alignas(4096) uint8_t table[4096];
	struct cte pt = { .cap = object_init(OBJ_PAGE_TABLE, (uintptr_t)table, 0, false) };
	struct lookup_fault fault;
	fake_arch_clear_flushes();
	assert_int_equal(vspace_page_table_map(&pt, tw_vspace(W), 0x40000000, &fault), ERR_OK);
	assert_int_equal(fake_arch.flush_count, 1);
	assert_int_equal(fake_arch.flushes[0].asid, asid);
	assert_int_equal(fake_arch.flushes[0].harts, 1u | 1u << 2);
	/* A thread given the address space while current: its hart joins. */
	tw_set_space(W, c, cn, NULL);
	assert_int_equal(asid_harts(asid), 7);
	tw_assert(W);
}

static void test_checker_catches(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t = tw_running(W, 1, 0);
	assert_null(tcb_check_invariants(t));
	t->state = THREAD_STATE_COUNT;
	assert_non_null(tcb_check_invariants(t));
	t->state = THREAD_RUNNING;
	t->blocked_on = t;
	assert_non_null(tcb_check_invariants(t));
	t->blocked_on = NULL;
	t->queued = 1;
	assert_non_null(tcb_check_invariants(t));
	t->queued = 0;
	struct reply r = { 0 };
	t->reply = &r;
	assert_non_null(tcb_check_invariants(t));
	t->reply = NULL;
	t->fault_kind = FAULT_PAGE;
	assert_non_null(tcb_check_invariants(t));
	t->fault_kind = FAULT_NONE;
	struct tcb *u = tw_thread(W, 1, 0);
	u->candidate = 1;
	assert_non_null(tcb_check_invariants(u));
	u->candidate = 0;
	u->state = THREAD_BLOCKED_REPLY;
	assert_non_null(tcb_check_invariants(u));
	u->state = THREAD_INACTIVE;
	/* Current on a hart that runs another thread, or on none there is
	 * (the fastpath takes the byte for "the hart's current thread"). */
	u->current_on1 = 1;
	assert_non_null(tcb_check_invariants(u));
	u->current_on1 = 2;
	assert_non_null(tcb_check_invariants(u));
	u->current_on1 = 0;
	u->ipc_grant = 2;
	assert_non_null(tcb_check_invariants(u));
	u->ipc_grant = 1;
	assert_null(tw_check(W));
	/* The world's own check: a thread in two places. */
	struct cap ep = tw_endpoint(W);
	assert_int_equal(endpoint_receive(t, ep, cap_null(), true), ERR_OK);
	tw_exit(0);
	struct tcb_queue *q = &((struct endpoint *)cap_ptr(ep))->queue;
	q->head = q->tail = NULL;
	assert_non_null(tw_check(W));
	q->head = q->tail = t;
	assert_null(tw_check(W));
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tw_teardown)
	const struct CMUnitTest tests[] = {
		T(test_transition_table),
		T(test_illegal_transition_asserts),
		T(test_registers_by_role),
		T(test_ipc_buffer),
		T(test_message_info_word),
		T(test_wait_queue),
		T(test_checker_catches),
		T(test_fault_handler_null_and_wrong_caps),
		T(test_set_space_deletes_old_root_preemptibly),
		T(test_set_space_sources_lost_in_the_old_root),
		T(test_set_space_validates_both_roots),
		T(test_configure),
		T(test_resume_cancels_ipc),
		T(test_finalise_stalls_remote_hart),
		T(test_one_vspace_on_several_harts),
	};
	return cmocka_run_group_tests_name("tcb", tests, NULL, NULL);
}
