/* SPDX-License-Identifier: MIT */
/* The kernel's implementation of core/port.h (the host's is hosttest/fake_arch.c). */
#include "port.h"

#include "barrier.h"
#include "console.h"
#include "hart.h"
#include "ipi.h"
#include "irqcap.h"
#include "memory.h"
#include "port_regs.h"
#include "sbi.h"
#include "tlb.h"
#include "uintr_kernel.h"
#include "uintr_obj.h"
#include "uintr_select.h"

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	panic("core contract failed at %s:%d: %s", file, line, expr);
}

void *port_phys_to_virt(uint64_t pa)
{
	return physical_to_kernel(pa);
}

uint64_t port_virt_to_phys(const void *va)
{
	return kernel_to_physical(va);
}

/* The calling hart with a local sfence.vma, the others in `harts` by SBI
 * RFENCE (docs/arch.md, tlb.h). */
void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts)
{
	arch_tlb_flush_page(asid, va, harts);
}

/*
 * A whole-ASID flush also follows a VSpace root's deletion, whose table
 * memory may be reused next: a hart still in user mode in that address
 * space would walk it. So every other hart of the set is also stalled (it
 * leaves user mode and waits for the kernel lock, then reschedules and
 * finds the VSpace gone). Whole-ASID flushes are rare (table unmap, ASID
 * invalidation): the IPI round trips are affordable. An idle hart is not
 * asked: it runs no thread, waits with the kernel's satp (tlb.c) and leaves
 * the idle loop only through the lock this hart holds, so it cannot walk
 * the table meanwhile; waking it per table made a revoke wait on it many
 * times (docs/benchmarks.md).
 */
void port_tlb_flush_asid(uint64_t asid, uint64_t cpus)
{
	arch_tlb_flush_asid(asid, cpus);
	const struct hart *current = hart_current(); /* NULL while booting: no thread runs */
	if (current == NULL)
		return;
	unsigned me = current->cpu_index;
	for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
		if ((cpus >> cpu & 1) && cpu != me &&
		    !__atomic_load_n(&harts[cpu].idle, __ATOMIC_RELAXED))
			arch_ipi_stall(cpu);
}

/* core/ names harts by cpu index (scheduler.h), as the mailbox does; the
 * kernel's reschedule handler (arch_ipi_set_reschedule_handler) runs there. */
void port_ipi_reschedule(unsigned hart)
{
	arch_ipi_reschedule(hart);
}

/*
 * An IPI, and a wait until `hart` has run the kernel's stall handler
 * (arch_ipi_set_stall_handler: leave the thread, which the trap that took
 * the IPI has already saved) and acknowledged. `hart` must answer while it
 * spins for the kernel lock: the lock's wait loop calls arch_ipi_poll
 * (ipi.h). The caller's own hart is never asked (core/port.h).
 */
void port_remote_stall(unsigned hart)
{
	arch_ipi_stall(hart);
}

_Static_assert(sizeof(struct trap_frame) / 8 == 33, "the register block is a trap frame");

unsigned port_reg_index(enum port_reg reg)
{
	return port_reg_index_inline(reg);
}

/* The kernel's IRQ handler caps live in kernel/irqcap.c. */
void port_irq_handler_deleted(uint64_t irq)
{
	irqcap_deleted(irq);
}

void port_fault_unhandled(const void *tcb, unsigned kind, uint64_t address, uint64_t pc)
{
	kprintf("# thread %p suspended: fault %u at pc %lx, address %lx, no handler\n", tcb, kind,
		(unsigned long)pc, (unsigned long)address);
}

/*
 * A receiver runs on `hart`: any IPI makes it trap, and every return to
 * user mode is where delivery is checked (core/uintr.h, docs/uintr.md).
 * The reschedule IPI is the one the mailbox has; it takes no lock when sent.
 */
void port_uintr_ipi(unsigned hart)
{
	arch_ipi_reschedule(hart);
}

/*
 * Lock-free (a sender, interrupts off): queue r on the wake list of the
 * hart it sleeps on and interrupt that hart (this one too: the sender goes
 * back to user mode without the lock, and the IPI brings it in to drain),
 * except this hart in the hardware backend's poll, which drains its list
 * next, in the same scheduling pass: an IPI there would only cost the next
 * thread a kernel entry (chan_call_wakeup, docs/benchmarks.md).
 */
void port_uintr_wake(struct uintr_receiver *r)
{
	unsigned hart = uintr_wake_push(r);
	struct hart *self = hart_current();
	if (hart != UINTR_NO_HART && !(hart == self->cpu_index && self->uintr_polling))
		arch_ipi_reschedule(hart);
}

/* This hart directly; another by a remote stall, whose handler
 * (kernel/thread.c) unloads there while this hart holds the lock. */
void port_uintr_unload(unsigned hart)
{
	if (hart == hart_current()->cpu_index)
		kuintr_unload_here(hart);
	else
		arch_ipi_stall(hart);
}

void port_uintr_receiver_gone(struct uintr_receiver *r)
{
	if (uintr_backend->receiver_destroyed != NULL)
		uintr_backend->receiver_destroyed(r);
}

void port_uintr_entry_changed(struct uintr_sender_table *t, uint32_t i)
{
	if (uintr_backend->entry_changed != NULL)
		uintr_backend->entry_changed(t, i);
}
