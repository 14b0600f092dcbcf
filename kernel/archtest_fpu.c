/* SPDX-License-Identifier: MIT */
/*
 * FP-state tests (see archtest.h): two simulated threads switched with
 * arch_fpu_switch as the kernel's context switch will, and the
 * instructions each kind of switch retires.
 */
#include "archtest_internal.h"

#include "config.h"
#include "console.h"
#include "csr.h"
#include "fpu.h"
#include "tap.h"

/* Two simulated threads' FP states per hart, and what each "computes". */
struct fpu_world {
	struct arch_fpu_state a, b, pattern_a, pattern_b, seen;
};
static struct fpu_world fpu_worlds[CONFIG_MAX_HARTS];

static void fill_pattern(struct arch_fpu_state *state, uint64_t base, uint64_t fcsr)
{
	for (unsigned i = 0; i < 32; i++)
		state->f[i] = base + i * UINT64_C(0x0101010101);
	state->fcsr = fcsr;
}

/* Whether the live registers equal `want` (zero when NULL). */
static bool registers_are(struct fpu_world *w, const struct arch_fpu_state *want)
{
	arch_fpu_save(&w->seen);
	for (unsigned i = 0; i < 32; i++)
		if (w->seen.f[i] != (want ? want->f[i] : 0))
			return false;
	return w->seen.fcsr == (want ? want->fcsr : 0);
}

static uint64_t fs(void)
{
	return csr_read_sstatus() & SSTATUS_FS_MASK;
}

/* Two threads A and B switch on this hart as the kernel's context switch
 * will switch them (arch_fpu_switch), "computing" by loading patterns. */
void archtest_fpu_hart(struct hart *hart)
{
	struct fpu_world *w = &fpu_worlds[hart->cpu_index];
	fill_pattern(&w->pattern_a, UINT64_C(0xa1a1000000000000) + hart->cpu_index, 0x61);
	fill_pattern(&w->pattern_b, UINT64_C(0xb2b2000000000000) + hart->cpu_index, 0x8a);
	arch_fpu_init_state(&w->a);
	arch_fpu_init_state(&w->b);
	struct arch_fpu_stats start = arch_fpu_stats(hart->cpu_index);

	arch_fpu_switch(hart->cpu_index, NULL, &w->a);
	bool fresh_zero = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	arch_fpu_restore(&w->pattern_a); /* A computes */
	bool dirty = fs() == SSTATUS_FS_DIRTY;
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b);
	bool no_leak = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	arch_fpu_restore(&w->pattern_b); /* B computes */
	uint64_t i0 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->b, &w->a); /* save B, restore A */
	uint64_t i1 = cpu_read_instret();
	bool a_back = fs() == SSTATUS_FS_CLEAN && registers_are(w, &w->pattern_a);
	uint64_t saves = arch_fpu_stats(hart->cpu_index).saves;
	uint64_t i2 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b); /* A is clean: restore B only */
	uint64_t i3 = cpu_read_instret();
	bool lazy = arch_fpu_stats(hart->cpu_index).saves == saves;
	bool b_back = registers_are(w, &w->pattern_b);
	uint64_t i4 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->b, &w->b); /* B again, registers still B's */
	uint64_t i5 = cpu_read_instret();
	bool cached = fs() == SSTATUS_FS_CLEAN && registers_are(w, &w->pattern_b);
	arch_fpu_switch(hart->cpu_index, &w->b, NULL);
	bool off = fs() == 0;
	/* Two threads that never use FP: after one zeroing, nothing to do. */
	arch_fpu_init_state(&w->a);
	arch_fpu_init_state(&w->b);
	arch_fpu_switch(hart->cpu_index, NULL, &w->a);
	uint64_t i6 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b);
	uint64_t i7 = cpu_read_instret();
	bool quiet = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	struct arch_fpu_stats end = arch_fpu_stats(hart->cpu_index);
	arch_fpu_switch(hart->cpu_index, &w->b, NULL);
	kprintf("# hart %lu: arch_fpu_switch retired %lu instructions saving and restoring, %lu "
		"restoring only, %lu when the registers were already the thread's, %lu between "
		"two threads without FP (rdinstret: instructions only under -icount)\n",
		hart->hart_id, i1 - i0, i3 - i2, i5 - i4, i7 - i6);
	tap_result(
	    fresh_zero && dirty && no_leak && a_back && lazy && b_back && cached && off && quiet,
	    "hart %lu: FP: fresh thread sees zeros (%s), writes dirty FS (%s), f0-f31+fcsr "
	    "of 2 threads survive each other (%s, %s), clean not saved (%s), "
	    "no restore when still loaded (%s), non-FP threads switch free (%s); %lu saves, %lu "
	    "restores",
	    hart->hart_id, fresh_zero && no_leak ? "yes" : "NO", dirty ? "yes" : "NO",
	    a_back ? "A ok" : "A LOST", b_back ? "B ok" : "B LOST", lazy ? "yes" : "NO",
	    cached ? "yes" : "NO", quiet ? "yes" : "NO", end.saves - start.saves,
	    end.restores - start.restores);
}
