/* SPDX-License-Identifier: MIT */
/*
 * VSpace invocations and teardown (see vspace.h, docs/vspace.md).
 *
 * Every invocation is decode-then-invoke: the decode half looks up the
 * VSpace, walks the tables and checks every argument without writing
 * anything; the invoke half writes one entry (plus the cap) and asks for
 * the flush, and cannot fail.
 *
 * Leaves are written with A and D already set. The privileged spec lets a
 * core either set them in hardware or raise a page fault when they are
 * clear (Svade); QEMU and many cores take the fault, and the kernel has no
 * use for the bits (it never pages out), so setting them at map time keeps
 * every access from faulting and makes the entry final when written.
 */
#include "vspace.h"

#include "asid.h"
#include "lend.h"
#include "mdb.h"
#include "object.h"
#include "port.h"

_Static_assert(sizeof(struct pagetable) == (1u << PAGE_TABLE_SIZE_BITS),
	       "a page-table object is one table");

static const struct pagetable *kernel_root;

void vspace_set_kernel_root(const struct pagetable *root)
{
	kernel_root = root;
}

const struct pagetable *vspace_kernel_root(void)
{
	CORE_ASSERT(kernel_root != NULL);
	return kernel_root;
}

enum mapping_state vspace_mapping_state(struct cap cap)
{
	return cap_is_mapped(cap) ? MAPPING_MAPPED : MAPPING_UNMAPPED;
}

static const bool mapping_transition_legal[MAPPING_STATE_COUNT][MAPPING_STATE_COUNT] = {
	[MAPPING_UNMAPPED][MAPPING_MAPPED] = true, /* map, assign */
	[MAPPING_MAPPED][MAPPING_UNMAPPED] = true, /* unmap */
	[MAPPING_MAPPED][MAPPING_MAPPED] = true,   /* remap, in place only */
};

void vspace_set_mapping(struct cte *slot, enum mapping_state to, uint64_t asid, uint64_t vaddr)
{
	struct cap cap = slot->cap;
	CORE_ASSERT(cap_type(cap) == CAP_FRAME || cap_type(cap) == CAP_PAGE_TABLE);
	enum mapping_state from = vspace_mapping_state(cap);
	CORE_ASSERT(mapping_transition_legal[from][to]);
	switch (to) {
	case MAPPING_UNMAPPED: cte_set_cap(slot, cap_clear_mapping(cap)); return;
	case MAPPING_MAPPED:
		CORE_ASSERT(from == MAPPING_UNMAPPED ||
			    (cap_mapped_asid(cap) == asid && cap_mapped_vaddr(cap) == vaddr));
		cte_set_cap(slot, cap_set_mapping(cap, asid, vaddr));
		return;
	}
}

static struct pagetable *table_of(struct pte pte)
{
	return port_phys_to_virt(pte_physical_address(pte));
}

static uint64_t phys_of(uintptr_t object)
{
	return port_virt_to_phys((const void *)object);
}

/* Where a walk for va stops: the first entry that is not a table pointer
 * or is a borrowed one (a client's table lent into this VSpace: nothing is
 * mapped into it from here), or the level-0 entry. bits_left is seL4's "bits left" for that level. */
struct slot_lookup {
	struct pte *slot;
	unsigned level;
};

static struct slot_lookup lookup_slot(struct pagetable *root, uint64_t va)
{
	struct pagetable *table = root;
	unsigned level = PAGETABLE_LEVELS - 1;
	for (;;) {
		struct pte *slot = &table->entry[pagetable_index(va, level)];
		if (level == 0 || !pte_is_table(*slot) || (slot->word & PTE_SW_LEND))
			return (struct slot_lookup){ slot, level };
		table = table_of(*slot);
		level--;
	}
}

static unsigned level_bits(unsigned level)
{
	return PAGE_SHIFT + PAGETABLE_INDEX_BITS * level;
}

/* The VSpace a root cap names: its table and ASID, checked as seL4 does. */
static enum error decode_vspace(const struct cte *vspace, struct pagetable **root, uint64_t *asid,
				struct lookup_fault *fault)
{
	struct cap cap = vspace->cap;
	if (cap_type(cap) != CAP_PAGE_TABLE || !cap_is_mapped(cap))
		return ERR_INVALID_CAPABILITY;
	*asid = cap_mapped_asid(cap);
	*root = asid_lookup(*asid);
	if (*root == NULL) {
		*fault = (struct lookup_fault){ .type = LOOKUP_FAULT_INVALID_ROOT };
		return ERR_FAILED_LOOKUP;
	}
	if ((uintptr_t)*root != cap_ptr(cap))
		return ERR_INVALID_CAPABILITY; /* a root whose ASID was reassigned */
	return ERR_OK;
}

