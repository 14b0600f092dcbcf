/* SPDX-License-Identifier: MIT */
/* The FP switch policy (see fpu.h). */
#include "fpu.h"

#include <stddef.h>

#include "config.h"
#include "csr.h"

_Static_assert(offsetof(struct arch_fpu_state, fcsr) == 256, "fpu.S's layout");

#define NOWHERE (-1)

struct arch_fpu_hart arch_fpu_harts[CONFIG_MAX_HARTS];

/* A used state's key once its values are live on cpu (fpu.h). */
static uint64_t live_key(const struct arch_fpu_state *state, unsigned cpu)
{
	return (uint64_t)(uintptr_t)state | cpu;
}

/* A thread's key: what its registers need, and hold's bit. */
static uint64_t thread_key(const struct arch_fpu_state *state, uint64_t key)
{
	return key | (state->hold ? ARCH_FPU_KEY_HOLD : 0);
}

void arch_fpu_set_hold(struct arch_fpu_state *state, bool hold)
{
	state->hold = hold;
	uint64_t key = state->key;
	if (key != ARCH_FPU_KEY_NOWHERE)
		__atomic_store_n(&state->key, thread_key(state, key & ~ARCH_FPU_KEY_HOLD),
				 __ATOMIC_RELAXED);
}

void arch_fpu_init_state(struct arch_fpu_state *state)
{
	for (unsigned i = 0; i < 32; i++)
		state->f[i] = 0;
	state->fcsr = 0;
	state->live_on = NOWHERE;
	state->used = false;
	state->hold = false;
	state->key = 0;
}

void arch_fpu_forget(struct arch_fpu_state *state)
{
	__atomic_store_n(&state->live_on, NOWHERE, __ATOMIC_RELEASE);
	if (state->used)
		__atomic_store_n(&state->key, ARCH_FPU_KEY_NOWHERE, __ATOMIC_RELEASE);
}

void arch_fpu_init_hart(unsigned cpu)
{
	struct arch_fpu_hart *here = &arch_fpu_harts[cpu];
	here->owner = NULL;
	here->zeroed = false;
	*here->key = ARCH_FPU_KEY_NONE;
}

/* One sstatus write: the kernel runs with SIE clear, so nothing changes
 * sstatus between the read and the write. */
static void set_fs(uint64_t status, uint64_t fs)
{
	csr_write_sstatus((status & ~SSTATUS_FS_MASK) | fs);
}

static void save(struct arch_fpu_hart *here, struct arch_fpu_state *from, unsigned cpu)
{
	arch_fpu_save(from);
	from->used = true;
	from->live_on = (int32_t)cpu;
	from->key = thread_key(from, live_key(from, cpu));
	here->owner = from;
	here->zeroed = false;
	*here->key = live_key(from, cpu);
	here->stats.saves++;
}

static void restore(struct arch_fpu_hart *here, struct arch_fpu_state *to, unsigned cpu,
		    uint64_t status)
{
	set_fs(status, SSTATUS_FS_INITIAL); /* FP instructions may run from here */
	arch_fpu_restore(to);
	/* Another hart's registers no longer count once `to` runs here. */
	to->live_on = (int32_t)cpu;
	to->key = thread_key(to, live_key(to, cpu));
	here->owner = to;
	here->zeroed = false;
	*here->key = live_key(to, cpu);
	here->stats.restores++;
}

static void zero(struct arch_fpu_hart *here, uint64_t status)
{
	set_fs(status, SSTATUS_FS_INITIAL);
	arch_fpu_zero();
	here->zeroed = true;
	here->owner = NULL;
	*here->key = 0;
	here->stats.zeroes++;
}

/* The whole policy; the inline arch_fpu_switch takes the common cases. */
void arch_fpu_switch_slow(unsigned cpu, struct arch_fpu_state *from, struct arch_fpu_state *to)
{
	struct arch_fpu_hart *here = &arch_fpu_harts[cpu];
	uint64_t status = csr_read_sstatus();
	if (from && (status & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY)
		save(here, from, cpu);
	if (!to) {
		set_fs(status, 0); /* Off: the kernel and idle never touch FP */
		return;
	}
	if (!to->used) {
		if (!here->zeroed)
			zero(here, status);
		set_fs(status, SSTATUS_FS_INITIAL);
		return;
	}
	if (here->owner != to || __atomic_load_n(&to->live_on, __ATOMIC_ACQUIRE) != (int32_t)cpu)
		restore(here, to, cpu, status);
	set_fs(status, SSTATUS_FS_CLEAN);
}

struct arch_fpu_stats arch_fpu_stats(unsigned cpu)
{
	return arch_fpu_harts[cpu].stats;
}
