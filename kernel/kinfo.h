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

/* t's id, kernel_to_physical(t): the physical map starts at -2^38 and
 * spans 2^38 bytes, so the low 38 bits of the address are the physical
 * address (two shifts, where the subtraction's constant took two more). */
_Static_assert(KERNEL_PHYSMAP_OFFSET == 0xffffffc000000000ull, "the physical map is the top 2^38");
HOT_INLINE uint64_t kinfo_id(const struct tcb *t)
{
	return (uint64_t)(uintptr_t)t << 26 >> 26;
}

/*
 * What a reader of the page needs (docs/abi.md): each word read whole,
 * never torn, and nothing about the pair or other memory. An aligned
 * 64-bit store gives that on RV64 (single-copy atomic, RVWMO), so the
 * words are written with plain volatile stores: GCC's relaxed
 * __atomic_store_n is an amoswap.d there (and it paid one per word). The
 * lock's release orders them before anything this hart does next.
 */
HOT_INLINE void kinfo_publish(struct kernel_info_hart *k, uint64_t id)
{
	*(volatile uint64_t *)&k->thread = id;
	*(volatile uint64_t *)&k->switches = k->switches + 1;
}

/* hart returns to user mode in t (NULL: it idles). Lock held, on hart. */
/* Inline on every exit (HOT_INLINE: GCC kept it out of line, 20
 * instructions a return where the common case is a compare and two stores). */
HOT_INLINE void kinfo_set_running(struct hart *hart, const struct tcb *t)
{
	struct kernel_info_hart *k = hart->kinfo;
	uint64_t id = t != NULL ? kinfo_id(t) : 0;
	if (k->thread != id)
		kinfo_publish(k, id);
}

/* kinfo_set_running(hart, next) where the page names another thread than
 * next (the fastpath's first tier: hart leaves `from`, whose id the page
 * has had since hart last entered user mode, for next != from): the
 * compare's answer is known. Lock held, on hart. */
HOT_INLINE void kinfo_set_running_switched(struct hart *hart, const struct tcb *next)
{
	kinfo_publish(hart->kinfo, kinfo_id(next));
}

#endif
