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
#include "tcb.h"

extern struct kernel_info kernel_info_page;

/* Boot, once the timer knows its frequency and the `count` harts their
 * struct hart: fill the constant fields and each hart's `kinfo`. */
void kinfo_init(unsigned count, uint64_t timebase_frequency);

/* t's id: its TCB's kernel address, nonzero and the same for the thread's
 * life (docs/abi.md), so the exits store the pointer they already hold. */
HOT_INLINE uint64_t kinfo_id(const struct tcb *t)
{
	return (uint64_t)(uintptr_t)t;
}

/*
 * hart returns to user mode in t (NULL: it idles). Lock held, on hart.
 * What a reader of the page needs (docs/abi.md): the word read whole,
 * never torn. An aligned 64-bit store gives that on RV64 (single-copy
 * atomic, RVWMO), so it is a plain volatile store (GCC's relaxed
 * __atomic_store_n is an amoswap.d there); the lock's release orders it
 * before anything this hart does next. A store every exit, no compare:
 * the page keeps no count of changes a compare would guard (abi.md).
 */
HOT_INLINE void kinfo_set_running(struct hart *hart, const struct tcb *t)
{
	*(volatile uint64_t *)&hart->kinfo->thread = t != NULL ? kinfo_id(t) : 0;
}

#endif
