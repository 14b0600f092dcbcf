/* SPDX-License-Identifier: MIT */
/* IRQ control and handler caps (see irqcap.h). */
#include "irqcap.h"

#include "irq.h"
#include "mdb.h"
#include "notification.h"
#include "object.h"

#define IRQ_LIMIT 1024 /* the PLIC's most sources */

/* Per source: a handler cap was issued, and the notification it signals. */
static uint8_t issued[IRQ_LIMIT];
static struct cte notifications[IRQ_LIMIT];

/* A claimed source (under the lock, from the trap path or the idle loop):
 * signal its notification; without one it stays claimed, so masked. */
static void interrupt(unsigned source)
{
	if (source < IRQ_LIMIT && cap_type(notifications[source].cap) == CAP_NOTIFICATION) {
		enum error err = notification_signal(notifications[source].cap);
		(void)err; /* a copy of a notification cap with the write right */
	}
}

void irqcap_init(void)
{
	arch_irq_set_handler(interrupt);
}

enum error irqcap_issue(struct cte *control, uint64_t irq, struct cte *dest)
{
	if (!arch_irq_available())
		return ERR_ILLEGAL_OPERATION;
	if (irq == 0 || irq > arch_irq_sources() || irq >= IRQ_LIMIT)
		return ERR_RANGE;
	if (!cap_is_null(dest->cap))
		return ERR_DELETE_FIRST;
	if (issued[irq])
		return ERR_REVOKE_FIRST;
	if (arch_irq_set_priority((unsigned)irq, 1) != ERR_OK ||
	    arch_irq_enable((unsigned)irq, 0) != ERR_OK)
		return ERR_RANGE;
	issued[irq] = 1;
	cte_insert(cap_irq_handler_new(irq), control, dest);
	return ERR_OK;
}

enum error irqcap_set_notification(uint64_t irq, struct cte *ntfn)
{
	if (cap_type(ntfn->cap) != CAP_NOTIFICATION ||
	    !(cap_rights(ntfn->cap).bits & CAP_RIGHT_WRITE))
		return ERR_INVALID_CAPABILITY;
	struct cap_result copy = cte_derive(ntfn, ntfn->cap);
	if (copy.err != ERR_OK || cap_is_null(copy.cap))
		return ERR_INVALID_CAPABILITY;
	irqcap_clear(irq);
	cte_insert(copy.cap, ntfn, &notifications[irq]);
	return ERR_OK;
}

void irqcap_clear(uint64_t irq)
{
	/* A notification cap: deleting it is one step. */
	struct work_budget budget = { .left = 1 };
	enum error err = cte_delete(&notifications[irq], &budget);
	CORE_ASSERT(err == ERR_OK);
	(void)err;
}

void irqcap_deleted(uint64_t irq)
{
	if (irq == 0 || irq >= IRQ_LIMIT || !issued[irq])
		return; /* never issued: no handler cap named it */
	/* Priority 0 first: the completion below cannot let it fire. */
	enum error err = arch_irq_set_priority((unsigned)irq, 0);
	CORE_ASSERT(err == ERR_OK); /* issued: a source the PLIC has */
	/* A claim nobody will ack would hold the line in the PLIC's gateway
	 * for the next handler: finish it while still enabled (the PLIC
	 * ignores a completion for a disabled source); not claimed: refused,
	 * harmless. */
	err = arch_irq_complete((unsigned)irq);
	(void)err;
	err = arch_irq_disable((unsigned)irq, 0);
	CORE_ASSERT(err == ERR_OK);
	irqcap_clear(irq);
	issued[irq] = 0;
}

enum error irqcap_ack(uint64_t irq)
{
	return arch_irq_complete((unsigned)irq);
}
