/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the machine-facing modules (docs/arch.md): the timer
 * (timer.h), the interrupt controller (irq.h) and the IPI mailbox (ipi.h).
 * Two calls from the kernel's boot, nothing else.
 */
#ifndef ARCH_RISCV_ARCH_H
#define ARCH_RISCV_ARCH_H

#include "dtb.h"

/* Map a device's registers at physical [pa, pa + size) for the kernel
 * (read/write, never executable) and return their kernel address. */
typedef void *(*arch_map_device_fn)(uint64_t pa, uint64_t size);

/* Boot hart, once, after the kernel's page table is live and the per-hart
 * data (harts[], cpu indices) is filled, before other harts start: read
 * the timebase and per-hart Sstc, find and map the interrupt controller.
 * Prints one line per module; panics only on a DTB the kernel cannot run
 * on (no timebase). */
void arch_init(const struct dtb *dtb, arch_map_device_fn map_device);

/* Map more device registers, as arch_init's map_device (boot hart, during
 * boot only: before any user address space copies the kernel's half). */
void *arch_map_device(uint64_t pa, uint64_t size);

/* Every hart (the boot hart too), before it first runs user code: its
 * timer (disarmed), its interrupt-controller context (threshold 0, external
 * interrupts enabled in sie) and its IPI mailbox (software interrupts
 * enabled in sie). Interrupts stay masked in the kernel (sstatus.SIE = 0);
 * they are taken in user mode and by arch_interrupt_poll(). */
void arch_init_hart(void);

#endif
