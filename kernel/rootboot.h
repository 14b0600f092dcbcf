/* SPDX-License-Identifier: MIT */
/*
 * The root task: the one user thread the kernel creates (servers/root). Its
 * objects come from one block of boot memory turned into untyped and
 * retyped with core/ (CNode, TCB, VSpace, ASID pool, IPC buffer, boot info,
 * the frames of its image, its stack and the boot image); every other free
 * byte becomes untyped caps in its CNode, described by the boot info
 * (core/abi.h, struct boot_info; docs/boot.md). After this the kernel takes
 * no memory of its own: everything else is retyped by user level.
 */
#ifndef KERNEL_ROOTBOOT_H
#define KERNEL_ROOTBOOT_H

#include "dtb.h"

/* Build the root task and make it the boot hart's current thread. Panics
 * when the boot image or memory does not allow it. */
void root_task_create(unsigned boot_hart, const char *bootargs, const struct dtb_range *memory,
		      size_t memory_count);

#endif
