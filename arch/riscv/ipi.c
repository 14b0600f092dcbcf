/* SPDX-License-Identifier: MIT */
/*
 * The IPI mailbox (see ipi.h). Each hart has a word of pending message
 * bits; a synchronous call also uses the slot that belongs to its
 * (sender, target) pair, so concurrent senders never share a slot and no
 * lock is needed: the sender writes fn/arg, bumps `requested`, posts the
 * bit and sends the IPI; the target runs every slot whose `done` lags and
 * then publishes `done`.
 */
#include "ipi.h"

#include "barrier.h"
#include "config.h"
#include "csr.h"
#include "hart.h"
#include "sbi.h"

enum message {
	MESSAGE_RESCHEDULE = 1u << 0,
	MESSAGE_CALL = 1u << 1,
};

struct call_slot {
	void (*fn)(void *arg);
	void *arg;
	uint32_t requested; /* written by the sender */
	uint32_t done;      /* written by the target */
};

struct mailbox {
	uint32_t pending; /* enum message bits */
	uint64_t sent;    /* IPIs this hart sent */
	struct call_slot from[CONFIG_MAX_HARTS];
};

static struct mailbox mailboxes[CONFIG_MAX_HARTS];
static void (*reschedule_handler)(void);
static void (*stall_handler)(void);

/* The calling hart's cpu index. Assumes tp is set (after boot's
 * cpu_write_tp): IPIs are sent and received only by running harts. */
static unsigned self(void)
{
	return hart_current()->cpu_index;
}

void arch_ipi_init_hart(void)
{
	csr_clear_sip(SIP_SSIP);
	csr_set_sie(SIE_SSIE);
}

void arch_ipi_set_reschedule_handler(void (*handler)(void))
{
	__atomic_store_n(&reschedule_handler, handler, __ATOMIC_RELEASE);
}

void arch_ipi_set_stall_handler(void (*handler)(void))
{
	__atomic_store_n(&stall_handler, handler, __ATOMIC_RELEASE);
}

static void post(unsigned cpu, uint32_t message)
{
	/* The mailbox write is ordered before the IPI by the AMO's release
	 * and the ecall (a full fence in OpenSBI's send path). */
	__atomic_fetch_or(&mailboxes[cpu].pending, message, __ATOMIC_RELEASE);
	mailboxes[self()].sent++;
	(void)sbi_send_ipi(1, harts[cpu].hart_id);
}

void arch_ipi_reschedule(unsigned cpu)
{
	post(cpu, MESSAGE_RESCHEDULE);
}

static void call_one(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct call_slot *slot = &mailboxes[cpu].from[self()];
	slot->fn = fn;
	slot->arg = arg;
	__atomic_add_fetch(&slot->requested, 1, __ATOMIC_RELEASE);
	post(cpu, MESSAGE_CALL);
}

static bool call_finished(unsigned cpu)
{
	struct call_slot *slot = &mailboxes[cpu].from[self()];
	return __atomic_load_n(&slot->done, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&slot->requested, __ATOMIC_RELAXED);
}

void arch_ipi_call(uint64_t cpus, void (*fn)(void *arg), void *arg)
{
	unsigned me = self();
	cpus &= ~(UINT64_C(1) << me);
	for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
		if (cpus & UINT64_C(1) << cpu)
			call_one(cpu, fn, arg);
	for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
		while ((cpus & UINT64_C(1) << cpu) && !call_finished(cpu)) {
			arch_spin_yield();     /* the target may share our host CPU */
			(void)arch_ipi_poll(); /* serve calls aimed at us meanwhile */
		}
}

static void run_stall(void *arg)
{
	(void)arg;
	void (*handler)(void) = __atomic_load_n(&stall_handler, __ATOMIC_ACQUIRE);
	if (handler)
		handler();
}

void arch_ipi_stall(unsigned cpu)
{
	arch_ipi_call(UINT64_C(1) << cpu, run_stall, NULL);
}

bool arch_ipi_poll(void)
{
	struct mailbox *box = &mailboxes[self()];
	/* Cheap when idle: two reads, no CSR write (QEMU serialises sip writes
	 * across harts, and lock-wait loops call this in a spin). */
	bool raised = csr_read_sip() & SIP_SSIP;
	if (!raised && !__atomic_load_n(&box->pending, __ATOMIC_RELAXED))
		return false;
	/* Clear SSIP before taking the mailbox: a message posted after the
	 * exchange raises it again, so none is lost. */
	if (raised)
		csr_clear_sip(SIP_SSIP);
	uint32_t pending = __atomic_exchange_n(&box->pending, 0, __ATOMIC_ACQUIRE);
	if (pending & MESSAGE_CALL) {
		for (unsigned from = 0; from < CONFIG_MAX_HARTS; from++) {
			struct call_slot *slot = &box->from[from];
			uint32_t requested = __atomic_load_n(&slot->requested, __ATOMIC_ACQUIRE);
			if (requested == slot->done)
				continue;
			slot->fn(slot->arg);
			__atomic_store_n(&slot->done, requested, __ATOMIC_RELEASE);
		}
	}
	if (pending & MESSAGE_RESCHEDULE) {
		void (*handler)(void) = __atomic_load_n(&reschedule_handler, __ATOMIC_ACQUIRE);
		if (handler)
			handler();
	}
	return pending != 0;
}

void arch_spin_yield(void)
{
	const struct hart *hart = hart_current();
	if (hart == NULL || !(csr_read_sie() & SIE_SSIE))
		return;
	bool raised = csr_read_sip() & SIP_SSIP;
	if (!raised)
		csr_set_sip(SIP_SSIP);
	cpu_wait_for_interrupt(); /* ends at once: SSIP is pending and enabled */
	if (raised)
		return;
	csr_clear_sip(SIP_SSIP);
	/* A message posted since found SSIP set already and did not raise
	 * it: raise it again, as post() would have (arch_ipi_poll's order). */
	if (__atomic_load_n(&mailboxes[hart->cpu_index].pending, __ATOMIC_ACQUIRE))
		csr_set_sip(SIP_SSIP);
}

void arch_ipi_interrupt(void)
{
	(void)arch_ipi_poll();
}

uint64_t arch_ipi_sent(void)
{
	return mailboxes[self()].sent;
}
