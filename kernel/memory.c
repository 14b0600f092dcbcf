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
