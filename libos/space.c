/* SPDX-License-Identifier: MIT */
/* Address spaces a program builds for its own threads (space.h). */
#include "space.h"

#include <string.h>

#include "process.h"

#define DEPTH 64
#define PAGE 4096u

/* The image's segments (libos/user.ld). */
extern char __image_start[], __rodata_start[], __data_start[], _end[];

cptr_t space_object(struct space_alloc *a, enum object_type type, unsigned bits)
{
	if (a->next >= a->end)
		return 0;
	for (unsigned i = 0; i < 2 && a->untyped[i] != 0; i++)
		if (kestrel_untyped_retype(a->untyped[i], type, bits, PROC_CAP_CNODE, 0, 0, a->next,
					   1) == ERR_OK)
			return a->next++;
	return 0;
}

enum error space_map(struct space_alloc *a, cptr_t frame, cptr_t vspace, uint64_t va,
		     uint64_t rights, uint64_t attributes)
{
	/* Sv39: at most two tables below the root are missing. */
	for (unsigned level = 0;; level++) {
		enum error err = kestrel_page_map(frame, vspace, va, rights, attributes);
		if (err != ERR_FAILED_LOOKUP || level == 2)
			return err;
		cptr_t table = space_object(a, OBJ_PAGE_TABLE, 0);
		if (table == 0)
			return ERR_NOT_ENOUGH_MEMORY;
		err = kestrel_page_table_map(table, vspace, va, 0);
		if (err != ERR_OK)
			return err;
	}
}

enum error space_fresh(struct space_alloc *a, cptr_t vspace, uint64_t va, unsigned pages,
		       cptr_t *first)
{
	for (unsigned i = 0; i < pages; i++) {
		cptr_t frame = space_object(a, OBJ_FRAME_4K, 0);
		if (frame == 0)
			return ERR_NOT_ENOUGH_MEMORY;
		if (i == 0 && first)
			*first = frame;
		enum error err =
		    space_map(a, frame, vspace, va + (uint64_t)i * PAGE,
			      ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER);
		if (err != ERR_OK)
			return err;
	}
	return ERR_OK;
}

cptr_t space_copy_cap(struct space_alloc *a, cptr_t frame)
{
	if (a->next >= a->end || kestrel_cnode_copy(PROC_CAP_CNODE, a->next, DEPTH, PROC_CAP_CNODE,
						    frame, DEPTH, ABI_RIGHTS_ALL) != ERR_OK)
		return 0;
	return a->next++;
}

/* One page of the image: a new frame filled through the window, then
 * mapped in the clone at the same address. */
static enum error clone_page(struct space_alloc *a, uint64_t window, cptr_t vspace, uint64_t va,
			     uint64_t rights, uint64_t attributes)
{
	cptr_t frame = space_object(a, OBJ_FRAME_4K, 0);
	if (frame == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	enum error err = space_map(a, frame, PROC_CAP_VSPACE, window,
				   ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER);
	if (err != ERR_OK)
		return err;
	memcpy((void *)(uintptr_t)window, (const void *)(uintptr_t)va, PAGE);
	err = kestrel_page_unmap(frame);
	if (err != ERR_OK)
		return err;
	return space_map(a, frame, vspace, va, rights, attributes);
}

enum error space_clone(struct space_alloc *a, uint64_t window, cptr_t *vspace_out)
{
	cptr_t vspace = space_object(a, OBJ_PAGE_TABLE, 0);
	if (vspace == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	enum error err = kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, vspace);
	uint64_t text = (uint64_t)(uintptr_t)__image_start;
	uint64_t rodata = (uint64_t)(uintptr_t)__rodata_start;
	uint64_t data = (uint64_t)(uintptr_t)__data_start;
	uint64_t end = ((uint64_t)(uintptr_t)_end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	for (uint64_t va = text; err == ERR_OK && va < end; va += PAGE) {
		uint64_t rights = ABI_RIGHT_READ | (va >= data ? ABI_RIGHT_WRITE : 0);
		uint64_t attributes = va < rodata ? 0 : ABI_ATTR_EXECUTE_NEVER;
		err = clone_page(a, window, vspace, va, rights, attributes);
	}
	/* The copied text runs from frames written as data. */
	__asm__ volatile("fence.i" ::: "memory");
	*vspace_out = vspace;
	return err;
}
