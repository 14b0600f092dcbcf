/* SPDX-License-Identifier: MIT */
/*
 * Ready queues, bitmaps, idle threads and the scheduling decision. See
 * scheduler.h for the rules. Queues are doubly linked through the TCBs
 * (sched_prev/next), so every operation is O(1); the bitmap has one bit per
 * non-empty priority (level 2) and one bit per non-zero level-2 word
 * (level 1), so the top priority is two count-leading-zeros away.
 */
#include "scheduler.h"

struct sched_hart sched_harts[CONFIG_MAX_HARTS];
struct sched_ready_queue sched_queues[CONFIG_MAX_HARTS][PRIORITY_COUNT];
static unsigned hart_count;
static unsigned this_hart;

/* Every write of a hart's action goes through here, so that its busy
 * word's decision bit follows (scheduler.h). */
static void set_action(struct sched_hart *hs, enum sched_action action)
{
	hs->action = action;
	if (action == ACTION_NONE)
		hs->busy &= ~SCHED_BUSY_DECISION;
	else
		hs->busy |= SCHED_BUSY_DECISION;
}

void sched_init(unsigned harts_started, struct tcb *const *idles)
{
	CORE_ASSERT(harts_started >= 1 && harts_started <= CONFIG_MAX_HARTS);
	hart_count = harts_started;
	this_hart = 0;
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++) {
		sched_harts[h] = (struct sched_hart){
			.fast_current = tcb_fast_word_make(THREAD_RUNNING, h, h),
			.fast_receiver = tcb_fast_word_make(THREAD_BLOCKED_RECV, h, NO_HART),
			.fast_caller = tcb_fast_word_make(THREAD_BLOCKED_REPLY, h, NO_HART),
		};
		for (unsigned p = 0; p < PRIORITY_COUNT; p++)
			sched_queues[h][p] = (struct sched_ready_queue){ 0 };
	}
	for (unsigned h = 0; h < harts_started; h++) {
		struct tcb *idle = idles[h];
		object_zero(idle, sizeof(*idle));
		tcb_set_state(idle, THREAD_IDLE);
		idle->affinity = (uint8_t)h;
		tcb_set_current_hart(idle, h);
		sched_harts[h].idle = idle;
		sched_harts[h].current = idle;
	}
}

void sched_enter(unsigned hart)
{
	CORE_ASSERT(hart < hart_count);
	this_hart = hart;
}

unsigned sched_this_hart(void)
{
	return this_hart;
}

unsigned sched_hart_count(void)
{
	return hart_count;
}

struct tcb *sched_idle(unsigned hart)
{
	return sched_harts[hart].idle;
}

bool sched_pending(unsigned hart)
{
	return sched_harts[hart].action != ACTION_NONE;
}

static void enqueue(struct tcb *t, bool at_head)
{
	struct sched_hart *hs = &sched_harts[t->affinity];
	struct sched_ready_queue *q = &sched_queues[t->affinity][t->priority];
	CORE_ASSERT(!t->queued && !t->candidate && tcb_current_hart(t) == NO_HART);
	if (q->head == NULL) {
		q->head = q->tail = t;
		t->sched_prev = t->sched_next = NULL;
		hs->bitmap_l2[t->priority / 64] |= 1ull << (t->priority % 64);
		hs->bitmap_l1 |= 1ull << (t->priority / 64);
		hs->busy |= SCHED_BUSY_READY;
	} else if (at_head) {
		t->sched_prev = NULL;
		t->sched_next = q->head;
		q->head->sched_prev = t;
		q->head = t;
	} else {
		t->sched_next = NULL;
		t->sched_prev = q->tail;
		q->tail->sched_next = t;
		q->tail = t;
	}
	t->queued = 1;
}

