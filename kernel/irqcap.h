/* SPDX-License-Identifier: MIT */
/*
 * Interrupts to user level (seL4's IRQ control and IRQ handler caps over
 * arch/riscv/irq.h's PLIC driver). IRQ control issues one handler cap per
 * source; a handler cap names a notification that a claimed interrupt
 * signals (the source stays masked in the PLIC until the handler acks).
 * Every call runs under the big kernel lock.
 */
#ifndef KERNEL_IRQCAP_H
#define KERNEL_IRQCAP_H

#include <stdint.h>

#include "cnode.h"
#include "cte.h"
#include "error.h"

/* Boot: route claimed sources to irqcap_interrupt. */
void irqcap_init(void);

/*
 * IRQControl_Get: a handler cap for `irq` into `dest` (an empty slot), a
 * child of the control cap. Untrusted: irq, dest's contents. Errors,
 * nothing changed: ERR_ILLEGAL_OPERATION no interrupt controller;
 * ERR_RANGE not a source the controller has; ERR_DELETE_FIRST dest
 * occupied; ERR_REVOKE_FIRST a handler for irq was issued already.
 */
MUST_CHECK enum error irqcap_issue(struct cte *control, uint64_t irq, struct cte *dest);
/* IRQHandler_SetNotification: a copy of the notification cap in `ntfn`
 * (write right needed: ERR_INVALID_CAPABILITY) is signalled from now on. */
MUST_CHECK enum error irqcap_set_notification(uint64_t irq, struct cte *ntfn);
/* IRQHandler_Clear: no notification any more. */
void irqcap_clear(uint64_t irq);
/* The last handler cap of `irq` is gone (core/port.h's
 * port_irq_handler_deleted): mask the source, drop its notification, and
 * let IRQ control issue it again. An irq never issued is ignored. */
void irqcap_deleted(uint64_t irq);
/* IRQHandler_Ack: the source may interrupt again (ERR_ILLEGAL_OPERATION
 * when it is not waiting for an ack). */
MUST_CHECK enum error irqcap_ack(uint64_t irq);

#endif
