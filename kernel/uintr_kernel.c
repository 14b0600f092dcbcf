/* SPDX-License-Identifier: MIT */
/* The kernel's side of user-mode interrupts (see uintr_kernel.h). */
#include "uintr_kernel.h"

#include "abi.h"
#include "thread.h"
#include "timer.h"
#include "uintr_backend.h"
#include "uintr_obj.h"
#include "uintr_select.h"
#include "uintr_sendwait.h"

struct kuintr_loaded kuintr_loaded[CONFIG_MAX_HARTS];

/* Every write of hart h's entry (by h itself): with its flag in struct
 * hart, which the exits test instead of the entry (hart.h's exit_work). */
static void set_loaded(unsigned h, struct kuintr_loaded value)
{
	kuintr_loaded[h] = value;
	harts[h].uintr_any_loaded = value.thread != NULL;
}

void kuintr_unload_here(unsigned h)
{
	struct kuintr_loaded *l = &kuintr_loaded[h];
	if (l->thread == NULL)
		return;
	if (uintr_backend->switch_out != NULL)
		uintr_backend->switch_out(l->rx);
	if (l->rx != NULL)
		uintr_switch_out(l->rx);
	set_loaded(h, (struct kuintr_loaded){ 0 });
}

/* The slow paths are kept out of line (noinline): the checks that guard
 * them run on every kernel exit, and inlined they would make the callers
 * (run, trap_from_user, thread_return_to_user) save more registers. */
#define SLOW __attribute__((noinline))

/* t is current on h (lock held) and not loaded: load it. */
static SLOW void load_slow(unsigned h, struct tcb *t)
{
	kuintr_unload_here(h);
	struct uintr_receiver *r = t->uintr_service != NULL ? &t->uintr_service->rx : NULL;
	if (r == NULL && t->uintr_table == NULL)
		return;
	if (r != NULL)
		uintr_switch_in(r, h);
	if (uintr_backend->switch_in != NULL)
		uintr_backend->switch_in(r, t->uintr_table);
	set_loaded(h, (struct kuintr_loaded){ t, r, t->uintr_table });
}

/* t is current on h (lock held): load it unless it is already. The common
 * cases (t loaded; t and the last thread without user interrupts) cost a
 * few loads. */
static inline __attribute__((always_inline)) void load(unsigned h, struct tcb *t)
{
	struct kuintr_loaded *l = &kuintr_loaded[h];
	if (l->thread != t &&
	    (l->thread != NULL || t->uintr_service != NULL || t->uintr_table != NULL))
		load_slow(h, t);
}

/* Declared in uintr_sendwait.h (its callers'). */
void kuintr_load(unsigned h, struct tcb *t)
{
	load(h, t);
}

/* Declared in uintr_sendwait.h. Assumes core's claim has just switched
 * out's receiver out (out was what hart h loaded) and made in's RUNNING
 * on h, in's thread t now current. */
void kuintr_switch_claimed(unsigned h, struct uintr_receiver *out, struct tcb *t)
{
	struct uintr_receiver *in = &t->uintr_service->rx;
	if (uintr_backend->switch_claimed != NULL) {
		uintr_backend->switch_claimed(out, in, t->uintr_table);
	} else {
		if (uintr_backend->switch_out != NULL)
			uintr_backend->switch_out(out);
		if (uintr_backend->switch_in != NULL)
			uintr_backend->switch_in(in, t->uintr_table);
	}
	set_loaded(h, (struct kuintr_loaded){ t, in, t->uintr_table });
}

/* Declared in uintr_sendwait.h. Assumes core's claim switched out's
 * receiver (hart h's loaded one) out and blocked its thread. */
void kuintr_claim_unloaded(unsigned h, struct uintr_receiver *out)
{
	if (uintr_backend->switch_out != NULL)
		uintr_backend->switch_out(out);
	set_loaded(h, (struct kuintr_loaded){ 0 });
}

static SLOW void deliver(struct uintr_receiver *r, struct trap_frame *frame)
{
	if (uintr_backend->return_to_user != NULL)
		uintr_backend->return_to_user(r, frame);
}

void kuintr_return_to_user_slow(struct hart *hart, struct tcb *next)
{
	unsigned h = hart->cpu_index;
	load(h, next);
	if (kuintr_loaded[h].rx != NULL)
		deliver(kuintr_loaded[h].rx, hart->user_frame);
}

/* No lock: see uintr_kernel.h. */
SLOW bool kuintr_trap(struct hart *hart, uint64_t tval)
{
	if (uintr_backend->trap == NULL)
		return false;
	struct kuintr_loaded *l = &kuintr_loaded[hart->cpu_index];
	if (!uintr_backend->trap(l->rx, l->table, (uint32_t)tval, hart->user_frame))
		return false;
	/* The thread's counter (SYS_DEBUG_KERNEL_ENTRIES) is read by others
	 * under the lock: a relaxed atomic add, the thread cannot go meanwhile
	 * (its destruction stalls this hart, which answers only in user mode). */
	__atomic_fetch_add(&hart->running->regs[REG_KERNEL_ENTRIES], 1, __ATOMIC_RELAXED);
	if (l->rx != NULL && uintr_backend->return_to_user != NULL)
		uintr_backend->return_to_user(l->rx, hart->user_frame);
	return true;
}

static SLOW void before_schedule_slow(unsigned h)
{
	if (uintr_wake_pending(h))
		uintr_wake_drain(h);
	if (uintr_has_sleepers(h))
		uintr_expire(h, arch_timer_now());
}

