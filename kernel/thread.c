/* SPDX-License-Identifier: MIT */
/*
 * Big lock, idle loop, activation and the switch to user mode (thread.h),
 * with arch/riscv's pieces where docs/arch.md puts them: the lock's spin
 * loop answers IPIs (arch_ipi_poll), the idle loop takes interrupts
 * (arch_interrupt_poll), a switch loads the address space
 * (arch_vspace_activate) and switches FP state lazily (arch_fpu_switch).
 */
#include "thread.h"
#include "thread_run.h"

#include "asid.h"
#include "hart.h"
#include "barrier.h"
#include "console.h"
#include "csr.h"
#include "fault.h"
#include "interrupt.h"
#include "kinfo.h"
#include "ipi.h"
#include "memory.h"
#include "scheduler.h"
#include "space_cache.h"
#include "timer.h"
#include "tlb.h"
#include "trap.h"
#include "uintr_kernel.h"

struct spinlock kernel_lock;

/* The scheduler's idle threads: never run in user mode (the hart waits in
 * thread_return_to_user instead), so only their scheduling fields matter. */
static _Alignas(1u << TCB_SIZE_BITS) uint8_t idle_tcbs[CONFIG_MAX_HARTS][1u << TCB_SIZE_BITS];

#define TICK_MICROSECONDS 2000 /* a time slice is TIME_SLICE_TICKS of these */

static bool preemptive;

void kernel_lock_contended(void)
{
	/* A hart spinning here must still answer the holder's remote stall,
	 * and let the holder run where harts share a host CPU (ipi.h). */
	const struct hart *hart = hart_current();
	/* Leave the user's page table first: the holder may be deleting it
	 * (asid_delete's shootdown is answered below), and once it is retyped
	 * a walk through it would give this hart's kernel any translation.
	 * The kernel never needs it (no SUM): thread_run loads one again. */
	if (hart != NULL)
		csr_write_satp(hart->kernel_satp);
	do {
		while (__atomic_load_n(&kernel_lock.held, __ATOMIC_RELAXED)) {
			arch_spin_yield();
			(void)arch_ipi_poll();
		}
	} while (!spinlock_try_acquire(&kernel_lock));
}

/* The timer's handler (interrupts are taken under the lock, trap.c). */
static void tick(uint64_t now)
{
	(void)now;
	/* An idle hart keeps its tick only for user-interrupt deadlines, and
	 * takes it without the lock: nothing to preempt there. */
	if (!hart_current()->idle)
		sched_tick();
}

/* An IPI asked this hart to decide again: the trap or idle path that took
 * it ends in sched_schedule anyway. */
static void reschedule(void) {}

/* seL4's remote stall: the trap that took the IPI (or the lock loop that
 * polled it) already left the thread; this hart touches a TCB only under
 * the lock and only while core/ still calls it current (trap.c). */
static void stall(void)
{
	kuintr_unload_here(hart_current()->cpu_index); /* uintr_kernel.h */
}

void thread_start_hart(struct hart *hart)
{
	hart->sie_user = csr_read_sie() | SIE_SSIE | SIE_STIE | SIE_SEIE;
	hart->icache_stale = true; /* a fence.i before its first user code */
	hart->kernel_lock = &kernel_lock;
	arch_fpu_init_hart(hart->cpu_index); /* (archtest used the registers) */
	hart->uintr_scrub = uintr_backend->scrub_csrs;
	if (preemptive)
		arch_timer_start_periodic(arch_timer_ticks(TICK_MICROSECONDS));
}

extern char __kernel_start[], __kernel_end[];

