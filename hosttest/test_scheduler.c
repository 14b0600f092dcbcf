/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/scheduler.c: idle threads, the two-level bitmap over 256
 * priorities, preemption, Benno's direct-switch candidate, round-robin time
 * slices, cross-hart wake-ups and their IPIs, and what happens to a hart
 * whose current thread is stopped or destroyed. Every test checks all
 * invariants (thread_world.h) after each step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "thread_world.h"

static void test_idle_at_start(void **state)
{
	(void)state;
	W = tw_new(4);
	for (unsigned h = 0; h < 4; h++) {
		assert_ptr_equal(sched_current(h), sched_idle(h));
		assert_int_equal(tcb_state(sched_idle(h)), THREAD_IDLE);
		assert_false(sched_pending(h));
		assert_int_equal(sched_top_priority(h), -1);
	}
	assert_int_equal(sched_hart_count(), 4);
	tw_assert(W);
	/* Ticks and yields on an idle hart change nothing. */
	sched_tick();
	sched_yield_slice();
	assert_false(sched_pending(0));
	tw_assert(W);
}

static void test_bitmap_picks_highest(void **state)
{
	(void)state;
	W = tw_new(1);
	static const unsigned prios[] = { 0, 63, 64, 127, 128, 200, 255, 1 };
	struct tcb *t[8];
	for (unsigned i = 0; i < 8; i++) {
		t[i] = tw_thread(W, prios[i], 0);
		tcb_resume(t[i]); /* first becomes the candidate, others queue */
		tw_assert(W);
	}
	tw_exit(0);
	tw_assert(W);
	/* Highest first, each leaving (suspend) in turn. */
	static const unsigned order[] = { 255, 200, 128, 127, 64, 63, 1, 0 };
	for (unsigned i = 0; i < 8; i++) {
		struct tcb *cur = sched_current(0);
		assert_int_equal(cur->priority, order[i]);
		assert_int_equal(tcb_state(cur), THREAD_RESTART);
		tcb_suspend(cur);
		assert_true(sched_pending(0));
		tw_exit(0);
		tw_assert(W);
	}
	assert_ptr_equal(sched_current(0), sched_idle(0));
}

/* sched_high_bit (the bitmaps' written-out clz) against a bit-by-bit scan:
 * every single bit, and every bit under all-ones below it. */
static void test_high_bit(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 64; b++) {
		uint64_t one = UINT64_C(1) << b;
		assert_int_equal(sched_high_bit(one), b);
		assert_int_equal(sched_high_bit(one | (one - 1)), b);
		assert_int_equal(sched_high_bit(one | 1), b);
	}
}

static void test_preemption_and_benno(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *low = tw_running(W, 10, 0);
	struct tcb *high = tw_thread(W, 20, 0);
	struct tcb *lower = tw_thread(W, 5, 0);
	tw_assert(W);
	/* A woken lower thread does not preempt: it is queued at the decision. */
	tcb_resume(lower);
	assert_true(lower->candidate);
	assert_false(lower->queued);
	tw_assert(W);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), low);
	assert_true(lower->queued);
	/* A higher one runs directly and is never queued. */
	tcb_resume(high);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), high);
	assert_false(high->queued);
	/* The preempted thread kept its place at the head of its queue. */
	assert_true(low->queued);
	tw_assert(W);
	/* A second wake while a candidate is pending queues at once. */
	tcb_suspend(low);
	tcb_suspend(lower);
	tw_exit(0);
	tcb_resume(low);
	tcb_resume(lower);
	assert_true(low->candidate);
	assert_true(lower->queued);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), high);
	tw_assert(W);
	/* Waking a thread that is already ready changes nothing. */
	sched_wake(low);
	assert_false(sched_pending(0));
	tw_assert(W);
}

static void test_equal_priority_candidate(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 7, 0);
	struct tcb *b = tw_thread(W, 7, 0);
	struct tcb *c = tw_thread(W, 7, 0);
	tcb_resume(b);
	tw_exit(0);
	/* Equal priority: the running thread keeps the CPU. */
	assert_ptr_equal(sched_current(0), a);
	/* When the running thread blocks, a candidate of the top priority
	 * runs directly, ahead of threads already queued there. */
	tcb_suspend(a);
	tcb_resume(c);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), c);
	assert_true(b->queued);
	tw_assert(W);
}

