/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/fault.c: each fault kind delivered to the handler as a
 * message (label = kind, MR0 = PC, MR1 = address) with the handler's badge;
 * the handler's reply restarts the thread (at a new PC when it says so) or
 * leaves it suspended; a handler that suspends it; a fault queued while the
 * handler is busy; losing the handler's endpoint or reply object; a thread
 * without a handler is suspended and reported, and the system goes on.
 * Cap faults: seL4's message (cptr, receive phase, each lookup failure
 * type with its words, taken from a real lookup) and any answer restarting
 * the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "thread_world.h"

static const struct cap NULL_CAP = { { 0, 0 } };

/* A handler (priority 50) waiting on a fresh endpoint with a reply object,
 * and a worker (priority 10) with that endpoint, badged 0xf, as handler. */
struct setup {
	struct cap ep, rep;
	struct cte handler_slot;
	struct tcb *handler, *worker;
};

static struct setup make(void)
{
	struct setup s = { 0 };
	s.ep = tw_endpoint(W);
	s.rep = tw_reply(W);
	s.handler = tw_running(W, 50, 0);
	assert_int_equal(endpoint_receive(s.handler, s.ep, s.rep, true), ERR_OK);
	tw_exit(0);
	s.worker = tw_running(W, 10, 0);
	/* The handler cap is minted from the endpoint's original slot. */
	struct cte *orig = tw_slot_of(W, s.ep);
	s.handler_slot.cap = cap_null();
	cte_insert(tw_badged(orig->cap, 0xf), orig, &s.handler_slot);
	assert_int_equal(tcb_set_fault_handler(s.worker, &s.handler_slot), ERR_OK);
	assert_int_equal(cap_badge(s.worker->fault_handler.cap), 0xf);
	return s;
}

static void unmake(struct setup *s)
{
	tw_delete(W, &s->handler_slot);
}

static void test_each_kind_delivered_and_restarted(void **state)
{
	(void)state;
	W = tw_new(1);
	struct setup s = make();
	for (unsigned kind = FAULT_PAGE; kind <= FAULT_MISALIGNED; kind++) {
		fault_raise(s.worker, kind, 0xdead0 + kind, 0x1000 + kind);
		assert_int_equal(tcb_state(s.worker), THREAD_BLOCKED_REPLY);
		tw_exit(0);
		assert_ptr_equal(sched_current(0), s.handler);
		tw_assert(W);
		struct msg_info info = tw_info(s.handler);
		assert_int_equal(msg_info_label(info), kind);
		assert_int_equal(msg_info_length(info), FAULT_MESSAGE_LENGTH);
		assert_int_equal(tw_mr(s.handler, FAULT_MR_PC), 0x1000 + kind);
		assert_int_equal(tw_mr(s.handler, FAULT_MR_ADDRESS), 0xdead0 + kind);
		assert_int_equal(tw_badge(s.handler), 0xf);
		/* Label 0 restarts; one word moves the PC. A page fault (seL4's
		 * VM fault) restarts whatever the answer, as it was. */
		const uint64_t pc = 0x2000 + kind;
		bool vm = kind == FAULT_PAGE;
		tw_message(s.handler, vm ? 5 : 0, vm ? 1 : kind % 2, &pc);
		tcb_set_reg(s.worker, PORT_REG_PC, 0x1000 + kind);
		assert_int_equal(endpoint_reply_receive(s.handler, s.ep, s.rep), ERR_OK);
		assert_int_equal(tcb_state(s.worker), THREAD_RESTART);
		assert_int_equal(tcb_get_reg(s.worker, PORT_REG_PC),
				 !vm && kind % 2 ? 0x2000 + kind : 0x1000 + kind);
		assert_int_equal(s.worker->fault_kind, FAULT_NONE);
		tw_exit(0);
		assert_ptr_equal(sched_current(0), s.worker);
		tw_assert(W);
	}
	assert_int_equal(fault_unhandled_count, 0);
	unmake(&s);
	tw_assert(W);
}

static void test_handler_refuses_or_suspends(void **state)
{
	(void)state;
	W = tw_new(1);
	struct setup s = make();
	fault_raise(s.worker, FAULT_ILLEGAL_INSTRUCTION, 0x13, 0x4000);
	tw_exit(0);
	/* A non-zero label: the thread stays suspended. */
	tw_message(s.handler, 1, 0, NULL);
	assert_int_equal(endpoint_reply_receive(s.handler, s.ep, s.rep), ERR_OK);
	assert_int_equal(tcb_state(s.worker), THREAD_INACTIVE);
	tw_exit(0);
	tw_assert(W);
	/* The handler may suspend the faulting thread instead of replying. */
	tcb_resume(s.worker);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), s.worker);
	fault_raise(s.worker, FAULT_PAGE, 0x10, 0x4004);
	tw_exit(0);
	tcb_suspend(s.worker);
	assert_null(((struct reply *)cap_ptr(s.rep))->caller);
	assert_int_equal(s.worker->fault_kind, FAULT_NONE);
	tw_assert(W);
	unmake(&s);
}

