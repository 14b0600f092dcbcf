/* SPDX-License-Identifier: MIT */
/*
 * What the arch tests' files share (kernel/archtest*.c): per-hart state
 * that interrupt handlers update, the hart count, a barrier, and the
 * timeout. Each file tests one module and has a boot part (plan and
 * devices) and a per-hart part.
 */
#ifndef KERNEL_ARCHTEST_INTERNAL_H
#define KERNEL_ARCHTEST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dtb.h"
#include "hart.h"

#define TIMEOUT_US 2000000 /* generous: TCG harts share two host cores */

struct archtest_hart {
	volatile bool in_user_test; /* the next tick comes from user mode */
	volatile unsigned ticks;
	volatile uint64_t last_tick;
	volatile bool user_tick_seen;
	volatile unsigned external; /* sources claimed on this hart */
	volatile unsigned last_source;
};

/* The calling hart's state. */
struct archtest_hart *archtest_mine(void);
/* How many harts take part (all the kernel started). */
extern unsigned archtest_hart_total;
/* Whether the space-separated `text` has `word` as one of its words. */
bool archtest_word_in(const char *text, const char *word);
/* Every hart waits here for all; IPIs aimed at it are served meanwhile. */
void archtest_barrier(void);

/* archtest_timer.c: 4 results per hart; the timer handler. */
#define ARCHTEST_TIMER_RESULTS 4
void archtest_tick(uint64_t now);
void archtest_timer_hart(struct hart *hart);
/* Arm a tick due at once, to be taken in user mode (1 result from it). */
void archtest_timer_user(struct hart *hart);

/* archtest_irq.c: the PLIC (RTC alarm) per hart, the UART once. */
#define ARCHTEST_IRQ_RESULTS 1
/* Find the devices; returns the results beyond the per-hart ones. */
unsigned archtest_irq_boot(const struct dtb *dtb, const char *bootargs);
void archtest_external(unsigned source);
void archtest_irq_hart(struct hart *hart);

/* archtest_smp.c: IPIs and TLB shootdown. */
#define ARCHTEST_SMP_RESULTS 5
void archtest_smp_boot(void);
void archtest_smp_hart(struct hart *hart);

/* archtest_fpu.c: FP state. */
#define ARCHTEST_FPU_RESULTS 1
void archtest_fpu_hart(struct hart *hart);

/* archtest_uintr.c: the probe's choice (1 result); on the U-interrupt
 * model the hardware backend (1 more, these per hart, and 3 more with two
 * harts or more: the SEND in flight at teardown, a sleeper's slot moved,
 * and stranded then adopted). */
#define ARCHTEST_UINTR_RESULTS 4
unsigned archtest_uintr_boot(const struct dtb *dtb, const char *bootargs, unsigned hart_count);
void archtest_uintr_hart(struct hart *hart);

/* archtest_spin.c: spin waits that must let the awaited hart run (3
 * results, on hart 0, with two harts or more). */
#define ARCHTEST_SPIN_RESULTS 3
void archtest_spin_hart(struct hart *hart);

#endif
