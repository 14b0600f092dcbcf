/* SPDX-License-Identifier: MIT */
/* The kernel's implementation of core/port.h (the host's is hosttest/fake_arch.c). */
#include "port.h"

#include "barrier.h"
#include "console.h"
#include "memory.h"

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	panic("core contract failed at %s:%d: %s", file, line, expr);
}

void *port_phys_to_virt(uint64_t pa)
{
	return physical_to_kernel(pa);
}

uint64_t port_virt_to_phys(const void *va)
{
	return kernel_to_physical(va);
}

/*
 * Local flushes only: an address space runs on one hart at a time (each
 * hart runs its own programs, each with its own ASID), so no other hart can
 * hold its translations. Remote flushes (SBI RFENCE) come with threads that
 * migrate between harts; docs/vspace.md says so.
 */
void port_tlb_flush_page(uint64_t asid, uint64_t va)
{
	sfence_vma_page(va, asid);
}

void port_tlb_flush_asid(uint64_t asid)
{
	sfence_vma_asid(asid);
}