/* Whether [vaddr, vaddr + bytes) is user space (rejects every kernel-half
 * and non-canonical address, which are all >= VSPACE_USER_TOP). */
static bool user_range(uint64_t vaddr, uint64_t bytes)
{
	return vaddr < VSPACE_USER_TOP && bytes <= VSPACE_USER_TOP - vaddr;
}

enum error vspace_page_table_map(struct cte *table, const struct cte *vspace, uint64_t vaddr,
				 struct lookup_fault *fault)
{
	*fault = (struct lookup_fault){ 0 };
	if (cap_type(table->cap) != CAP_PAGE_TABLE || cap_is_mapped(table->cap))
		return ERR_INVALID_CAPABILITY;
	struct pagetable *root;
	uint64_t asid;
	enum error err = decode_vspace(vspace, &root, &asid, fault);
	if (err != ERR_OK)
		return err;
	if (!user_range(vaddr, 1))
		return ERR_INVALID_ARGUMENT;
	struct slot_lookup at = lookup_slot(root, vaddr);
	if (at.level == 0 || at.slot->word != 0) /* a lent marker occupies its slot too */
		return ERR_DELETE_FIRST;

	/* Invoke. The new table covers the entry's whole region. */
	uintptr_t object = cap_ptr(table->cap);
	*at.slot = pte_new_table(phys_of(object));
	uint64_t region = pagetable_entry_bytes(at.level);
	vspace_set_mapping(table, MAPPING_MAPPED, asid, vaddr & ~(region - 1));
	/* An invalid entry may be cached at any level without Svvptc; a fence
	 * by ASID orders every level. */
	port_tlb_flush_asid(asid, asid_harts(asid));
	return ERR_OK;
}

/* Remove the entry pointing at `object` on the way to vaddr, if any. */
static void unmap_table_entry(uint64_t asid, uint64_t vaddr, uintptr_t object)
{
	struct pagetable *table = asid_lookup(asid);
	if (table == NULL)
		return; /* stale: the VSpace went first */
	uint64_t pa = phys_of(object);
	for (unsigned level = PAGETABLE_LEVELS - 1; level > 0; level--) {
		struct pte *slot = &table->entry[pagetable_index(vaddr, level)];
		if ((slot->word & PTE_SW_LEND) &&
		    !(slot->word & (PTE_READ | PTE_WRITE | PTE_EXECUTE)))
			/* A table lent whole (or one borrowed here): the lend
			 * ends first, which puts the tables back. */
			lend_release(asid, vaddr & ~(pagetable_entry_bytes(level) - 1),
				     pagetable_entry_bytes(level));
		if (!pte_is_table(*slot))
			return;
		if (pte_physical_address(*slot) == pa) {
			/* Pages lent from under it come back before it goes. */
			uint64_t region = pagetable_entry_bytes(level);
			lend_release(asid, vaddr & ~(region - 1), region);
			*slot = pte_invalid();
			port_tlb_flush_asid(asid, asid_harts(asid));
			return;
		}
		table = table_of(*slot);
	}
}

enum error vspace_page_table_unmap(struct cte *table)
{
	struct cap cap = table->cap;
	if (cap_type(cap) != CAP_PAGE_TABLE)
		return ERR_INVALID_CAPABILITY;
	if (!mdb_is_final(table))
		return ERR_REVOKE_FIRST;
	if (!cap_is_mapped(cap))
		return ERR_OK;
	if ((uintptr_t)asid_lookup(cap_mapped_asid(cap)) == cap_ptr(cap))
		return ERR_REVOKE_FIRST; /* a VSpace root: delete the cap instead */

	/* Invoke: unhook it, then empty it so that a later map starts clean and
	 * nothing below it stays reachable. */
	unmap_table_entry(cap_mapped_asid(cap), cap_mapped_vaddr(cap), cap_ptr(cap));
	object_zero((void *)cap_ptr(cap), (uint64_t)1 << PAGE_TABLE_SIZE_BITS);
	vspace_set_mapping(table, MAPPING_UNMAPPED, 0, 0);
	return ERR_OK;
}

static unsigned frame_level(struct cap frame)
{
	return (unsigned)cap_frame_size(frame); /* 4K/2M/1G are levels 0/1/2 */
}

/*
 * The entry for a frame at `pa` mapped with `rights` (read, or read and
 * write, or none: kernel-only) and `attributes` (decoded). As seL4 on
 * RISC-V, a kernel-only mapping is execute-only when executable and no
 * entry at all otherwise. A device frame's leaf carries PTE_SW_DEVICE.
 */