void kuintr_before_schedule(unsigned h)
{
	/* Hardware: sends to this hart's sleepers, which only UINTC saw. */
	if (uintr_backend->poll != NULL) {
		hart_current()->uintr_polling = true;
		uintr_backend->poll(h);
		hart_current()->uintr_polling = false;
	}
	if (uintr_wake_pending(h) || uintr_has_sleepers(h))
		before_schedule_slow(h);
}

uint64_t kuintr_idle_sie(unsigned h)
{
	return uintr_backend->idle_sie != NULL ? uintr_backend->idle_sie(h) : 0;
}

bool kuintr_idle_needs_timer(unsigned h)
{
	return uintr_has_sleepers(h) && uintr_next_deadline(h) != UINTR_DEADLINE_NEVER;
}

void kuintr_wait(struct tcb *t)
{
	if (t->uintr_service == NULL) {
		tcb_set_reg(t, PORT_REG_RESULT, ERR_ILLEGAL_OPERATION);
		return;
	}
	unsigned h = hart_current()->cpu_index;
	load(h, t); /* a remote stall may have unloaded it since it trapped */
	struct uintr_receiver *r = &t->uintr_service->rx;
	if (uintr_backend->before_wait != NULL)
		uintr_backend->before_wait(r);
	uint64_t deadline = tcb_get_reg(t, PORT_REG_RESULT);
	switch (uintr_sleep(t, deadline, arch_timer_now(), h)) {
	case UINTR_SLEEP_READY:
		tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE, 1);
		return;
	case UINTR_SLEEP_TIMEOUT:
		tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
		tcb_set_reg(t, PORT_REG_BADGE, 0);
		return;
	case UINTR_SLEEP_BLOCKED:
		/* The same locked step: WAKING is only ever seen switched out. */
		kuintr_unload_here(h);
		return;
	}
}

static struct uintr_service *service_of(struct cte *slot)
{
	return slot != NULL && cap_type(slot->cap) == CAP_SERVICE
		   ? (struct uintr_service *)cap_ptr(slot->cap)
		   : NULL;
}

static struct uintr_sender_table *table_of(struct cte *slot)
{
	return slot != NULL && cap_type(slot->cap) == CAP_SENDER_TABLE
		   ? (struct uintr_sender_table *)cap_ptr(slot->cap)
		   : NULL;
}

/* After a bind or unbind (lock held): the thread's FP key holds
 * (arch_fpu_set_hold) while it has a receiver or a sender table, so the
 * fastpath's quick exit, whose FP compare then fails, leaves its
 * switches to a full exit that loads them (kernel/thread_run.h). Only
 * these four invocations make core/'s pointers non-NULL; a finalise that
 * clears one leaves the hold, which only costs the quick exit. */
static enum error bound_again(struct tcb *target, enum error err)
{
	arch_fpu_set_hold(thread_fpu(target),
			  target->uintr_service != NULL || target->uintr_table != NULL);
	return err;
}

/* Untrusted: utvec, uscratch, flags (bit 0: enable; others must be 0). */
static enum error bind_receiver(struct tcb *target, struct cte *service, uint64_t utvec,
				uint64_t uscratch, uint64_t flags)
{
	struct uintr_service *s = service_of(service);
	if (s == NULL)
		return ERR_INVALID_CAPABILITY;
	if (flags & ~(uint64_t)ABI_UINTR_ENABLE)
		return ERR_INVALID_ARGUMENT;
	enum error err = uintr_bind_receiver(target, s, utvec, uscratch, flags);
	if (err != ERR_OK)
		return err;
	err = uintr_backend->receiver_created(&s->rx);
	if (err != ERR_OK) {
		enum error undone = uintr_unbind_receiver(target);
		(void)undone; /* it was just bound */
	}
	return err;
}

enum error kuintr_bind_receiver(struct tcb *target, struct cte *service, uint64_t utvec,
				uint64_t uscratch, uint64_t flags)
{
	return bound_again(target, bind_receiver(target, service, utvec, uscratch, flags));
}

enum error kuintr_unbind_receiver(struct tcb *target)
{
	return bound_again(target, uintr_unbind_receiver(target));
}

enum error kuintr_bind_table(struct tcb *target, struct cte *table)
{
	struct uintr_sender_table *t = table_of(table);
	if (t == NULL)
		return ERR_INVALID_CAPABILITY;
	return bound_again(target, uintr_bind_table(target, t));
}

enum error kuintr_unbind_table(struct tcb *target)
{
	if (target->uintr_table == NULL)
		return ERR_FAILED_LOOKUP;
	return bound_again(target, uintr_bind_table(target, NULL));
}

/* Untrusted: index, vector (0..63, or 64 for any free one). */
enum error kuintr_register_sender(struct cte *table, uint64_t index, struct cte *service,
				  uint64_t vector, uint64_t *vector_out)
{
	struct uintr_sender_table *t = table_of(table);
	struct uintr_service *s = service_of(service);
	if (t == NULL || s == NULL)
		return ERR_INVALID_CAPABILITY;
	unsigned v;
	enum error err = uintr_sender_register(t, index, &s->rx, vector, &v);
	if (err != ERR_OK)
		return err;
	if (uintr_backend->entry_changed != NULL)
		uintr_backend->entry_changed(t, (uint32_t)index);
	*vector_out = v;
	return ERR_OK;
}

/* Untrusted: index. */
enum error kuintr_unregister_sender(struct cte *table, uint64_t index)
{
	struct uintr_sender_table *t = table_of(table);
	if (t == NULL)
		return ERR_INVALID_CAPABILITY;
	enum error err = uintr_sender_unregister(t, index);
	if (err == ERR_OK && uintr_backend->entry_changed != NULL)
		uintr_backend->entry_changed(t, (uint32_t)index);
	return err;
}
