/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/cnode.c: resolve_address_bits and the lookups with every
 * fault seL4 distinguishes (bits left, level, guard), then each CNode
 * invocation's success and every error path, checking that a failure
 * changes no byte of the CSpace or of untyped memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cspace_world.h"
#include "mdb.h"

#define MEM_BITS 20
static const struct cap_rights ALL = { CAP_RIGHTS_ALL };

static struct world *W;

static int setup(void **state)
{
	(void)state;
	W = world_new(MEM_BITS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	world_free(W);
	return 0;
}

static struct cte *slot(uint64_t i)
{
	return world_slot(W, i);
}

static struct cslot_ref ref(uint64_t i)
{
	return world_ref(W, i);
}

static void make(uint64_t type, uint64_t bits, uint64_t dest)
{
	assert_int_equal(world_retype(W, BOOT_UT_INDEX, type, bits, dest, 1), ERR_OK);
}

/* ---- resolution ---- */

static void test_resolve_single_level(void **state)
{
	(void)state;
	make(OBJ_ENDPOINT, 0, 5);
	struct resolve_result r = cnode_resolve_address_bits(W->root, 5, 64);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, slot(5));
	assert_int_equal(r.bits_remaining, 0);
	r = cnode_lookup_cap(W->root, 5);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, slot(5));
	r = cnode_lookup_slot(W->root, 255, 64);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, slot(255));
}

static void test_resolve_invalid_root(void **state)
{
	(void)state;
	make(OBJ_ENDPOINT, 0, 5);
	struct resolve_result r = cnode_resolve_address_bits(slot(5)->cap, 0, 64);
	assert_int_equal(r.err, ERR_FAILED_LOOKUP);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_INVALID_ROOT);
	assert_int_equal(r.fault.bits_left, 64);
	r = cnode_lookup_slot(cap_null(), 0, 64);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_INVALID_ROOT);
	r = cnode_lookup_cap(cap_null(), 0);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_INVALID_ROOT);
}

static void test_resolve_guard_mismatch(void **state)
{
	(void)state;
	/* Root: radix 8 with a 56-bit zero guard; any high bit breaks it. */
	struct resolve_result r = cnode_resolve_address_bits(W->root, (uint64_t)1 << 63, 64);
	assert_int_equal(r.err, ERR_FAILED_LOOKUP);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(r.fault.bits_left, 64);
	assert_int_equal(r.fault.bits_found, 56);
	assert_int_equal(r.fault.guard_found, 0);
	assert_int_equal(r.fault.level, 0);
	/* Fewer bits than the guard: also a guard mismatch, as seL4. */
	r = cnode_resolve_address_bits(W->root, 0, 40);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(r.fault.bits_left, 40);
	/* A guard wider than 58 bits keeps its top bits zero. */
	make(OBJ_CNODE, 4, 9);
	struct cap wide = cap_cnode_new(cap_ptr(slot(9)->cap), 4, 60, 0x123);
	r = cnode_resolve_address_bits(wide, 0x123ull << 4, 64);
	assert_int_equal(r.err, ERR_OK);
	r = cnode_resolve_address_bits(wide, (0x123ull << 4) | (1ull << 63), 64);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(r.fault.guard_found, 0x123);
	assert_int_equal(r.fault.bits_found, 60);
}

/* Two levels: a radix-4 unguarded root whose slot 3 holds a radix-4 CNode
 * with the 2-bit guard 01. cptr = [3][01][7] in 10 bits. */
