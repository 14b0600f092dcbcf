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
#define CAUSE_USER_SOFTWARE 0       /* with CAUSE_INTERRUPT: USIP (N extension) */
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

/*
 * The user-interrupt CSRs of the U-interrupt model (N extension plus
 * suist/suirs/suicfg; ../shared/UINTR.md section 1), by number: they exist
 * only there, and only arch/riscv/uintr_hardware.c may touch them, after
 * uintr_probe chose the hardware backend (on stock QEMU every access is an
 * illegal instruction).
 */
#define SSTATUS_UIE (1ul << 0)  /* ustatus.UIE: the same bit */
#define SSTATUS_UPIE (1ul << 4) /* ustatus.UPIE */
#define UIE_USIE (1ul << 0)
#define UIP_USIP (1ul << 0)
#define SIDELEG_USIP (1ul << 0)
#define SUIST_ENABLE (1ul << 63)
#define SUIST_SIZE_SHIFT 44
#define SUIRS_ENABLE (1ul << 63)

#define CSR_STR(x) #x
#define DEFINE_CSR_NUMBER_ACCESSORS(name, number)                                                  \
	static inline uint64_t csr_read_##name(void)                                               \
	{                                                                                          \
		uint64_t value;                                                                    \
		__asm__ volatile("csrr %0, " CSR_STR(number) : "=r"(value));                       \
		return value;                                                                      \
	}                                                                                          \
	static inline void csr_write_##name(uint64_t value)                                        \
	{                                                                                          \
		__asm__ volatile("csrw " CSR_STR(number) ", %0" : : "r"(value) : "memory");        \
	}                                                                                          \
	static inline void csr_set_##name(uint64_t bits)                                           \
	{                                                                                          \
		__asm__ volatile("csrs " CSR_STR(number) ", %0" : : "r"(bits) : "memory");         \
	}                                                                                          \
	static inline void csr_clear_##name(uint64_t bits)                                         \
	{                                                                                          \
		__asm__ volatile("csrc " CSR_STR(number) ", %0" : : "r"(bits) : "memory");         \
	}

DEFINE_CSR_NUMBER_ACCESSORS(ustatus, 0x000)
DEFINE_CSR_NUMBER_ACCESSORS(uie, 0x004)
DEFINE_CSR_NUMBER_ACCESSORS(utvec, 0x005)
DEFINE_CSR_NUMBER_ACCESSORS(uscratch, 0x040)
DEFINE_CSR_NUMBER_ACCESSORS(uepc, 0x041)
DEFINE_CSR_NUMBER_ACCESSORS(ucause, 0x042)
DEFINE_CSR_NUMBER_ACCESSORS(utval, 0x043)
DEFINE_CSR_NUMBER_ACCESSORS(uip, 0x044)
DEFINE_CSR_NUMBER_ACCESSORS(sideleg, 0x103)
DEFINE_CSR_NUMBER_ACCESSORS(suist, 0x1b0)
DEFINE_CSR_NUMBER_ACCESSORS(suirs, 0x1b1)
DEFINE_CSR_NUMBER_ACCESSORS(suicfg, 0x1b2)

/* uipi SEND (custom-3, funct3 110, funct7 0; UINTR.md section 4) of UIST
 * entry `index` through suist: the only U-interrupt instruction the kernel
 * runs, and only in the hardware backend's tests. */
static inline void cpu_uipi_send(uint64_t index)
{
	__asm__ volatile(".insn r 0x7b, 6, 0, x0, %0, x0" : : "r"(index) : "memory");
}

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

/* Only SSIP is writable from S-mode: a hart can post itself an IPI. */
static inline void csr_set_sip(uint64_t bits)
{
	__asm__ volatile("csrs sip, %0" : : "r"(bits) : "memory");
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
