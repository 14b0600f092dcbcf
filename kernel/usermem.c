/* SPDX-License-Identifier: MIT */
/* Checked access to user memory (see usermem.h). */
#include "usermem.h"

#include "memory.h"

bool uslice_readable(const struct pagetable *root, struct uslice slice)
{
	return pagetable_range_accessible(root, slice.address, slice.length, PTE_USER | PTE_READ);
}

void uslice_for_each_piece(const struct pagetable *root, struct uslice slice,
			   void (*consume)(const char *bytes, uint64_t length))
{
	uint64_t address = slice.address, end = slice.address + slice.length;
	while (address < end) {
		struct pagetable_translation translation;
		if (pagetable_translate(root, address, &translation) != ERR_OK)
			return; /* excluded by the caller's check */
		uint64_t page_end = (address | (PAGE_BYTES - 1)) + 1;
		uint64_t piece = (page_end < end ? page_end : end) - address;
		consume(physical_to_kernel(translation.physical_address), piece);
		address += piece;
	}
}