static void dequeue(struct tcb *t)
{
	struct sched_hart *hs = &sched_harts[t->affinity];
	struct sched_ready_queue *q = &sched_queues[t->affinity][t->priority];
	if (t->sched_prev != NULL)
		t->sched_prev->sched_next = t->sched_next;
	else
		q->head = t->sched_next;
	if (t->sched_next != NULL)
		t->sched_next->sched_prev = t->sched_prev;
	else
		q->tail = t->sched_prev;
	t->sched_prev = t->sched_next = NULL;
	t->queued = 0;
	if (q->head == NULL) {
		hs->bitmap_l2[t->priority / 64] &= ~(1ull << (t->priority % 64));
		if (hs->bitmap_l2[t->priority / 64] == 0)
			hs->bitmap_l1 &= ~(1ull << (t->priority / 64));
		if (hs->bitmap_l1 == 0)
			hs->busy &= ~SCHED_BUSY_READY;
	}
}

static int current_priority(const struct sched_hart *hs)
{
	const struct tcb *cur = hs->current;
	if (cur == hs->idle || !tcb_is_runnable(cur))
		return -1;
	return cur->priority;
}

/* Something changed on hart h: decide again if its current thread may no
 * longer be the best; a remote hart is told by IPI. */
static void check_preempt(unsigned h)
{
	struct sched_hart *hs = &sched_harts[h];
	if (hs->action != ACTION_NONE)
		return;
	struct tcb *cur = hs->current;
	bool cur_ok = cur == hs->idle || (tcb_is_runnable(cur) && cur->affinity == h);
	if (cur_ok && sched_top_priority(h) <= current_priority(hs))
		return;
	set_action(hs, ACTION_CHOOSE_NEW);
	if (h != this_hart)
		port_ipi_reschedule(h);
}

void sched_start(unsigned hart, struct tcb *t)
{
	struct sched_hart *hs = &sched_harts[hart];
	CORE_ASSERT(hs->current == hs->idle && hs->action == ACTION_NONE);
	CORE_ASSERT(tcb_state(t) == THREAD_INACTIVE);
	tcb_move_affinity(t, hart);
	tcb_set_state(t, THREAD_RUNNING);
	tcb_set_current_hart(hs->idle, NO_HART);
	hs->current = t;
	tcb_set_current_hart(t, hart);
	check_preempt(hart);
}

void sched_wake(struct tcb *t)
{
	CORE_ASSERT(tcb_is_runnable(t));
	if (tcb_current_hart(t) != NO_HART) {
		/* Still current (stopped and restarted within one decision). */
		check_preempt(tcb_current_hart(t));
		return;
	}
	if (t->queued || t->candidate)
		return;
	struct sched_hart *hs = &sched_harts[t->affinity];
	if (t->affinity == this_hart && hs->candidate == NULL) {
		/* Benno: it may run directly; sched_schedule queues it if not. */
		hs->candidate = t;
		t->candidate = 1;
		set_action(hs, ACTION_CHOOSE_NEW);
		return;
	}
	enqueue(t, false);
	check_preempt(t->affinity);
}

void sched_remove(struct tcb *t)
{
	if (t->queued)
		dequeue(t);
	if (t->candidate) {
		sched_harts[t->affinity].candidate = NULL;
		t->candidate = 0;
	}
	if (tcb_current_hart(t) != NO_HART)
		check_preempt(tcb_current_hart(t));
}

void sched_reschedule(struct tcb *t)
{
	CORE_ASSERT(tcb_current_hart(t) != NO_HART);
	check_preempt(tcb_current_hart(t));
}

void sched_forget(struct tcb *t)
{
	sched_remove(t);
	if (tcb_current_hart(t) == NO_HART)
		return;
	/* The hart stops running it at once; the decision picks what is next
	 * (the kernel integration makes a remote hart leave user mode first). */
	struct sched_hart *hs = &sched_harts[tcb_current_hart(t)];
	hs->current = hs->idle;
	tcb_set_current_hart(hs->idle, tcb_current_hart(t));
	tcb_set_current_hart(t, NO_HART);
	check_preempt(hs->idle->affinity);
}

