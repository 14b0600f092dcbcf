/* SPDX-License-Identifier: MIT */
/*
 * The ASID table, ASID control and ASID pools (see asid.h). Decode, then
 * invoke: each invocation checks everything first and changes nothing on an
 * error; the acting half cannot fail.
 */
#include "asid.h"
#include "lend.h"

#include "mdb.h"
#include "vspace.h"

/* The pools, by the ASID's high bits; NULL where no pool was made. */
struct asid_pool *asid_table[ASID_TABLE_ENTRIES];
uint64_t asid_generation = 1;

/* Every change asid_generation marks is one cte_generation marks too
 * (cte.h): a remembered satp then needs only the latter. */
static void asid_changed(void)
{
	asid_generation++;
	cte_generation++;
}

static uint64_t asid_high(uint64_t asid)
{
	return asid >> ASID_LOW_BITS;
}

static uint64_t asid_low(uint64_t asid)
{
	return asid & (ASID_POOL_ENTRIES - 1);
}

const struct asid_pool *asid_pool_at(unsigned high)
{
	CORE_ASSERT(high < ASID_TABLE_ENTRIES);
	return asid_table[high];
}

uint64_t asid_harts(uint64_t asid)
{
	if (asid_lookup(asid) == NULL)
		return 0;
	return asid_table[asid_high(asid)]->harts[asid_low(asid)];
}

enum error asid_control_make_pool(const struct cte *control, struct cte *untyped, struct cte *dest)
{
	if (cap_type(control->cap) != CAP_ASID_CONTROL)
		return ERR_INVALID_CAPABILITY;
	unsigned high = 0;
	while (high < ASID_TABLE_ENTRIES && asid_table[high] != NULL)
		high++;
	if (high == ASID_TABLE_ENTRIES)
		return ERR_DELETE_FIRST; /* seL4's answer when every pool exists */
	if (cap_type(untyped->cap) != CAP_UNTYPED)
		return ERR_INVALID_CAPABILITY;
	if (cap_untyped_is_device(untyped->cap) ||
	    cap_untyped_size_bits(untyped->cap) != ASID_POOL_SIZE_BITS)
		return ERR_INVALID_ARGUMENT;
	if (mdb_has_children(untyped))
		return ERR_REVOKE_FIRST;
	if (!cap_is_null(dest->cap))
		return ERR_DELETE_FIRST;

	/* Invoke. The whole untyped becomes the pool: its watermark is full. */
	uintptr_t base = cap_ptr(untyped->cap);
	object_zero((void *)base, (uint64_t)1 << ASID_POOL_SIZE_BITS);
	cte_set_cap(untyped,
		    cap_untyped_set_free_index(untyped->cap, (uint64_t)1 << ASID_POOL_SIZE_BITS));
	cte_insert_new(untyped, dest, cap_asid_pool_new(base, (uint64_t)high << ASID_LOW_BITS));
	asid_table[high] = (struct asid_pool *)base;
	asid_changed();
	return ERR_OK;
}

enum error asid_pool_assign(struct cte *pool_slot, struct cte *root_slot)
{
	if (cap_type(pool_slot->cap) != CAP_ASID_POOL)
		return ERR_INVALID_CAPABILITY;
	if (cap_type(root_slot->cap) != CAP_PAGE_TABLE || cap_is_mapped(root_slot->cap))
		return ERR_INVALID_CAPABILITY;
	uint64_t base = cap_asid_base(pool_slot->cap);
	struct asid_pool *pool = asid_table[asid_high(base)];
	if (pool == NULL)
		return ERR_FAILED_LOOKUP;
	if ((uintptr_t)pool != cap_ptr(pool_slot->cap))
		return ERR_INVALID_CAPABILITY;
	/* ASID 0 is the kernel's: pool 0 starts at entry 1. */
	uint64_t low = base == 0 ? 1 : 0;
	while (low < ASID_POOL_ENTRIES && pool->root[low] != 0)
		low++;
	if (low == ASID_POOL_ENTRIES)
		return ERR_DELETE_FIRST;

	/* Invoke. The root's lower half is empty (a fresh or unmapped table is
	 * zeroed); the kernel's half is the same in every VSpace. */
	struct pagetable *root = (struct pagetable *)cap_ptr(root_slot->cap);
	pagetable_share_upper_half(root, vspace_kernel_root());
	pool->root[low] = (uint64_t)(uintptr_t)root;
	pool->harts[low] = 0; /* no hart has run it yet */
	asid_changed();
	vspace_set_mapping(root_slot, MAPPING_MAPPED, base + low, 0);
	return ERR_OK;
}

void asid_pool_finalise(struct cap pool_cap)
{
	uint64_t high = asid_high(cap_asid_base(pool_cap));
	struct asid_pool *pool = asid_table[high];
	/* A pool cap always names its table slot; the check is for safety. */
	if (pool == NULL || (uintptr_t)pool != cap_ptr(pool_cap))
		return;
	for (uint64_t low = 0; low < ASID_POOL_ENTRIES; low++)
		if (pool->root[low] != 0) {
			uint64_t asid = (high << ASID_LOW_BITS) | low;
			lend_release(asid, 0, VSPACE_USER_TOP); /* lent pages come home first */
			port_tlb_flush_asid(asid, pool->harts[low]);
		}
	asid_table[high] = NULL;
	asid_changed();
}

void asid_delete(uint64_t asid, const struct pagetable *root)
{
	CORE_ASSERT(root != NULL && asid_lookup(asid) == root);
	struct asid_pool *pool = asid_table[asid_high(asid)];
	uint64_t harts = pool->harts[asid_low(asid)];
	pool->root[asid_low(asid)] = 0;
	pool->harts[asid_low(asid)] = 0;
	asid_changed();
	port_tlb_flush_asid(asid, harts);
}

void asid_table_reset(void)
{
	for (unsigned i = 0; i < ASID_TABLE_ENTRIES; i++)
		asid_table[i] = NULL;
	asid_changed();
}

const char *asid_check_invariants(void)
{
	for (unsigned i = 0; i < ASID_TABLE_ENTRIES; i++) {
		struct asid_pool *pool = asid_table[i];
		if (pool == NULL)
			continue;
		if ((uintptr_t)pool & ((1u << ASID_POOL_SIZE_BITS) - 1))
			return "an ASID pool is misaligned";
		if (i == 0 && pool->root[0] != 0)
			return "ASID 0 was assigned";
		for (unsigned j = i + 1; j < ASID_TABLE_ENTRIES; j++)
			if (asid_table[j] == pool)
				return "one pool in two table slots";
		for (unsigned low = 0; low < ASID_POOL_ENTRIES; low++) {
			uint64_t root = pool->root[low];
			if (root == 0 && pool->harts[low] != 0)
				return "a free ASID has harts";
			if (root == 0)
				continue;
			if (root & (PAGE_BYTES - 1))
				return "a VSpace root is misaligned";
			if (CONFIG_MAX_HARTS < 64 &&
			    (pool->harts[low] >> (CONFIG_MAX_HARTS % 64)) != 0)
				return "an ASID's hart set names a hart that does not exist";
			/* Roots are distinct: compare with every later entry. */
			for (unsigned k = i; k < ASID_TABLE_ENTRIES; k++) {
				struct asid_pool *other = asid_table[k];
				if (other == NULL)
					continue;
				for (unsigned m = k == i ? low + 1 : 0; m < ASID_POOL_ENTRIES; m++)
					if (other->root[m] == root)
						return "one VSpace root holds two ASIDs";
			}
		}
	}
	return NULL;
}
