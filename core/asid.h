/* SPDX-License-Identifier: MIT */
/*
 * Address-space identifiers, as seL4 hands them out on RISC-V.
 *
 * A VSpace (a root page table) is used only once it has an ASID: the ASID
 * tags its TLB entries (satp.ASID) and is how a frame or page-table cap
 * names the address space it is mapped in. ASIDs are 16 bits: the top
 * ASID_HIGH_BITS select one of ASID_TABLE_ENTRIES pools in the kernel's ASID
 * table, the low ASID_LOW_BITS one of the pool's entries. ASID 0 is never
 * handed out: it is the kernel's own (boot) address space.
 *
 * ASIDs and pools are global (as seL4's): threads of one address space may
 * run on several harts at once. Each ASID keeps the set of harts that may
 * hold its translations: a hart joins when it is about to run the address
 * space (asid_activate, called by the scheduler when a thread becomes
 * current) and the set empties only when the ASID is invalidated (after a
 * flush on all of them). Every TLB flush core/ asks for names that set
 * (port_tlb_flush_*), so the kernel shoots down exactly those harts.
 *
 *   ASID control cap --MakePool(4 KiB untyped)--> ASID pool cap (one table slot)
 *   ASID pool cap    --Assign(unmapped page table cap)--> VSpace root with an ASID
 *
 * Deleting a pool's last cap invalidates every ASID in it (and flushes
 * each); deleting a VSpace root's last cap invalidates its ASID (vspace.c).
 * Caps that still name an invalid ASID are stale: unmapping through them
 * finds nothing and changes nothing.
 *
 * Invariant (asid_check_invariants): every pool in the table is a distinct
 * ASID_POOL_SIZE_BITS-aligned object; entry 0 of pool 0 is empty; each root
 * appears in at most one entry. The table is kernel-global: the kernel
 * serialises calls into this module (see docs/vspace.md).
 */
#ifndef CORE_ASID_H
#define CORE_ASID_H

#include <stdint.h>

#include "compiler.h"
#include "config.h"
#include "cte.h"
#include "error.h"
#include "object.h"
#include "pagetable.h"

#define ASID_BITS 16
#define ASID_LOW_BITS 8 /* 256 entries of root + hart set fill a 4 KiB pool */
#define ASID_HIGH_BITS (ASID_BITS - ASID_LOW_BITS)
#define ASID_POOL_ENTRIES (1u << ASID_LOW_BITS)
#define ASID_TABLE_ENTRIES (1u << ASID_HIGH_BITS)
#define ASID_INVALID 0 /* the kernel's; never assigned to a user VSpace */

/* A pool: the kernel-virtual address of each entry's root table, or 0, and
 * the harts that may hold translations of that ASID (bit h: hart h). */
struct asid_pool {
	uint64_t root[ASID_POOL_ENTRIES];
	uint64_t harts[ASID_POOL_ENTRIES];
};
_Static_assert(sizeof(struct asid_pool) == (1u << ASID_POOL_SIZE_BITS),
	       "an ASID pool fills its object");
_Static_assert(ASID_BITS == 16, "the frame/page-table cap's ASID field is 16 bits");
_Static_assert(CONFIG_MAX_HARTS <= 64, "a hart set is one word");

/* The pool for ASIDs high << ASID_LOW_BITS.., or NULL (high < table size). */
const struct asid_pool *asid_pool_at(unsigned high);

/*
 * ASIDControl_MakePool: turn the 4 KiB untyped in `untyped` into an ASID
 * pool for the first free ASID_HIGH_BITS slot of the table and put its cap in
 * `dest`. Untrusted: every slot's contents. Errors, nothing changed:
 * ERR_INVALID_CAPABILITY control is not the ASID control cap or untyped not
 * an untyped; ERR_DELETE_FIRST the table is full, or dest is occupied;
 * ERR_INVALID_ARGUMENT the untyped is device memory or not exactly 4 KiB;
 * ERR_REVOKE_FIRST the untyped has children.
 */
MUST_CHECK enum error asid_control_make_pool(const struct cte *control, struct cte *untyped,
					     struct cte *dest);

/*
 * ASIDPool_Assign: give the page table in `root` the first free ASID of the
 * pool and copy the kernel's half into it (vspace_kernel_root). Untrusted:
 * both slots' contents. Errors, nothing changed: ERR_INVALID_CAPABILITY pool
 * is not a pool cap, or root not an unmapped page-table cap;
 * ERR_FAILED_LOOKUP the pool is no longer in the table; ERR_DELETE_FIRST the
 * pool is full.
 */
MUST_CHECK enum error asid_pool_assign(struct cte *pool, struct cte *root);

/* The harts that may hold translations of asid (bit h: hart h); 0 for an
 * ASID no VSpace holds. */
uint64_t asid_harts(uint64_t asid);

/* The last cap to a pool went: invalidate (and flush) each of its ASIDs. */
void asid_pool_finalise(struct cap pool);

/* `root`, the VSpace of `asid`, is going: invalidate the ASID and flush it.
 * Assumes asid_lookup(asid) == root. */
void asid_delete(uint64_t asid, const struct pagetable *root);

/* Forget every pool (host tests start each case from an empty table). */
void asid_table_reset(void);

/* NULL when the invariants above hold, else the first violated one. */
const char *asid_check_invariants(void);

/* --- Inline: every thread switch reads these (kernel/fastpath.c). --- */

/* The pools, by the ASID's high bits; NULL where no pool was made. Only
 * asid.c changes it. */
extern struct asid_pool *asid_table[ASID_TABLE_ENTRIES];

/* Moves on (never back, never to 0) at every change of the table, of a
 * pool's roots and of their hart sets: an answer asid_lookup gave, and a
 * hart asid_activate joined, stay true while it keeps the value it had
 * then (kernel/space_cache.h remembers a thread's satp that way). */
extern uint64_t asid_generation;

/* The root table of `asid`, or NULL when no VSpace holds it. Any asid. */
HOT_INLINE struct pagetable *asid_lookup(uint64_t asid)
{
	if (asid == ASID_INVALID || asid >> ASID_BITS)
		return NULL;
	struct asid_pool *pool = asid_table[asid >> ASID_LOW_BITS];
	if (pool == NULL)
		return NULL;
	return (struct pagetable *)(uintptr_t)pool->root[asid & (ASID_POOL_ENTRIES - 1)];
}

/*
 * Hart `hart` (< CONFIG_MAX_HARTS) is about to run address space `asid`
 * (load it into satp): from now on every flush of asid includes it. Nothing
 * for an ASID no VSpace holds (ASID_INVALID included). Untrusted: none.
 */
HOT_INLINE void asid_activate(uint64_t asid, unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS);
	if (asid_lookup(asid) == NULL)
		return;
	asid_table[asid >> ASID_LOW_BITS]->harts[asid & (ASID_POOL_ENTRIES - 1)] |= UINT64_C(1)
										    << hart;
}

#endif