static void test_fault_queued_while_handler_busy(void **state)
{
	(void)state;
	W = tw_new(1);
	struct setup s = make();
	/* Take the handler away from its endpoint: the fault queues. */
	tcb_suspend(s.handler);
	fault_raise(s.worker, FAULT_MISALIGNED, 0x1001, 0x5000);
	assert_int_equal(tcb_state(s.worker), THREAD_BLOCKED_SEND);
	tw_exit(0);
	tw_assert(W);
	tcb_resume(s.handler);
	tw_exit(0);
	assert_int_equal(endpoint_receive(s.handler, s.ep, s.rep, true), ERR_OK);
	assert_int_equal(msg_info_label(tw_info(s.handler)), FAULT_MISALIGNED);
	assert_int_equal(tcb_state(s.worker), THREAD_BLOCKED_REPLY);
	tw_assert(W);
	/* The reply object goes: the thread stays stopped (nobody answers). */
	tw_delete(W, tw_slot_of(W, s.rep));
	assert_int_equal(tcb_state(s.worker), THREAD_INACTIVE);
	assert_int_equal(s.worker->fault_kind, FAULT_NONE);
	tw_assert(W);
	/* Without a reply object the handler's receive leaves it inactive. */
	tcb_resume(s.worker);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), s.handler);
	tcb_suspend(s.handler);
	tw_exit(0);
	fault_raise(s.worker, FAULT_PAGE, 1, 2);
	tw_exit(0);
	tcb_resume(s.handler);
	tw_exit(0);
	assert_int_equal(endpoint_receive(s.handler, s.ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(tcb_state(s.worker), THREAD_INACTIVE);
	assert_int_equal(s.worker->fault_kind, FAULT_NONE);
	tw_assert(W);
	unmake(&s);
}

static void test_handler_endpoint_deleted(void **state)
{
	(void)state;
	W = tw_new(1);
	struct setup s = make();
	tcb_suspend(s.handler);
	fault_raise(s.worker, FAULT_PAGE, 0x77, 0x6000);
	tw_exit(0);
	/* Every cap to the endpoint goes, the last being the thread's own
	 * handler slot (replaced): the faulting thread is suspended. */
	unmake(&s);
	tw_delete(W, tw_slot_of(W, s.ep));
	assert_int_equal(tcb_state(s.worker), THREAD_BLOCKED_SEND);
	struct cap other = tw_endpoint(W);
	assert_int_equal(tcb_set_fault_handler(s.worker, tw_slot_of(W, other)), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], 1);
	assert_int_equal(tcb_state(s.worker), THREAD_INACTIVE);
	assert_int_equal(s.worker->fault_kind, FAULT_NONE);
	tw_assert(W);
}

static void test_no_handler(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0);
	uint64_t before = fault_unhandled_count;
	fault_raise(a, FAULT_UNKNOWN_SYSCALL, 99, 0x7000);
	assert_int_equal(tcb_state(a), THREAD_INACTIVE);
	assert_int_equal(fault_unhandled_count, before + 1);
	assert_int_equal(fake_arch.unhandled_faults, 1);
	assert_ptr_equal(fake_arch.last_fault_tcb, a);
	assert_int_equal(fake_arch.last_fault_kind, FAULT_UNKNOWN_SYSCALL);
	assert_int_equal(fake_arch.last_fault_address, 99);
	assert_int_equal(fake_arch.last_fault_pc, 0x7000);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tw_assert(W);
	expect_core_assert(fault_raise(a, FAULT_PAGE, 0, 0));
}

/* A guard mismatch and a missing capability as a CNode lookup reports
 * them, a depth mismatch and an invalid root as built: each becomes seL4's
 * cap-fault message, and any answer (even a non-zero label) restarts the
 * thread with its PC (the system call) as it was. */
