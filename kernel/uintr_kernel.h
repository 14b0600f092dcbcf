/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of user-mode interrupts (docs/uintr.md): which thread's
 * receiver and sender table each hart has loaded, the switch in and out,
 * the delivery check before every return to user mode, the lock-free uipi
 * trap, the wait system call, and the invocations that bind services and
 * sender tables. core/uintr.c keeps the state, core/uintr_obj.c the
 * objects; the backend (arch/riscv/uintr_backend.h, uintr_backend) mirrors
 * it into the machine.
 *
 * Loaded: while hart h runs thread t in user mode, loaded[h] names t's
 * receiver (RUNNING on h) and table. Only hart h changes its own entry
 * (under the lock, or in its stall handler while another hart holds the
 * lock for it), which is what lets kuintr_trap read it without the lock.
 */
#ifndef KERNEL_UINTR_KERNEL_H
#define KERNEL_UINTR_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "hart.h"
#include "tcb.h"
#include "uintr_select.h"

/* Drop what this hart (h, the calling one) loaded: the backend's switch_out,
 * uintr_switch_out. A SLEEPING receiver stays SLEEPING. */
void kuintr_unload_here(unsigned h);
/* What hart h has loaded (only h changes its own entry, see above).
 * 32-byte aligned: every exit indexes it by hart, by a shift rather than
 * a multiplication by 24. */
struct kuintr_loaded {
	_Alignas(32) struct tcb *thread; /* NULL: nothing loaded */
	struct uintr_receiver *rx;
	struct uintr_sender_table *table;
};
extern struct kuintr_loaded kuintr_loaded[CONFIG_MAX_HARTS];

void kuintr_return_to_user_slow(struct hart *hart, struct tcb *next);
/* The before-returning-to-user step (lock held, hart->user_frame is next's
 * registers): load next's receiver and table unless loaded, and let the
 * backend deliver a pending user interrupt into them. `switched`: another
 * thread (or none) ran in user mode here since next last did; between two
 * threads without user interrupts the backend's scrub_csrs clears what the
 * first could leave in the N CSRs (hardware; docs/uintr.md). Inline,
 * because every kernel exit runs it: a hart that has nothing loaded
 * returning to the same thread without user interrupts (most exits) costs
 * three loads (HOT_INLINE: as a plain `static inline` GCC called it, 30 a
 * return). kuintr_return_is_noop: the case with nothing to load (at most
 * the inline scrub); the fastpath's first tier asks the same with words
 * it reads anyway (kernel/thread_run.h: the hart's exit_work, whose
 * uintr_any_loaded byte set_loaded keeps, and the thread's FP key, which
 * holds while it has a receiver or a table). */
HOT_INLINE bool kuintr_return_is_noop(const struct hart *hart, const struct tcb *next)
{
	return !hart->uintr_any_loaded && next->uintr_service == NULL && next->uintr_table == NULL;
}

/* A switch between two threads without user interrupts: the scrub, where
 * the backend asks for it. */
HOT_INLINE void kuintr_switch_scrub(void)
{
	if (uintr_backend->scrub_csrs)
		uintr_backend_scrub_csrs();
}

HOT_INLINE void kuintr_return_to_user(struct hart *hart, struct tcb *next, bool switched)
{
	if (!kuintr_return_is_noop(hart, next))
		kuintr_return_to_user_slow(hart, next);
	else if (switched)
		kuintr_switch_scrub();
}

/*
 * An illegal-instruction trap from user mode, WITHOUT the lock: when it is
 * uipi or uret (the emulated backend decodes `tval`), run it on the frame,
 * deliver, and return true (the caller returns to user mode at once). False:
 * the ordinary trap path follows. Untrusted: tval, the frame.
 */
bool kuintr_trap(struct hart *hart, uint64_t tval);
/* Lock held, before each scheduling decision on hart h: end the sleeps that
 * senders woke (the wake list) and those whose deadline passed. */
void kuintr_before_schedule(unsigned h);
/* Hart h has sleepers with a deadline: its idle loop keeps the timer on. */
bool kuintr_idle_needs_timer(unsigned h);
/* The sie bits hart h's idle wfi must also enable (hardware: USIE while a
 * receiver sleeps with its slot active on h, so a send ends the wfi). */
uint64_t kuintr_idle_sie(unsigned h);

/* SYS_UINTR_WAIT by t (current, lock held). Untrusted: a0 (the deadline). */
void kuintr_wait(struct tcb *t);

/* The invocations (core/abi.h): every argument checked first. Untrusted:
 * the numbers; the caps are looked up in the caller's CSpace. */
enum error kuintr_bind_receiver(struct tcb *target, struct cte *service, uint64_t utvec,
				uint64_t uscratch, uint64_t flags);
enum error kuintr_unbind_receiver(struct tcb *target);
enum error kuintr_bind_table(struct tcb *target, struct cte *table);
enum error kuintr_unbind_table(struct tcb *target);
/* SENDER_TABLE_REGISTER: the vector used goes to *vector_out. */
enum error kuintr_register_sender(struct cte *table, uint64_t index, struct cte *service,
				  uint64_t vector, uint64_t *vector_out);
enum error kuintr_unregister_sender(struct cte *table, uint64_t index);

#endif
