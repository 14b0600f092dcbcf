/* SPDX-License-Identifier: MIT */
/*
 * Service and sender-table objects, their bindings to threads, and the wait
 * for a user interrupt (uintr_obj.h, docs/uintr.md).
 *
 * The wake list is a lock-free stack per hart: senders push (compare-and-
 * swap on the head), the hart drains under the kernel lock by taking the
 * whole stack (exchange with NULL), so no pop races a push and there is no
 * ABA. A receiver is in at most one list at a time: `wake_queued` is set by
 * the push that links it and cleared by the drain before it reads the
 * state, so a second wake-up while it is queued is served by the queued
 * entry (the drain then sees WAKING). Deleting a queued service drains
 * every hart's list first (after uintr_receiver_unregister's grace period
 * no push is in flight), so no list keeps a pointer into freed memory.
 */
#include "uintr_obj.h"

#include "channel_obj.h"
#include "compiler.h"
#include "port.h"
#include "scheduler.h"

static struct uintr_service *sleepers[CONFIG_MAX_HARTS];
static struct uintr_service *_Atomic wakes[CONFIG_MAX_HARTS];

void *sender_table_uist_page(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_SENDER_TABLE);
	return (void *)(cap_ptr(cap) + sender_table_uist_offset(cap_sender_table_radix(cap)));
}

void sender_table_object_init(uintptr_t base, unsigned radix)
{
	enum error err = uintr_table_init((void *)base, (uint64_t)1 << radix);
	CORE_ASSERT(err == ERR_OK);
}

/* The thread's user-interrupt state must not be loaded on any hart while
 * a binding changes: see uintr_obj.h. */
static void unload(struct tcb *t)
{
	unsigned hart = tcb_current_hart(t);
	if (hart != NO_HART)
		port_uintr_unload(hart);
}

static void sleep_list_remove(struct uintr_service *s)
{
	if (!s->in_sleep_list)
		return;
	if (s->sleep_prev != NULL)
		s->sleep_prev->sleep_next = s->sleep_next;
	else
		sleepers[s->sleep_hart] = s->sleep_next;
	if (s->sleep_next != NULL)
		s->sleep_next->sleep_prev = s->sleep_prev;
	s->sleep_prev = s->sleep_next = NULL;
	s->in_sleep_list = 0;
}

/* The sleeper's thread runs again with `woken` (1: a user interrupt) as
 * the wait's answer. */
static void resume_sleeper(struct uintr_service *s, uint64_t woken)
{
	struct tcb *t = s->rx.owner;
	sleep_list_remove(s);
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	tcb_set_reg(t, PORT_REG_BADGE, woken);
	tcb_set_state(t, THREAD_RUNNING);
	sched_wake(t);
}

/* Assumes s's thread BLOCKED_UINTR in its list, s no longer SLEEPING. */
void uintr_sleeper_claimed(struct uintr_service *s)
{
	struct tcb *t = s->rx.owner;
	sleep_list_remove(s);
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	tcb_set_reg(t, PORT_REG_BADGE, 1);
	tcb_set_state_not_current(t, THREAD_RUNNING);
}

/* Drain one hart's wake list; `skip` (being deleted) is dropped. */
static void drain(unsigned hart, struct uintr_service *skip)
{
	struct uintr_service *s = atomic_exchange(&wakes[hart], NULL);
	while (s != NULL) {
		struct uintr_service *next =
		    atomic_load_explicit(&s->wake_next, memory_order_relaxed);
		atomic_store(&s->wake_queued, 0);
		if (s != skip && uintr_wake_complete(&s->rx))
			resume_sleeper(s, 1);
		s = next;
	}
}

/* r (a receiver) and its thread part; the receiver is left FREE. */
static void release_receiver(struct tcb *t, struct uintr_service *s)
{
	unload(t);
	/* Its channels first, while their entries still name it. */
	channel_receiver_gone(s);
	bool slept = tcb_state(t) == THREAD_BLOCKED_UINTR;
	if (slept)
		sleep_list_remove(s);
	port_uintr_receiver_gone(&s->rx);
	(void)uintr_receiver_unregister(&s->rx);
	/* The grace period is over: no push is in flight. */
	if (atomic_load(&s->wake_queued))
		for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++)
			drain(h, s);
	atomic_store(&s->wake_queued, 0);
	t->uintr_service = NULL;
	if (slept)
		tcb_restart_call(t); /* the wait runs again and finds no receiver */
}

void uintr_service_finalise(struct uintr_service *s)
{
	if (uintr_receiver_state(&s->rx) == UINTR_RX_FREE)
		return;
	release_receiver(s->rx.owner, s);
}

void sender_table_finalise(struct uintr_sender_table *table)
{
	struct tcb *t = table->owner;
	if (t != NULL) {
		unload(t);
		t->uintr_table = NULL;
		table->owner = NULL;
	}
	uintr_table_destroy(table);
}

void uintr_thread_finalise(struct tcb *t)
{
	if (t->uintr_service != NULL)
		release_receiver(t, t->uintr_service);
	if (t->uintr_table != NULL) {
		unload(t);
		t->uintr_table->owner = NULL;
		t->uintr_table = NULL;
	}
}

/* Untrusted: utvec, uscratch, enable. */
enum error uintr_bind_receiver(struct tcb *t, struct uintr_service *s, uint64_t utvec,
			       uint64_t uscratch, uint64_t enable)
{
	if (t->uintr_service != NULL)
		return ERR_DELETE_FIRST;
	if (uintr_receiver_state(&s->rx) != UINTR_RX_FREE)
		return ERR_ILLEGAL_OPERATION;
	if ((utvec & UINTR_UTVEC_MODE_MASK) > 1)
		return ERR_INVALID_ARGUMENT;
	unload(t);
	enum error err = uintr_receiver_register(&s->rx, t);
	CORE_ASSERT(err == ERR_OK);
	err = uintr_set_handler(&s->rx, utvec, uscratch);
	CORE_ASSERT(err == ERR_OK);
	uintr_set_enabled(&s->rx, (enable & 1) != 0);
	s->deadline = 0;
	s->in_sleep_list = 0;
	t->uintr_service = s;
	return ERR_OK;
}

