/* SPDX-License-Identifier: MIT */
/* Big lock, idle loop, activation and the switch to user mode (thread.h). */
#include "thread.h"

#include "asid.h"
#include "asid_harts.h"
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

void thread_init(unsigned harts_started)
{
	struct tcb *idles[CONFIG_MAX_HARTS];
	for (unsigned h = 0; h < harts_started; h++)
		idles[h] = (struct tcb *)idle_tcbs[h];
	sched_init(harts_started, idles);
}

struct pagetable *thread_vspace(struct tcb *t)
{
	struct kthread *k = kthread_of(t);
	if (k->vspace_root == 0)
		return NULL;
	struct pagetable *root = asid_lookup(k->vspace_asid);
	return (uint64_t)(uintptr_t)root == k->vspace_root ? root : NULL;
}

/*
 * t is about to run on this hart: a restarted system call goes back to its
 * ecall. False when t cannot run (no VSpace: it faults, as a fetch from
 * an unmapped page would).
 */
static bool activate(struct tcb *t)
{
	if (tcb_state(t) == THREAD_RESTART && t->regs[REG_SYSCALL_PC] != 0)
		t->regs[REG_PC] = t->regs[REG_SYSCALL_PC];
	t->regs[REG_SYSCALL_PC] = 0;
	if (thread_vspace(t) != NULL)
		return true;
	fault_raise(t, FAULT_PAGE, t->regs[REG_PC], t->regs[REG_PC]);
	return false;
}

/* Nothing to run: wait for an interrupt with the lock released. An IPI
 * sent between the release and the wfi stays pending, so wfi returns. */
static void idle_wait(struct hart *hart)
{
	hart->running = NULL;
	csr_write_satp(hart->kernel_satp);
	spinlock_release(&kernel_lock);
	cpu_wait_for_interrupt();
	csr_write_sip(csr_read_sip() & ~SIP_SSIP);
	spinlock_acquire(&kernel_lock);
	sched_enter(hart->cpu_index);
}

_Noreturn void thread_return_to_user(struct hart *hart)
{
	unsigned h = hart->cpu_index;
	struct tcb *next;
	for (;;) {
		sched_schedule(h);
		next = sched_current(h);
		if (next == sched_idle(h)) {
			idle_wait(hart);
			continue;
		}
		if (activate(next))
			break;
	}
	struct pagetable *root = thread_vspace(next);
	uint64_t satp = SATP_MODE_SV39 | kthread_of(next)->vspace_asid << SATP_ASID_SHIFT |
			kernel_to_physical(root) >> PAGE_SHIFT;
	if (csr_read_satp() != satp) {
		asid_harts_note(h, kthread_of(next)->vspace_asid);
		csr_write_satp(satp);
	}
	hart->running = next;
	memcpy(&hart->frame, next->regs, sizeof(hart->frame));
	/* Pages written as data may now be run (a loader wrote them). */
	fence_i();
	spinlock_release(&kernel_lock);
	user_return(hart, &hart->frame);
}