static struct cap two_levels(void)
{
	make(OBJ_CNODE, 4, 10);
	make(OBJ_CNODE, 4, 11);
	struct cap top = cap_cnode_new(cap_ptr(slot(10)->cap), 4, 0, 0);
	struct cte *inner = cnode_slot(top, 3);
	inner->cap = cap_null();
	/* Put a guarded copy of CNode 11 in top[3] through the real copy path. */
	struct lookup_fault fault;
	assert_int_equal(cnode_mint((struct cslot_ref){ W->root, 10, 64 }, ref(11), ALL,
				    cap_guard_word(0, 0), &fault),
			 ERR_DELETE_FIRST);
	assert_int_equal(
	    cnode_mint((struct cslot_ref){ top, 3, 4 }, ref(11), ALL, cap_guard_word(2, 1), &fault),
	    ERR_OK);
	make(OBJ_ENDPOINT, 0, 12);
	assert_int_equal(cnode_copy((struct cslot_ref){ top, (3 << 6) | (1 << 4) | 7, 10 }, ref(12),
				    ALL, &fault),
			 ERR_OK);
	return top;
}

static void test_resolve_two_levels(void **state)
{
	(void)state;
	struct cap top = two_levels();
	struct cap inner = cnode_slot(top, 3)->cap;
	uint64_t cptr = (3 << 6) | (1 << 4) | 7;
	struct resolve_result r = cnode_resolve_address_bits(top, cptr, 10);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cnode_slot(inner, 7));
	assert_int_equal(cap_type(r.slot->cap), CAP_ENDPOINT);
	assert_int_equal(r.fault.level, 1);

	/* Wrong guard at level 1: 6 bits were left there. */
	r = cnode_resolve_address_bits(top, (3 << 6) | (2 << 4) | 7, 10);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(r.fault.bits_left, 6);
	assert_int_equal(r.fault.level, 1);
	assert_int_equal(r.fault.guard_found, 1);
	assert_int_equal(r.fault.bits_found, 2);

	/* Depth ends inside level 1 (after the guard): depth mismatch. */
	r = cnode_resolve_address_bits(top, (3 << 4) | (1 << 2) | 1, 8);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_DEPTH_MISMATCH);
	assert_int_equal(r.fault.bits_left, 4);
	assert_int_equal(r.fault.bits_found, 6);
	assert_int_equal(r.fault.level, 1);

	/* Depth 4 stops at top[3] itself: the CNode cap's slot. */
	r = cnode_resolve_address_bits(top, 3, 4);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cnode_slot(top, 3));

	/* Depth shorter than the root's radix. */
	r = cnode_resolve_address_bits(top, 1, 2);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_DEPTH_MISMATCH);
	assert_int_equal(r.fault.bits_left, 2);
	assert_int_equal(r.fault.bits_found, 4);
	assert_int_equal(r.fault.level, 0);
}

static void test_leaf_ends_lookup_early(void **state)
{
	(void)state;
	struct cap top = two_levels();
	struct lookup_fault fault;
	/* top[5] holds an endpoint: a 10-bit lookup stops there with 6 bits left. */
	assert_int_equal(cnode_copy((struct cslot_ref){ top, 5, 4 }, ref(12), ALL, &fault), ERR_OK);
	struct resolve_result r = cnode_resolve_address_bits(top, (5 << 6) | 0x3f, 10);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cnode_slot(top, 5));
	assert_int_equal(r.bits_remaining, 6);
	/* A CNode operation must consume its depth exactly. */
	r = cnode_lookup_slot(top, (5 << 6) | 0x3f, 10);
	assert_int_equal(r.err, ERR_FAILED_LOOKUP);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_DEPTH_MISMATCH);
	assert_int_equal(r.fault.bits_left, 6);
	assert_int_equal(r.fault.bits_found, 0);
	assert_int_equal(r.fault.level, 1);
	/* A cap lookup (all 64 bits) accepts the early leaf. */
	r = cnode_lookup_cap(top, (uint64_t)5 << 60);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cnode_slot(top, 5));
	assert_int_equal(r.bits_remaining, 60);
}

static void test_lookup_depth_range(void **state)
{
	(void)state;
	const uint64_t bad[] = { 0, 65, 128, (uint64_t)1 << 40, UINT64_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct resolve_result r = cnode_lookup_slot(W->root, 1, bad[i]);
		assert_int_equal(r.err, ERR_RANGE);
	}
	assert_int_equal(cnode_lookup_slot(W->root, 1, 64).err, ERR_OK);
}