static struct pte leaf_entry(uint64_t pa, unsigned rights, uint64_t attributes, bool device)
{
	uint64_t bits = PTE_USER | PTE_ACCESSED | PTE_DIRTY;
	if (device)
		bits |= PTE_SW_DEVICE; /* never lent (lend.c) */
	if (rights & CAP_RIGHT_READ)
		bits |= PTE_READ;
	if (rights & CAP_RIGHT_WRITE)
		bits |= PTE_WRITE;
	if (!(attributes & VM_ATTR_EXECUTE_NEVER))
		bits |= PTE_EXECUTE;
	if (!(bits & (PTE_READ | PTE_EXECUTE)))
		return (struct pte){ 0 };
	return pte_new_leaf(pa, bits);
}

enum error vspace_frame_map(struct cte *frame, const struct cte *vspace, uint64_t vaddr,
			    uint64_t rights, uint64_t attributes, struct lookup_fault *fault)
{
	*fault = (struct lookup_fault){ 0 };
	struct cap cap = frame->cap;
	if (cap_type(cap) != CAP_FRAME)
		return ERR_INVALID_CAPABILITY;
	struct pagetable *root;
	uint64_t asid;
	enum error err = decode_vspace(vspace, &root, &asid, fault);
	if (err != ERR_OK)
		return err;
	unsigned level = frame_level(cap);
	uint64_t bytes = pagetable_entry_bytes(level);
	if (!user_range(vaddr, bytes))
		return ERR_INVALID_ARGUMENT;
	if (vaddr & (bytes - 1))
		return ERR_ALIGNMENT;
	if ((rights & ~(uint64_t)(CAP_RIGHT_READ | CAP_RIGHT_WRITE)) || (attributes & ~VM_ATTR_ALL))
		return ERR_INVALID_ARGUMENT;
	unsigned granted = (unsigned)rights & cap_rights(cap).bits;
	/* seL4's maskVMRights: without read the mapping is kernel-only (RISC-V
	 * reserves W-without-R), not an error. */
	if (!(granted & CAP_RIGHT_READ))
		granted = 0;
	bool remap = cap_is_mapped(cap);
	if (remap && cap_mapped_asid(cap) != asid)
		return ERR_INVALID_CAPABILITY;
	if (remap && cap_mapped_vaddr(cap) != vaddr)
		return ERR_INVALID_ARGUMENT;
	struct slot_lookup at = lookup_slot(root, vaddr);
	if (at.level != level) {
		*fault = (struct lookup_fault){ .type = LOOKUP_FAULT_MISSING_CAPABILITY,
						.bits_left = level_bits(at.level) };
		return ERR_FAILED_LOOKUP;
	}
	uint64_t pa = phys_of(cap_ptr(cap));
	if (remap && !(pte_is_valid(*at.slot) && pte_is_leaf(*at.slot) &&
		       pte_physical_address(*at.slot) == pa))
		return ERR_ILLEGAL_OPERATION; /* the table under it was unmapped */
	if (!remap && at.slot->word != 0)     /* a mapping, or a lent marker */
		return ERR_DELETE_FIRST;

	/* Invoke. */
	*at.slot = leaf_entry(pa, granted, attributes, cap_frame_is_device(cap));
	vspace_set_mapping(frame, MAPPING_MAPPED, asid, vaddr);
	/* Remap may take rights away; a new entry may replace a cached invalid
	 * one (no Svvptc): either way one page of one ASID. */
	port_tlb_flush_page(asid, vaddr, asid_harts(asid));
	return ERR_OK;
}

/* Remove the frame's entry at (asid, vaddr) if it is still this frame's. */
static void unmap_frame_entry(struct cap frame)
{
	uint64_t asid = cap_mapped_asid(frame), vaddr = cap_mapped_vaddr(frame);
	struct pagetable *root = asid_lookup(asid);
	if (root == NULL)
		return;
	/* A lent page comes back (and leaves the server) before it goes. */
	lend_release(asid, vaddr, pagetable_entry_bytes(frame_level(frame)));
	struct slot_lookup at = lookup_slot(root, vaddr);
	if (at.level != frame_level(frame) || !pte_is_valid(*at.slot) || !pte_is_leaf(*at.slot) ||
	    pte_physical_address(*at.slot) != phys_of(cap_ptr(frame)))
		return; /* stale: its table was unmapped or its VSpace went */
	*at.slot = pte_invalid();
	port_tlb_flush_page(asid, vaddr, asid_harts(asid));
}

enum error vspace_frame_unmap(struct cte *frame)
{
	if (cap_type(frame->cap) != CAP_FRAME)
		return ERR_INVALID_CAPABILITY;
	if (cap_is_mapped(frame->cap)) {
		unmap_frame_entry(frame->cap);
		vspace_set_mapping(frame, MAPPING_UNMAPPED, 0, 0);
	}
	return ERR_OK;
}

