/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page tables as plain data (RISC-V privileged spec, section 4.4).
 *
 * A page table is one 4 KiB page of 512 PTEs; three levels translate a
 * 39-bit virtual address. This module builds and reads tables and nothing
 * else: it never allocates (the caller hands in zeroed tables through a
 * pagetable_pool), never touches satp or the TLB (the caller flushes), and
 * follows a PTE's physical address through port_phys_to_virt().
 *
 * The PTE is a uint64_t in a struct with accessors, not a bitfield
 * (STYLE.md item 7): the hardware reads this layout.
 */
#ifndef CORE_PAGETABLE_H
#define CORE_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

#define PAGE_SHIFT 12
#define PAGE_BYTES (UINT64_C(1) << PAGE_SHIFT)
#define PAGETABLE_ENTRIES 512
#define PAGETABLE_LEVELS 3
#define PAGETABLE_INDEX_BITS 9

/* PTE bits (privileged spec figure 4.21). */
#define PTE_VALID (UINT64_C(1) << 0)
#define PTE_READ (UINT64_C(1) << 1)
#define PTE_WRITE (UINT64_C(1) << 2)
#define PTE_EXECUTE (UINT64_C(1) << 3)
#define PTE_USER (UINT64_C(1) << 4)
#define PTE_GLOBAL (UINT64_C(1) << 5)
#define PTE_ACCESSED (UINT64_C(1) << 6)
#define PTE_DIRTY (UINT64_C(1) << 7)
/* The two bits the spec leaves to supervisor software (RSW, 9..8), which
 * the hardware ignores: a device-memory leaf (vspace.c), and a lent marker
 * on an invalid entry or a borrowed leaf on a valid one (lend.c). */
#define PTE_SW_DEVICE (UINT64_C(1) << 8)
#define PTE_SW_LEND (UINT64_C(1) << 9)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_BITS 44
/* Permission bits a mapping may ask for. */
#define PTE_PERMISSIONS (PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_USER | PTE_GLOBAL)

struct pte {
	uint64_t word;
};
_Static_assert(sizeof(struct pte) == 8, "a PTE is one 64-bit word");
/* Field positions from the privileged spec's Sv39 PTE figure. */
_Static_assert(PTE_VALID == 1 && PTE_READ == 2 && PTE_WRITE == 4 && PTE_EXECUTE == 8,
	       "V R W X are bits 0..3");
_Static_assert(PTE_USER == 0x10 && PTE_GLOBAL == 0x20 && PTE_ACCESSED == 0x40 && PTE_DIRTY == 0x80,
	       "U G A D are bits 4..7");
_Static_assert(PTE_SW_DEVICE == 0x100 && PTE_SW_LEND == 0x200, "RSW is bits 9..8");
_Static_assert(PTE_PPN_SHIFT + PTE_PPN_BITS == 54, "PPN is bits 53..10; 63..54 reserved");

struct pagetable {
	struct pte entry[PAGETABLE_ENTRIES];
};
_Static_assert(sizeof(struct pagetable) == PAGE_BYTES, "a page table fills one page");

/* Leaf sizes, named by the level that holds the leaf. */
enum page_size {
	PAGE_SIZE_4K = 0,
	PAGE_SIZE_2M = 1,
	PAGE_SIZE_1G = 2,
};

static inline uint64_t page_size_bytes(enum page_size size)
{
	return PAGE_BYTES << (PAGETABLE_INDEX_BITS * (unsigned)size);
}

static inline bool pte_is_valid(struct pte pte)
{
	return pte.word & PTE_VALID;
}
static inline bool pte_is_leaf(struct pte pte)
{
	return pte.word & (PTE_READ | PTE_WRITE | PTE_EXECUTE);
}
static inline uint64_t pte_physical_address(struct pte pte)
{
	return ((pte.word >> PTE_PPN_SHIFT) & ((UINT64_C(1) << PTE_PPN_BITS) - 1)) << PAGE_SHIFT;
}
static inline uint64_t pte_permissions(struct pte pte)
{
	return pte.word & PTE_PERMISSIONS;
}

static inline bool pte_is_table(struct pte pte)
{
	return pte_is_valid(pte) && !pte_is_leaf(pte);
}
/* An entry pointing at the next-level table at physical address pa. */
static inline struct pte pte_new_table(uint64_t pa)
{
	return (struct pte){ ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_VALID };
}
/* A leaf for the page at pa; `bits` are PTE_PERMISSIONS/A/D bits. */
static inline struct pte pte_new_leaf(uint64_t pa, uint64_t bits)
{
	return (struct pte){ ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | bits | PTE_VALID };
}
static inline struct pte pte_invalid(void)
{
	return (struct pte){ 0 };
}
/* The index into the level-`level` table (2 = root) that translates va. */
static inline unsigned pagetable_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (PAGE_SHIFT + PAGETABLE_INDEX_BITS * level)) &
	       (PAGETABLE_ENTRIES - 1);
}
/* Bytes one entry of a level-`level` table covers (4 KiB at level 0). */
static inline uint64_t pagetable_entry_bytes(unsigned level)
{
	return PAGE_BYTES << (PAGETABLE_INDEX_BITS * level);
}

/* Zeroed page tables the caller lends to pagetable_map(), taken from the end. */
struct pagetable_pool {
	struct pagetable **tables;
	size_t count;
};

/* The translation of one virtual address. */
struct pagetable_translation {
	uint64_t physical_address; /* of the byte at the looked-up address */
	uint64_t permissions;      /* PTE_PERMISSIONS bits of the leaf */
	enum page_size size;
};

/* Whether va is a canonical Sv39 address (bits 63..39 copy bit 38). */
bool pagetable_address_is_canonical(uint64_t va);

/*
 * Map the page of `size` at `va` to `pa` with `permissions` (a subset of
 * PTE_PERMISSIONS with at least one of R/X; W needs R). Missing intermediate
 * tables come from `pool`. Leaves are created with A and D set, so no
 * hardware ever needs to update them.
 * Errors (nothing changed): ERR_INVALID_ARGUMENT for bad permissions or a
 * non-canonical va; ERR_ALIGNMENT when va or pa is not aligned to size;
 * ERR_RANGE when pa does not fit a PTE; ERR_DELETE_FIRST when something is
 * mapped there already (or a larger page covers va); ERR_NOT_ENOUGH_MEMORY
 * when the pool holds fewer tables than needed.
 * Assumes: root and the pool's tables are page tables reachable through
 * port_phys_to_virt(port_virt_to_phys(table)).
 */
MUST_CHECK enum error pagetable_map(struct pagetable *root, uint64_t va, uint64_t pa,
				    enum page_size size, uint64_t permissions,
				    struct pagetable_pool *pool);

/* Translate va. ERR_FAILED_LOOKUP when nothing valid maps it,
 * ERR_INVALID_ARGUMENT for a non-canonical va or a malformed table entry. */
MUST_CHECK enum error pagetable_translate(const struct pagetable *root, uint64_t va,
					  struct pagetable_translation *out);

/*
 * Whether every byte of [va, va + length) is mapped with all of `required`
 * permission bits (e.g. PTE_USER | PTE_READ). A zero length is accessible.
 * Used to validate user pointers before the kernel touches them.
 */
bool pagetable_range_accessible(const struct pagetable *root, uint64_t va, uint64_t length,
				uint64_t required);

/* Copy the upper half of `from` (the kernel's mappings, shared by every
 * address space) into `to`. */
void pagetable_share_upper_half(struct pagetable *to, const struct pagetable *from);

#endif
