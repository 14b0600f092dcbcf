/* SPDX-License-Identifier: MIT */
/* The kernel's implementation of core/port.h (the host's is hosttest/fake_arch.c). */
#include "port.h"

#include "barrier.h"
#include "console.h"
#include "hart.h"
#include "memory.h"
#include "sbi.h"

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

/*
 * Local flushes only, whatever `harts` says: today each hart runs its own
 * programs with ASIDs from its own pool and is the only hart that changes
 * or deletes them, and the kernel does not report activations yet
 * (asid_activate), so `harts` is empty here. The remote part of the
 * contract (SBI RFENCE to the other harts in `harts`) comes with the
 * kernel's threads and IPIs; docs/vspace.md says so.
 */
void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts)
{
	(void)harts;
	sfence_vma_page(va, asid);
}

void port_tlb_flush_asid(uint64_t asid, uint64_t harts)
{
	(void)harts;
	sfence_vma_asid(asid);
}

/* core/ names harts by cpu index (scheduler.h); SBI wants the hart id. The
 * IPI arrives as a supervisor software interrupt, which the kernel handles
 * by rescheduling once threads run (kernel integration issue). */
void port_ipi_reschedule(unsigned hart)
{
	(void)sbi_send_ipi(1, harts[hart].hart_id);
}

/*
 * Nothing to wait for in today's kernel: no hart runs a core/ thread yet
 * (each runs its boot program from struct hart's frame, not from a TCB), so
 * no hart can be using a TCB that core/ destroys. When threads run, the
 * IPI machinery makes this an IPI plus a wait for the remote hart's
 * acknowledgement (core/port.h); until then a call for another hart is a
 * kernel bug and stops the system rather than let a TCB be reused early.
 */
void port_remote_stall(unsigned hart)
{
	if (hart != hart_current()->cpu_index)
		panic("remote stall of hart %u: no hart runs core threads yet", hart);
}

/*
 * The register block of a TCB is struct trap_frame's layout: x1..x31 at
 * their numbers, sepc at 32. IPC roles (docs/ipc.md): a0 result, a1 badge,
 * a2 message info, MR0..MR3 in a3..a6, MR4..MR7 in t3..t6; a7 keeps the
 * system-call number on entry.
 */
static const unsigned char reg_index[PORT_REG_COUNT] = {
	[PORT_REG_RESULT] = 10,  [PORT_REG_BADGE] = 11,   [PORT_REG_INFO] = 12,
	[PORT_REG_MR0] = 13,     [PORT_REG_MR0 + 1] = 14, [PORT_REG_MR0 + 2] = 15,
	[PORT_REG_MR0 + 3] = 16, [PORT_REG_MR0 + 4] = 28, [PORT_REG_MR0 + 5] = 29,
	[PORT_REG_MR0 + 6] = 30, [PORT_REG_MR0 + 7] = 31, [PORT_REG_PC] = 32,
};
_Static_assert(sizeof(struct trap_frame) / 8 == 33, "the register block is a trap frame");

unsigned port_reg_index(enum port_reg reg)
{
	return reg_index[reg];
}

void port_fault_unhandled(const void *tcb, unsigned kind, uint64_t address, uint64_t pc)
{
	kprintf("# thread %p suspended: fault %u at pc %lx, address %lx, no handler\n", tcb, kind,
		(unsigned long)pc, (unsigned long)address);
}