void sched_schedule(unsigned h)
{
	struct sched_hart *hs = &sched_harts[h];
	if (hs->action == ACTION_NONE)
		return;
	struct tcb *prev = hs->current;
	tcb_set_current_hart(prev, NO_HART);
	hs->current = hs->idle;
	if (prev != hs->idle && tcb_is_runnable(prev)) {
		if (prev->affinity != h) {
			enqueue(prev, false);
			check_preempt(prev->affinity);
		} else {
			enqueue(prev, !hs->yield_current);
		}
	}
	hs->yield_current = false;
	struct tcb *next = NULL;
	struct tcb *cand = hs->candidate;
	if (cand != NULL) {
		hs->candidate = NULL;
		cand->candidate = 0;
		if (sched_candidate_runs(h, cand, prev))
			next = cand;
		else
			enqueue(cand, false);
	}
	if (next == NULL) {
		int top = sched_top_priority(h);
		if (top >= 0) {
			next = sched_queues[h][top].head;
			dequeue(next);
		}
	}
	if (next == NULL)
		next = hs->idle;
	hs->current = next;
	tcb_set_current_hart(next, h);
	set_action(hs, ACTION_NONE);
}

void sched_tick(void)
{
	struct sched_hart *hs = &sched_harts[this_hart];
	struct tcb *cur = hs->current;
	if (cur == hs->idle || !tcb_is_runnable(cur))
		return;
	if (++cur->ticks_used < TIME_SLICE_TICKS)
		return;
	sched_yield_slice();
}

void sched_yield_slice(void)
{
	struct sched_hart *hs = &sched_harts[this_hart];
	struct tcb *cur = hs->current;
	if (cur == hs->idle)
		return;
	cur->ticks_used = 0;
	hs->yield_current = true;
	set_action(hs, ACTION_CHOOSE_NEW);
}

static const char *check_hart(unsigned h)
{
	const struct sched_hart *hs = &sched_harts[h];
	if (hs->idle == NULL || tcb_state(hs->idle) != THREAD_IDLE)
		return "a hart has no idle thread";
	if (hs->current == NULL || tcb_current_hart(hs->current) != h)
		return "the current thread does not know it is current";
	if (hs->current != hs->idle && tcb_current_hart(hs->idle) != NO_HART)
		return "an idle thread is current while another thread is";
	uint64_t l1 = 0;
	for (unsigned p = 0; p < PRIORITY_COUNT; p++) {
		const struct sched_ready_queue *q = &sched_queues[h][p];
		bool bit = (hs->bitmap_l2[p / 64] >> (p % 64)) & 1;
		if (bit != (q->head != NULL))
			return "the bitmap does not match the queues";
		if (bit)
			l1 |= 1ull << (p / 64);
		const struct tcb *prev = NULL;
		for (const struct tcb *t = q->head; t != NULL; prev = t, t = t->sched_next) {
			if (t->sched_prev != prev || !t->queued)
				return "a ready queue's links are broken";
			if (t->priority != p || t->affinity != h || !tcb_is_runnable(t))
				return "a queued thread is not runnable at that priority on that "
				       "hart";
			if (tcb_current_hart(t) != NO_HART || t->candidate)
				return "a queued thread is also current or a candidate";
		}
		if (q->tail != prev)
			return "a ready queue's tail is wrong";
	}
	if (l1 != hs->bitmap_l1)
		return "the level-1 bitmap does not match level 2";
	uint64_t busy = (hs->action != ACTION_NONE ? SCHED_BUSY_DECISION : 0) |
			(l1 != 0 ? SCHED_BUSY_READY : 0);
	if (hs->busy != busy)
		return "a hart's busy word does not match its decision and queues";
	if (hs->candidate != NULL && (!hs->candidate->candidate || hs->action == ACTION_NONE))
		return "a candidate without a pending decision";
	if (hs->action == ACTION_NONE) {
		const struct tcb *cur = hs->current;
		if (cur != hs->idle && (!tcb_is_runnable(cur) || cur->affinity != h))
			return "a hart runs a thread that cannot run there";
		if (sched_top_priority(h) > current_priority(hs))
			return "a hart runs a thread while a better one is ready";
	}
	return NULL;
}

const char *sched_check_invariants(void)
{
	for (unsigned h = 0; h < hart_count; h++) {
		const char *why = check_hart(h);
		if (why != NULL)
			return why;
	}
	return NULL;
}
