/* SPDX-License-Identifier: MIT */
/*
 * Physical memory at boot: the free ranges left after the firmware, the
 * kernel image, the DTB and reserved memory are taken out (a core/range_set
 * under a lock), and the physical-memory window that makes them reachable.
 */
#ifndef KERNEL_MEMORY_H
#define KERNEL_MEMORY_H

#include <stdint.h>

#include "layout.h"
#include "pagetable.h"
#include "range_set.h"

extern struct range_set free_memory;

static inline void *physical_to_kernel(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + KERNEL_PHYSMAP_OFFSET);
}

static inline uint64_t kernel_to_physical(const void *va)
{
	return (uint64_t)(uintptr_t)va - KERNEL_PHYSMAP_OFFSET;
}

/* A zeroed page, or 0 when memory is exhausted. Any hart may call it. */
uint64_t memory_take_page(void);

void memory_zero_page(uint64_t pa);
/* A naturally aligned block of 2^bits bytes (not zeroed), or 0. */
uint64_t memory_take_block(unsigned bits);

#endif
