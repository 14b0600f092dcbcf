/* SPDX-License-Identifier: MIT */
/* Boot-time physical page allocation (see memory.h). */
#include "memory.h"

#include "kstring.h"
#include "spinlock.h"

#define FREE_RANGE_CAPACITY 64

static struct range free_storage[FREE_RANGE_CAPACITY];
struct range_set free_memory = {
	.ranges = free_storage,
	.capacity = FREE_RANGE_CAPACITY,
	.page_bytes = PAGE_BYTES,
};
static struct spinlock free_memory_lock;

void memory_zero_page(uint64_t pa)
{
	memset(physical_to_kernel(pa), 0, PAGE_BYTES);
}

uint64_t memory_take_page(void)
{
	uint64_t page;
	spinlock_acquire(&free_memory_lock);
	enum error err = range_set_take_page(&free_memory, &page);
	spinlock_release(&free_memory_lock);
	if (err != ERR_OK)
		return 0;
	memory_zero_page(page);
	return page;
}

uint64_t memory_take_block(unsigned bits)
{
	uint64_t bytes = UINT64_C(1) << bits, found = 0;
	spinlock_acquire(&free_memory_lock);
	for (size_t i = 0; i < free_memory.count && !found; i++) {
		const struct range *range = &free_memory.ranges[i];
		uint64_t base = (range->base + bytes - 1) & ~(bytes - 1);
		if (base >= range->base && base + bytes <= range->base + range->size &&
		    range_set_remove(&free_memory, base, bytes) == ERR_OK)
			found = base;
	}
	spinlock_release(&free_memory_lock);
	return found;
}
