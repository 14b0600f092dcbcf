/* SPDX-License-Identifier: MIT */
/* Supervisor interrupt dispatch (see interrupt.h). */
#include "interrupt.h"

#include "csr.h"
#include "ipi.h"
#include "irq.h"
#include "timer.h"
#include "uintr_hardware.h"
#include "uintr_select.h"

bool arch_interrupt(uint64_t scause)
{
	if (!(scause & CAUSE_INTERRUPT))
		return false;
	switch (scause & ~CAUSE_INTERRUPT) {
	case CAUSE_SUPERVISOR_TIMER: arch_timer_interrupt(); return true;
	case CAUSE_SUPERVISOR_EXTERNAL: arch_irq_interrupt(); return true;
	case CAUSE_SUPERVISOR_SOFTWARE: arch_ipi_interrupt(); return true;
	/* Hardware backend only: a SEND to a sleeper armed on this hart
	 * (uintr_hardware.c); the scheduling pass that follows polls it. */
	case CAUSE_USER_SOFTWARE:
		if (uintr_backend->kind != UINTR_BACKEND_HARDWARE)
			return false;
		uintr_hardware_usip_taken();
		return true;
	default: return false;
	}
}

bool arch_interrupt_poll(void)
{
	static const uint64_t order[] = { CAUSE_SUPERVISOR_EXTERNAL, CAUSE_SUPERVISOR_SOFTWARE,
					  CAUSE_SUPERVISOR_TIMER };
	uint64_t pending = csr_read_sip() & csr_read_sie();

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (pending & (1ul << order[i]))
			return arch_interrupt(CAUSE_INTERRUPT | order[i]);
	return false;
}
