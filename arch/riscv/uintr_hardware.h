/* SPDX-License-Identifier: MIT */
/*
 * The hardware user-interrupt backend (uintr_backend.h, docs/uintr.md): the
 * U-interrupt model's N-extension CSRs, suist/suirs/suicfg and UINTC
 * (../shared/UINTR.md, section R first). Selected only when uintr_probe
 * said HARDWARE; before uintr_hardware_init nothing here touches a CSR or
 * the device. The slot accessors below are for kernel/archtest_uintr.c.
 */
#ifndef ARCH_RISCV_UINTR_HARDWARE_H
#define ARCH_RISCV_UINTR_HARDWARE_H

#include <stdbool.h>
#include <stdint.h>

#include "uintr_backend.h"

/* UINTC's per-slot registers (UINTR.md section 3): byte offsets in a slot. */
#define UINTC_SEND 0x00    /* write: set pending bit `value` (what uipi SEND stores) */
#define UINTC_LOW 0x08     /* read/write: hartid << 16 | mode (bit 0 Active, bit 1 64-bit) */
#define UINTC_PENDING 0x10 /* read: pending, read-and-clear; write: pending |= value */
#define UINTC_ACTIVE 0x18  /* read: Active; write: value != 0 sets it, 0 clears it */
#define UINTC_MODE_ACTIVE 1u
#define UINTC_MODE_64 2u
#define UINTC_HARTID_SHIFT 16
#define SUIST_PAGES 1u /* suist's Size: the UIST is one page */

extern const struct uintr_backend uintr_backend_hardware;

/* arch_interrupt took USIP in S (a SEND to a sleeper armed on this hart
 * while no receiver runs here; docs/uintr.md): the scheduling pass polls
 * the armed slots; when none is armed here any more, the line is cleared,
 * or it would trap for ever. Lock held. */
void uintr_hardware_usip_taken(void);

/*
 * Boot hart, once, after uintr_probe returned HARDWARE with `hw` and while
 * devices may still be mapped (arch_map_device): map UINTC and take its
 * slot count. A second call does nothing. Assumes hw came from the probe.
 */
void uintr_hardware_init(const struct uintr_hw_info *hw);
/* uintr_hardware_init has run. */
bool uintr_hardware_ready(void);

/* Slots UINTC has, and how many receivers hold one. */
uint32_t uintr_hardware_slots(void);
uint32_t uintr_hardware_slots_used(void);
/* Whether slot is allocated now (a test's view of one slot: the count above
 * moves with every hart's receivers). */
bool uintr_hardware_slot_taken(uint32_t slot);

/* One slot register (offset UINTC_*), 8 bytes wide. Assumes slot <
 * uintr_hardware_slots(). */
uint64_t uintr_hardware_slot_read(uint32_t slot, unsigned offset);
void uintr_hardware_slot_write(uint32_t slot, unsigned offset, uint64_t value);

/* 1 + the cpu index of the hart a sleeper's slot is armed on (its SEND
 * raises USIP there, and that hart's poll finds it), 0 when it is not
 * armed. Assumes slot < uintr_hardware_slots(). */
unsigned uintr_hardware_armed_on(uint32_t slot);

/* The suist value that makes t's UIST words the hart's sender table. */
uint64_t uintr_hardware_suist(struct uintr_sender_table *t);

#endif
