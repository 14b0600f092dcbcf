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
#include "mdb.h"
#include "thread_world.h"

static void test_transition_table(void **state)
{
	(void)state;
	/* The table of docs/ipc.md, written out once more. */
	static const char *const table[THREAD_STATE_COUNT] = {
		/*            to: I R S s r p n d */
		[THREAD_INACTIVE] = "01100001",     [THREAD_RUNNING] = "10111110",
		[THREAD_RESTART] = "11011110",      [THREAD_BLOCKED_SEND] = "11000100",
		[THREAD_BLOCKED_RECV] = "11000000", [THREAD_BLOCKED_REPLY] = "11100000",
		[THREAD_BLOCKED_NTFN] = "11000000", [THREAD_IDLE] = "00000000",
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
		T(test_transition_table),  T(test_illegal_transition_asserts),
		T(test_registers_by_role), T(test_ipc_buffer),
		T(test_message_info_word), T(test_wait_queue),
		T(test_checker_catches),
	};
	return cmocka_run_group_tests_name("tcb", tests, NULL, NULL);
}
