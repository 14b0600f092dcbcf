/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: per hart, 256 ready queues (FIFO per priority) with a
 * two-level bitmap for O(1) selection, the current thread, an idle thread and
 * a pending scheduling decision. Benno scheduling: the current thread is not
 * in a queue, and a thread woken by IPC on this hart becomes the hart's
 * direct-switch candidate instead of being queued; it is queued only when it
 * cannot run directly. Rules (docs/ipc.md):
 *   - after sched_schedule(h), h runs a highest-priority runnable thread with
 *     affinity h, or its idle thread when there is none;
 *   - a preempted thread keeps its place (head of its queue); a thread whose
 *     time slice ran out goes to the tail;
 *   - a wake-up for another hart queues the thread there and, when it
 *     outranks that hart's current thread, asks for an IPI
 *     (port_ipi_reschedule); the IPI handler calls sched_schedule.
 *
 * core/ is single-threaded logic: the kernel holds its lock around every
 * call, says which hart it runs on with sched_enter, and calls
 * sched_schedule before it returns to user mode.
 */
#ifndef CORE_SCHEDULER_H
#define CORE_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "tcb.h"

#define SCHED_BITMAP_WORDS (PRIORITY_COUNT / 64)

_Static_assert(PRIORITY_COUNT % 64 == 0 && SCHED_BITMAP_WORDS <= 64, "two bitmap levels suffice");
_Static_assert(CONFIG_MAX_HARTS < NO_HART, "hart numbers fit a TCB's byte");

/* Start `harts` harts (1..CONFIG_MAX_HARTS), each running its idle thread
 * idles[h] (zeroed TCBs, made idle here). */
void sched_init(unsigned harts, struct tcb *const *idles);
/* The kernel now acts on hart `hart` (< the harts started). */
void sched_enter(unsigned hart);
unsigned sched_this_hart(void);
unsigned sched_hart_count(void);
struct tcb *sched_idle(unsigned hart);
/* A decision is pending on hart (it must call sched_schedule). */
bool sched_pending(unsigned hart);

/*
 * Make `t` (an inactive thread) hart `hart`'s current thread now, for
 * starting the first thread of a hart and for tests. Assumes the hart runs
 * its idle thread and has no pending decision.
 */
void sched_start(unsigned hart, struct tcb *t);

/* A runnable thread should run: queue it, or make it this hart's
 * direct-switch candidate (see above). Nothing when it is already current
 * somewhere, queued or a candidate. */
void sched_wake(struct tcb *t);
/* Take t out of the scheduler's queues and candidates (it stays current
 * where it is current; that hart gets a pending decision). */
void sched_remove(struct tcb *t);
/* t (current on its hart) stopped being runnable or changed priority or
 * hart: that hart must decide again. */
void sched_reschedule(struct tcb *t);
/* t is being destroyed: no hart may keep it as current. */
void sched_forget(struct tcb *t);

/* Decide what hart `hart` runs now; afterwards the rules above hold. */
void sched_schedule(unsigned hart);

/* A timer tick on this hart: the current thread's time slice shrinks, and
 * when it is used up the thread goes to the tail of its queue. */
void sched_tick(void);
/* The current thread gives up the rest of its slice (seL4's yield; not libc's sched_yield). */
void sched_yield_slice(void);

/* Highest priority queued on hart, or -1. */

/* NULL, or what is wrong: bitmaps against queues, links, every queued thread
 * runnable with that hart's affinity, the current thread the best one when no
 * decision is pending. */
const char *sched_check_invariants(void);

/*
 * Per-hart state. The fields are scheduler.c's; they are here only so that
 * the direct switch below (the IPC fastpath's, kernel/fastpath.c) and
 * sched_current are inline: the fastpath's whole budget is a few hundred
 * instructions (docs/benchmarks.md).
 */
enum sched_action {
	ACTION_NONE = 0,       /* keep running the current thread */
	ACTION_CHOOSE_NEW = 1, /* decide again at sched_schedule */
};

#define SCHED_BUSY_DECISION UINT64_C(1)
#define SCHED_BUSY_READY UINT64_C(2)

struct sched_ready_queue {
	struct tcb *head, *tail;
};

/* 128-byte aligned: indexing by hart is a shift, not a multiplication. */
struct sched_hart {
	_Alignas(128) struct tcb *current;
	struct tcb *idle;
	struct tcb *candidate; /* woken by IPC on this hart, not queued */
	enum sched_action action;
	bool yield_current; /* the current thread goes to its queue's tail */
	uint64_t bitmap_l1;
	uint64_t bitmap_l2[SCHED_BITMAP_WORDS];
	/* SCHED_BUSY_DECISION: action is not ACTION_NONE; SCHED_BUSY_READY:
	 * bitmap_l1 is not 0. Kept by scheduler.c's every write of either
	 * (and the direct switch's), checked by sched_check_invariants: 0
	 * is the IPC fastpath's one-load answer to "may next run at once". */
	uint64_t busy;
	/* tcb_fast_word_make's words for this hart (sched_init): a thread
	 * running here as its current one, and one of this hart's that is
	 * blocked receiving or waiting for a reply and current nowhere. */
	uint64_t fast_current, fast_receiver, fast_caller;
};