static void test_lookup_cap_missing(void **state)
{
	(void)state;
	struct resolve_result r = cnode_lookup_cap(W->root, 77);
	assert_int_equal(r.err, ERR_FAILED_LOOKUP);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_int_equal(r.fault.bits_left, 0);
	assert_int_equal(r.fault.level, 0);
}

/* ---- invocations: successes ---- */

static void test_copy_reduces_rights_and_links_child(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(cnode_copy(ref(21), ref(20), cap_rights_make(CAP_RIGHT_READ), &fault),
			 ERR_OK);
	assert_int_equal(cap_type(slot(21)->cap), CAP_ENDPOINT);
	assert_int_equal(cap_rights(slot(21)->cap).bits, CAP_RIGHT_READ);
	assert_true(cap_same_object_as(slot(20)->cap, slot(21)->cap));
	assert_ptr_equal(mdb_next(slot(20)), slot(21));
	assert_true(mdb_is_parent_of(slot(20), slot(21))); /* original parents copies */
	assert_false(mdb_revocable(slot(21)));
	assert_false(mdb_is_final(slot(20)));
	/* A copy of the copy is the original's too (a sibling of the copy). */
	assert_int_equal(cnode_copy(ref(22), ref(21), ALL, &fault), ERR_OK);
	assert_int_equal(cap_rights(slot(22)->cap).bits, CAP_RIGHT_READ); /* never grows */
	assert_false(mdb_has_children(slot(21)));
	world_assert(W);
}

