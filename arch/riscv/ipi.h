/* SPDX-License-Identifier: MIT */
/*
 * Inter-processor interrupts with a per-hart mailbox (docs/arch.md). A
 * sender posts a message in the target's mailbox and sends an SBI IPI;
 * the target takes it as a supervisor software interrupt (through
 * arch_interrupt, or arch_ipi_poll while it waits for a lock with
 * interrupts masked), clears sip.SSIP and handles every message posted.
 * Harts are named by cpu index (kernel/hart.h), never by hart id.
 *
 * Synchronous requests (arch_ipi_call, arch_ipi_stall) return only after
 * every target has run them; while waiting, the sender serves its own
 * mailbox, so two harts calling each other do not deadlock. A kernel that
 * spins for a lock must call arch_ipi_poll() in the spin loop for the
 * same reason (as seL4 handles IPIs while it waits for its lock).
 */
#ifndef ARCH_RISCV_IPI_H
#define ARCH_RISCV_IPI_H

#include <stdbool.h>
#include <stdint.h>

/* Every hart (arch_init_hart calls it): empty mailbox, sie.SSIE on. */
void arch_ipi_init_hart(void);

/* The kernel's handlers, for all harts; NULL ignores the message. */
/* Reschedule: the target's scheduler must run soon (port_ipi_reschedule). */
void arch_ipi_set_reschedule_handler(void (*handler)(void));
/* Stall: the target must stop using what the sender is about to destroy
 * (seL4's remote TCB stall): when the handler returns the sender goes on. */
void arch_ipi_set_stall_handler(void (*handler)(void));

/* Ask hart `cpu` (not the caller) to reschedule; returns at once. */
void arch_ipi_reschedule(unsigned cpu);
/* Run the stall handler on hart `cpu` (not the caller) and wait for it. */
void arch_ipi_stall(unsigned cpu);
/* Run fn(arg) on every hart of `cpus` (bit i = cpu index i; the caller's
 * own bit is ignored) and return when all have. */
void arch_ipi_call(uint64_t cpus, void (*fn)(void *arg), void *arg);

/* Handle every message posted to the calling hart (and clear sip.SSIP);
 * true if there was one. For lock-wait loops with interrupts masked. */
bool arch_ipi_poll(void);
/*
 * One turn of a spin wait for another hart (a lock, a call's answer): give
 * the host CPU to the other harts for a moment. QEMU's -icount runs every
 * hart in turn on one host thread and moves on from a hart only when it
 * stops in wfi or is kicked; a hart that just spins can keep the one it
 * waits for from ever running (docs/arch.md, "Spin waits under -icount").
 * This posts the calling hart its own SSIP and runs wfi, which a pending
 * enabled interrupt ends at once (on hardware: a few cycles), then puts
 * sip.SSIP back as it was without losing a message posted meanwhile.
 * Spins on (does nothing) before tp is set or while sie.SSIE is off, where
 * wfi could wait for an interrupt that never comes.
 */
void arch_spin_yield(void);

/* For arch_interrupt(): the calling hart's software interrupt is pending. */
void arch_ipi_interrupt(void);

/* How many IPIs this hart has sent through SBI (for tests and benchmarks). */
uint64_t arch_ipi_sent(void);

#endif
