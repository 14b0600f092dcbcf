/* SPDX-License-Identifier: MIT */
/* The kernel info page (see kinfo.h). */
#include "kinfo.h"

#include "config.h"
#include "hart.h"

_Static_assert(CONFIG_MAX_HARTS <= KERNEL_INFO_MAX_HARTS, "every hart has its entry");

_Alignas(4096) struct kernel_info kernel_info_page;

void kinfo_init(unsigned count, uint64_t timebase_frequency)
{
	kernel_info_page.hart_count = count;
	kernel_info_page.timebase_frequency = timebase_frequency;
	kernel_info_page.magic = KERNEL_INFO_MAGIC;
	for (unsigned h = 0; h < count; h++)
		harts[h].kinfo = &kernel_info_page.hart[h];
}