/* The IPC fastpath's switch: sched_can_switch_direct answers what
 * sched_wake + sched_schedule would do once the current thread blocks, and
 * sched_switch_direct leaves the same state, with no decision pending. */
/* The fastpath's form of the hart's half of the rule (its busy word)
 * answers as the rule, for a next that passes the thread's half. */
static void assert_fast_switch_agrees(unsigned h, const struct tcb *next)
{
	assert_true(sched_direct_next_ok(h, next));
	assert_int_equal(sched_can_switch_direct_fast_on(&sched_harts[h], h, next),
			 sched_can_switch_direct(h, next));
}

static void test_direct_switch(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 7, 0);
	struct tcb *queued = tw_thread(W, 6, 0);
	struct tcb *high = tw_thread(W, 9, 0), *equal = tw_thread(W, 6, 0);
	struct tcb *low = tw_thread(W, 5, 0), *remote = tw_thread(W, 9, 1);
	/* Nothing queued, nothing pending: the busy word is 0, any runs. */
	assert_int_equal(sched_harts[0].busy, 0);
	assert_true(sched_can_switch_direct(0, low));
	assert_fast_switch_agrees(0, low);
	tcb_resume(queued);
	tw_exit(0);
	assert_true(queued->queued);
	assert_int_equal(sched_harts[0].busy, SCHED_BUSY_READY);
	assert_true(sched_can_switch_direct(0, high));
	assert_true(sched_can_switch_direct(0, equal));   /* ties go to the woken thread */
	assert_false(sched_can_switch_direct(0, low));    /* a better one is ready */
	assert_false(sched_can_switch_direct(0, remote)); /* another hart's */
	assert_false(sched_can_switch_direct(0, queued)); /* already queued */
	assert_fast_switch_agrees(0, high);
	assert_fast_switch_agrees(0, equal);
	assert_fast_switch_agrees(0, low);
	sched_yield_slice();
	assert_false(sched_can_switch_direct(0, high)); /* a decision is pending */
	assert_fast_switch_agrees(0, high);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), a);
	/* What the fastpath does: the current thread blocks, the other wakes. */
	assert_true(sched_can_switch_direct(0, high));
	tcb_set_state(a, THREAD_INACTIVE);
	tcb_set_state(high, THREAD_RUNNING);
	sched_switch_direct(0, high);
	assert_ptr_equal(sched_current(0), high);
	assert_false(sched_pending(0));
	assert_false(a->queued);
	assert_true(queued->queued);
	tw_assert(W);
}

/* The direct switch's refusals: a hart that runs its idle thread, a woken
 * thread on the wrong side of Benno's rule, and sched_switch_direct's
 * contract (prev not idle, next runnable, no candidate) asserted. */
static void test_direct_switch_refused(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 7, 0);
	struct tcb *high = tw_thread(W, 9, 0), *low = tw_thread(W, 5, 0);
	struct tcb *other = tw_thread(W, 9, 1);
	assert_ptr_equal(sched_current(1), sched_idle(1));
	assert_false(sched_can_switch_direct(1, other)); /* hart 1 runs its idle */
	tcb_set_state(other, THREAD_RUNNING);
	expect_core_assert(sched_switch_direct(1, other));
	assert_ptr_equal(sched_current(1), sched_idle(1));
	tcb_set_state(other, THREAD_INACTIVE);
	/* The fastpath's variant names a hart, never none. */
	expect_core_assert(tcb_set_current_hart_asid(other, NO_HART, ASID_INVALID));
	assert_int_equal(tcb_current_hart(other), NO_HART);
	/* next must be runnable already. */
	expect_core_assert(sched_switch_direct(0, high));
	assert_ptr_equal(sched_current(0), a);
	/* A pending candidate is a decision the switch would skip. */
	tcb_resume(low);
	assert_true(low->candidate);
	assert_false(sched_can_switch_direct(0, high));
	tcb_set_state(high, THREAD_RUNNING);
	expect_core_assert(sched_switch_direct(0, high));
	assert_ptr_equal(sched_current(0), a);
	tcb_set_state(high, THREAD_INACTIVE);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), a);
	assert_true(low->queued);
	tw_assert(W);
}