static void test_mint_badge_rules(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(cnode_mint(ref(21), ref(20), ALL, 99, &fault), ERR_OK);
	assert_int_equal(cap_badge(slot(21)->cap), 99);
	assert_true(mdb_revocable(slot(21)));
	assert_true(mdb_first_badged(slot(21)));
	/* No badge on a badged cap: illegal, nothing changes. */
	world_snapshot(W);
	assert_int_equal(cnode_mint(ref(22), ref(21), ALL, 5, &fault), ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* Copying a badged cap keeps the badge and makes a child of it. */
	assert_int_equal(cnode_copy(ref(22), ref(21), ALL, &fault), ERR_OK);
	assert_int_equal(cap_badge(slot(22)->cap), 99);
	assert_true(mdb_is_parent_of(slot(21), slot(22)));
	/* An independent mint of the same badge is not the first's child. */
	assert_int_equal(cnode_mint(ref(23), ref(20), ALL, 99, &fault), ERR_OK);
	assert_ptr_equal(mdb_next(slot(20)), slot(23));
	/* Minting badge 0 leaves the cap unbadged (a plain copy). */
	assert_int_equal(cnode_mint(ref(24), ref(20), ALL, 0, &fault), ERR_OK);
	assert_int_equal(cap_badge(slot(24)->cap), 0);
	assert_false(mdb_revocable(slot(24)));
	world_assert(W);
	/* Revoking the badged cap 21 removes its copy 22 only. */
	world_revoke(W, slot(21));
	assert_true(cap_is_null(slot(22)->cap));
	assert_false(cap_is_null(slot(23)->cap));
	assert_false(cap_is_null(slot(21)->cap));
	world_assert(W);
}

static void test_mint_cnode_guard(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_CNODE, 3, 30);
	assert_int_equal(cnode_mint(ref(31), ref(30), ALL, cap_guard_word(5, 0x11), &fault),
			 ERR_OK);
	assert_int_equal(cap_cnode_guard_size(slot(31)->cap), 5);
	assert_int_equal(cap_cnode_guard(slot(31)->cap), 0x11);
	world_snapshot(W);
	assert_int_equal(cnode_mint(ref(32), ref(30), ALL, cap_guard_word(62, 0), &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	world_assert(W);
}

static void test_move_keeps_tree_position(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_ENDPOINT, 0, 40);
	assert_int_equal(cnode_copy(ref(41), ref(40), ALL, &fault), ERR_OK);
	struct cap original = slot(40)->cap;
	assert_int_equal(cnode_move(ref(50), ref(40), &fault), ERR_OK);
	assert_true(cap_is_null(slot(40)->cap));
	assert_memory_equal(&slot(50)->cap, &original, sizeof(original));
	assert_ptr_equal(mdb_next(slot(50)), slot(41));
	assert_true(mdb_is_parent_of(slot(50), slot(41)));
	world_assert(W);
	world_revoke(W, slot(50));
	assert_true(cap_is_null(slot(41)->cap));
	world_assert(W);
}

static void test_mutate(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_CNODE, 3, 30);
	assert_int_equal(cnode_mutate(ref(31), ref(30), cap_guard_word(4, 9), &fault), ERR_OK);
	assert_true(cap_is_null(slot(30)->cap));
	assert_int_equal(cap_cnode_guard(slot(31)->cap), 9);
	/* Mutate cannot badge (seL4: use mint), and a bad guard is illegal. */
	make(OBJ_ENDPOINT, 0, 32);
	world_snapshot(W);
	assert_int_equal(cnode_mutate(ref(33), ref(32), 7, &fault), ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_mutate(ref(33), ref(31), cap_guard_word(63, 0), &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* Caps without data move unchanged. */
	make(OBJ_TCB, 0, 34);
	struct cap tcb = slot(34)->cap;
	assert_int_equal(cnode_mutate(ref(35), ref(34), 123, &fault), ERR_OK);
	assert_memory_equal(&slot(35)->cap, &tcb, sizeof(tcb));
	world_assert(W);
}

static void test_rotate_three_slots(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_TCB, 0, 60);   /* src */
	make(OBJ_CNODE, 2, 61); /* pivot */
	struct cap src = slot(60)->cap;
	uintptr_t pivot_ptr = cap_ptr(slot(61)->cap);
	/* src -> pivot, pivot -> dest (62); the pivot gets a guard on the way. */
	assert_int_equal(cnode_rotate(ref(62), ref(61), cap_guard_word(3, 5), ref(60), 0, &fault),
			 ERR_OK);
	assert_true(cap_is_null(slot(60)->cap));
	assert_memory_equal(&slot(61)->cap, &src, sizeof(src));
	assert_int_equal(cap_type(slot(62)->cap), CAP_CNODE);
	assert_int_equal(cap_ptr(slot(62)->cap), pivot_ptr);
	assert_int_equal(cap_cnode_guard(slot(62)->cap), 5);
	world_assert(W);
}

static void test_rotate_swap(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_TCB, 0, 60);
	make(OBJ_REPLY, 0, 61);
	assert_int_equal(cnode_copy(ref(63), ref(61), ALL, &fault), ERR_OK);
	struct cap a = slot(60)->cap, b = slot(61)->cap;
	/* dest == src: a swap of src and pivot. */
	assert_int_equal(cnode_rotate(ref(60), ref(61), 0, ref(60), 0, &fault), ERR_OK);
	assert_memory_equal(&slot(60)->cap, &b, sizeof(b));
	assert_memory_equal(&slot(61)->cap, &a, sizeof(a));
	/* The reply's copy still follows the reply original. */
	assert_ptr_equal(mdb_next(slot(60)), slot(63));
	world_assert(W);
}

/* ---- invocations: every error path, each changing nothing ---- */

