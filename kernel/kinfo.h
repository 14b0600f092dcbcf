/* SPDX-License-Identifier: MIT */
/*
 * The kernel info page (core/abi.h's struct kernel_info, docs/abi.md): one
 * page of kernel memory, mapped read-only for user mode at
 * KERNEL_INFO_VADDR in the kernel's half of the address space, which every
 * VSpace copies, so each has it without a mapping of its own.
 */
#ifndef KERNEL_KINFO_H
#define KERNEL_KINFO_H

#include <stdint.h>

#include "abi.h"
#include "compiler.h"
#include "hart.h"
#include "memory.h"
#include "tcb.h"

extern struct kernel_info kernel_info_page;

/* Boot, once the timer knows its frequency and the `count` harts their
 * struct hart: fill the constant fields and each hart's `kinfo`. */
void kinfo_init(unsigned count, uint64_t timebase_frequency);

/* hart returns to user mode in t (NULL: it idles). Lock held, on hart. */
/* Inline on every exit (HOT_INLINE: GCC kept it out of line, 20
 * instructions a return where the common case is a compare and two stores). */
HOT_INLINE void kinfo_set_running(struct hart *hart, const struct tcb *t)
{
	struct kernel_info_hart *k = hart->kinfo;
	uint64_t id = t != NULL ? kernel_to_physical(t) : 0;
	if (k->thread != id) {
		__atomic_store_n(&k->thread, id, __ATOMIC_RELAXED);
		__atomic_store_n(&k->switches, k->switches + 1, __ATOMIC_RELAXED);
	}
}

#endif
