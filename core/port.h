/* SPDX-License-Identifier: MIT */
/*
 * The one door between core/ and the machine (STYLE.md item 2).
 *
 * Every hook core/ calls is declared here with its contract. There are exactly
 * two implementations: arch/riscv/port.c for the kernel and
 * hosttest/fake_arch.c for the host tests, which records each call so that a
 * test can assert on it. core/ includes nothing but core headers and the
 * freestanding C headers; ci/check-core-includes enforces that.
 *
 * Hooks are added here when a core/ module first needs them (TLB shootdown
 * with the vspace, IPIs with the scheduler), each with its contract.
 */
#ifndef CORE_PORT_H
#define CORE_PORT_H

#include <stdint.h>

/*
 * A core/ contract (CORE_ASSERT) failed: a kernel bug, never a user error.
 * Must not return. Kernel: print file:line and the expression, stop the
 * system with a failure status. Host: fail the running test.
 */
_Noreturn void port_assert_failed(const char *file, int line, const char *expr);

/*
 * The kernel-virtual address at which physical address `pa` can be read and
 * written (page tables and kernel objects hold physical addresses).
 * Kernel: the physical-memory window; host: the identity. Assumes pa lies
 * in memory the kernel maps.
 */
void *port_phys_to_virt(uint64_t pa);

/* The inverse of port_phys_to_virt for memory inside that window. */
uint64_t port_virt_to_phys(const void *va);

/*
 * TLB shootdown (core/vspace.c, core/asid.c). Each call returns once no hart
 * that may run address space `asid` can still use the translations named,
 * and page-table writes before the call are visible to later walks.
 */
/* The leaf translation of the page containing va in address space asid. */
void port_tlb_flush_page(uint64_t asid, uint64_t va);
/* Every non-global translation (any level) of address space asid. */
void port_tlb_flush_asid(uint64_t asid);

#endif