void thread_init(unsigned harts_started, bool preemption)
{
	/* amo_try_take32's held value, a lock's own address's low half, is
	 * non-zero for every word of the image (barrier.h). */
	uint64_t first = (uint64_t)(uintptr_t)__kernel_start;
	uint64_t last = (uint64_t)(uintptr_t)__kernel_end - 1;
	CORE_ASSERT((uint32_t)first != 0 && first >> 32 == last >> 32);
	preemptive = preemption;
	if (preemption)
		arch_timer_set_handler(tick);
	arch_ipi_set_reschedule_handler(reschedule);
	arch_ipi_set_stall_handler(stall);
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

struct hart *thread_stall(struct tcb *t)
{
	unsigned h = tcb_current_hart(t);
	if (h == NO_HART || h == sched_this_hart())
		return NULL;
	/* That hart saved t's registers straight into t (trap.S) before it
	 * answered, and spins for the lock: they are settled until we drop it. */
	arch_ipi_stall(h);
	return &harts[h];
}

void thread_unstall(struct tcb *t, struct hart *remote)
{
	/* It resumes from t's own registers (docs/arch.md): nothing to copy. */
	(void)t;
	(void)remote;
}

/*
 * t, current on this hart, is about to run here: a restarted system call
 * goes back to its ecall. Returns false when t cannot run (no VSpace: it
 * faults, as a fetch from an unmapped page would); else its satp in *s.
 */
static bool activate(struct tcb *t, unsigned h, struct space *s)
{
	if (tcb_state(t) == THREAD_RESTART && t->regs[REG_SYSCALL_PC] != 0)
		t->regs[REG_PC] = t->regs[REG_SYSCALL_PC];
	t->regs[REG_SYSCALL_PC] = 0;
	if (space_find(t, h, s)) {
		/* On a miss, join here too: a thread that changed its own VSpace
		 * stays current without a switch that would join (idempotent). */
		if (s->join_asid != ASID_INVALID)
			asid_activate(s->join_asid, h);
		space_remember(t, h, s);
		return true;
	}
	fault_raise(t, FAULT_PAGE, t->regs[REG_PC], t->regs[REG_PC]);
	return false;
}

/* Nothing to run: wait for an interrupt with the lock released. An IPI
 * sent between the release and the wfi stays pending, so wfi returns. An
 * idle hart takes no timer ticks (nothing to preempt); device interrupts
 * and IPIs are handled here, in the kernel, under the lock: a device
 * interrupt signals a notification (core/ state another hart may be
 * changing; handled before the lock, a wake-up could be lost). */
static void idle_wait(struct hart *hart)
{
	csr_write_satp(hart->kernel_satp);
	kuintr_unload_here(hart->cpu_index);
	kinfo_set_running(hart, NULL);
	bool timer = kuintr_idle_needs_timer(hart->cpu_index); /* a deadline to watch */
	csr_write_sie((timer ? hart->sie_user : hart->sie_user & ~SIE_STIE) |
		      kuintr_idle_sie(hart->cpu_index));
	hart->idle = true;
	spinlock_release(&kernel_lock);
	cpu_wait_for_interrupt();
	kernel_lock_acquire();
	hart->idle = false;
	arch_tlb_leave_idle(); /* a flush may have passed this hart by */
	sched_enter(hart->cpu_index);
	while (arch_interrupt_poll())
		;
}

void thread_code_mapped(void)
{
	/* Every hart, started or not (one not started sets its own). */
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++)
		harts[h].icache_stale = true;
}

_Noreturn void thread_return_to_user(struct hart *hart)
{
	unsigned h = hart->cpu_index;
	/* The thread whose FP registers this hart holds, if it still lives. */
	struct tcb *from =
	    hart->running != NULL && sched_current(h) == hart->running ? hart->running : NULL;
	struct tcb *next;
	struct space space;
	for (;;) {
		kuintr_before_schedule(h); /* sleeps that user interrupts ended */
		sched_schedule(h);
		next = sched_current(h);
		if (next == sched_idle(h)) {
			if (from != NULL)
				arch_fpu_switch(h, thread_fpu(from), NULL);
			from = NULL;
			hart->running = NULL;
			/* No register block to trap into: a trap in the
			 * kernel goes trap.S's kernel way until user_return
			 * sets sscratch again. */
			csr_write_sscratch(0);
			idle_wait(hart);
			continue;
		}
		if (activate(next, h, &space))
			break;
	}
	thread_run(hart, from, next, space.satp, 0);
}

_Noreturn void thread_run_direct(struct hart *hart, struct tcb *from, struct tcb *next,
				 uint64_t satp)
{
	/* activate() without its restart case: next was blocked in IPC. */
	next->regs[REG_SYSCALL_PC] = 0;
	thread_run(hart, from, next, satp, 0);
}