static void test_cap_fault_message(void **state)
{
	(void)state;
	W = tw_new(1);
	struct setup s = make();
	struct cap cnode = tw_cnode(W, 4); /* guard 0 of 60 bits, then 4 */
	struct resolve_result guard = cnode_lookup_cap(cnode, UINT64_C(1) << 63);
	assert_int_equal(guard.err, ERR_FAILED_LOOKUP);
	struct lookup_fault cases[4] = {
		guard.fault,
		{ .type = LOOKUP_FAULT_MISSING_CAPABILITY, .bits_left = 0 },
		{ .type = LOOKUP_FAULT_DEPTH_MISMATCH, .bits_left = 3, .bits_found = 12 },
		{ .type = LOOKUP_FAULT_INVALID_ROOT },
	};
	const unsigned lengths[4] = { 7, 5, 6, 4 };
	for (unsigned i = 0; i < 4; i++) {
		struct lookup_fault f = cases[i];
		const uint64_t pc = 0x5000 + 4 * i, cptr = 0x40 + i;
		tcb_set_reg(s.worker, PORT_REG_PC, pc);
		fault_raise_cap(s.worker, cptr, i % 2 == 1, f, pc);
		assert_int_equal(tcb_state(s.worker), THREAD_BLOCKED_REPLY);
		tw_exit(0);
		assert_ptr_equal(sched_current(0), s.handler);
		struct msg_info info = tw_info(s.handler);
		assert_int_equal(msg_info_label(info), FAULT_CAP);
		assert_int_equal(msg_info_length(info), lengths[i]);
		assert_int_equal(tw_badge(s.handler), 0xf);
		assert_int_equal(tw_mr(s.handler, FAULT_MR_PC), pc);
		assert_int_equal(tw_mr(s.handler, FAULT_MR_ADDRESS), cptr);
		assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_IN_RECEIVE), i % 2);
		assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_LOOKUP_TYPE), f.type);
		if (f.type != LOOKUP_FAULT_INVALID_ROOT)
			assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_BITS_LEFT), f.bits_left);
		if (f.type == LOOKUP_FAULT_DEPTH_MISMATCH)
			assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_BITS_FOUND), 12);
		if (f.type == LOOKUP_FAULT_GUARD_MISMATCH) {
			/* 64 bits against a 60-bit guard of 0 that the 1 breaks */
			assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_BITS_LEFT), 64);
			assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_GUARD_FOUND), 0);
			assert_int_equal(tw_mr(s.handler, FAULT_CAP_MR_GUARD_SIZE), 60);
		}
		const uint64_t elsewhere = 0x9000;
		tw_message(s.handler, i, 1, &elsewhere);
		assert_int_equal(endpoint_reply_receive(s.handler, s.ep, s.rep), ERR_OK);
		assert_int_equal(tcb_state(s.worker), THREAD_RESTART);
		assert_int_equal(tcb_get_reg(s.worker, PORT_REG_PC), pc);
		assert_int_equal(s.worker->fault_kind, FAULT_NONE);
		tw_exit(0);
		assert_ptr_equal(sched_current(0), s.worker);
		tw_assert(W);
	}
	unmake(&s);
	tw_assert(W);
}

/* seL4's double fault: a cap fault with no handler suspends the thread. */
static void test_cap_fault_without_handler(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0);
	uint64_t before = fault_unhandled_count;
	struct lookup_fault f = { .type = LOOKUP_FAULT_MISSING_CAPABILITY };
	fault_raise_cap(a, 77, true, f, 0x7100);
	assert_int_equal(tcb_state(a), THREAD_INACTIVE);
	assert_int_equal(fault_unhandled_count, before + 1);
	assert_int_equal(fake_arch.last_fault_kind, FAULT_CAP);
	assert_int_equal(fake_arch.last_fault_address, 77);
	assert_int_equal(fake_arch.last_fault_pc, 0x7100);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tw_assert(W);
}

static void test_set_fault_handler(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_thread(W, 1, 0);
	struct cap ep = tw_endpoint(W);
	struct cap n = tw_notification(W);
	struct cte *ep_slot = tw_slot_of(W, ep);
	assert_int_equal(tcb_set_fault_handler(a, tw_slot_of(W, n)), ERR_INVALID_CAPABILITY);
	struct cte ro = { 0 };
	cte_insert(tw_masked(ep, CAP_RIGHT_READ), ep_slot, &ro);
	assert_int_equal(tcb_set_fault_handler(a, &ro), ERR_INVALID_CAPABILITY);
	assert_true(cap_is_null(a->fault_handler.cap));
	assert_int_equal(tcb_set_fault_handler(a, ep_slot), ERR_OK);
	/* Replacing drops the old copy; deleting the thread drops the last. */
	assert_int_equal(tcb_set_fault_handler(a, ep_slot), ERR_OK);
	tw_delete(W, &ro);
	tw_delete(W, ep_slot);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], 0);
	tw_delete(W, tw_thread_slot(W, a));
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], 1);
	tw_assert(W);
}

/* A fault names its kind, a cap fault its lookup failure: anything else
 * is caught and changes nothing. */
static void test_raise_contracts(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0);
	uint64_t before = fault_unhandled_count;
	expect_core_assert(fault_raise(a, FAULT_NONE, 0, 0));
	struct lookup_fault none = { .type = LOOKUP_FAULT_NONE };
	expect_core_assert(fault_raise_cap(a, 0, false, none, 0));
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	assert_int_equal(a->fault_kind, FAULT_NONE);
	assert_int_equal(fault_unhandled_count, before);
	assert_int_equal(fake_arch.unhandled_faults, 0);
	tw_assert(W);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tw_teardown)
	const struct CMUnitTest tests[] = {
		T(test_each_kind_delivered_and_restarted),
		T(test_handler_refuses_or_suspends),
		T(test_fault_queued_while_handler_busy),
		T(test_handler_endpoint_deleted),
		T(test_no_handler),
		T(test_cap_fault_message),
		T(test_cap_fault_without_handler),
		T(test_set_fault_handler),
		T(test_raise_contracts),
	};
	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
