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
 * A flush is local (sfence.vma) when the calling hart is in `harts`, and
 * goes to the other harts in `harts` through SBI RFENCE, which returns
 * once they have flushed. `harts` holds cpu indices; SBI wants hart ids.
 */
#define SBI_EXT_RFENCE 0x52464e43
#define SBI_RFENCE_SFENCE_VMA_ASID 2

static void remote_flush(uint64_t asid, uint64_t start, uint64_t size, uint64_t cpus)
{
	extern unsigned hart_count;
	const struct hart *current = hart_current(); /* NULL while booting */
	uint64_t mask = 0;
	for (unsigned cpu = 0; cpu < hart_count; cpu++)
		if ((cpus >> cpu & 1) && (current == NULL || cpu != current->cpu_index) &&
		    harts[cpu].hart_id < 64)
			mask |= UINT64_C(1) << harts[cpu].hart_id;
	if (mask)
		(void)sbi_ecall(mask, 0, start, size, asid, 0, SBI_RFENCE_SFENCE_VMA_ASID,
				SBI_EXT_RFENCE);
}

void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t cpus)
{
	sfence_vma_page(va, asid);
	remote_flush(asid, va, 4096, cpus);
}

void port_tlb_flush_asid(uint64_t asid, uint64_t cpus)
{
	sfence_vma_asid(asid);
	remote_flush(asid, 0, (uint64_t)-1, cpus);
}

/* core/ names harts by cpu index (scheduler.h); SBI wants the hart id. The
 * IPI arrives as a supervisor software interrupt, which the kernel handles
 * by rescheduling (kernel/trap.c). */
void port_ipi_reschedule(unsigned hart)
{
	(void)sbi_send_ipi(1, harts[hart].hart_id);
}

/*
 * seL4's remote stall: the hart leaves user mode (an IPI) and says so by
 * clearing in_user at its trap entry, before it waits for the kernel lock
 * the caller holds. From then on it touches the TCB only under the lock
 * and only while core/ still calls it current (kernel/trap.c), so the TCB
 * may be reused. A hart already in the kernel (idle, or waiting for the
 * lock) has in_user clear and costs nothing.
 */
void port_remote_stall(unsigned hart)
{
	if (hart == hart_current()->cpu_index)
		return;
	if (!__atomic_load_n(&harts[hart].in_user, __ATOMIC_ACQUIRE))
		return;
	(void)sbi_send_ipi(1, harts[hart].hart_id);
	while (__atomic_load_n(&harts[hart].in_user, __ATOMIC_ACQUIRE))
		;
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
