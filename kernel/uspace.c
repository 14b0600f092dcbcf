/* SPDX-License-Identifier: MIT */
/* Boot programs' address spaces and capabilities from core/ (see uspace.h). */
#include "uspace.h"

#include "abi.h"
#include "asid.h"
#include "cnode.h"
#include "console.h"
#include "kstring.h"
#include "mdb.h"
#include "memory.h"
#include "spinlock.h"
#include "untyped.h"
#include "vspace.h"

/* A hart's block: its programs' tables, frames, CNode and untyped. */
#define HART_UNTYPED_BITS 20
/* Slots for the caps the kernel keeps for a program (tables, frames). */
#define KERNEL_CNODE_RADIX 6
#define KERNEL_CNODE_SLOTS (1u << KERNEL_CNODE_RADIX)

_Static_assert(ABI_RIGHT_READ == CAP_RIGHT_READ && ABI_RIGHT_WRITE == CAP_RIGHT_WRITE,
	       "ABI rights are cap rights");
_Static_assert(ABI_ATTR_EXECUTE_NEVER == VM_ATTR_EXECUTE_NEVER, "ABI attributes");
_Static_assert((UINT64_C(1) << USER_UNTYPED_BITS) < (UINT64_C(1) << HART_UNTYPED_BITS) / 2,
	       "a program's untyped fits its hart's block");

static struct spinlock core_lock;
static struct cte asid_control;
static _Alignas(KERNEL_CNODE_SLOTS *
		sizeof(struct cte)) struct cte kernel_slots[CONFIG_MAX_HARTS][KERNEL_CNODE_SLOTS];

void uspace_boot(void)
{
	extern struct pagetable *kernel_root;
	vspace_set_kernel_root(kernel_root);
	asid_control.cap = cap_asid_control_new();
	mdb_set_flags(&asid_control, true, true);
}

void uspace_init_hart(struct hart *hart)
{
	uint64_t block = memory_take_block(HART_UNTYPED_BITS);
	uint64_t pool_page = memory_take_page();
	if (!block || !pool_page)
		panic("no memory for hart %lu's programs", hart->hart_id);
	hart->untyped.cap =
	    cap_untyped_new((uintptr_t)physical_to_kernel(block), HART_UNTYPED_BITS, false);
	mdb_set_flags(&hart->untyped, true, true);
	hart->pool_untyped.cap =
	    cap_untyped_new((uintptr_t)physical_to_kernel(pool_page), ASID_POOL_SIZE_BITS, false);
	mdb_set_flags(&hart->pool_untyped, true, true);
	enum error err = asid_control_make_pool(&asid_control, &hart->pool_untyped, &hart->pool);
	if (err != ERR_OK)
		panic("ASID pool for hart %lu: %s", hart->hart_id, error_name(err));
	hart->kernel_cnode =
	    cap_cnode_new((uintptr_t)kernel_slots[hart->cpu_index], KERNEL_CNODE_RADIX, 0, 0);
}

/* Make one object from the hart's block into slot `index` of `cnode`. */
static enum error retype(struct hart *hart, struct cap cnode, uint64_t index, enum object_type type,
			 unsigned size_bits)
{
	struct untyped_retype_args args = {
		.type = type,
		.size_bits = size_bits,
		.dest_cnode = { .root = cnode, .index = 0, .depth = 0 },
		.node_offset = index,
		.num_objects = 1,
	};
	struct lookup_fault fault;
	return untyped_retype(&hart->untyped, &args, &fault);
}