extern struct sched_hart sched_harts[CONFIG_MAX_HARTS];
/* Each hart's ready queues, by priority. */
extern struct sched_ready_queue sched_queues[CONFIG_MAX_HARTS][PRIORITY_COUNT];

HOT_INLINE struct tcb *sched_current(unsigned hart)
{
	return sched_harts[hart].current;
}

/* The functions below come in two forms: by hart number, and with hs =
 * &sched_harts[hart] given as well (`_on`), for a caller that keeps that
 * pointer per hart (the kernel's struct hart) and so skips the indexing. */
HOT_INLINE struct tcb *sched_current_on(const struct sched_hart *hs)
{
	return hs->current;
}

/* The index of x's highest set bit (x != 0). Written out: rv64gc has no
 * clz, and GCC's __builtin_clzll is a libgcc call (the fastpath's first
 * tier makes no call that returns). */
HOT_INLINE unsigned sched_high_bit(uint64_t x)
{
	unsigned n = 0;
	for (unsigned step = 32; step != 0; step >>= 1) {
		if (x >> step) {
			x >>= step;
			n += step;
		}
	}
	return n;
}

/* The highest priority with a ready (queued) thread on hart, or -1. */
HOT_INLINE int sched_top_priority_on(const struct sched_hart *hs)
{
	if (hs->bitmap_l1 == 0)
		return -1;
	unsigned word = sched_high_bit(hs->bitmap_l1);
	return (int)(word * 64 + sched_high_bit(hs->bitmap_l2[word]));
}

HOT_INLINE int sched_top_priority(unsigned hart)
{
	return sched_top_priority_on(&sched_harts[hart]);
}

/* Benno's rule, for sched_schedule and the direct switch alike: a thread
 * woken by IPC runs at once unless something better waits, or the thread
 * that was running (prev) keeps the CPU at the same priority. */
HOT_INLINE bool sched_candidate_runs_on(const struct sched_hart *hs, unsigned h,
					const struct tcb *cand, const struct tcb *prev)
{
	int top = sched_top_priority_on(hs);
	return cand->priority > top || (cand->priority == top && sched_queues[h][top].head != prev);
}

HOT_INLINE bool sched_candidate_runs(unsigned h, const struct tcb *cand, const struct tcb *prev)
{
	return sched_candidate_runs_on(&sched_harts[h], h, cand, prev);
}

/* The direct switch's conditions on hart h itself: no other decision
 * pending, no candidate, not idling. */
HOT_INLINE bool sched_direct_hart_ok_on(const struct sched_hart *hs)
{
	return hs->action == ACTION_NONE && hs->candidate == NULL && hs->current != hs->idle;
}

/* The direct switch's conditions on the thread next: of hart h, neither
 * queued nor a candidate, current nowhere. */
HOT_INLINE bool sched_direct_next_ok(unsigned h, const struct tcb *next)
{
	return next->affinity == h && !next->queued && !next->candidate &&
	       tcb_current_hart(next) == NO_HART;
}

/*
 * The IPC fastpath's switch, what sched_wake(next) and sched_schedule(h)
 * would do when hart h's current thread has just blocked: true when next
 * (woken by that IPC, on hart h, neither queued nor current) would run at
 * once, by sched_schedule's own rule, with no other decision pending.
 */
HOT_INLINE bool sched_can_switch_direct_on(const struct sched_hart *hs, unsigned h,
					   const struct tcb *next)
{
	return sched_direct_hart_ok_on(hs) && sched_direct_next_ok(h, next) &&
	       sched_candidate_runs_on(hs, h, next, hs->current);
}

/*
 * The same tests made of one compare of a thread's fast_word (core/tcb.h)
 * with a word of hs's, for the IPC fastpath (kernel/fastpath.c).
 * sched_fast_next_ok_on: next is in `state` (THREAD_BLOCKED_RECV or
 * THREAD_BLOCKED_REPLY), has no fault in flight and passes
 * sched_direct_next_ok for hs's hart. sched_fast_current_ok_on: t is
 * RUNNING (not RESTART: such a thread takes the slow path until it blocks
 * once), current on hs's hart and of it, with no fault in flight.
 * hosttest/test_scheduler.c checks each against the fields one by one.
 */
HOT_INLINE bool sched_fast_next_ok_on(const struct sched_hart *hs, const struct tcb *next,
				      enum thread_state state)
{
	CORE_ASSERT_HOT(state == THREAD_BLOCKED_RECV || state == THREAD_BLOCKED_REPLY);
	return next->fast_word ==
	       (state == THREAD_BLOCKED_RECV ? hs->fast_receiver : hs->fast_caller);
}

HOT_INLINE bool sched_fast_current_ok_on(const struct sched_hart *hs, const struct tcb *t)
{
	return t->fast_word == hs->fast_current;
}

