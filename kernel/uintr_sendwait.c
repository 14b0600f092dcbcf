/* SPDX-License-Identifier: MIT */
/* SYS_UINTR_SEND_WAIT and its claim of a sleeper (uintr_sendwait.h). */
#include "uintr_sendwait.h"

#include "abi.h"
#include "fastpath.h"
#include "scheduler.h"
#include "space_cache.h"
#include "thread.h"
#include "timer.h"
#include "uintr_backend.h"
#include "uintr_claim.h"
#include "uintr_kernel.h"
#include "uintr_obj.h"
#include "uintr_select.h"

#define REG_A7 17 /* the call number in the saved register block */

uint64_t kuintr_claims[CONFIG_MAX_HARTS];
uint64_t kuintr_claims_first_tier[CONFIG_MAX_HARTS];

/* uipi SEND through t's table, under the lock. A sleeper on this hart that
 * it wakes needs no IPI (hart->uintr_polling): this kernel entry drains the
 * wake list before it returns (kuintr_before_schedule). Untrusted: index
 * (uintr_send checks it; a bad one sends nothing, as the instruction). */
static void send(struct hart *hart, struct tcb *t, uint64_t index)
{
	if (t->uintr_table == NULL)
		return;
	hart->uintr_polling = true;
	(void)uintr_send(t->uintr_table, index, hart->cpu_index);
	hart->uintr_polling = false;
}

/*
 * next, claimed out of its wait and not loaded yet: when that wait was a
 * SendWait and no handler takes its bits (user interrupts off, or inside
 * the handler), READ them for it into a2, its answer (one READ less: a
 * trap on the emulated backend). Before kuintr_switch_claimed, which moves
 * core's bits into the slot on the hardware (whose bits before_wait folds
 * into core's first).
 */
static void read_for(struct tcb *next, struct uintr_receiver *r)
{
	if (next->regs[REG_A7] != SYS_UINTR_SEND_WAIT)
		return;
	const struct uintr_regs *regs = uintr_regs(r);
	if (regs->enabled && regs->uie)
		return;
	if (uintr_backend->before_wait != NULL)
		uintr_backend->before_wait(r);
	tcb_set_reg(next, PORT_REG_INFO, uintr_read(r));
}

/* The first tier's share of trap_from_user and syscall_handle, once the
 * claim has changed something: the entry's count, the ecall stepped over
 * (its address kept for a restart: t blocks), no bits read for t (yet). */
static void first_tier_steps(struct tcb *t)
{
	t->regs[REG_KERNEL_ENTRIES]++;
	t->regs[REG_SYSCALL_PC] = t->regs[REG_PC];
	t->regs[REG_PC] += 4;
	tcb_set_reg(t, PORT_REG_INFO, 0);
}

/* Both tiers' (uintr_sendwait.h): one function, so that LTO inlines core's
 * check and commit into it once. Untrusted: index, deadline. */
bool kuintr_claim(struct hart *hart, struct tcb *t, uint64_t index, uint64_t deadline, bool first)
{
	unsigned h = hart->cpu_index;
	if (first)
		sched_enter(h); /* trap_from_user's, before core runs */
	if (uintr_backend->before_wait != NULL)
		uintr_backend->before_wait(&t->uintr_service->rx); /* its slot's bits */
	/* rdtime only for a deadline to compare (UintrWait's own calls do). */
	uint64_t now = deadline == UINTR_DEADLINE_NEVER ? 0 : arch_timer_now();
	struct uintr_claim c;
	struct space s;
	if (uintr_claim_check(t, index, deadline, now, h, &c) != UINTR_CLAIM_OK ||
	    !space_find(c.next, h, &s))
		return false;
	struct uintr_receiver *out = &t->uintr_service->rx;
	enum uintr_claim_result result = uintr_claim_commit(t, &c, deadline, now, h, s.join_asid);
	if (result != UINTR_CLAIM_TAKEN) {
		if (result != UINTR_CLAIM_BLOCKED)
			return false;
		kuintr_claim_unloaded(h, out);
		if (!first)
			return true;
		first_tier_steps(t);
		thread_return_to_user(hart);
	}
	if (first) {
		first_tier_steps(t);
		kuintr_claims_first_tier[h]++;
	}
	space_remember(c.next, h, &s);
	read_for(c.next, c.rx);
	kuintr_switch_claimed(h, out, c.next);
	kuintr_claims[h]++;
	thread_run_direct(hart, t, c.next, s.satp);
}

/* Untrusted: t's a0 (deadline), a1 (index), a2 (flags: any bits). */
void kuintr_send_wait(struct hart *hart, struct tcb *t)
{
	uint64_t deadline = tcb_get_reg(t, PORT_REG_RESULT);
	uint64_t index = tcb_get_reg(t, PORT_REG_BADGE);
	bool send_first = (tcb_get_reg(t, PORT_REG_INFO) & ABI_UINTR_SEND) != 0;
	tcb_set_reg(t, PORT_REG_INFO, 0); /* no bits read (yet) */
	if (send_first && fastpath_enabled && t->uintr_service != NULL) {
		kuintr_load(hart->cpu_index, t); /* a remote stall may have unloaded it */
		if (kuintr_claim(hart, t, index, deadline, false))
			return;
	}
	if (send_first)
		send(hart, t, index);
	kuintr_wait(t);
}
