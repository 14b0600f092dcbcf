/* SPDX-License-Identifier: MIT */
/* The FP switch policy (see fpu.h). */
#include "fpu.h"

#include <stddef.h>

#include "config.h"
#include "csr.h"
#include "hart.h"

_Static_assert(offsetof(struct arch_fpu_state, fcsr) == 256, "fpu.S's layout");

#define NOWHERE (-1)

/* Per hart: whose values the registers hold (NULL: nobody's). */
static struct arch_fpu_state *owner[CONFIG_MAX_HARTS];
static struct arch_fpu_stats stats[CONFIG_MAX_HARTS];
/* Per hart: the registers are all zero (a never-used thread may run). */
static bool zeroed[CONFIG_MAX_HARTS];

void arch_fpu_init_state(struct arch_fpu_state *state)
{
	for (unsigned i = 0; i < 32; i++)
		state->f[i] = 0;
	state->fcsr = 0;
	state->live_on = NOWHERE;
	state->used = false;
}

void arch_fpu_forget(struct arch_fpu_state *state)
{
	__atomic_store_n(&state->live_on, NOWHERE, __ATOMIC_RELEASE);
}

/* One sstatus write: the kernel runs with SIE clear, so nothing changes
 * sstatus between the read and the write. */
static void set_fs(uint64_t status, uint64_t fs)
{
	csr_write_sstatus((status & ~SSTATUS_FS_MASK) | fs);
}

/* The rare paths, out of line so that the common ones need no stack
 * frame: a thread that has written FP registers, a restore, a zeroing. */
static __attribute__((noinline)) void save(struct arch_fpu_state *from, unsigned me)
{
	arch_fpu_save(from);
	from->used = true;
	from->live_on = (int32_t)me;
	owner[me] = from;
	zeroed[me] = false;
	stats[me].saves++;
}

static __attribute__((noinline)) void restore(struct arch_fpu_state *to, unsigned me,
					      uint64_t status)
{
	set_fs(status, SSTATUS_FS_INITIAL); /* FP instructions may run from here */
	arch_fpu_restore(to);
	/* Another hart's registers no longer count once `to` runs here. */
	to->live_on = (int32_t)me;
	owner[me] = to;
	zeroed[me] = false;
	stats[me].restores++;
}

static __attribute__((noinline)) void zero(unsigned me, uint64_t status)
{
	set_fs(status, SSTATUS_FS_INITIAL);
	arch_fpu_zero();
	zeroed[me] = true;
	owner[me] = NULL;
	stats[me].zeroes++;
}

void arch_fpu_switch(struct arch_fpu_state *from, struct arch_fpu_state *to)
{
	unsigned me = hart_current()->cpu_index;
	uint64_t status = csr_read_sstatus();
	if (from && (status & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY)
		save(from, me);
	if (!to) {
		set_fs(status, 0); /* Off: the kernel and idle never touch FP */
		return;
	}
	if (!to->used) {
		/* Zeros, unless they are there already: threads that never use
		 * FP switch without an FP instruction. */
		if (!zeroed[me])
			zero(me, status);
		set_fs(status, SSTATUS_FS_INITIAL);
		return;
	}
	if (owner[me] != to || __atomic_load_n(&to->live_on, __ATOMIC_ACQUIRE) != (int32_t)me)
		restore(to, me, status);
	set_fs(status, SSTATUS_FS_CLEAN);
}

struct arch_fpu_stats arch_fpu_stats(void)
{
	return stats[hart_current()->cpu_index];
}
