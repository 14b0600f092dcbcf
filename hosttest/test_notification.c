/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/notification.c: signal/wait/poll, badges ORed while nobody
 * waits, FIFO waiters, binding to a thread (a bound thread receiving on an
 * endpoint also wakes for its notification), every decode error, and
 * deleting a notification with waiters or a bound thread.
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

static struct notification *ntfn_of(struct cap c)
{
	return (struct notification *)cap_ptr(c);
}

static void test_signal_then_wait(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap n = tw_notification(W);
	struct tcb *a = tw_running(W, 5, 0);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_IDLE);
	assert_int_equal(notification_signal(tw_badged(n, 1)), ERR_OK);
	assert_int_equal(notification_signal(tw_badged(n, 4)), ERR_OK);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_ACTIVE);
	tw_assert(W);
	assert_int_equal(notification_wait(a, n, true), ERR_OK);
	assert_int_equal(tw_badge(a), 5);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_IDLE);
	/* Poll with nothing pending: badge 0, no blocking. */
	assert_int_equal(notification_wait(a, n, false), ERR_OK);
	assert_int_equal(tw_badge(a), 0);
	/* An unbadged signal still activates it (badge 0). */
	assert_int_equal(notification_signal(n), ERR_OK);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_ACTIVE);
	tcb_set_reg(a, PORT_REG_BADGE, 77);
	assert_int_equal(notification_wait(a, n, false), ERR_OK);
	assert_int_equal(tw_badge(a), 0);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_IDLE);
	tw_assert(W);
}

static void test_waiters_fifo(void **state)
{
	(void)state;
	W = tw_new(2);
	struct cap n = tw_notification(W);
	struct tcb *w[3];
	for (unsigned i = 0; i < 3; i++) {
		w[i] = tw_running(W, 5, i == 2 ? 1 : 0);
		tw_enter(w[i]->affinity);
		assert_int_equal(notification_wait(w[i], n, true), ERR_OK);
		assert_int_equal(tcb_state(w[i]), THREAD_BLOCKED_NTFN);
		tw_exit(w[i]->affinity);
	}
	tw_enter(0);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_WAITING);
	tw_assert(W);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(notification_signal(tw_badged(n, 1u << i)), ERR_OK);
		assert_int_equal(tcb_state(w[i]), THREAD_RUNNING);
		assert_int_equal(tw_badge(w[i]), 1u << i);
		tw_assert(W);
	}
	assert_int_equal(fake_arch.ipi_harts, 2); /* w[2] lives on hart 1 */
	tw_exit(0);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), w[2]);
	tw_assert(W);
}

static void test_rights_and_errors(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap n = tw_notification(W);
	struct cap ep = tw_endpoint(W);
	struct tcb *a = tw_running(W, 5, 0);
	struct tcb *b = tw_thread(W, 5, 0);
	assert_int_equal(notification_signal(ep), ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_signal(tw_masked(n, CAP_RIGHT_READ)), ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_wait(a, ep, true), ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_wait(a, tw_masked(n, CAP_RIGHT_WRITE), true),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_bind(a, ep), ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_bind(a, tw_masked(n, CAP_RIGHT_WRITE)),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(notification_unbind_checked(a), ERR_ILLEGAL_OPERATION);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_IDLE);
	/* Bound to b: a may not wait on it; a second bind of either fails. */
	assert_int_equal(notification_bind(b, n), ERR_OK);
	assert_ptr_equal(notification_bound_tcb(ntfn_of(n)), b);
	assert_int_equal(notification_wait(a, n, true), ERR_ILLEGAL_OPERATION);
	assert_int_equal(notification_bind(a, n), ERR_ILLEGAL_OPERATION);
	struct cap n2 = tw_notification(W);
	assert_int_equal(notification_bind(b, n2), ERR_ILLEGAL_OPERATION);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	/* A notification with waiters cannot be bound. */
	assert_int_equal(notification_wait(a, n2, true), ERR_OK);
	tw_exit(0);
	struct tcb *c = tw_running(W, 5, 0);
	assert_int_equal(notification_bind(c, n2), ERR_ILLEGAL_OPERATION);
	assert_int_equal(notification_unbind_checked(b), ERR_OK);
	assert_null(b->bound);
	assert_null(notification_bound_tcb(ntfn_of(n)));
	tw_assert(W);
}

