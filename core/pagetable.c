/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page-table construction and lookup (see pagetable.h).
 * Invariant kept here: a valid non-leaf PTE always points at a page table
 * that came from a caller's pool (or the root), so walks can follow it.
 */
#include "pagetable.h"

#include "port.h"

#define SV39_VA_BITS 39

bool pagetable_address_is_canonical(uint64_t va)
{
	uint64_t upper = va >> (SV39_VA_BITS - 1); /* bits 63..38 */
	return upper == 0 || upper == (UINT64_MAX >> (SV39_VA_BITS - 1));
}

static unsigned index_at(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (PAGE_SHIFT + PAGETABLE_INDEX_BITS * level)) &
	       (PAGETABLE_ENTRIES - 1);
}

static struct pagetable *table_at(struct pte pte)
{
	return port_phys_to_virt(pte_physical_address(pte));
}

static struct pte make_pte(uint64_t pa, uint64_t bits)
{
	return (struct pte){ ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | bits | PTE_VALID };
}

static bool permissions_valid(uint64_t permissions)
{
	if (permissions & ~PTE_PERMISSIONS)
		return false;
	if (!(permissions & (PTE_READ | PTE_EXECUTE)))
		return false; /* R=W=X=0 would mean "pointer to next level" */
	if ((permissions & PTE_WRITE) && !(permissions & PTE_READ))
		return false; /* reserved encoding */
	return true;
}

enum error pagetable_map(struct pagetable *root, uint64_t va, uint64_t pa, enum page_size size,
			 uint64_t permissions, struct pagetable_pool *pool)
{
	unsigned target = (unsigned)size;
	if (target >= PAGETABLE_LEVELS || !permissions_valid(permissions) ||
	    !pagetable_address_is_canonical(va))
		return ERR_INVALID_ARGUMENT;
	uint64_t bytes = page_size_bytes(size);
	if ((va | pa) & (bytes - 1))
		return ERR_ALIGNMENT;
	if (pa >> (PAGE_SHIFT + PTE_PPN_BITS))
		return ERR_RANGE;

	/* Decode: find how deep the existing tables go; change nothing yet. */
	struct pagetable *table = root;
	unsigned level = PAGETABLE_LEVELS - 1;
	while (level > target) {
		struct pte pte = table->entry[index_at(va, level)];
		if (!pte_is_valid(pte))
			break;
		if (pte_is_leaf(pte))
			return ERR_DELETE_FIRST; /* a larger page covers va */
		table = table_at(pte);
		level--;
	}
	if (level == target && pte_is_valid(table->entry[index_at(va, level)]))
		return ERR_DELETE_FIRST;
	size_t needed = level - target;
	if (pool->count < needed)
		return ERR_NOT_ENOUGH_MEMORY;

	/* Invoke: cannot fail from here on. */
	while (level > target) {
		struct pagetable *next = pool->tables[--pool->count];
		table->entry[index_at(va, level)] = make_pte(port_virt_to_phys(next), 0);
		table = next;
		level--;
	}
	table->entry[index_at(va, target)] = make_pte(pa, permissions | PTE_ACCESSED | PTE_DIRTY);
	return ERR_OK;
}

enum error pagetable_translate(const struct pagetable *root, uint64_t va,
			       struct pagetable_translation *out)
{
	if (!pagetable_address_is_canonical(va))
		return ERR_INVALID_ARGUMENT;
	const struct pagetable *table = root;
	for (unsigned level = PAGETABLE_LEVELS; level-- > 0;) {
		struct pte pte = table->entry[index_at(va, level)];
		if (!pte_is_valid(pte))
			return ERR_FAILED_LOOKUP;
		if (pte_is_leaf(pte)) {
			uint64_t bytes = page_size_bytes((enum page_size)level);
			uint64_t base = pte_physical_address(pte);
			if (base & (bytes - 1))
				return ERR_INVALID_ARGUMENT; /* misaligned superpage */
			out->physical_address = base | (va & (bytes - 1));
			out->permissions = pte_permissions(pte);
			out->size = (enum page_size)level;
			return ERR_OK;
		}
		if (level == 0)
			return ERR_INVALID_ARGUMENT; /* a non-leaf at the last level */
		table = table_at(pte);
	}
	return ERR_FAILED_LOOKUP; /* not reached: level 0 always returns */
}

bool pagetable_range_accessible(const struct pagetable *root, uint64_t va, uint64_t length,
				uint64_t required)
{
	if (length == 0)
		return true;
	/* The last byte, not the end: a range may end exactly at 2^64. */
	uint64_t last = va + (length - 1);
	if (last < va || !pagetable_address_is_canonical(va) ||
	    !pagetable_address_is_canonical(last))
		return false;
	for (;;) {
		struct pagetable_translation translation;
		if (pagetable_translate(root, va, &translation) != ERR_OK)
			return false;
		if ((translation.permissions & required) != required)
			return false;
		uint64_t bytes = page_size_bytes(translation.size);
		uint64_t next = (va & ~(bytes - 1)) + bytes;
		if (next == 0 || next > last)
			return true; /* this page holds the last byte */
		va = next;
	}
}

void pagetable_share_upper_half(struct pagetable *to, const struct pagetable *from)
{
	for (unsigned i = PAGETABLE_ENTRIES / 2; i < PAGETABLE_ENTRIES; i++)
		to->entry[i] = from->entry[i];
}