/*
 * The fastpath's one-compare forms (sched_fast_next_ok_on,
 * sched_fast_current_ok_on) against the fields they fold, one by one, for
 * every combination of values each field can take (and a few it cannot:
 * flags other than 1, a spare byte set): each must answer as the
 * predicate written out, so a condition left out of the word, or a field
 * moved out of it, fails here.
 */
static void test_fast_words(void **state)
{
	(void)state;
	W = tw_new(2);
	static struct tcb t; /* in no world: its fields are set by hand */
	static const uint8_t flags[] = { 0, 1, 0x80 };
	/* Every combination: state, affinity 0..2, current_on1 0..3, queued,
	 * candidate, fault kind, stale trap, spare byte clear or set. */
	const unsigned count = THREAD_STATE_COUNT * 3 * 4 * 3 * 3 * FAULT_KIND_COUNT * 3 * 2;
	for (unsigned h = 0; h < 2; h++) {
		const struct sched_hart *hs = &sched_harts[h];
		for (unsigned i = 0; i < count; i++) {
			unsigned k = i;
			t.state = (uint8_t)(k % THREAD_STATE_COUNT);
			k /= THREAD_STATE_COUNT;
			t.affinity = (uint8_t)(k % 3);
			k /= 3;
			t.current_on1 = (uint8_t)(k % 4);
			k /= 4;
			t.queued = flags[k % 3];
			k /= 3;
			t.candidate = flags[k % 3];
			k /= 3;
			t.fault_kind = (uint8_t)(k % FAULT_KIND_COUNT);
			k /= FAULT_KIND_COUNT;
			t.trap_stale = flags[k % 3];
			k /= 3;
			t.fast_spare = (uint8_t)k;
			bool plain =
			    t.fault_kind == FAULT_NONE && t.trap_stale == 0 && t.fast_spare == 0;
			for (unsigned w = 0; w < 2; w++) {
				enum thread_state want =
				    w == 0 ? THREAD_BLOCKED_RECV : THREAD_BLOCKED_REPLY;
				bool expected =
				    tcb_state(&t) == want && plain && sched_direct_next_ok(h, &t);
				assert_int_equal(sched_fast_next_ok_on(hs, &t, want), expected);
			}
			bool current = tcb_state(&t) == THREAD_RUNNING && plain &&
				       t.affinity == h && tcb_current_hart(&t) == h && !t.queued &&
				       !t.candidate;
			assert_int_equal(sched_fast_current_ok_on(hs, &t), current);
		}
	}
	tw_assert(W);
}

static void test_time_slices_rotate(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *t[3];
	t[0] = tw_running(W, 9, 0);
	for (unsigned i = 1; i < 3; i++) {
		t[i] = tw_thread(W, 9, 0);
		tcb_resume(t[i]);
		tw_exit(0);
	}
	struct tcb *low = tw_thread(W, 3, 0);
	tcb_resume(low);
	tw_exit(0);
	for (unsigned round = 0; round < 7; round++) {
		assert_ptr_equal(sched_current(0), t[round % 3]);
		for (unsigned tick = 0; tick < TIME_SLICE_TICKS; tick++) {
			assert_false(sched_pending(0));
			sched_tick();
			tw_assert(W);
		}
		assert_true(sched_pending(0));
		tw_exit(0);
		tw_assert(W);
	}
	/* Alone at its priority, a thread keeps running after its slice. */
	tcb_suspend(t[0]);
	tcb_suspend(t[2]);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), t[1]);
	sched_yield_slice();
	tw_exit(0);
	assert_ptr_equal(sched_current(0), t[1]);
	assert_true(low->queued);
	tw_assert(W);
}

static void test_tick_of_stopped_thread(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 4, 1);
	/* Stopped from hart 0: hart 1 keeps it as current until it decides. */
	tcb_suspend(a);
	assert_true(sched_pending(1));
	assert_int_equal(fake_arch.ipi_calls, 1);
	assert_int_equal(fake_arch.ipi_harts, 2);
	tw_assert(W);
	tw_enter(1);
	sched_tick(); /* a tick on the way in changes nothing */
	tw_exit(1);
	assert_ptr_equal(sched_current(1), sched_idle(1));
	tw_assert(W);
}