/* A new object in the next free kernel slot for the program. */
static struct cte *kernel_object(struct hart *hart, enum object_type type, unsigned size_bits,
				 enum error *err)
{
	if (hart->kernel_slots_used == KERNEL_CNODE_SLOTS) {
		*err = ERR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	unsigned index = hart->kernel_slots_used;
	*err = retype(hart, hart->kernel_cnode, index, type, size_bits);
	if (*err != ERR_OK)
		return NULL;
	hart->kernel_slots_used++;
	return cnode_slot(hart->kernel_cnode, index);
}

/* Map the frame in `frame` at va, adding the page tables the walk lacks. */
static enum error map_frame(struct hart *hart, struct cte *frame, uint64_t va, uint64_t rights,
			    uint64_t attributes)
{
	struct lookup_fault fault;
	for (unsigned tables = 0;; tables++) {
		enum error err =
		    vspace_frame_map(frame, hart->vspace_slot, va, rights, attributes, &fault);
		if (err != ERR_FAILED_LOOKUP || tables == PAGETABLE_LEVELS - 1)
			return err;
		struct cte *table = kernel_object(hart, OBJ_PAGE_TABLE, 0, &err);
		if (table == NULL)
			return err;
		err = vspace_page_table_map(table, hart->vspace_slot, va, &fault);
		if (err != ERR_OK)
			return err;
	}
}

/* One page of a segment (or of the stack): a frame, filled, mapped. */
static enum error load_page(struct hart *hart, uint64_t va, const uint8_t *bytes, uint64_t offset,
			    uint64_t length, uint64_t rights, uint64_t attributes)
{
	enum error err;
	struct cte *frame = kernel_object(hart, OBJ_FRAME_4K, 0, &err);
	if (frame == NULL)
		return err;
	/* Retype zeroed it; the kernel reaches it through the physical window. */
	if (length)
		memcpy((uint8_t *)cap_ptr(frame->cap) + offset, bytes, length);
	return map_frame(hart, frame, va, rights, attributes);
}

static enum error load_segments(struct hart *hart, const struct elf_image *image)
{
	for (uint16_t s = 0; s < elf_load_segment_count(image); s++) {
		struct elf_segment segment;
		enum error err = elf_load_segment(image, s, &segment);
		if (err != ERR_OK)
			return err;
		if (segment.vaddr >= VSPACE_USER_TOP ||
		    segment.memory_size > VSPACE_USER_TOP - segment.vaddr)
			return ERR_RANGE;
		if (!(segment.flags & ELF_SEGMENT_READ))
			return ERR_INVALID_ARGUMENT; /* no W-only or X-only pages */
		uint64_t rights = ABI_RIGHT_READ;
		rights |= segment.flags & ELF_SEGMENT_WRITE ? ABI_RIGHT_WRITE : 0;
		uint64_t attributes =
		    segment.flags & ELF_SEGMENT_EXECUTE ? 0 : ABI_ATTR_EXECUTE_NEVER;
		uint64_t first = segment.vaddr & ~(PAGE_BYTES - 1);
		uint64_t file_end = segment.vaddr + segment.file_size;
		for (uint64_t va = first; va < segment.vaddr + segment.memory_size;
		     va += PAGE_BYTES) {
			/* The part of the file that lands on this page. */
			uint64_t from = va > segment.vaddr ? va : segment.vaddr;
			uint64_t to = va + PAGE_BYTES < file_end ? va + PAGE_BYTES : file_end;
			uint64_t length = from < to ? to - from : 0;
			err = load_page(hart, va,
					image->data + segment.file_offset + (from - segment.vaddr),
					from - va, length, rights, attributes);
			if (err != ERR_OK)
				return err;
		}
	}
	return ERR_OK;
}

/* The program's root CNode: its VSpace cap and an untyped of its own. */
static enum error make_cspace(struct hart *hart)
{
	enum error err;
	struct cte *cnode = kernel_object(hart, OBJ_CNODE, USER_CSPACE_RADIX, &err);
	if (cnode == NULL)
		return err;
	/* A guard over the remaining bits: a cap address is a slot index. */
	cnode->cap =
	    cap_update_data(cnode->cap, true, cap_guard_word(WORD_BITS - USER_CSPACE_RADIX, 0));
	hart->cspace = cnode->cap;
	struct cap_result copy = cte_derive(hart->vspace_slot, hart->vspace_slot->cap);
	if (copy.err != ERR_OK)
		return copy.err;
	cte_insert(copy.cap, hart->vspace_slot, cnode_slot(hart->cspace, USER_CAP_VSPACE));
	return retype(hart, hart->cspace, USER_CAP_UNTYPED, OBJ_UNTYPED, USER_UNTYPED_BITS);
}

static enum error load_locked(struct hart *hart, const struct elf_image *image)
{
	/* Everything the previous program had is a descendant of the block. */
	struct work_budget budget = { UINT64_MAX, 0 };
	enum error err = cte_revoke(&hart->untyped, &budget);
	if (err != ERR_OK)
		return err;
	hart->kernel_slots_used = 0;
	hart->vspace_slot = kernel_object(hart, OBJ_PAGE_TABLE, 0, &err);
	if (hart->vspace_slot == NULL)
		return err;
	err = asid_pool_assign(&hart->pool, hart->vspace_slot);
	if (err != ERR_OK)
		return err;
	hart->user_root = (struct pagetable *)cap_ptr(hart->vspace_slot->cap);
	hart->asid = cap_mapped_asid(hart->vspace_slot->cap);
	err = load_segments(hart, image);
	for (uint64_t va = USER_STACK_TOP - USER_STACK_BYTES; err == ERR_OK && va < USER_STACK_TOP;
	     va += PAGE_BYTES)
		err = load_page(hart, va, NULL, 0, 0, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
				ABI_ATTR_EXECUTE_NEVER);
	if (err != ERR_OK)
		return err;
	return make_cspace(hart);
}

enum error uspace_load(struct hart *hart, const struct elf_image *image)
{
	spinlock_acquire(&core_lock);
	enum error err = load_locked(hart, image);
	spinlock_release(&core_lock);
	return err;
}

/* The slot a cap address names in the program's CSpace, or NULL. */
static struct cte *lookup(struct hart *hart, uint64_t cptr)
{
	struct resolve_result r = cnode_lookup_cap(hart->cspace, cptr);
	return r.err == ERR_OK ? r.slot : NULL;
}

static uint64_t invoke_locked(struct hart *hart, const uint64_t *r)
{
	struct lookup_fault fault;
	struct cte *slot = lookup(hart, r[10]);
	if (slot == NULL)
		return ERR_FAILED_LOOKUP;
	switch (r[11]) {
	case INVOKE_UNTYPED_RETYPE: {
		struct untyped_retype_args args = {
			.type = r[12],
			.size_bits = r[13],
			.dest_cnode = { .root = hart->cspace, .index = 0, .depth = 0 },
			.node_offset = r[14],
			.num_objects = r[15],
		};
		return untyped_retype(slot, &args, &fault);
	}
	case INVOKE_PAGE_TABLE_MAP: {
		struct cte *vspace = lookup(hart, r[12]);
		if (vspace == NULL)
			return ERR_FAILED_LOOKUP;
		return vspace_page_table_map(slot, vspace, r[13], &fault);
	}
	case INVOKE_PAGE_TABLE_UNMAP: return vspace_page_table_unmap(slot);
	case INVOKE_PAGE_MAP: {
		struct cte *vspace = lookup(hart, r[12]);
		if (vspace == NULL)
			return ERR_FAILED_LOOKUP;
		return vspace_frame_map(slot, vspace, r[13], r[14], r[15], &fault);
	}
	case INVOKE_PAGE_UNMAP: return vspace_frame_unmap(slot);
	default: return ERR_ILLEGAL_OPERATION; /* an unknown label (seL4's answer) */
	}
}

uint64_t uspace_invoke(struct hart *hart, const uint64_t *r)
{
	spinlock_acquire(&core_lock);
	uint64_t result = invoke_locked(hart, r);
	spinlock_release(&core_lock);
	return result;
}
