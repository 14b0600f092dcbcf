/* SPDX-License-Identifier: MIT */
/*
 * The core/port.h door for the libFuzzer harnesses (hosttest/fuzz_*.c),
 * which link core/ without CMocka: a failed contract is a finding, so it
 * prints where and aborts, and libFuzzer saves the input that did it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "port.h"

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: core/ contract failed: %s\n", file, line, expr);
	abort();
}

/* Host memory is its own "physical" memory, as in fake_arch.c. */
void *port_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

uint64_t port_virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

/* No TLB on the host: nothing to flush. */
void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts)
{
	(void)asid;
	(void)va;
	(void)harts;
}

void port_tlb_flush_asid(uint64_t asid, uint64_t harts)
{
	(void)asid;
	(void)harts;
}

/* Nothing runs threads in the fuzzers: requests and reports are dropped. */
void port_ipi_reschedule(unsigned hart)
{
	(void)hart;
}

void port_remote_stall(unsigned hart)
{
	(void)hart;
}

void port_irq_handler_deleted(uint64_t irq)
{
	(void)irq;
}

/* No fuzzer sends user interrupts (core/uintr.c is linked with the rest of core/). */
void port_uintr_ipi(unsigned hart)
{
	(void)hart;
}

void port_uintr_wake(struct uintr_receiver *r)
{
	(void)r;
}

void port_uintr_unload(unsigned hart)
{
	(void)hart;
}

void port_uintr_receiver_gone(struct uintr_receiver *r)
{
	(void)r;
}

void port_uintr_entry_changed(struct uintr_sender_table *t, uint32_t i)
{
	(void)t;
	(void)i;
}

unsigned port_reg_index(enum port_reg reg)
{
	return (unsigned)reg;
}

void port_fault_unhandled(const void *tcb, unsigned kind, uint64_t address, uint64_t pc)
{
	(void)tcb, (void)kind, (void)address, (void)pc;
}