static void test_cross_hart_wake(void **state)
{
	(void)state;
	W = tw_new(3);
	struct tcb *busy = tw_running(W, 50, 2);
	struct tcb *low = tw_thread(W, 10, 2);
	struct tcb *high = tw_thread(W, 60, 2);
	struct tcb *other = tw_thread(W, 1, 1);
	tw_enter(0);
	/* Lower than what hart 2 runs: queued there, no IPI. */
	tcb_resume(low);
	assert_true(low->queued);
	assert_int_equal(fake_arch.ipi_calls, 0);
	tw_assert(W);
	/* Higher: queued there and hart 2 is asked to reschedule. */
	tcb_resume(high);
	assert_int_equal(fake_arch.ipi_calls, 1);
	assert_int_equal(fake_arch.ipi_harts, 1u << 2);
	assert_true(sched_pending(2));
	tw_assert(W);
	/* An idle hart is woken for any thread. */
	tcb_resume(other);
	assert_int_equal(fake_arch.ipi_calls, 2);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(2), high);
	assert_ptr_equal(sched_current(1), other);
	assert_true(busy->queued);
	tw_assert(W);
}

static void test_priority_and_mcp(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *boss = tw_running(W, 100, 0);
	struct tcb *worker = tw_thread(W, 10, 0);
	boss->mcp = 120;
	/* MCP bounds what the authority may give, itself included. */
	assert_int_equal(tcb_set_priority(boss, worker, 121), ERR_RANGE);
	assert_int_equal(tcb_set_priority(boss, boss, 200), ERR_RANGE);
	assert_int_equal(tcb_set_mcp(boss, worker, 121), ERR_RANGE);
	assert_int_equal(worker->priority, 10);
	assert_int_equal(worker->mcp, 255);
	assert_int_equal(tcb_set_mcp(boss, worker, 50), ERR_OK);
	assert_int_equal(worker->mcp, 50);
	assert_int_equal(tcb_set_priority(worker, worker, 51), ERR_RANGE);
	assert_int_equal(tcb_set_priority(boss, worker, 120), ERR_OK);
	/* An inactive thread's priority changes and nothing runs. */
	assert_false(sched_pending(0));
	tcb_resume(worker);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), worker);
	/* Lowering the running thread below a queued one preempts it. */
	assert_int_equal(tcb_set_priority(boss, worker, 99), ERR_OK);
	assert_true(sched_pending(0));
	tw_exit(0);
	assert_ptr_equal(sched_current(0), boss);
	/* Raising a queued thread above the running one preempts that. */
	assert_int_equal(tcb_set_priority(boss, worker, 101), ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), worker);
	tw_assert(W);
	/* A queued thread on another hart raised above its current: IPI. */
	struct tcb *far = tw_running(W, 30, 1);
	struct tcb *near = tw_thread(W, 20, 1);
	tcb_resume(near);
	assert_int_equal(fake_arch.ipi_calls, 0);
	assert_int_equal(tcb_set_priority(boss, near, 40), ERR_OK);
	assert_int_equal(fake_arch.ipi_calls, 1);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), near);
	assert_true(far->queued);
	tw_assert(W);
}

static void test_affinity(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 10, 0);
	struct tcb *b = tw_thread(W, 5, 0);
	tcb_resume(b);
	tw_exit(0);
	/* A hart that does not exist: seL4's ERR_ILLEGAL_OPERATION. */
	assert_int_equal(tcb_set_affinity(b, 2), ERR_ILLEGAL_OPERATION);
	assert_int_equal(tcb_set_affinity(b, 1ull << 40), ERR_ILLEGAL_OPERATION);
	assert_int_equal(b->affinity, 0);
	/* A queued thread moves to the other hart's queue (which runs it). */
	assert_int_equal(tcb_set_affinity(b, 1), ERR_OK);
	assert_int_equal(fake_arch.ipi_calls, 1);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), b);
	tw_assert(W);
	/* The running thread moves: its hart drops it, the other queues it. */
	assert_int_equal(tcb_set_affinity(a, 1), ERR_OK);
	assert_true(sched_pending(0));
	tw_exit(0);
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), a);
	assert_true(b->queued);
	tw_assert(W);
	/* An inactive thread just changes its hart. */
	struct tcb *c = tw_thread(W, 1, 0);
	assert_int_equal(tcb_set_affinity(c, 1), ERR_OK);
	assert_int_equal(c->affinity, 1);
	tw_assert(W);
}

