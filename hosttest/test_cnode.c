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

static const struct cap_rights ALL = { CAP_RIGHTS_ALL };

/* ---- resolution ---- */

static void test_resolve_single_level(void **state)
{
	(void)state;
	cw_make(OBJ_ENDPOINT, 0, 5);
	struct resolve_result r = cnode_resolve_address_bits(W->root, 5, 64);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cw_slot(5));
	assert_int_equal(r.bits_remaining, 0);
	r = cnode_lookup_cap(W->root, 5);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cw_slot(5));
	r = cnode_lookup_slot(W->root, 255, 64);
	assert_int_equal(r.err, ERR_OK);
	assert_ptr_equal(r.slot, cw_slot(255));
}

static void test_resolve_invalid_root(void **state)
{
	(void)state;
	cw_make(OBJ_ENDPOINT, 0, 5);
	struct resolve_result r = cnode_resolve_address_bits(cw_slot(5)->cap, 0, 64);
	assert_int_equal(r.err, ERR_FAILED_LOOKUP);
	assert_int_equal(r.fault.type, LOOKUP_FAULT_INVALID_ROOT);
	assert_int_equal(r.fault.bits_left, 64);
	expect_assert_failure(
	    r = cnode_resolve_address_bits(cw_slot(5)->cap, 0, 65)); /* > a word */
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
	cw_make(OBJ_CNODE, 4, 9);
	struct cap wide = cap_cnode_new(cap_ptr(cw_slot(9)->cap), 4, 60, 0x123);
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
	cw_make(OBJ_CNODE, 4, 10);
	cw_make(OBJ_CNODE, 4, 11);
	struct cap top = cap_cnode_new(cap_ptr(cw_slot(10)->cap), 4, 0, 0);
	struct cte *inner = cnode_slot(top, 3);
	inner->cap = cap_null();
	/* Put a guarded copy of CNode 11 in top[3] through the real copy path. */
	struct lookup_fault fault;
	assert_int_equal(cnode_mint((struct cslot_ref){ W->root, 10, 64 }, cw_ref(11), ALL,
				    cap_guard_word(0, 0), &fault),
			 ERR_DELETE_FIRST);
	assert_int_equal(cnode_mint((struct cslot_ref){ top, 3, 4 }, cw_ref(11), ALL,
				    cap_guard_word(2, 1), &fault),
			 ERR_OK);
	cw_make(OBJ_ENDPOINT, 0, 12);
	assert_int_equal(cnode_copy((struct cslot_ref){ top, (3 << 6) | (1 << 4) | 7, 10 },
				    cw_ref(12), ALL, &fault),
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
	assert_int_equal(cnode_copy((struct cslot_ref){ top, 5, 4 }, cw_ref(12), ALL, &fault),
			 ERR_OK);
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
	cw_make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(
	    cnode_copy(cw_ref(21), cw_ref(20), cap_rights_make(CAP_RIGHT_READ), &fault), ERR_OK);
	assert_int_equal(cap_type(cw_slot(21)->cap), CAP_ENDPOINT);
	assert_int_equal(cap_rights(cw_slot(21)->cap).bits, CAP_RIGHT_READ);
	assert_true(cap_same_object_as(cw_slot(20)->cap, cw_slot(21)->cap));
	assert_ptr_equal(mdb_next(cw_slot(20)), cw_slot(21));
	assert_true(mdb_is_parent_of(cw_slot(20), cw_slot(21))); /* original parents copies */
	assert_false(mdb_revocable(cw_slot(21)));
	assert_false(mdb_is_final(cw_slot(20)));
	/* A copy of the copy is the original's too (a sibling of the copy). */
	assert_int_equal(cnode_copy(cw_ref(22), cw_ref(21), ALL, &fault), ERR_OK);
	assert_int_equal(cap_rights(cw_slot(22)->cap).bits, CAP_RIGHT_READ); /* never grows */
	assert_false(mdb_has_children(cw_slot(21)));
	world_assert(W);
}

static void test_mint_badge_rules(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(cnode_mint(cw_ref(21), cw_ref(20), ALL, 99, &fault), ERR_OK);
	assert_int_equal(cap_badge(cw_slot(21)->cap), 99);
	assert_true(mdb_revocable(cw_slot(21)));
	assert_true(mdb_first_badged(cw_slot(21)));
	/* No badge on a badged cap: illegal, nothing changes. */
	world_snapshot(W);
	assert_int_equal(cnode_mint(cw_ref(22), cw_ref(21), ALL, 5, &fault), ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* Copying a badged cap keeps the badge and makes a child of it. */
	assert_int_equal(cnode_copy(cw_ref(22), cw_ref(21), ALL, &fault), ERR_OK);
	assert_int_equal(cap_badge(cw_slot(22)->cap), 99);
	assert_true(mdb_is_parent_of(cw_slot(21), cw_slot(22)));
	/* An independent mint of the same badge is not the first's child. */
	assert_int_equal(cnode_mint(cw_ref(23), cw_ref(20), ALL, 99, &fault), ERR_OK);
	assert_ptr_equal(mdb_next(cw_slot(20)), cw_slot(23));
	/* Minting badge 0 leaves the cap unbadged (a plain copy). */
	assert_int_equal(cnode_mint(cw_ref(24), cw_ref(20), ALL, 0, &fault), ERR_OK);
	assert_int_equal(cap_badge(cw_slot(24)->cap), 0);
	assert_false(mdb_revocable(cw_slot(24)));
	world_assert(W);
	/* Revoking the badged cap 21 removes its copy 22 only. */
	world_revoke(W, cw_slot(21));
	assert_true(cap_is_null(cw_slot(22)->cap));
	assert_false(cap_is_null(cw_slot(23)->cap));
	assert_false(cap_is_null(cw_slot(21)->cap));
	world_assert(W);
}

static void test_mint_cnode_guard(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_CNODE, 3, 30);
	assert_int_equal(cnode_mint(cw_ref(31), cw_ref(30), ALL, cap_guard_word(5, 0x11), &fault),
			 ERR_OK);
	assert_int_equal(cap_cnode_guard_size(cw_slot(31)->cap), 5);
	assert_int_equal(cap_cnode_guard(cw_slot(31)->cap), 0x11);
	world_snapshot(W);
	assert_int_equal(cnode_mint(cw_ref(32), cw_ref(30), ALL, cap_guard_word(62, 0), &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	world_assert(W);
}

static void test_move_keeps_tree_position(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_ENDPOINT, 0, 40);
	assert_int_equal(cnode_copy(cw_ref(41), cw_ref(40), ALL, &fault), ERR_OK);
	struct cap original = cw_slot(40)->cap;
	assert_int_equal(cnode_move(cw_ref(50), cw_ref(40), &fault), ERR_OK);
	assert_true(cap_is_null(cw_slot(40)->cap));
	assert_memory_equal(&cw_slot(50)->cap, &original, sizeof(original));
	assert_ptr_equal(mdb_next(cw_slot(50)), cw_slot(41));
	assert_true(mdb_is_parent_of(cw_slot(50), cw_slot(41)));
	world_assert(W);
	world_revoke(W, cw_slot(50));
	assert_true(cap_is_null(cw_slot(41)->cap));
	world_assert(W);
}

static void test_mutate(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_CNODE, 3, 30);
	assert_int_equal(cnode_mutate(cw_ref(31), cw_ref(30), cap_guard_word(4, 9), &fault),
			 ERR_OK);
	assert_true(cap_is_null(cw_slot(30)->cap));
	assert_int_equal(cap_cnode_guard(cw_slot(31)->cap), 9);
	/* Mutate cannot badge (seL4: use mint), and a bad guard is illegal. */
	cw_make(OBJ_ENDPOINT, 0, 32);
	world_snapshot(W);
	assert_int_equal(cnode_mutate(cw_ref(33), cw_ref(32), 7, &fault), ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_mutate(cw_ref(33), cw_ref(31), cap_guard_word(63, 0), &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* Caps without data move unchanged. */
	cw_make(OBJ_TCB, 0, 34);
	struct cap tcb = cw_slot(34)->cap;
	assert_int_equal(cnode_mutate(cw_ref(35), cw_ref(34), 123, &fault), ERR_OK);
	assert_memory_equal(&cw_slot(35)->cap, &tcb, sizeof(tcb));
	world_assert(W);
}

static void test_rotate_three_slots(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_TCB, 0, 60);   /* src */
	cw_make(OBJ_CNODE, 2, 61); /* pivot */
	struct cap src = cw_slot(60)->cap;
	uintptr_t pivot_ptr = cap_ptr(cw_slot(61)->cap);
	/* src -> pivot, pivot -> dest (62); the pivot gets a guard on the way. */
	assert_int_equal(
	    cnode_rotate(cw_ref(62), cw_ref(61), cap_guard_word(3, 5), cw_ref(60), 0, &fault),
	    ERR_OK);
	assert_true(cap_is_null(cw_slot(60)->cap));
	assert_memory_equal(&cw_slot(61)->cap, &src, sizeof(src));
	assert_int_equal(cap_type(cw_slot(62)->cap), CAP_CNODE);
	assert_int_equal(cap_ptr(cw_slot(62)->cap), pivot_ptr);
	assert_int_equal(cap_cnode_guard(cw_slot(62)->cap), 5);
	world_assert(W);
}

static void test_rotate_swap(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_TCB, 0, 60);
	cw_make(OBJ_REPLY, 0, 61);
	assert_int_equal(cnode_copy(cw_ref(63), cw_ref(61), ALL, &fault), ERR_OK);
	struct cap a = cw_slot(60)->cap, b = cw_slot(61)->cap;
	/* dest == src: a swap of src and pivot. */
	assert_int_equal(cnode_rotate(cw_ref(60), cw_ref(61), 0, cw_ref(60), 0, &fault), ERR_OK);
	assert_memory_equal(&cw_slot(60)->cap, &b, sizeof(b));
	assert_memory_equal(&cw_slot(61)->cap, &a, sizeof(a));
	/* The reply's copy still follows the reply original. */
	assert_ptr_equal(mdb_next(cw_slot(60)), cw_slot(63));
	world_assert(W);
}

/* ---- invocations: every error path, each changing nothing ---- */

static void test_copy_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_ENDPOINT, 0, 20);
	cw_make(OBJ_ENDPOINT, 0, 21);
	world_snapshot(W);
	/* dest lookup fails: guard mismatch, not the source. */
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ W->root, 1ull << 63, 64 }, cw_ref(20), ALL, &fault),
	    ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_false(fault.source);
	/* dest depth out of range. */
	assert_int_equal(cnode_copy((struct cslot_ref){ W->root, 22, 0 }, cw_ref(20), ALL, &fault),
			 ERR_RANGE);
	assert_int_equal(cnode_copy((struct cslot_ref){ W->root, 22, 65 }, cw_ref(20), ALL, &fault),
			 ERR_RANGE);
	/* dest root is not a CNode. */
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ cw_slot(20)->cap, 22, 64 }, cw_ref(20), ALL, &fault),
	    ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_INVALID_ROOT);
	/* dest occupied. */
	assert_int_equal(cnode_copy(cw_ref(21), cw_ref(20), ALL, &fault), ERR_DELETE_FIRST);
	/* source lookup fails, marked as the source. */
	assert_int_equal(cnode_copy(cw_ref(22), (struct cslot_ref){ W->root, 20, 8 }, ALL, &fault),
			 ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(cnode_copy(cw_ref(22), (struct cslot_ref){ W->root, 20, 99 }, ALL, &fault),
			 ERR_RANGE);
	/* source empty: missing capability. */
	assert_int_equal(cnode_copy(cw_ref(22), cw_ref(23), ALL, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_true(fault.source);
	assert_int_equal(fault.bits_left, 64);
	/* Same for mint and move and mutate. */
	assert_int_equal(cnode_mint(cw_ref(22), cw_ref(23), ALL, 1, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_move(cw_ref(22), cw_ref(23), &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_mutate(cw_ref(22), cw_ref(23), 0, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_move(cw_ref(21), cw_ref(20), &fault), ERR_DELETE_FIRST);
	assert_int_equal(cnode_mutate(cw_ref(21), cw_ref(20), 0, &fault), ERR_DELETE_FIRST);
	assert_int_equal(cnode_move((struct cslot_ref){ W->root, 22, 0 }, cw_ref(20), &fault),
			 ERR_RANGE);
	/* Copy onto itself: the slot is occupied. */
	assert_int_equal(cnode_copy(cw_ref(20), cw_ref(20), ALL, &fault), ERR_DELETE_FIRST);
	world_assert_unchanged(W);
}

static void test_copy_derivation_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	/* An untyped with children cannot be copied. */
	struct cte *boot = cw_slot(BOOT_UT_INDEX);
	cw_make(OBJ_ENDPOINT, 0, 20);
	world_snapshot(W);
	assert_int_equal(cnode_copy(cw_ref(21), cw_ref(BOOT_UT_INDEX), ALL, &fault),
			 ERR_REVOKE_FIRST);
	world_assert_unchanged(W);
	(void)boot;
	/* Zombies, IRQ control and unmapped page tables are never copied. */
	cw_slot(100)->cap = cap_irq_control_new();
	mdb_set_flags(cw_slot(100), true, true);
	cw_make(OBJ_PAGE_TABLE, 0, 101);
	world_snapshot(W);
	assert_int_equal(cnode_copy(cw_ref(21), cw_ref(100), ALL, &fault), ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_mint(cw_ref(21), cw_ref(100), ALL, 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_copy(cw_ref(21), cw_ref(101), ALL, &fault), ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
	/* The IRQ control may be moved, though. */
	assert_int_equal(cnode_move(cw_ref(102), cw_ref(100), &fault), ERR_OK);
	cw_slot(102)->cap = cap_null();
	cw_slot(102)->mdb = (struct mdb_node){ { 0, 0 } };
	/* A mapped page table can be copied; a mapped frame's copy is unmapped. */
	cw_slot(101)->cap = cap_set_mapping(cw_slot(101)->cap, 1, 0x200000);
	assert_int_equal(cnode_copy(cw_ref(103), cw_ref(101), ALL, &fault), ERR_OK);
	assert_true(cap_is_mapped(cw_slot(103)->cap));
	cw_make(OBJ_FRAME_4K, 0, 104);
	cw_slot(104)->cap = cap_set_mapping(cw_slot(104)->cap, 1, 0x1000);
	assert_int_equal(cnode_copy(cw_ref(105), cw_ref(104), ALL, &fault), ERR_OK);
	assert_false(cap_is_mapped(cw_slot(105)->cap));
	/* Deleting a mapped frame cap unmaps it; an unmapped one does not; a
	 * page table is unmapped by its last cap only (copies share it). */
	uint64_t unmaps = object_unmap_count;
	world_delete(W, cw_slot(105));
	assert_int_equal(object_unmap_count, unmaps);
	world_delete(W, cw_slot(104));
	assert_int_equal(object_unmap_count, unmaps + 1);
	world_delete(W, cw_slot(103));
	assert_int_equal(object_unmap_count, unmaps + 1);
	world_delete(W, cw_slot(101));
	assert_int_equal(object_unmap_count, unmaps + 2);
	world_assert(W);
}

static void test_rotate_errors(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_make(OBJ_TCB, 0, 60);
	cw_make(OBJ_TCB, 0, 61);
	cw_make(OBJ_TCB, 0, 62);
	cw_make(OBJ_ENDPOINT, 0, 63);
	world_snapshot(W);
	/* pivot equal to src or dest. */
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(60), 0, cw_ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_rotate(cw_ref(61), cw_ref(61), 0, cw_ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	/* dest occupied (and not src). */
	assert_int_equal(cnode_rotate(cw_ref(62), cw_ref(61), 0, cw_ref(60), 0, &fault),
			 ERR_DELETE_FIRST);
	/* src or pivot empty. */
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(61), 0, cw_ref(71), 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_true(fault.source);
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(71), 0, cw_ref(60), 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	/* Lookup failures of each operand. */
	struct cslot_ref bad = { W->root, 1ull << 62, 64 };
	assert_int_equal(cnode_rotate(bad, cw_ref(61), 0, cw_ref(60), 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_false(fault.source);
	assert_int_equal(cnode_rotate(cw_ref(70), bad, 0, cw_ref(60), 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(61), 0, bad, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_true(fault.source);
	/* Endpoint caps cannot take data on rotate (no badge on mutate). */
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(63), 0, cw_ref(60), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	assert_int_equal(cnode_rotate(cw_ref(70), cw_ref(60), 0, cw_ref(63), 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	world_assert_unchanged(W);
}

static void test_delete_and_revoke_invocations(void **state)
{
	(void)state;
	struct lookup_fault fault;
	struct work_budget budget = { .left = 100 };
	cw_make(OBJ_ENDPOINT, 0, 20);
	assert_int_equal(cnode_copy(cw_ref(21), cw_ref(20), ALL, &fault), ERR_OK);
	world_snapshot(W);
	assert_int_equal(cnode_delete((struct cslot_ref){ W->root, 21, 3 }, &budget, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(cnode_revoke((struct cslot_ref){ W->root, 21, 0 }, &budget, &fault),
			 ERR_RANGE);
	world_assert_unchanged(W);
	/* Deleting an empty slot succeeds and does nothing. */
	assert_int_equal(cnode_delete(cw_ref(22), &budget, &fault), ERR_OK);
	world_assert_unchanged(W);
	uint64_t before = object_finalise_count[CAP_ENDPOINT];
	assert_int_equal(cnode_revoke(cw_ref(20), &budget, &fault), ERR_OK);
	assert_true(cap_is_null(cw_slot(21)->cap));
	assert_int_equal(object_finalise_count[CAP_ENDPOINT],
			 before); /* a copy went, not the object */
	assert_int_equal(cnode_delete(cw_ref(20), &budget, &fault), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], before + 1);
	world_assert(W);
}

#define T(f) cmocka_unit_test_setup_teardown(f, cw_setup_1mib, cw_teardown)

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
