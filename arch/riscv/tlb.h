/* SPDX-License-Identifier: MIT */
/*
 * Address-space switches and TLB shootdown across harts (docs/arch.md).
 * The kernel switches satp only through arch_vspace_activate, which
 * records that the hart may now cache translations of that ASID; a flush
 * then reaches every hart so recorded (and no other), wherever the
 * address space runs at that moment. The record only grows: an
 * over-approximation costs an unneeded remote fence, never a stale entry.
 */
#ifndef ARCH_RISCV_TLB_H
#define ARCH_RISCV_TLB_H

#include <stdint.h>

/* How a flush reaches other harts: through the firmware (SBI RFENCE
 * remote_sfence_vma_asid, the default: it works even while the target
 * runs the kernel with interrupts masked), or by IPI + local sfence.vma
 * (arch_ipi_call; the target must take or poll the IPI). */
enum arch_tlb_method {
	ARCH_TLB_SBI_RFENCE,
	ARCH_TLB_IPI,
};

/* Run address space (root page table at physical root_pa, `asid`) on the
 * calling hart: record the hart for asid, then write satp. No flush: the
 * TLB is tagged by ASID, and the kernel's own mappings are global. */
void arch_vspace_activate(uint64_t root_pa, uint64_t asid);

/* Return once no hart that may have run `asid` can use its translation of
 * the page holding va (arch_tlb_flush_page) or any of its non-global
 * translations (arch_tlb_flush_asid); page-table writes before the call
 * are visible to later walks on every such hart. port.h's contract. */
void arch_tlb_flush_page(uint64_t asid, uint64_t va);
void arch_tlb_flush_asid(uint64_t asid);

/* The bit mask of cpu indices that may hold translations of `asid`. */
uint32_t arch_tlb_harts(uint64_t asid);

/* Choose the remote method (tests and measurements). */
void arch_tlb_set_method(enum arch_tlb_method method);

#endif
