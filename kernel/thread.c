/* SPDX-License-Identifier: MIT */
/* Big lock, idle loop, activation and the switch to user mode (thread.h). */
#include "thread.h"

#include "asid.h"
#include "interrupt.h"
#include "timer.h"
#include "barrier.h"
#include "console.h"
#include "fault.h"
#include "kstring.h"
#include "memory.h"
#include "scheduler.h"
#include "trap.h"

struct spinlock kernel_lock;

/* The scheduler's idle threads: never run in user mode (the hart waits in
 * thread_return_to_user instead), so only their scheduling fields matter. */
static _Alignas(1u << TCB_SIZE_BITS) uint8_t idle_tcbs[CONFIG_MAX_HARTS][1u << TCB_SIZE_BITS];

#define TICK_MICROSECONDS 2000 /* a time slice is TIME_SLICE_TICKS of these */

static bool preemptive;

/* The timer's handler (interrupts are taken under the lock, trap.c). */
static void tick(uint64_t now)
{
	(void)now;
	sched_tick();
}

void thread_start_hart(struct hart *hart)
{
	hart->sie_user = csr_read_sie() | SIE_SSIE | SIE_STIE | SIE_SEIE;
	if (preemptive)
		arch_timer_start_periodic(arch_timer_ticks(TICK_MICROSECONDS));
}

void thread_init(unsigned harts_started, bool preemption)
{
	preemptive = preemption;
	if (preemption)
		arch_timer_set_handler(tick);
	struct tcb *idles[CONFIG_MAX_HARTS];
	for (unsigned h = 0; h < harts_started; h++)
		idles[h] = (struct tcb *)idle_tcbs[h];
	sched_init(harts_started, idles);
}

struct pagetable *thread_vspace(struct tcb *t)
{
	uint64_t asid = tcb_vspace_asid(t);
	return asid == ASID_INVALID ? NULL : asid_lookup(asid);
}

/*
 * t is about to run on this hart: a restarted system call goes back to its
 * ecall. Returns its VSpace's ASID, or ASID_INVALID when t cannot run (no
 * VSpace: it faults, as a fetch from an unmapped page would).
 */
static uint64_t activate(struct tcb *t, struct pagetable **root)
{
	if (tcb_state(t) == THREAD_RESTART && t->regs[REG_SYSCALL_PC] != 0)
		t->regs[REG_PC] = t->regs[REG_SYSCALL_PC];
	t->regs[REG_SYSCALL_PC] = 0;
	uint64_t asid = tcb_vspace_asid(t);
	*root = asid == ASID_INVALID ? NULL : asid_lookup(asid);
	if (*root != NULL)
		return asid;
	fault_raise(t, FAULT_PAGE, t->regs[REG_PC], t->regs[REG_PC]);
	return ASID_INVALID;
}

/* Nothing to run: wait for an interrupt with the lock released. An IPI
 * sent between the release and the wfi stays pending, so wfi returns. An
 * idle hart takes no timer ticks (nothing to preempt); a device interrupt
 * is handled here, in the kernel. */
static void idle_wait(struct hart *hart)
{
	hart->running = NULL;
	csr_write_satp(hart->kernel_satp);
	csr_write_sie(hart->sie_user & ~SIE_STIE);
	spinlock_release(&kernel_lock);
	cpu_wait_for_interrupt();
	spinlock_acquire(&kernel_lock);
	sched_enter(hart->cpu_index);
	uint64_t pending = csr_read_sip() & csr_read_sie();
	if (pending & SIP_SSIP)
		csr_write_sip(csr_read_sip() & ~SIP_SSIP);
	if (pending & SIE_SEIE)
		(void)arch_interrupt(CAUSE_INTERRUPT | CAUSE_SUPERVISOR_EXTERNAL);
}

_Noreturn void thread_return_to_user(struct hart *hart)
{
	unsigned h = hart->cpu_index;
	struct tcb *next;
	struct pagetable *root;
	uint64_t asid;
	for (;;) {
		sched_schedule(h);
		next = sched_current(h);
		if (next == sched_idle(h)) {
			idle_wait(hart);
			continue;
		}
		asid = activate(next, &root);
		if (asid != ASID_INVALID)
			break;
	}
	uint64_t satp = SATP_MODE_SV39 | asid << SATP_ASID_SHIFT |
			kernel_to_physical(root) >> PAGE_SHIFT;
	if (csr_read_satp() != satp)
		csr_write_satp(satp);
	csr_write_sie(hart->sie_user);
	hart->running = next;
	thread_copy_frame((uint64_t *)&hart->frame, next->regs);
	/* Pages written as data may now be run (a loader wrote them). */
	fence_i();
	__atomic_store_n(&hart->in_user, 1, __ATOMIC_RELEASE);
	spinlock_release(&kernel_lock);
	user_return(hart, &hart->frame);
}
