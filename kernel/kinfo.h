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
#include "memory.h"
#include "tcb.h"

extern struct kernel_info kernel_info_page;

/* Boot, once the timer knows its frequency: fill the constant fields. */
void kinfo_init(unsigned harts, uint64_t timebase_frequency);

/* Hart h returns to user mode in t (NULL: it idles). Lock held, on h. */
/* Inline on every exit (HOT_INLINE: GCC kept it out of line, 20
 * instructions a return where the common case is a compare and two stores). */
HOT_INLINE void kinfo_set_running(unsigned h, const struct tcb *t)
{
	struct kernel_info_hart *hart = &kernel_info_page.hart[h];
	uint64_t id = t != NULL ? kernel_to_physical(t) : 0;
	if (hart->thread != id) {
		__atomic_store_n(&hart->thread, id, __ATOMIC_RELAXED);
		__atomic_store_n(&hart->switches, hart->switches + 1, __ATOMIC_RELAXED);
	}
}

#endif