/*
 * sched_can_switch_direct_on for a next that passed sched_fast_next_ok_on,
 * on a hart whose current thread passed sched_fast_current_ok_on (it is
 * RUNNING, so not the idle thread, which is always IDLE). No decision
 * pending means no candidate (sched_check_invariants: a candidate always
 * has one); with nothing queued either (busy 0), next runs whatever its
 * priority, else Benno's rule decides. hs is one of sched_harts: the rule
 * finds its hart from it, so that nothing of the rule (the hart's index
 * included: GCC had loaded the caller's first) is read when busy is 0.
 */
HOT_INLINE bool sched_can_switch_direct_fast_on(const struct sched_hart *hs, const struct tcb *next)
{
	uint64_t busy = hs->busy;
	if (__builtin_expect(busy == 0, 1))
		return true;
	unsigned h = (unsigned)(hs - sched_harts);
	return busy == SCHED_BUSY_READY && sched_candidate_runs_on(hs, h, next, hs->current);
}

HOT_INLINE bool sched_can_switch_direct(unsigned h, const struct tcb *next)
{
	return sched_can_switch_direct_on(&sched_harts[h], h, next);
}

/* The direct switches' common step: next replaces hart h's current
 * thread, whose flush set then has h for next's ASID (asid as below). */
HOT_INLINE void sched_make_current_on(struct sched_hart *hs, unsigned h, struct tcb *next,
				      uint64_t asid)
{
	tcb_set_current_hart(hs->current, NO_HART);
	hs->current = next;
	tcb_set_current_hart_asid(next, h, asid);
}

/* sched_switch_direct for a caller that has just found next's VSpace
 * ASID (tcb_vspace_asid) under the same lock hold, or that knows hart h
 * is already in that ASID's flush set (then asid is ASID_INVALID). */
HOT_INLINE void sched_switch_direct_asid_on(struct sched_hart *hs, unsigned h, struct tcb *next,
					    uint64_t asid)
{
	CORE_ASSERT(hs->current != hs->idle && tcb_is_runnable(next) && hs->candidate == NULL);
	sched_make_current_on(hs, h, next, asid);
	/* If prev blocked first it asked for a decision (tcb_set_state): this
	 * was it. (Blocking it after the switch asks for none.) */
	hs->action = ACTION_NONE;
	hs->busy &= ~SCHED_BUSY_DECISION;
}

/*
 * sched_switch_direct_asid_on and both threads' state changes in one, for
 * the IPC fastpath, which found no decision pending
 * (sched_can_switch_direct_fast_on: there is none to clear, and prev's
 * block with the switch asks for none): prev, hs's current thread, which
 * passed sched_fast_current_ok_on, blocks in prev_state (BLOCKED_RECV or
 * BLOCKED_REPLY), and next, which passed sched_fast_next_ok_on for
 * the other of the two, runs on hart h. Every byte of both fast words is
 * then known, and so is every byte after: next's is hs->fast_current
 * (RUNNING, current here, nothing else set), prev's the word
 * sched_fast_next_ok_on asks of a thread in prev_state (current nowhere).
 * So each is one store of the hart's word: the bytes tcb_set_state,
 * sched_make_current_on and tcb_set_state_not_current write, with their
 * checks (test_scheduler's test_fast_switch compares them).
 */
HOT_INLINE void sched_switch_direct_fast_words_on(struct sched_hart *hs, unsigned h,
						  struct tcb *prev, struct tcb *next,
						  enum thread_state prev_state, uint64_t asid)
{
	/* (The host tests' checks: the kernel's first tier has no register
	 * to spare for them.) */
	CORE_ASSERT_HOT(prev_state == THREAD_BLOCKED_RECV || prev_state == THREAD_BLOCKED_REPLY);
	CORE_ASSERT_HOT(hs->current == prev && sched_fast_current_ok_on(hs, prev) &&
			hs->action == ACTION_NONE);
	CORE_ASSERT_HOT(sched_fast_next_ok_on(
	    hs, next,
	    prev_state == THREAD_BLOCKED_RECV ? THREAD_BLOCKED_REPLY : THREAD_BLOCKED_RECV));
	CORE_ASSERT_HOT(thread_state_transition_ok(tcb_state(next), THREAD_RUNNING) &&
			thread_state_transition_ok(THREAD_RUNNING, prev_state));
	next->fast_word = hs->fast_current;
	hs->current = next;
	asid_activate(asid, h);
	prev->fast_word = prev_state == THREAD_BLOCKED_RECV ? hs->fast_receiver : hs->fast_caller;
}

HOT_INLINE void sched_switch_direct_asid(unsigned h, struct tcb *next, uint64_t asid)
{
	sched_switch_direct_asid_on(&sched_harts[h], h, next, asid);
}

/* Make it so (sched_can_switch_direct held before the IPC acted; next is
 * now runnable, and the thread that was current blocks, before or after). */
HOT_INLINE void sched_switch_direct(unsigned h, struct tcb *next)
{
	sched_switch_direct_asid(h, next, tcb_vspace_asid(next));
}

#endif
