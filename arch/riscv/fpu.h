/* SPDX-License-Identifier: MIT */
/*
 * Floating-point state of user threads (docs/arch.md). User programs are
 * rv64gc: f0-f31 and fcsr belong to the thread. The kernel (rv64imac)
 * never uses them, so a trap leaves them alone; only a thread switch does.
 *
 * Policy (docs/decisions.md): save lazily, only when sstatus.FS says
 * Dirty; restore when the incoming thread's values are not already in
 * this hart's registers; a thread that never used FP gets zeroed
 * registers (no leak of another thread's values; no work when they are
 * zero already) and FS = Initial.
 */
#ifndef ARCH_RISCV_FPU_H
#define ARCH_RISCV_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "csr.h"

/* One thread's FP state; the first 33 words are fpu.S's layout. */
struct arch_fpu_state {
	uint64_t f[32];
	uint64_t fcsr;
	int32_t live_on; /* cpu index whose registers equal f/fcsr, or -1 */
	bool used;       /* f/fcsr hold saved values (else: all zero) */
};

/* A new thread's state: never used, in no hart's registers. */
void arch_fpu_init_state(struct arch_fpu_state *state);
/* The thread is going away (or its memory is reused): no hart may take
 * its registers for this state any more. */
void arch_fpu_forget(struct arch_fpu_state *state);

/* Counts on one hart, for tests and measurement. */
struct arch_fpu_stats {
	uint64_t saves, restores, zeroes;
};

/* Per hart, read by the inline fast path below (64-byte aligned: indexed
 * by a shift on every thread switch). */
struct arch_fpu_hart {
	_Alignas(64) struct arch_fpu_state *owner; /* whose values the registers hold, or NULL */
	bool zeroed;                               /* the registers are all zero */
	struct arch_fpu_stats stats;
};
extern struct arch_fpu_hart arch_fpu_harts[CONFIG_MAX_HARTS];

/* arch_fpu_switch when there is work: a save, a restore or a zeroing. */
void arch_fpu_switch_slow(unsigned cpu, struct arch_fpu_state *from, struct arch_fpu_state *to);

/*
 * Switch FP state on the calling hart (cpu index `cpu`), in the kernel,
 * between leaving thread `from` and returning to user mode in `to` (either
 * may be NULL: no user thread, e.g. idle). Reads the live sstatus.FS as
 * `from`'s (the trap left it as user mode had it) and leaves the live
 * sstatus.FS as `to` must start with: Initial for a thread that never used
 * FP (registers zero), Clean when its values are loaded, Off for NULL.
 * Inline: the common cases (nothing dirty, the registers already right)
 * cost a few instructions and no FP instruction. arch_fpu_switch_quick is
 * that common case alone, changing nothing: the sstatus to write (never
 * 0: FS is Initial or Clean), or 0 when the switch has work (a save, a
 * restore or a zeroing) and must be arch_fpu_switch. `here` is
 * &arch_fpu_harts[cpu] (a caller that keeps it saves the indexing).
 */
static inline __attribute__((always_inline)) uint64_t
arch_fpu_switch_quick(const struct arch_fpu_hart *here, unsigned cpu,
		      const struct arch_fpu_state *from, const struct arch_fpu_state *to)
{
	uint64_t status = csr_read_sstatus();
	if (to && !(from && (status & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY)) {
		uint64_t others = status & ~SSTATUS_FS_MASK;
		if (!to->used && here->zeroed)
			return others | SSTATUS_FS_INITIAL;
		if (to->used && here->owner == to &&
		    __atomic_load_n(&to->live_on, __ATOMIC_RELAXED) == (int32_t)cpu)
			return others | SSTATUS_FS_CLEAN;
	}
	return 0;
}

static inline __attribute__((always_inline)) void
arch_fpu_switch(unsigned cpu, struct arch_fpu_state *from, struct arch_fpu_state *to)
{
	uint64_t status = arch_fpu_switch_quick(&arch_fpu_harts[cpu], cpu, from, to);
	if (status != 0)
		csr_write_sstatus(status);
	else
		arch_fpu_switch_slow(cpu, from, to);
}

/* The raw routines (fpu.S), with sstatus.FS != Off. Save writes f0-f31 and
 * fcsr to state's first 33 words; restore loads them (leaving FS Dirty,
 * as any FP register write does). */
void arch_fpu_save(struct arch_fpu_state *state);
void arch_fpu_restore(const struct arch_fpu_state *state);
/* f0-f31 = +0.0, fcsr = 0. */
void arch_fpu_zero(void);

/* The counts of hart `cpu`. */
struct arch_fpu_stats arch_fpu_stats(unsigned cpu);

#endif