enum error vspace_translate(uint64_t asid, uint64_t va, struct pagetable_translation *out)
{
	struct pagetable *root = asid_lookup(asid);
	if (root == NULL)
		return ERR_FAILED_LOOKUP;
	return pagetable_translate(root, va, out);
}

void vspace_finalise_frame(struct cap frame)
{
	CORE_ASSERT(cap_type(frame) == CAP_FRAME);
	if (cap_is_mapped(frame))
		unmap_frame_entry(frame);
}

void vspace_finalise_page_table(struct cap table)
{
	CORE_ASSERT(cap_type(table) == CAP_PAGE_TABLE);
	if (!cap_is_mapped(table))
		return;
	uint64_t asid = cap_mapped_asid(table);
	struct pagetable *root = asid_lookup(asid);
	if (root != NULL && (uintptr_t)root == cap_ptr(table)) {
		lend_release(asid, 0, VSPACE_USER_TOP);
		asid_delete(asid, root);
	} else
		unmap_table_entry(asid, cap_mapped_vaddr(table), cap_ptr(table));
}

/* Bits this module never sets on a table pointer (the spec reserves U, A, D
 * there; G would make the whole subtree global). PTE_SW_LEND may be there:
 * a client's table borrowed whole (core/lend.c). */
#define TABLE_ENTRY_FLAGS (PTE_USER | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY | PTE_SW_DEVICE)
#define PTE_RESERVED_HIGH (~(UINT64_C(0)) << (PTE_PPN_SHIFT + PTE_PPN_BITS))

static const char *check_table(const struct pagetable *table, unsigned level, unsigned first,
			       unsigned end)
{
	for (unsigned i = first; i < end; i++) {
		struct pte pte = table->entry[i];
		if (!pte_is_valid(pte)) {
			if (pte.word == 0)
				continue;
			if (!(pte.word & PTE_SW_LEND))
				return "an invalid entry is not zero";
			/* A lent marker: checked as the leaf it keeps (lend.h),
			 * or above level 0 a table lent whole, checked where it
			 * is borrowed. */
			pte.word = (pte.word | PTE_VALID) & ~PTE_SW_LEND;
			if (level > 0 && pte_is_table(pte) && !(pte.word & TABLE_ENTRY_FLAGS))
				continue;
			if (!pte_is_leaf(pte))
				return "a lent marker keeps no leaf";
		}
		if (pte.word & PTE_RESERVED_HIGH)
			return "an entry uses reserved bits 63..54";
		if (pte_is_table(pte)) {
			if (level == 0)
				return "a table pointer at level 0";
			if (pte.word & TABLE_ENTRY_FLAGS)
				return "a table pointer with U/G/A/D set";
			const char *why =
			    check_table(table_of(pte), level - 1, 0, PAGETABLE_ENTRIES);
			if (why != NULL)
				return why;
			continue;
		}
		uint64_t required = PTE_USER | PTE_ACCESSED | PTE_DIRTY;
		if ((pte.word & required) != required || (pte.word & PTE_GLOBAL))
			return "a user leaf is not U+A+D, or is global";
		/* R, RW, RX, RWX or (kernel-only, executable) X: never W without R. */
		if ((pte.word & PTE_WRITE) && !(pte.word & PTE_READ))
			return "a user leaf is writable but not readable";
		if ((pte.word & PTE_SW_LEND) && (pte.word & (PTE_SW_DEVICE | PTE_EXECUTE)))
			return "a borrowed leaf is device memory or executable";
		if (pte_physical_address(pte) & (pagetable_entry_bytes(level) - 1))
			return "a superpage leaf is misaligned";
	}
	return NULL;
}

static const char *check_vspace(const struct pagetable *root)
{
	const char *why = check_table(root, PAGETABLE_LEVELS - 1, 0, PAGETABLE_ENTRIES / 2);
	if (why != NULL)
		return why;
	for (unsigned i = PAGETABLE_ENTRIES / 2; i < PAGETABLE_ENTRIES; i++)
		if (root->entry[i].word != kernel_root->entry[i].word)
			return "the kernel half differs from the kernel root's";
	return NULL;
}

const char *vspace_check_invariants(void)
{
	const char *why = asid_check_invariants();
	if (why != NULL)
		return why;
	for (unsigned high = 0; high < ASID_TABLE_ENTRIES; high++) {
		const struct asid_pool *pool = asid_pool_at(high);
		if (pool == NULL)
			continue;
		for (unsigned low = 0; low < ASID_POOL_ENTRIES; low++) {
			if (pool->root[low] == 0)
				continue;
			why = check_vspace((const struct pagetable *)(uintptr_t)pool->root[low]);
			if (why != NULL)
				return why;
		}
	}
	return NULL;
}
