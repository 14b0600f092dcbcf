/* SPDX-License-Identifier: MIT */
/*
 * Which harts may hold TLB entries of an ASID: a hart sets its bit for an
 * ASID when it switches satp to it (under the kernel lock), and a flush
 * (core/port.h) goes to the harts whose bit is set, so an address space
 * that ran on one hart costs one local sfence, not an SBI round to every
 * hart. Bits are never cleared (ASIDs are reused): conservative, correct.
 * Seam: the arch work's IPI shootdown may replace this.
 */
#ifndef ARCH_RISCV_ASID_HARTS_H
#define ARCH_RISCV_ASID_HARTS_H

#include <stdint.h>

/* Hart `cpu` (a cpu index) is about to run with `asid` in satp. */
void asid_harts_note(unsigned cpu, uint64_t asid);

#endif
