/* SPDX-License-Identifier: MIT */
/*
 * Supervisor CSRs: one static inline per access (STYLE.md item 3). The only
 * other homes of inline assembly are arch/riscv/barrier.h and the .S files.
 */
#ifndef ARCH_RISCV_CSR_H
#define ARCH_RISCV_CSR_H

#include <stdint.h>

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_FS_MASK (3ul << 13)
#define SSTATUS_FS_INITIAL (1ul << 13)
#define SSTATUS_SUM (1ul << 18)

#define SSTATUS_FS_CLEAN (2ul << 13)
#define SSTATUS_FS_DIRTY (3ul << 13)

/* sie / sip bits: supervisor software, timer and external interrupts. */
#define SIE_SSIE (1ul << 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)
#define SIP_SSIP SIE_SSIE

#define SATP_MODE_SV39 (8ul << 60)
#define SATP_ASID_SHIFT 44

/* scause values (privileged spec table 4.2). */
#define CAUSE_INTERRUPT (1ul << 63)
#define CAUSE_SUPERVISOR_SOFTWARE 1 /* with CAUSE_INTERRUPT */
#define CAUSE_SUPERVISOR_TIMER 5
#define CAUSE_SUPERVISOR_EXTERNAL 9
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

#define DEFINE_CSR_ACCESSORS(name)                                                                 \
	static inline uint64_t csr_read_##name(void)                                               \
	{                                                                                          \
		uint64_t value;                                                                    \
		__asm__ volatile("csrr %0, " #name : "=r"(value));                                 \
		return value;                                                                      \
	}                                                                                          \
	static inline void csr_write_##name(uint64_t value)                                        \
	{                                                                                          \
		__asm__ volatile("csrw " #name ", %0" : : "r"(value) : "memory");                  \
	}

DEFINE_CSR_ACCESSORS(sstatus)
DEFINE_CSR_ACCESSORS(sie)
DEFINE_CSR_ACCESSORS(sip)
DEFINE_CSR_ACCESSORS(stvec)
DEFINE_CSR_ACCESSORS(sscratch)
DEFINE_CSR_ACCESSORS(sepc)
DEFINE_CSR_ACCESSORS(scause)
DEFINE_CSR_ACCESSORS(stval)
DEFINE_CSR_ACCESSORS(satp)
DEFINE_CSR_ACCESSORS(stimecmp) /* Sstc: only where the DTB lists it */

static inline void csr_set_sie(uint64_t bits)
{
	__asm__ volatile("csrs sie, %0" : : "r"(bits) : "memory");
}

static inline void csr_clear_sie(uint64_t bits)
{
	__asm__ volatile("csrc sie, %0" : : "r"(bits) : "memory");
}

static inline void csr_clear_sip(uint64_t bits)
{
	__asm__ volatile("csrc sip, %0" : : "r"(bits) : "memory");
}

/* The time CSR: ticks of the timebase the DTB gives (/cpus). */
static inline uint64_t cpu_read_time(void)
{
	uint64_t value;
	__asm__ volatile("rdtime %0" : "=r"(value));
	return value;
}

static inline uint64_t cpu_read_instret(void)
{
	uint64_t value;
	__asm__ volatile("rdinstret %0" : "=r"(value));
	return value;
}

static inline void csr_set_sstatus(uint64_t bits)
{
	__asm__ volatile("csrs sstatus, %0" : : "r"(bits) : "memory");
}

static inline void csr_clear_sstatus(uint64_t bits)
{
	__asm__ volatile("csrc sstatus, %0" : : "r"(bits) : "memory");
}

/* The calling hart's per-hart data pointer: kept in tp while in the kernel. */
static inline void *cpu_read_tp(void)
{
	void *tp;
	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return tp;
}

static inline void cpu_write_tp(void *tp)
{
	__asm__ volatile("mv tp, %0" : : "r"(tp) : "memory");
}

static inline uint64_t cpu_read_cycle(void)
{
	uint64_t value;
	__asm__ volatile("rdcycle %0" : "=r"(value));
	return value;
}

#endif