static void test_suspend_resume(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0);
	tcb_suspend(a);
	assert_int_equal(tcb_state(a), THREAD_INACTIVE);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tcb_suspend(a); /* twice is fine */
	tcb_resume(a);
	assert_int_equal(tcb_state(a), THREAD_RESTART);
	tcb_resume(a); /* resuming a runnable thread does nothing */
	tw_exit(0);
	assert_ptr_equal(sched_current(0), a);
	/* Suspended and resumed within one decision: it stays current. */
	tcb_suspend(a);
	tcb_resume(a);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), a);
	tw_assert(W);
	/* A queued thread leaves its queue. */
	struct tcb *b = tw_thread(W, 1, 0);
	tcb_resume(b);
	tw_exit(0);
	assert_true(b->queued);
	tcb_suspend(b);
	assert_false(b->queued);
	assert_int_equal(sched_top_priority(0), -1);
	tw_assert(W);
}

static void test_delete_threads(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 10, 0);
	struct tcb *b = tw_thread(W, 5, 0);
	struct tcb *c = tw_running(W, 10, 1);
	struct tcb *d = tw_thread(W, 12, 0);
	tcb_resume(b);
	tw_exit(0);
	/* Deleting a queued thread empties its queue. */
	tw_delete(W, tw_thread_slot(W, b));
	assert_int_equal(sched_top_priority(0), -1);
	assert_int_equal(object_finalise_count[CAP_TCB], 1);
	/* Deleting the running thread: the hart runs idle at once. */
	tw_delete(W, tw_thread_slot(W, a));
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tw_exit(0);
	tw_assert(W);
	/* ... and on another hart, which is told by IPI. */
	tw_delete(W, tw_thread_slot(W, c));
	assert_ptr_equal(sched_current(1), sched_idle(1));
	tw_assert(W);
	/* A candidate that is deleted before the decision is forgotten. */
	tcb_resume(d);
	assert_true(d->candidate);
	tw_delete(W, tw_thread_slot(W, d));
	tw_exit(0);
	assert_ptr_equal(sched_current(0), sched_idle(0));
	tw_assert(W);
}

static void test_deleted_current_with_ready_thread(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *a = tw_running(W, 10, 1);
	struct tcb *b = tw_thread(W, 5, 1);
	tcb_resume(b);
	assert_true(b->queued);
	tw_delete(W, tw_thread_slot(W, a));
	assert_true(sched_pending(1));
	assert_int_equal(fake_arch.ipi_harts, 2);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), b);
	tw_assert(W);
}

static void test_start_contract(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 1, 0);
	struct tcb *b = tw_thread(W, 1, 0);
	expect_core_assert(sched_start(0, b));
	(void)a;
	expect_core_assert(sched_enter(1));
	struct tcb *idles[CONFIG_MAX_HARTS + 1] = { 0 };
	expect_core_assert(sched_init(CONFIG_MAX_HARTS + 1, idles));
}

/* The checker's other findings, one corruption at a time, each undone
 * after; a pending decision (not a corruption) is no finding. */
static void test_checker_names_each_corruption(void **state)
{
	(void)state;
	W = tw_new(1);
	struct sched_hart *hs = &sched_harts[0];
	struct sched_ready_queue *q5 = &sched_queues[0][5];
	struct tcb *a = tw_running(W, 10, 0);
	struct tcb *b = tw_thread(W, 5, 0), *c = tw_thread(W, 3, 0);
	tcb_resume(b);
	tw_exit(0);
	assert_true(b->queued);
	assert_null(sched_check_invariants());
	struct tcb *idle = hs->idle;
	hs->idle = NULL;
	assert_string_equal(sched_check_invariants(), "a hart has no idle thread");
	hs->idle = idle;
	hs->current = NULL;
	assert_string_equal(sched_check_invariants(),
			    "the current thread does not know it is current");
	hs->current = a;
	hs->bitmap_l2[0] ^= UINT64_C(1) << 1; /* priority 1 has no queue */
	assert_string_equal(sched_check_invariants(), "the bitmap does not match the queues");
	hs->bitmap_l2[0] ^= UINT64_C(1) << 1;
	b->affinity = 1;
	assert_string_equal(sched_check_invariants(),
			    "a queued thread is not runnable at that priority on that hart");
	b->affinity = 0;
	b->current_on1 = 1;
	assert_string_equal(sched_check_invariants(),
			    "a queued thread is also current or a candidate");
	b->current_on1 = 0;
	q5->tail = NULL;
	assert_string_equal(sched_check_invariants(), "a ready queue's tail is wrong");
	q5->tail = b;
	hs->bitmap_l1 ^= 1;
	assert_string_equal(sched_check_invariants(), "the level-1 bitmap does not match level 2");
	hs->bitmap_l1 ^= 1;
	hs->candidate = c; /* c does not know, and nothing is pending */
	assert_string_equal(sched_check_invariants(), "a candidate without a pending decision");
	c->candidate = 1;
	assert_string_equal(sched_check_invariants(), "a candidate without a pending decision");
	c->candidate = 0;
	hs->candidate = NULL;
	a->affinity = 1;
	assert_string_equal(sched_check_invariants(), "a hart runs a thread that cannot run there");
	/* With a decision pending the same state is legal: it will move a. */
	hs->action = ACTION_CHOOSE_NEW;
	assert_string_equal(sched_check_invariants(),
			    "a hart's busy word does not match its decision and queues");
	hs->busy |= SCHED_BUSY_DECISION;
	assert_null(sched_check_invariants());
	hs->action = ACTION_NONE;
	hs->busy &= ~SCHED_BUSY_DECISION;
	a->affinity = 0;
	assert_null(sched_check_invariants());
	tw_assert(W);
}

