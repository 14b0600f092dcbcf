/* SPDX-License-Identifier: MIT */
/* Fences and the wait-for-interrupt hint: the rest of arch/riscv's inline asm. */
#ifndef ARCH_RISCV_BARRIER_H
#define ARCH_RISCV_BARRIER_H

#include <stdbool.h>
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

/* One try at a test-and-set lock word (amoswap.w with acquire): true
 * when it was 0 and is now non-zero, ours. The AMO leaves the old word
 * sign-extended, tested whole here; GCC's __atomic_exchange_n added a
 * sext.w before the test (spinlock_try_acquire). The word stored is the
 * low half of its own address, already in a register (a constant 1 took
 * an `li`): non-zero for every word in the kernel image, which lies
 * within one 4 GiB-aligned block and not at its start (thread_init
 * asserts it; every lock is a static there). */
static inline __attribute__((always_inline)) bool amo_try_take32(uint32_t *word)
{
	uint64_t was;
	__asm__ volatile("amoswap.w.aq %0, %1, (%1)" : "=&r"(was) : "r"(word) : "memory");
	return was == 0;
}

/* The lock word's release as one AMO with release ordering (the RISC-V
 * unprivileged spec's own critical-section exit): every earlier load and
 * store of main memory is ordered before it, but not device accesses,
 * for which the compiler's release store adds `fence iorw,ow`. Only for a
 * hold that made none. */
static inline __attribute__((always_inline)) void amo_release32_memory(uint32_t *word)
{
	__asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(word) : "memory");
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

/* A 32-bit device-register load, ordered before later memory accesses. */
static inline uint32_t mmio_read32(const volatile void *address)
{
	uint32_t value = *(const volatile uint32_t *)address;
	__asm__ volatile("fence i, r" : : : "memory");
	return value;
}

/* A 64-bit device register (UINTC's: it faults on narrower accesses). */
static inline void mmio_write64(volatile void *address, uint64_t value)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint64_t *)address = value;
}

static inline uint64_t mmio_read64(const volatile void *address)
{
	uint64_t value = *(const volatile uint64_t *)address;
	__asm__ volatile("fence i, r" : : : "memory");
	return value;
}

/* Order every earlier memory access before every later one. */
static inline void fence_rw_rw(void)
{
	__asm__ volatile("fence rw, rw" : : : "memory");
}

/* A byte device register (the ns16550a's), with the same ordering. */
static inline void mmio_write8(volatile void *address, uint8_t value)
{
	__asm__ volatile("fence w, o" : : : "memory");
	*(volatile uint8_t *)address = value;
}

static inline uint8_t mmio_read8(const volatile void *address)
{
	uint8_t value = *(const volatile uint8_t *)address;
	__asm__ volatile("fence i, r" : : : "memory");
	return value;
}

#endif
