/* SPDX-License-Identifier: MIT */
/* Fences and the wait-for-interrupt hint: the rest of arch/riscv's inline asm. */
#ifndef ARCH_RISCV_BARRIER_H
#define ARCH_RISCV_BARRIER_H

#include <stdint.h>

/* Flush this hart's whole TLB (after changing satp or a live table). */
static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

/* Flush this hart's leaf translations of va in address space asid. */
static inline void sfence_vma_page(uint64_t va, uint64_t asid)
{
	__asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"(asid) : "memory");
}

/* Flush this hart's non-global translations (every level) of asid. */
static inline void sfence_vma_asid(uint64_t asid)
{
	__asm__ volatile("sfence.vma zero, %0" : : "r"(asid) : "memory");
}

static inline void fence_i(void)
{
	__asm__ volatile("fence.i" : : : "memory");
}

static inline void cpu_wait_for_interrupt(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

/* A 32-bit device-register store, ordered after earlier memory writes. */
static inline void mmio_write32(volatile void *address, uint32_t value)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint32_t *)address = value;
}

#endif