enum error uintr_unbind_receiver(struct tcb *t)
{
	if (t->uintr_service == NULL)
		return ERR_FAILED_LOOKUP;
	release_receiver(t, t->uintr_service);
	return ERR_OK;
}

enum error uintr_bind_table(struct tcb *t, struct uintr_sender_table *table)
{
	if (table != NULL && table->owner != NULL && table->owner != t)
		return ERR_ILLEGAL_OPERATION;
	unload(t);
	if (t->uintr_table != NULL)
		t->uintr_table->owner = NULL;
	t->uintr_table = table;
	if (table != NULL)
		table->owner = t;
	return ERR_OK;
}

/* Assumes t a receiver, RUNNING on hart. Untrusted: deadline. */
enum uintr_wait_result uintr_sleep_begin(struct tcb *t, uint64_t deadline, unsigned hart)
{
	struct uintr_service *s = t->uintr_service;
	CORE_ASSERT(s != NULL && uintr_receiver_hart(&s->rx) == hart);
	/* Written before uintr_wait_begin publishes SLEEPING (seq_cst): a
	 * sender that claims the sleep reads the hart it pushes to. */
	s->sleep_hart = (uint8_t)hart;
	s->deadline = deadline;
	return uintr_wait_begin(&s->rx);
}

/* Assumes uintr_sleep_begin(t, .., hart) answered BLOCK. */
void uintr_sleep_block(struct tcb *t, unsigned hart, bool current)
{
	struct uintr_service *s = t->uintr_service;
	s->sleep_prev = NULL;
	s->sleep_next = sleepers[hart];
	if (s->sleep_next != NULL)
		s->sleep_next->sleep_prev = s;
	sleepers[hart] = s;
	s->in_sleep_list = 1;
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	if (current)
		tcb_set_state(t, THREAD_BLOCKED_UINTR);
	else
		tcb_set_state_not_current(t, THREAD_BLOCKED_UINTR);
}

/* Assumes t a receiver, RUNNING on hart. Untrusted: deadline. */
enum uintr_sleep_result uintr_sleep(struct tcb *t, uint64_t deadline, uint64_t now, unsigned hart)
{
	struct uintr_service *s = t->uintr_service;
	CORE_ASSERT(s != NULL && uintr_receiver_hart(&s->rx) == hart);
	if (deadline == 0 || deadline <= now)
		return atomic_load(&s->rx.pending) != 0 ? UINTR_SLEEP_READY : UINTR_SLEEP_TIMEOUT;
	if (uintr_sleep_begin(t, deadline, hart) == UINTR_WAIT_READY)
		return UINTR_SLEEP_READY;
	uintr_sleep_block(t, hart, true);
	return UINTR_SLEEP_BLOCKED;
}

void uintr_expire(unsigned hart, uint64_t now)
{
	struct uintr_service *s = sleepers[hart];
	while (s != NULL) {
		struct uintr_service *next = s->sleep_next;
		if (s->deadline <= now) {
			/* A send may have claimed it (WAKING): then it is an
			 * interrupt, and the queued wake-up finds the wait over. */
			bool woken = uintr_wait_cancel(&s->rx);
			resume_sleeper(s, woken ? 1 : 0);
		}
		s = next;
	}
}

bool uintr_has_sleepers(unsigned hart)
{
	return sleepers[hart] != NULL;
}

uint64_t uintr_next_deadline(unsigned hart)
{
	uint64_t first = UINTR_DEADLINE_NEVER;
	for (struct uintr_service *s = sleepers[hart]; s != NULL; s = s->sleep_next)
		if (s->deadline < first)
			first = s->deadline;
	return first;
}

void uintr_wait_abort(struct tcb *t)
{
	struct uintr_service *s = t->uintr_service;
	CORE_ASSERT(s != NULL);
	sleep_list_remove(s);
	(void)uintr_wait_cancel(&s->rx);
}

unsigned uintr_wake_push(struct uintr_receiver *r)
{
	struct uintr_service *s = uintr_service_of(r);
	if (atomic_exchange(&s->wake_queued, 1) != 0)
		return UINTR_NO_HART;
	unsigned hart = s->sleep_hart;
	struct uintr_service *head = atomic_load(&wakes[hart]);
	do
		atomic_store_explicit(&s->wake_next, head, memory_order_relaxed);
	while (!atomic_compare_exchange_weak(&wakes[hart], &head, s));
	return hart;
}

void uintr_wake_drain(unsigned hart)
{
	drain(hart, NULL);
}

bool uintr_wake_pending(unsigned hart)
{
	return atomic_load_explicit(&wakes[hart], memory_order_relaxed) != NULL;
}

const char *uintr_thread_check_invariants(const struct tcb *t)
{
	struct uintr_service *s = t->uintr_service;
	if (s != NULL && s->rx.owner != t)
		return "a thread's service does not name it";
	if (t->uintr_table != NULL && t->uintr_table->owner != t)
		return "a thread's sender table does not name it";
	bool sleeping = tcb_state(t) == THREAD_BLOCKED_UINTR;
	if (sleeping && (s == NULL || !s->in_sleep_list))
		return "a thread sleeps for user interrupts without being in a sleep list";
	if (!sleeping && s != NULL && s->in_sleep_list)
		return "a thread in a sleep list does not sleep";
	return NULL;
}
