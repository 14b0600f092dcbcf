/* SPDX-License-Identifier: MIT */
/*
 * The host implementation of core/port.h: a fake machine for the CMocka
 * suites. Hooks record what core/ asked for (fake_arch.h) so that tests can
 * assert on it; a failed core/ contract fails the running test, or satisfies
 * a test that expects it via cmocka's expect_assert_failure().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "port.h"
#include "uintr.h"

struct fake_arch fake_arch;

void fake_arch_reset(void)
{
	fake_arch = (struct fake_arch){ 0 };
}

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	fake_arch.assert_failures++;
	mock_assert(0, expr, file, line);
	abort(); /* mock_assert longjmps out; this only satisfies _Noreturn */
}

/* Host memory is its own "physical" memory: page tables built by the tests
 * hold host addresses, which fit Sv39's 44-bit PPN on x86-64 and arm64. */
void *port_phys_to_virt(uint64_t pa)
{
	fake_arch.phys_to_virt_calls++;
	return (void *)(uintptr_t)pa;
}

uint64_t port_virt_to_phys(const void *va)
{
	fake_arch.virt_to_phys_calls++;
	return (uint64_t)(uintptr_t)va;
}

static void record_flush(struct fake_flush flush)
{
	if (fake_arch.flush_count < FAKE_FLUSH_LOG)
		fake_arch.flushes[fake_arch.flush_count++] = flush;
}

void fake_arch_clear_flushes(void)
{
	fake_arch.flush_page_calls = 0;
	fake_arch.flush_asid_calls = 0;
	fake_arch.flush_count = 0;
}

void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts)
{
	fake_arch.flush_page_calls++;
	record_flush((struct fake_flush){ FAKE_FLUSH_PAGE, asid, va, harts });
}

void port_tlb_flush_asid(uint64_t asid, uint64_t harts)
{
	fake_arch.flush_asid_calls++;
	record_flush((struct fake_flush){ FAKE_FLUSH_ASID, asid, 0, harts });
}

void port_ipi_reschedule(unsigned hart)
{
	fake_arch.ipi_calls++;
	fake_arch.ipi_harts |= 1ull << hart;
}

void port_remote_stall(unsigned hart)
{
	fake_arch.stall_calls++;
	fake_arch.stall_harts |= 1ull << hart;
	if (fake_arch.on_stall != NULL)
		fake_arch.on_stall(hart);
}

/* A register block laid out as the roles' own numbers, shifted by one so
 * that a core/ that used role numbers as indices would be caught. */
unsigned port_reg_index(enum port_reg reg)
{
	return (unsigned)reg + 1;
}

void port_irq_handler_deleted(uint64_t irq)
{
	fake_arch.irq_deleted_calls++;
	fake_arch.last_irq_deleted = irq;
}

void port_fault_unhandled(const void *tcb, unsigned kind, uint64_t address, uint64_t pc)
{
	fake_arch.unhandled_faults++;
	fake_arch.last_fault_tcb = tcb;
	fake_arch.last_fault_kind = kind;
	fake_arch.last_fault_address = address;
	fake_arch.last_fault_pc = pc;
}

void port_uintr_ipi(unsigned hart)
{
	__atomic_fetch_add(&fake_arch.uintr_ipi_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_or(&fake_arch.uintr_ipi_harts, 1ull << hart, __ATOMIC_RELAXED);
}

void port_uintr_wake(struct uintr_receiver *r)
{
	__atomic_fetch_add(&fake_arch.uintr_wake_calls, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&fake_arch.uintr_last_woken, (const void *)r, __ATOMIC_RELAXED);
	if (fake_arch.on_uintr_wake != NULL)
		fake_arch.on_uintr_wake(r);
}

void port_uintr_unload(unsigned hart)
{
	fake_arch.uintr_unload_calls++;
	fake_arch.uintr_unload_harts |= 1ull << hart;
	struct uintr_receiver *r = uintr_running_on(hart);
	if (r != NULL)
		uintr_switch_out(r);
}

void port_uintr_receiver_gone(struct uintr_receiver *r)
{
	(void)r;
	fake_arch.uintr_gone_calls++;
}

void port_uintr_entry_changed(struct uintr_sender_table *t, uint32_t i)
{
	(void)t;
	(void)i;
	fake_arch.uintr_entry_changed_calls++;
}