static void test_bound_thread_wakes_from_endpoint(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap n = tw_notification(W);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 5, 0);
	assert_int_equal(notification_bind(server, n), ERR_OK);
	/* Waiting on its endpoint, the server is woken by a signal: an empty
	 * message, whose words past its length (all) read 0. */
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		tcb_set_reg(server, PORT_REG_MR0 + i, 0xeee0 + i);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tw_exit(0);
	tw_assert(W);
	assert_int_equal(notification_signal(tw_badged(n, 0x40)), ERR_OK);
	assert_int_equal(tcb_state(server), THREAD_RUNNING);
	assert_int_equal(tw_badge(server), 0x40);
	assert_int_equal(tw_info(server).word, 0);
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		assert_int_equal(tw_mr(server, i), 0);
	assert_null(((struct reply *)cap_ptr(rep))->receiver);
	assert_int_equal(endpoint_state((struct endpoint *)cap_ptr(ep)), ENDPOINT_IDLE);
	tw_exit(0);
	tw_assert(W);
	/* A signal pending when it receives is delivered at once (an empty
	 * message too). */
	assert_int_equal(notification_signal(tw_badged(n, 2)), ERR_OK);
	tcb_set_reg(server, PORT_REG_MR0 + 3, 0xeee3);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(tcb_state(server), THREAD_RUNNING);
	assert_int_equal(tw_badge(server), 2);
	assert_int_equal(tw_mr(server, 3), 0);
	/* The bound thread may also wait on the notification itself; a Wait
	 * is no endpoint receive and keeps the message registers. */
	tcb_set_reg(server, PORT_REG_MR0 + 3, 0xeee3);
	assert_int_equal(notification_wait(server, n, true), ERR_OK);
	tw_exit(0);
	assert_int_equal(notification_signal(tw_badged(n, 8)), ERR_OK);
	assert_int_equal(tw_badge(server), 8);
	assert_int_equal(tw_mr(server, 3), 0xeee3);
	tw_exit(0);
	/* A bound thread that is not receiving just leaves the signal pending. */
	assert_int_equal(notification_signal(tw_badged(n, 16)), ERR_OK);
	assert_int_equal(notification_state(ntfn_of(n)), NOTIFICATION_ACTIVE);
	tw_assert(W);
}

static void test_delete_with_waiters_and_binding(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap n = tw_notification(W);
	struct tcb *a = tw_running(W, 5, 0);
	assert_int_equal(notification_wait(a, n, true), ERR_OK);
	tw_exit(0);
	struct tcb *b = tw_running(W, 5, 0);
	assert_int_equal(notification_wait(b, n, true), ERR_OK);
	tw_exit(0);
	/* The waiters restart their wait (seL4), no result is made up. */
	tcb_set_reg(a, PORT_REG_RESULT, 77);
	tcb_set_reg(b, PORT_REG_RESULT, 77);
	tw_delete(W, tw_slot_of(W, n));
	assert_int_equal(tw_result(a), 77);
	assert_int_equal(tw_result(b), 77);
	assert_int_equal(tcb_state(a), THREAD_RESTART);
	assert_int_equal(tcb_state(b), THREAD_RESTART);
	assert_int_equal(object_finalise_count[CAP_NOTIFICATION], 1);
	tw_exit(0);
	tw_assert(W);
	/* Deleting a bound notification unbinds its thread ... */
	struct cap n2 = tw_notification(W);
	assert_int_equal(notification_bind(a, n2), ERR_OK);
	tw_delete(W, tw_slot_of(W, n2));
	assert_null(a->bound);
	tw_assert(W);
	/* ... and deleting a bound thread unbinds the notification. */
	struct cap n3 = tw_notification(W);
	assert_int_equal(notification_bind(b, n3), ERR_OK);
	tw_delete(W, tw_thread_slot(W, b));
	assert_null(notification_bound_tcb(ntfn_of(n3)));
	/* A thread waiting on a notification can be suspended. */
	struct tcb *cur = sched_current(0);
	assert_int_equal(notification_wait(cur, n3, true), ERR_OK);
	tcb_suspend(cur);
	assert_int_equal(notification_state(ntfn_of(n3)), NOTIFICATION_IDLE);
	tw_exit(0);
	tw_assert(W);
}

static void test_checker_catches(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap n = tw_notification(W);
	struct tcb *a = tw_running(W, 5, 0);
	struct notification *nt = ntfn_of(n);
	assert_int_equal(notification_bind(a, n), ERR_OK);
	nt->word = 3;
	assert_non_null(notification_check_invariants(nt));
	nt->word = 0;
	a->bound = NULL;
	assert_non_null(notification_check_invariants(nt));
	assert_null(tcb_check_invariants(a));
	a->bound = nt;
	nt->bound_active = 0;
	assert_non_null(tcb_check_invariants(a));
	nt->bound_active = (uint64_t)(uintptr_t)a;
	assert_int_equal(notification_wait(a, n, true), ERR_OK);
	nt->bound_active |= 1;
	assert_non_null(notification_check_invariants(nt));
	nt->bound_active &= ~1ull;
	nt->queue.head = NULL;
	assert_non_null(notification_check_invariants(nt));
	nt->queue.head = a;
	assert_null(notification_check_invariants(nt));
	tw_exit(0);
	tw_assert(W);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tw_teardown)
	const struct CMUnitTest tests[] = {
		T(test_signal_then_wait),
		T(test_waiters_fifo),
		T(test_rights_and_errors),
		T(test_bound_thread_wakes_from_endpoint),
		T(test_delete_with_waiters_and_binding),
		T(test_checker_catches),
	};
	return cmocka_run_group_tests_name("notification", tests, NULL, NULL);
}
