/* SPDX-License-Identifier: MIT */
/*
 * The platform interrupt controller (docs/arch.md): the PLIC that the DTB
 * names ("sifive,plic-1.0.0" or "riscv,plic0"), each hart's S-mode context
 * found through its "interrupts-extended". Sources are the numbers the
 * DTB's "interrupts" give devices (1..arch_irq_sources()).
 *
 * Claim and completion are separate: the external-interrupt handler the
 * kernel registers is called with each source claimed on this hart, and
 * the source stays masked in the PLIC's gateway until someone calls
 * arch_irq_complete() (later: a user-level driver's ack), from any hart.
 *
 * Without a PLIC (virt,aia=aplic-imsic: APLIC + IMSIC) nothing is routed:
 * arch_irq_available() is false and every call below returns
 * ERR_ILLEGAL_OPERATION; the kernel boots and offers no user interrupts.
 */
#ifndef ARCH_RISCV_IRQ_H
#define ARCH_RISCV_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "dtb.h"
#include "error.h"

/* Boot hart, once (arch_init calls it): find the PLIC, check its reg
 * covers every context the DTB wires, map it, give every source priority
 * 0 and disable everything. ERR_FAILED_LOOKUP without a PLIC,
 * ERR_INVALID_ARGUMENT for one the DTB describes inconsistently. */
enum error arch_irq_init(const struct dtb *dtb, arch_map_device_fn map_device);
/* Every hart (arch_init_hart calls it): threshold 0, sie.SEIE on. */
void arch_irq_init_hart(void);

/* Whether a PLIC was found: interrupts can be routed (to user level). */
bool arch_irq_available(void);
/* The highest source number (riscv,ndev); 0 without a PLIC. */
unsigned arch_irq_sources(void);
/* How many harts have an S-mode context. */
unsigned arch_irq_contexts(void);
/* What the boot line says the controller is ("PLIC", or the DTB's
 * compatible of what was found instead, or "none"). */
const char *arch_irq_controller_name(void);

/* Priority of `source` (0 = never delivered, up to 7 on virt). Errors:
 * ERR_RANGE source or priority out of range; ERR_ILLEGAL_OPERATION no PLIC. */
enum error arch_irq_set_priority(unsigned source, unsigned priority);
/* Deliver `source` to (or stop it reaching) the S context of the hart with
 * cpu index `cpu`. ERR_RANGE bad source or a cpu without a context. */
enum error arch_irq_enable(unsigned source, unsigned cpu);
enum error arch_irq_disable(unsigned source, unsigned cpu);
/* The calling hart takes only priorities above `threshold`. */
enum error arch_irq_set_threshold(unsigned threshold);

/* The kernel's handler, for every hart: called once per source claimed on
 * the calling hart's context, which stays claimed until completed. */
void arch_irq_set_handler(void (*handler)(unsigned source));
/* Finish `source`'s claim (on the context that claimed it) so the PLIC
 * may deliver it again. Any hart. ERR_RANGE bad source;
 * ERR_ILLEGAL_OPERATION it is not claimed. */
enum error arch_irq_complete(unsigned source);

/* For arch_interrupt(): the calling hart's external interrupt is pending. */
void arch_irq_interrupt(void);

#endif