static void test_checker_catches(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0);
	struct tcb *b = tw_thread(W, 5, 0);
	tcb_resume(b);
	tw_exit(0);
	/* Corruptions the checker exists to find, each undone after. */
	b->priority = 6;
	assert_non_null(sched_check_invariants());
	b->priority = 5;
	b->state = THREAD_INACTIVE;
	assert_non_null(sched_check_invariants());
	b->state = THREAD_RESTART;
	b->queued = 0;
	assert_non_null(sched_check_invariants());
	b->queued = 1;
	a->priority = 1;
	assert_non_null(sched_check_invariants());
	a->priority = 10;
	a->state = THREAD_INACTIVE;
	assert_non_null(sched_check_invariants());
	a->state = THREAD_RUNNING;
	b->candidate = 1;
	assert_non_null(sched_check_invariants());
	b->candidate = 0;
	tcb_set_current_hart(a, NO_HART);
	assert_non_null(sched_check_invariants());
	tcb_set_current_hart(a, 0);
	tcb_set_current_hart(sched_idle(0), 0);
	assert_non_null(sched_check_invariants());
	tcb_set_current_hart(sched_idle(0), NO_HART);
	sched_idle(0)->state = THREAD_INACTIVE;
	assert_non_null(sched_check_invariants());
	sched_idle(0)->state = THREAD_IDLE;
	struct tcb *next = b->sched_next;
	b->sched_prev = a;
	assert_non_null(sched_check_invariants());
	b->sched_prev = NULL;
	b->sched_next = next;
	assert_null(sched_check_invariants());
	/* The busy word out of step with the decision or the queues. */
	sched_harts[0].busy ^= SCHED_BUSY_DECISION;
	assert_non_null(sched_check_invariants());
	sched_harts[0].busy ^= SCHED_BUSY_DECISION ^ SCHED_BUSY_READY;
	assert_non_null(sched_check_invariants());
	sched_harts[0].busy ^= SCHED_BUSY_READY;
	assert_null(sched_check_invariants());
	/* A spare byte of the fast word set would refuse every fastpath. */
	assert_null(tcb_check_invariants(a));
	a->fast_spare = 1;
	assert_non_null(tcb_check_invariants(a));
	a->fast_spare = 0;
	tw_assert(W);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tw_teardown)
	const struct CMUnitTest tests[] = {
		T(test_idle_at_start),
		T(test_bitmap_picks_highest),
		T(test_high_bit),
		T(test_preemption_and_benno),
		T(test_equal_priority_candidate),
		T(test_direct_switch),
		T(test_direct_switch_refused),
		T(test_fast_words),
		T(test_time_slices_rotate),
		T(test_tick_of_stopped_thread),
		T(test_cross_hart_wake),
		T(test_priority_and_mcp),
		T(test_affinity),
		T(test_suspend_resume),
		T(test_delete_threads),
		T(test_deleted_current_with_ready_thread),
		T(test_start_contract),
		T(test_checker_catches),
		T(test_checker_names_each_corruption),
	};
	return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
