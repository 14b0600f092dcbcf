/* SPDX-License-Identifier: MIT */
/*
 * The one entry for supervisor interrupts (docs/arch.md): the kernel's
 * trap path calls arch_interrupt() for any scause with the interrupt bit,
 * and it hands the interrupt to the module that owns it: the timer
 * (timer.h), the interrupt controller (irq.h), the IPI mailbox (ipi.h),
 * each of which calls the handler the kernel gave it.
 */
#ifndef ARCH_RISCV_INTERRUPT_H
#define ARCH_RISCV_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

/* Handle the interrupt `scause` names on the calling hart. False when it
 * is not a supervisor software, timer or external interrupt (the caller
 * decides: a bug). Runs with interrupts masked (sstatus.SIE = 0). */
bool arch_interrupt(uint64_t scause);

/* With sstatus.SIE = 0: handle the highest-priority interrupt that is
 * pending and enabled in sie (external, then software, then timer), if
 * any. True if one was handled. wfi + this is a kernel wait loop that
 * needs no trap frame (a pending enabled interrupt ends wfi even with
 * SIE clear). */
bool arch_interrupt_poll(void);

#endif
