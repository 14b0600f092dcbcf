/* SPDX-License-Identifier: MIT */
/*
 * Address-space switches and TLB shootdown across harts (docs/arch.md).
 * core/ keeps, per ASID, the set of harts that may hold its translations
 * (asid_activate, core/asid.h) and names that set in every flush
 * (port_tlb_flush_*); these functions reach exactly those harts.
 */
#ifndef ARCH_RISCV_TLB_H
#define ARCH_RISCV_TLB_H

#include <stdint.h>

/* How a flush reaches other harts: through the firmware (SBI RFENCE
 * remote_sfence_vma_asid: it works even while the target runs the kernel
 * with interrupts masked, but OpenSBI waits for it by spinning in M-mode),
 * or by IPI + local sfence.vma (arch_ipi_call, the default: the target
 * takes the IPI or polls it in its lock wait, and the sender's wait
 * yields; docs/decisions.md). */
enum arch_tlb_method {
	ARCH_TLB_SBI_RFENCE,
	ARCH_TLB_IPI,
};

/* Load address space (root page table at physical root_pa, `asid`) into
 * the calling hart's satp. The caller has already made this hart a member
 * of asid's set (asid_activate(asid, cpu index)), so flushes find it. No
 * flush: the TLB is tagged by ASID, the kernel's own mappings are global. */
void arch_vspace_activate(uint64_t root_pa, uint64_t asid);

/* Return once no hart of `harts` (bit i: cpu index i, the caller's own
 * included or not) can use asid's translation of the page holding va
 * (arch_tlb_flush_page) or any of its non-global translations
 * (arch_tlb_flush_asid); page-table writes before the call are visible to
 * later walks on those harts. An idle hart is not woken: it cannot use one
 * before arch_tlb_leave_idle fences it. The calling hart is always fenced.
 * Callable while booting, before tp holds the hart (then by SBI RFENCE
 * only). */
void arch_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts);
void arch_tlb_flush_asid(uint64_t asid, uint64_t harts);

/* The calling hart leaves the idle loop (kernel/thread.c), holding the
 * kernel lock and before it loads any user satp: a flush that found it
 * idle did not wake it but marked it stale (tlb.c), so fence everything.
 * Idle means hart->idle, written only under the kernel lock. */
void arch_tlb_leave_idle(void);

/* Choose the remote method (tests and measurements). */
void arch_tlb_set_method(enum arch_tlb_method method);

#endif
