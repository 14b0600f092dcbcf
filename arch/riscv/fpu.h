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

/* One thread's FP state; the first 33 words are fpu.S's layout. 16-byte
 * aligned: bit 3 of its address is 0 (ARCH_FPU_KEY_HOLD, below). */
struct arch_fpu_state {
	_Alignas(16) uint64_t f[32];
	uint64_t fcsr;
	uint64_t key;    /* ARCH_FPU_KEY_* of used and live_on, below, and hold */
	int32_t live_on; /* cpu index whose registers equal f/fcsr, or -1 */
	bool used;       /* f/fcsr hold saved values (else: all zero) */
	bool hold;       /* arch_fpu_set_hold's: the key has ARCH_FPU_KEY_HOLD */
};

/*
 * Keys: what a hart's FP registers hold and what a thread needs them to
 * hold, as one word each, so that "are they already right?" is one
 * compare (arch_fpu_switch_none). A thread's key: 0 when it never used FP
 * (it needs zeroed registers; a zeroed state is such a thread's), its
 * state's address | the cpu its values are live on, or ARCH_FPU_KEY_NOWHERE.
 * A hart's: 0 when its registers are all zero, owner's address | the
 * hart's cpu when they hold owner's values, or ARCH_FPU_KEY_NONE. The two
 * are equal exactly when arch_fpu_switch_quick's tests (zeroed and not
 * used; owner and live here) pass. States are 8-byte aligned and cpus
 * below 8, so address | cpu names both.
 */
#define ARCH_FPU_KEY_NONE (~UINT64_C(0))
#define ARCH_FPU_KEY_NOWHERE (~UINT64_C(1))
_Static_assert(CONFIG_MAX_HARTS <= 8 && _Alignof(struct arch_fpu_state) >= 8,
	       "a cpu index fits below a state's alignment");
/* A bit the kernel may add to a thread's key (arch_fpu_set_hold) so that
 * arch_fpu_switch_none never matches it, for work of its own that a
 * switch to the thread needs (kernel/uintr_kernel.c: user interrupts).
 * No hart's key has it but NONE, and no held key is all ones: a state's
 * address has bit 3 clear (16-byte aligned) and cpus are below 8. */
#define ARCH_FPU_KEY_HOLD UINT64_C(8)
_Static_assert(_Alignof(struct arch_fpu_state) >= 16 && CONFIG_MAX_HARTS <= 8,
	       "bit 3 is neither an address's nor a cpu's");
/* hold or not, as above (lock held: the key's other writers hold it). */
void arch_fpu_set_hold(struct arch_fpu_state *state, bool hold);

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
 * by a shift on every thread switch). The hart's key (owner and zeroed as
 * a key, above) is kept where `key` points, a word of the kernel's
 * per-hart struct (kernel/hart.h's fpu_key, set at boot before any
 * switch), so that the fastpath's first tier reads it with one load. */
struct arch_fpu_hart {
	_Alignas(64) struct arch_fpu_state *owner; /* whose values the registers hold, or NULL */
	uint64_t *key;
	bool zeroed; /* the registers are all zero */
	struct arch_fpu_stats stats;
};
extern struct arch_fpu_hart arch_fpu_harts[CONFIG_MAX_HARTS];

/* Hart `cpu` starts running threads: its registers hold nothing known. */
void arch_fpu_init_hart(unsigned cpu);

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

/*
 * arch_fpu_switch's case with nothing at all to do, for two user threads
 * where `from` ran in user mode on this hart up to its trap (so sstatus.FS
 * is from's: Initial, Clean or Dirty, never Off): from's registers are not
 * Dirty and they are already to's (the keys are equal). Then not even
 * sstatus is written: FS stays from's Initial or Clean for `to`, where
 * arch_fpu_switch would set to's own. The two differ only in what they
 * claim about the values, and the switch reads nothing but "Dirty or not",
 * so either serves `to`. Changes nothing. `here_key`: this hart's key
 * (*arch_fpu_harts[cpu].key).
 */
/* The Dirty test reads sstatus.SD, the sign bit: the privileged spec
 * sets it whenever FS (or VS, or XS) is Dirty, so it is set at least
 * whenever FS is, and a set SD for another reason only refuses (one
 * branch on the sign, where FS's two bits took a mask and a compare). */
static inline __attribute__((always_inline)) bool
arch_fpu_switch_none(uint64_t here_key, const struct arch_fpu_state *to)
{
	return (int64_t)csr_read_sstatus() >= 0 &&
	       here_key == __atomic_load_n(&to->key, __ATOMIC_RELAXED);
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
