/* SPDX-License-Identifier: MIT */
/*
 * The user-interrupt backend this machine runs, chosen once at boot from
 * the device tree (uintr_probe; docs/uintr.md). The kernel calls through
 * uintr_backend and never asks which one it is.
 */
#ifndef ARCH_RISCV_UINTR_SELECT_H
#define ARCH_RISCV_UINTR_SELECT_H

#include "dtb.h"
#include "uintr_backend.h"

extern const struct uintr_backend *uintr_backend;

/* Boot hart, once (arch_init): probe and choose. */
void arch_uintr_init(const struct dtb *dtb);
/* Each hart as it starts (arch_init_hart). */
void arch_uintr_init_hart(void);

#endif