static void test_copy_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_ENDPOINT, 0, 20);
	make(OBJ_ENDPOINT, 0, 21);
	world_snapshot(W);
	/* dest lookup fails: guard mismatch, not the source. */
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ W->root, 1ull << 63, 64 }, ref(20), ALL, &fault),
	    ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_false(fault.source);
	/* dest depth out of range. */
	assert_int_equal(cnode_copy((struct cslot_ref){ W->root, 22, 0 }, ref(20), ALL, &fault),
			 ERR_RANGE);
	assert_int_equal(cnode_copy((struct cslot_ref){ W->root, 22, 65 }, ref(20), ALL, &fault),
			 ERR_RANGE);
	/* dest root is not a CNode. */
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ slot(20)->cap, 22, 64 }, ref(20), ALL, &fault),
	    ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_INVALID_ROOT);
	/* dest occupied. */
	assert_int_equal(cnode_copy(ref(21), ref(20), ALL, &fault), ERR_DELETE_FIRST);
	/* source lookup fails, marked as the source. */
	assert_int_equal(cnode_copy(ref(22), (struct cslot_ref){ W->root, 20, 8 }, ALL, &fault),
			 ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(cnode_copy(ref(22), (struct cslot_ref){ W->root, 20, 99 }, ALL, &fault),
			 ERR_RANGE);
	/* source empty: missing capability. */
	assert_int_equal(cnode_copy(ref(22), ref(23), ALL, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_true(fault.source);
	assert_int_equal(fault.bits_left, 64);
	/* Same for mint and move and mutate. */
	assert_int_equal(cnode_mint(ref(22), ref(23), ALL, 1, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_move(ref(22), ref(23), &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_mutate(ref(22), ref(23), 0, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_move(ref(21), ref(20), &fault), ERR_DELETE_FIRST);
	assert_int_equal(cnode_mutate(ref(21), ref(20), 0, &fault), ERR_DELETE_FIRST);
	assert_int_equal(cnode_move((struct cslot_ref){ W->root, 22, 0 }, ref(20), &fault),
			 ERR_RANGE);
	/* Copy onto itself: the slot is occupied. */
	assert_int_equal(cnode_copy(ref(20), ref(20), ALL, &fault), ERR_DELETE_FIRST);
	world_assert_unchanged(W);
}

static void test_copy_derivation_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	/* An untyped with children cannot be copied. */
	struct cte *boot = slot(BOOT_UT_INDEX);
	make(OBJ_ENDPOINT, 0, 20);
	world_snapshot(W);
	assert_int_equal(cnode_copy(ref(21), ref(BOOT_UT_INDEX), ALL, &fault), ERR_REVOKE_FIRST);
	world_assert_unchanged(W);
	(void)boot;
	/* Zombies, IRQ control and unmapped page tables are never copied. */
	slot(100)->cap = cap_irq_control_new();
	mdb_set_flags(slot(100), true, true);
	make(OBJ_PAGE_TABLE, 0, 101);
	world_snapshot(W);
	assert_int_equal(cnode_copy(ref(21), ref(100), ALL, &fault), ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_mint(ref(21), ref(100), ALL, 0, &fault), ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_copy(ref(21), ref(101), ALL, &fault), ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* The IRQ control may be moved, though. */
	assert_int_equal(cnode_move(ref(102), ref(100), &fault), ERR_OK);
	slot(102)->cap = cap_null();
	slot(102)->mdb = (struct mdb_node){ { 0, 0 } };
	/* A mapped page table can be copied; a mapped frame's copy is unmapped. */
	slot(101)->cap = cap_set_mapping(slot(101)->cap, 1, 0x200000);
	assert_int_equal(cnode_copy(ref(103), ref(101), ALL, &fault), ERR_OK);
	assert_true(cap_is_mapped(slot(103)->cap));
	make(OBJ_FRAME_4K, 0, 104);
	slot(104)->cap = cap_set_mapping(slot(104)->cap, 1, 0x1000);
	assert_int_equal(cnode_copy(ref(105), ref(104), ALL, &fault), ERR_OK);
	assert_false(cap_is_mapped(slot(105)->cap));
	/* Deleting a mapped frame cap unmaps it; an unmapped one does not; a
	 * page table is unmapped by its last cap only (copies share it). */
	uint64_t unmaps = object_unmap_count;
	world_delete(W, slot(105));
	assert_int_equal(object_unmap_count, unmaps);
	world_delete(W, slot(104));
	assert_int_equal(object_unmap_count, unmaps + 1);
	world_delete(W, slot(103));
	assert_int_equal(object_unmap_count, unmaps + 1);
	world_delete(W, slot(101));
	assert_int_equal(object_unmap_count, unmaps + 2);
	world_assert(W);
}

static void test_rotate_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	make(OBJ_TCB, 0, 60);
	make(OBJ_TCB, 0, 61);
	make(OBJ_TCB, 0, 62);
	make(OBJ_ENDPOINT, 0, 63);
	world_snapshot(W);
	/* pivot equal to src or dest. */
	assert_int_equal(cnode_rotate(ref(70), ref(60), 0, ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_rotate(ref(61), ref(61), 0, ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	/* dest occupied (and not src). */
	assert_int_equal(cnode_rotate(ref(62), ref(61), 0, ref(60), 0, &fault), ERR_DELETE_FIRST);
	/* src or pivot empty. */
	assert_int_equal(cnode_rotate(ref(70), ref(61), 0, ref(71), 0, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_true(fault.source);
	assert_int_equal(cnode_rotate(ref(70), ref(71), 0, ref(60), 0, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	/* Lookup failures of each operand. */
	struct cslot_ref bad = { W->root, 1ull << 62, 64 };
	assert_int_equal(cnode_rotate(bad, ref(61), 0, ref(60), 0, &fault), ERR_FAILED_LOOKUP);
	assert_false(fault.source);
	assert_int_equal(cnode_rotate(ref(70), bad, 0, ref(60), 0, &fault), ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	assert_int_equal(cnode_rotate(ref(70), ref(61), 0, bad, 0, &fault), ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	/* Endpoint caps cannot take data on rotate (no badge on mutate). */
	assert_int_equal(cnode_rotate(ref(70), ref(63), 0, ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_rotate(ref(70), ref(60), 0, ref(63), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
}

static void test_delete_and_revoke_invocations(void **state)
{
	(void)state;
	struct lookup_fault fault;
	struct work_budget budget = { .left = 100 };
	make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(cnode_copy(ref(21), ref(20), ALL, &fault), ERR_OK);
	world_snapshot(W);
	assert_int_equal(cnode_delete((struct cslot_ref){ W->root, 21, 3 }, &budget, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_revoke((struct cslot_ref){ W->root, 21, 0 }, &budget, &fault),
			 ERR_RANGE);
	world_assert_unchanged(W);
	/* Deleting an empty slot succeeds and does nothing. */
	assert_int_equal(cnode_delete(ref(22), &budget, &fault), ERR_OK);
	world_assert_unchanged(W);
	uint64_t before = object_finalise_count[CAP_ENDPOINT];
	assert_int_equal(cnode_revoke(ref(20), &budget, &fault), ERR_OK);
	assert_true(cap_is_null(slot(21)->cap));
	assert_int_equal(object_finalise_count[CAP_ENDPOINT],
			 before); /* a copy went, not the object */
	assert_int_equal(cnode_delete(ref(20), &budget, &fault), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], before + 1);
	world_assert(W);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_resolve_single_level),
		T(test_resolve_invalid_root),
		T(test_resolve_guard_mismatch),
		T(test_resolve_two_levels),
		T(test_leaf_ends_lookup_early),
		T(test_lookup_depth_range),
		T(test_lookup_cap_missing),
		T(test_copy_reduces_rights_and_links_child),
		T(test_mint_badge_rules),
		T(test_mint_cnode_guard),
		T(test_move_keeps_tree_position),
		T(test_mutate),
		T(test_rotate_three_slots),
		T(test_rotate_swap),
		T(test_copy_errors),
		T(test_copy_derivation_errors),
		T(test_rotate_errors),
		T(test_delete_and_revoke_invocations),
	};
	return cmocka_run_group_tests_name("cnode", tests, NULL, NULL);
}
