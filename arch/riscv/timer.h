/* SPDX-License-Identifier: MIT */
/*
 * One timer per hart (docs/arch.md). A hart whose DTB cpu node lists Sstc
 * programs stimecmp itself; any other asks the firmware (SBI TIME). Times
 * are ticks of the time CSR, whose rate is the DTB's timebase-frequency.
 * Every function but arch_timer_init acts on the calling hart only; the
 * handler runs on the hart whose deadline passed, from arch_interrupt().
 */
#ifndef ARCH_RISCV_TIMER_H
#define ARCH_RISCV_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "dtb.h"
#include "error.h"

/* Boot hart, once, before any hart calls the rest: read the timebase and
 * which harts have Sstc. ERR_FAILED_LOOKUP without a timebase,
 * ERR_INVALID_ARGUMENT for a zero one or malformed /cpus. */
enum error arch_timer_init(const struct dtb *dtb);
/* On each hart before its first arm: choose its backend, disarm, enable
 * the timer interrupt (sie.STIE). */
void arch_timer_init_hart(void);
/* The same with the SBI backend forced even where Sstc exists (tests). */
void arch_timer_init_hart_sbi(void);
/* Whether the calling hart programs stimecmp directly. */
bool arch_timer_uses_sstc(void);

/* Ticks per second (the DTB's timebase-frequency). */
uint64_t arch_timer_frequency(void);
/* The current time in ticks (rdtime): one clock for all harts. */
uint64_t arch_timer_now(void);
/* `microseconds` as ticks, rounded up (never 0 for a nonzero argument). */
uint64_t arch_timer_ticks(uint64_t microseconds);

/* One interrupt when the time reaches `deadline` (absolute ticks; a past
 * deadline fires at once); replaces any earlier deadline and stops a
 * periodic tick. */
void arch_timer_arm(uint64_t deadline);
/* A tick every `period` ticks (> 0) from now: the time slice; each
 * deadline is the last one plus period, so ticks do not drift, and missed
 * ones are skipped, not queued. */
void arch_timer_start_periodic(uint64_t period);
/* No more interrupts until the next arm or start. */
void arch_timer_disarm(void);

/* The kernel's handler, for every hart: called with the time of the tick
 * after the one-shot is disarmed or the next periodic deadline set. NULL
 * (the default) drops ticks. */
void arch_timer_set_handler(void (*handler)(uint64_t now));

/* For arch_interrupt(): the calling hart's timer interrupt is pending. */
void arch_timer_interrupt(void);

#endif
