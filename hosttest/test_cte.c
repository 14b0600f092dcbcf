/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/cte.c and core/mdb.c: the slot primitives reL4 unit-tests
 * (cte_insert, cte_move, cte_swap, insert_new_cap) and more, finality and
 * finalisation (exactly once, when the last cap goes), deletion of CNodes
 * through zombies including garbage cycles, and preemptible revoke/delete:
 * a 10,000-cap subtree revoked in bounded steps with the tree checked at
 * every preemption point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cspace_world.h"
#include "fake_arch.h"
#include "mdb.h"

static const struct cap_rights ALL = { CAP_RIGHTS_ALL };

static void copy(uint64_t dest, uint64_t src)
{
	struct lookup_fault fault;
	assert_int_equal(cnode_copy(cw_ref(dest), cw_ref(src), ALL, &fault), ERR_OK);
}

static void assert_mdb_ok(void)
{
	size_t n = world_universe(W);
	const char *why = mdb_check_invariants(W->slots, n);
	if (why != NULL)
		fail_msg("MDB invariant: %s", why);
}

/* ---- reL4's list: cte_insert, cte_move, cte_swap, insert_new_cap ---- */

static void test_cte_insert(void **state)
{
	(void)state;
	cw_make(OBJ_NOTIFICATION, 0, 10);
	cw_make(OBJ_TCB, 0, 11);
	/* Insert goes right after the source, before what followed it. */
	struct cte *after = mdb_next(cw_slot(10));
	cte_insert(cap_update_data(cw_slot(10)->cap, false, 4), cw_slot(10), cw_slot(12));
	assert_ptr_equal(mdb_next(cw_slot(10)), cw_slot(12));
	assert_ptr_equal(mdb_prev(cw_slot(12)), cw_slot(10));
	assert_ptr_equal(mdb_next(cw_slot(12)), after);
	if (after != NULL)
		assert_ptr_equal(mdb_prev(after), cw_slot(12));
	assert_true(mdb_revocable(cw_slot(12)) && mdb_first_badged(cw_slot(12)));
	cte_insert(cw_slot(11)->cap, cw_slot(11), cw_slot(13));
	assert_false(mdb_revocable(cw_slot(13)) || mdb_first_badged(cw_slot(13)));
	world_assert(W);
	/* Contract violations are kernel bugs. */
	expect_assert_failure(
	    cte_insert(cw_slot(11)->cap, cw_slot(11), cw_slot(13))); /* dest full */
	expect_assert_failure(
	    cte_insert(cw_slot(11)->cap, cw_slot(20), cw_slot(21)));             /* src empty */
	expect_assert_failure(cte_insert(cap_null(), cw_slot(11), cw_slot(21))); /* null cap */
}

static void test_cte_insert_untyped_copy_takes_the_free_space(void **state)
{
	(void)state;
	/* Carve an untyped child; copy it; the source is then used up. */
	cw_make(OBJ_UNTYPED, 12, 10);
	copy(11, 10);
	assert_int_equal(cap_untyped_free_index(cw_slot(10)->cap), 1u << 12);
	assert_true(mdb_is_parent_of(cw_slot(10), cw_slot(11)));
	/* The copy retypes from zero; the original has no space. */
	assert_int_equal(world_retype(W, 11, OBJ_ENDPOINT, 0, 20, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(20)->cap), cap_ptr(cw_slot(10)->cap));
	assert_int_equal(world_retype(W, 10, OBJ_ENDPOINT, 0, 21, 1), ERR_NOT_ENOUGH_MEMORY);
	world_assert(W);
	/* Delete the copy: its endpoint stays, still a descendant of 10. */
	world_delete(W, cw_slot(11));
	assert_true(mdb_has_children(cw_slot(10)));
	assert_int_equal(world_retype(W, 10, OBJ_ENDPOINT, 0, 21, 1), ERR_NOT_ENOUGH_MEMORY);
	/* Revoke 10: the endpoint goes; the watermark stays until the next
	 * retype resets (clears) the untyped and starts again from zero. */
	world_revoke(W, cw_slot(10));
	assert_true(cap_is_null(cw_slot(20)->cap));
	assert_int_equal(cap_untyped_free_index(cw_slot(10)->cap), 1u << 12);
	assert_int_equal(world_retype(W, 10, OBJ_ENDPOINT, 0, 21, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(21)->cap), cap_ptr(cw_slot(10)->cap));
	world_assert(W);
}

static void test_insert_new_cap(void **state)
{
	(void)state;
	struct cte *boot = cw_slot(BOOT_UT_INDEX);
	cw_make(OBJ_ENDPOINT, 0, 10);
	cw_make(OBJ_ENDPOINT, 0, 11);
	/* Newest first after the untyped; both are its children. */
	assert_ptr_equal(mdb_next(boot), cw_slot(11));
	assert_ptr_equal(mdb_next(cw_slot(11)), cw_slot(10));
	assert_true(mdb_is_parent_of(boot, cw_slot(11)) && mdb_is_parent_of(boot, cw_slot(10)));
	assert_true(mdb_revocable(cw_slot(10)) && mdb_first_badged(cw_slot(10)));
	expect_assert_failure(
	    cte_insert_new(cw_slot(10), cw_slot(12), cw_slot(10)->cap)); /* parent not untyped */
	expect_assert_failure(cte_insert_new(boot, cw_slot(10), cw_slot(11)->cap)); /* dest full */
	world_assert(W);
}

static void test_cte_move(void **state)
{
	(void)state;
	cw_make(OBJ_ENDPOINT, 0, 10);
	copy(11, 10);
	copy(12, 10); /* list: boot, 10, 12, 11 */
	struct cap moved = cw_slot(12)->cap;
	cte_move(moved, cw_slot(12), cw_slot(40));
	assert_true(cap_is_null(cw_slot(12)->cap));
	assert_int_equal(cw_slot(12)->mdb.words[0] | cw_slot(12)->mdb.words[1], 0);
	assert_ptr_equal(mdb_next(cw_slot(10)), cw_slot(40));
	assert_ptr_equal(mdb_prev(cw_slot(11)), cw_slot(40));
	assert_ptr_equal(mdb_prev(cw_slot(40)), cw_slot(10));
	assert_ptr_equal(mdb_next(cw_slot(40)), cw_slot(11));
	/* The list head can move too. */
	cte_move(cw_slot(BOOT_UT_INDEX)->cap, cw_slot(BOOT_UT_INDEX), cw_slot(41));
	assert_null(mdb_prev(cw_slot(41)));
	assert_ptr_equal(mdb_prev(cw_slot(10)), cw_slot(41));
	cte_move(cw_slot(41)->cap, cw_slot(41), cw_slot(BOOT_UT_INDEX));
	expect_assert_failure(cte_move(cw_slot(10)->cap, cw_slot(10), cw_slot(11))); /* dest full */
	expect_assert_failure(cte_move(cw_slot(10)->cap, cw_slot(10), cw_slot(10)));
	expect_assert_failure(cte_move(cw_slot(10)->cap, cw_slot(60), cw_slot(61))); /* src empty */
	assert_true(cap_is_null(cw_slot(61)->cap));
	world_assert(W);
}

static void check_list_order(const uint64_t *order, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		assert_ptr_equal(mdb_next(cw_slot(order[i])), cw_slot(order[i + 1]));
		assert_ptr_equal(mdb_prev(cw_slot(order[i + 1])), cw_slot(order[i]));
	}
}

static void test_cte_swap(void **state)
{
	(void)state;
	cw_make(OBJ_ENDPOINT, 0, 10);
	cw_make(OBJ_TCB, 0, 20); /* list: boot, 20, 10 */
	copy(11, 10);
	copy(21, 20); /* list: boot, 20, 21, 10, 11 */
	uint64_t before[] = { BOOT_UT_INDEX, 20, 21, 10, 11 };
	check_list_order(before, 5);
	struct cap a = cw_slot(20)->cap, b = cw_slot(11)->cap;
	/* Far apart: each cap keeps its place, now in the other slot. */
	cte_swap(a, cw_slot(20), b, cw_slot(11));
	uint64_t far[] = { BOOT_UT_INDEX, 11, 21, 10, 20 };
	check_list_order(far, 5);
	assert_memory_equal(&cw_slot(11)->cap, &a, sizeof(a));
	assert_memory_equal(&cw_slot(20)->cap, &b, sizeof(b));
	/* Adjacent, in both argument orders. */
	cte_swap(cw_slot(21)->cap, cw_slot(21), cw_slot(10)->cap, cw_slot(10));
	uint64_t adj[] = { BOOT_UT_INDEX, 11, 10, 21, 20 };
	check_list_order(adj, 5);
	cte_swap(cw_slot(21)->cap, cw_slot(21), cw_slot(10)->cap, cw_slot(10));
	check_list_order(far, 5);
	cte_swap(cw_slot(10)->cap, cw_slot(10), cw_slot(21)->cap, cw_slot(21));
	check_list_order(adj, 5);
	/* With the list head, and at the tail. */
	cte_swap(cw_slot(BOOT_UT_INDEX)->cap, cw_slot(BOOT_UT_INDEX), cw_slot(20)->cap,
		 cw_slot(20));
	uint64_t ends[] = { 20, 11, 10, 21, BOOT_UT_INDEX };
	check_list_order(ends, 5);
	assert_null(mdb_prev(cw_slot(20)));
	assert_null(mdb_next(cw_slot(BOOT_UT_INDEX)));
	cte_swap(cw_slot(BOOT_UT_INDEX)->cap, cw_slot(BOOT_UT_INDEX), cw_slot(20)->cap,
		 cw_slot(20));
	/* Flags travel with the cap. */
	assert_true(mdb_revocable(cw_slot(11)));
	expect_assert_failure(
	    cte_swap(cw_slot(10)->cap, cw_slot(10), cw_slot(10)->cap, cw_slot(10)));
	expect_assert_failure(cte_swap(cw_slot(10)->cap, cw_slot(10), cap_null(), cw_slot(50)));
	expect_assert_failure(cte_swap(cap_null(), cw_slot(50), cw_slot(10)->cap, cw_slot(10)));
	world_assert(W);
}

static void test_derive_direct(void **state)
{
	(void)state;
	struct cte z = { .cap = cap_zombie_new(0x1000, 2, 4) };
	struct cap_result r = cte_derive(&z, z.cap);
	assert_int_equal(r.err, ERR_OK);
	assert_true(cap_is_null(r.cap));
	struct cte d = { .cap = cap_domain_new() };
	r = cte_derive(&d, d.cap);
	assert_int_equal(r.err, ERR_OK);
	assert_int_equal(cap_type(r.cap), CAP_DOMAIN);
	struct cte ut = { .cap = cap_untyped_new(0x1000, 12, false) };
	r = cte_derive(&ut, ut.cap);
	assert_int_equal(r.err, ERR_OK);
	assert_int_equal(cap_type(r.cap), CAP_UNTYPED);
	/* There is one IRQ control: it is never copied. */
	struct cte ctl = { .cap = cap_irq_control_new() };
	r = cte_derive(&ctl, ctl.cap);
	assert_int_equal(r.err, ERR_OK);
	assert_true(cap_is_null(r.cap));
	/* A mapped frame's copy starts unmapped; an unmapped one is copied as is. */
	struct cap fr =
	    cap_frame_new(0x1000, FRAME_SIZE_4K, cap_rights_make(CAP_RIGHT_READ), false);
	struct cte mapped = { .cap = cap_set_mapping(fr, 3, 0x400000) };
	r = cte_derive(&mapped, mapped.cap);
	assert_int_equal(r.err, ERR_OK);
	assert_false(cap_is_mapped(r.cap));
	assert_int_equal(cap_ptr(r.cap), 0x1000);
	r = cte_derive(&mapped, fr);
	assert_memory_equal(&r.cap, &fr, sizeof(fr));
}

static void test_irq_handlers_are_children_of_control(void **state)
{
	(void)state;
	struct lookup_fault fault;
	cw_slot(100)->cap = cap_irq_control_new();
	mdb_set_flags(cw_slot(100), true, true);
	/* The IRQ module will issue handlers; here: insert as it will. */
	cte_insert(cap_irq_handler_new(7), cw_slot(100), cw_slot(101));
	assert_true(mdb_revocable(cw_slot(101)));
	assert_true(mdb_is_parent_of(cw_slot(100), cw_slot(101)));
	assert_int_equal(cnode_copy(cw_ref(102), cw_ref(101), ALL, &fault), ERR_OK);
	assert_false(mdb_revocable(cw_slot(102)));
	assert_false(mdb_is_final(cw_slot(101)));
	assert_true(mdb_is_final(cw_slot(100)));
	uint64_t before = object_finalise_count[CAP_IRQ_HANDLER];
	world_revoke(W, cw_slot(100));
	assert_true(cap_is_null(cw_slot(101)->cap) && cap_is_null(cw_slot(102)->cap));
	assert_int_equal(object_finalise_count[CAP_IRQ_HANDLER], before + 1);
	world_delete(W, cw_slot(100));
	world_assert(W);
}

/* Deleting copies of a handler cap tells the machine once, with the line's
 * number, when the last one goes: only then may the line be issued again. */
static void test_last_irq_handler_deleted_tells_the_machine(void **state)
{
	(void)state;
	struct lookup_fault fault;
	fake_arch_reset();
	cw_slot(100)->cap = cap_irq_control_new();
	mdb_set_flags(cw_slot(100), true, true);
	cte_insert(cap_irq_handler_new(9), cw_slot(100), cw_slot(101));
	assert_int_equal(cnode_copy(cw_ref(102), cw_ref(101), ALL, &fault), ERR_OK);
	world_delete(W, cw_slot(101));
	assert_int_equal(fake_arch.irq_deleted_calls, 0); /* a copy is left */
	world_delete(W, cw_slot(102));
	assert_int_equal(fake_arch.irq_deleted_calls, 1);
	assert_int_equal(fake_arch.last_irq_deleted, 9);
	/* Issued again and revoked through the control cap: told again. */
	cte_insert(cap_irq_handler_new(11), cw_slot(100), cw_slot(101));
	world_revoke(W, cw_slot(100));
	assert_int_equal(fake_arch.irq_deleted_calls, 2);
	assert_int_equal(fake_arch.last_irq_deleted, 11);
	world_delete(W, cw_slot(100));
	assert_int_equal(fake_arch.irq_deleted_calls, 2); /* the control cap is no handler */
	world_assert(W);
}

/* ---- finality and finalisation ---- */

static void test_finalise_exactly_once_when_last_cap_goes(void **state)
{
	(void)state;
	const uint64_t types[] = { OBJ_TCB,      OBJ_ENDPOINT, OBJ_NOTIFICATION, OBJ_REPLY,
				   OBJ_FRAME_4K, OBJ_SERVICE,  OBJ_CHANNEL };
	const enum cap_type caps[] = { CAP_TCB,   CAP_ENDPOINT, CAP_NOTIFICATION, CAP_REPLY,
				       CAP_FRAME, CAP_SERVICE,  CAP_CHANNEL };
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		cw_make(types[t], 0, 10);
		copy(11, 10);
		copy(12, 11);
		uint64_t before = object_finalise_count[caps[t]];
		assert_false(mdb_is_final(cw_slot(11)));
		world_delete(W, cw_slot(11));
		world_delete(W, cw_slot(10));
		assert_int_equal(object_finalise_count[caps[t]], before);
		assert_true(mdb_is_final(cw_slot(12)));
		world_delete(W, cw_slot(12));
		assert_int_equal(object_finalise_count[caps[t]], before + 1);
		world_assert(W);
	}
}

static void test_untyped_delete_leaves_objects(void **state)
{
	(void)state;
	cw_make(OBJ_UNTYPED, 14, 10);
	assert_int_equal(world_retype(W, 10, OBJ_ENDPOINT, 0, 20, 4), ERR_OK);
	uint64_t before = object_finalise_count[CAP_ENDPOINT];
	world_delete(W, cw_slot(10));
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], before);
	/* The endpoints are now the boot untyped's children directly. */
	assert_true(mdb_is_parent_of(cw_slot(BOOT_UT_INDEX), cw_slot(20)));
	world_assert(W);
	world_revoke(W, cw_slot(BOOT_UT_INDEX));
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], before + 4);
	world_assert(W);
}

/* ---- CNode deletion through zombies ---- */

static struct cte *in(uint64_t cnode_slot_index, uint64_t i)
{
	return cnode_slot(cw_slot(cnode_slot_index)->cap, i);
}

static void test_delete_nested_cnodes(void **state)
{
	(void)state;
	/* root[10] = A (radix 3); A[7] = B's only cap; B[2] = C's only cap;
	 * endpoints inside each. Deleting root[10] destroys all three. */
	cw_make(OBJ_CNODE, 3, 10);
	cw_make(OBJ_CNODE, 2, 11);
	cw_make(OBJ_CNODE, 2, 12);
	cw_make(OBJ_ENDPOINT, 0, 13);
	cw_make(OBJ_ENDPOINT, 0, 14);
	cte_move(cw_slot(13)->cap, cw_slot(13), in(12, 1)); /* C holds an endpoint */
	cte_move(cw_slot(14)->cap, cw_slot(14), in(11, 0)); /* B holds an endpoint */
	cte_move(cw_slot(12)->cap, cw_slot(12), in(11, 2)); /* B holds C */
	cte_move(cw_slot(11)->cap, cw_slot(11), in(10, 7)); /* A holds B */
	cw_make(OBJ_ENDPOINT, 0, 15);
	copy(16, 15);
	cte_move(cw_slot(16)->cap, cw_slot(16), in(10, 0)); /* A holds a copy (not final) */
	world_assert(W);
	uint64_t cn = object_finalise_count[CAP_CNODE], ep = object_finalise_count[CAP_ENDPOINT];

	/* Step by step with a budget of one unit: consistent at every point. */
	int calls = 0;
	enum error err;
	do {
		struct work_budget budget = { .left = 1 };
		err = cte_delete(cw_slot(10), &budget);
		calls++;
		if (err == ERR_PREEMPTED) {
			assert_int_equal(cap_type(cw_slot(10)->cap), CAP_ZOMBIE);
			/* A zombie resolves nothing and cannot be copied. */
			struct resolve_result r =
			    cnode_resolve_address_bits(cw_slot(10)->cap, 7, 3);
			assert_int_equal(r.err, ERR_FAILED_LOOKUP);
			assert_int_equal(r.fault.type, LOOKUP_FAULT_INVALID_ROOT);
			struct lookup_fault fault;
			assert_int_equal(cnode_copy(cw_ref(30), cw_ref(10), ALL, &fault),
					 ERR_ILLEGAL_OPERATION);
			world_assert(W);
		}
	} while (err == ERR_PREEMPTED);
	assert_int_equal(err, ERR_OK);
	assert_true(calls > 8);
	assert_true(cap_is_null(cw_slot(10)->cap));
	assert_int_equal(object_finalise_count[CAP_CNODE], cn + 3);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], ep + 2);
	assert_false(cap_is_null(cw_slot(15)->cap)); /* the original of the copy survives */
	world_assert(W);
}

static void test_delete_cnode_holding_its_own_cap(void **state)
{
	(void)state;
	/* X holds a cap to itself; the root's cap goes first: X is garbage
	 * only the derivation tree can reach. Revoking the untyped frees it. */
	cw_make(OBJ_CNODE, 2, 10);
	cw_make(OBJ_ENDPOINT, 0, 11);
	cte_move(cw_slot(11)->cap, cw_slot(11), in(10, 1));
	struct lookup_fault fault;
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ cw_slot(10)->cap, 3, 2 }, cw_ref(10), ALL, &fault),
	    ERR_OK);
	uint64_t cn = object_finalise_count[CAP_CNODE], ep = object_finalise_count[CAP_ENDPOINT];
	world_delete(W, cw_slot(10)); /* not final: X[3] still names X */
	assert_int_equal(object_finalise_count[CAP_CNODE], cn);
	world_assert(W);
	enum error err;
	do {
		struct work_budget budget = { .left = 1 };
		err = cte_revoke(cw_slot(BOOT_UT_INDEX), &budget);
		assert_mdb_ok();
	} while (err == ERR_PREEMPTED);
	assert_int_equal(err, ERR_OK);
	assert_int_equal(object_finalise_count[CAP_CNODE], cn + 1);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], ep + 1);
	assert_false(mdb_has_children(cw_slot(BOOT_UT_INDEX)));
	world_assert(W);
}

static void test_revoke_garbage_cycle(void **state)
{
	(void)state;
	/* X holds the only cap to Y and Y the only cap to X (after the root's
	 * caps go). Revoking the untyped must destroy both, once each. */
	cw_make(OBJ_CNODE, 2, 10); /* X */
	cw_make(OBJ_CNODE, 3, 11); /* Y */
	cw_make(OBJ_NOTIFICATION, 0, 12);
	cte_move(cw_slot(12)->cap, cw_slot(12), in(11, 5));
	cte_move(cw_slot(11)->cap, cw_slot(11), in(10, 2)); /* X[2] = Y */
	struct lookup_fault fault;
	/* Y[7] = X, named through X: cptr = [2 in 2 bits][7 in 3 bits]. */
	struct cap x = cw_slot(10)->cap;
	assert_int_equal(
	    cnode_copy((struct cslot_ref){ x, (2 << 3) | 7, 5 }, cw_ref(10), ALL, &fault), ERR_OK);
	world_delete(W, cw_slot(10)); /* X is now named only from inside Y */
	world_assert(W);
	uint64_t cn = object_finalise_count[CAP_CNODE],
		 nt = object_finalise_count[CAP_NOTIFICATION];
	int calls = 0;
	enum error err;
	do {
		struct work_budget budget = { .left = 2 };
		err = cte_revoke(cw_slot(BOOT_UT_INDEX), &budget);
		assert_mdb_ok();
		calls++;
		assert_true(calls < 1000);
	} while (err == ERR_PREEMPTED);
	assert_int_equal(object_finalise_count[CAP_CNODE], cn + 2);
	assert_int_equal(object_finalise_count[CAP_NOTIFICATION], nt + 1);
	assert_false(mdb_has_children(cw_slot(BOOT_UT_INDEX)));
	world_assert(W);
}

static void test_delete_cnode_holding_its_untyped(void **state)
{
	(void)state;
	/* The untyped U made CNode X, and U's only cap lives in X. Revoking
	 * U destroys X and with it U's own cap: the revoke simply ends. */
	cw_make(OBJ_UNTYPED, 12, 10);
	assert_int_equal(world_retype(W, 10, OBJ_CNODE, 2, 11, 1), ERR_OK);
	struct cte *home = in(11, 0);
	cte_move(cw_slot(10)->cap, cw_slot(10), home);
	struct work_budget budget = { .left = UINT64_MAX };
	uint64_t cn = object_finalise_count[CAP_CNODE];
	assert_int_equal(cte_revoke(home, &budget), ERR_OK);
	assert_int_equal(object_finalise_count[CAP_CNODE], cn + 1);
	assert_true(cap_is_null(cw_slot(11)->cap));
	world_assert(W);
}

/* ---- preemption of long operations ---- */

#define BIG 10000

static void fill_big_cnode(uint64_t at)
{
	cw_make(OBJ_CNODE, 14, at); /* 16384 slots: 512 KiB */
}

static void test_revoke_10000_copies_in_bounded_steps(void **state)
{
	(void)state;
	fill_big_cnode(10);
	cw_make(OBJ_ENDPOINT, 0, 11);
	struct cap big = cw_slot(10)->cap;
	for (uint64_t i = 0; i < BIG; i++)
		cte_insert(cap_update_data(cw_slot(11)->cap, false, i + 1), cw_slot(11),
			   cnode_slot(big, i));
	world_assert(W);
	uint64_t calls = 0, removed_before;
	enum error err;
	do {
		struct work_budget budget = { .left = CTE_WORK_PER_CALL };
		size_t live_before = 0, live_after = 0;
		for (uint64_t i = 0; i < BIG; i++)
			live_before += !cap_is_null(cnode_slot(big, i)->cap);
		err = cte_revoke(cw_slot(11), &budget);
		for (uint64_t i = 0; i < BIG; i++)
			live_after += !cap_is_null(cnode_slot(big, i)->cap);
		removed_before = live_before - live_after;
		/* Bounded: never more than the budget; progress: exactly that much. */
		assert_true(budget.used <= CTE_WORK_PER_CALL);
		if (err == ERR_PREEMPTED)
			assert_int_equal(removed_before, CTE_WORK_PER_CALL);
		if (calls % 16 == 0)
			assert_mdb_ok();
		calls++;
	} while (err == ERR_PREEMPTED);
	assert_int_equal(err, ERR_OK);
	assert_int_equal(calls, (BIG + CTE_WORK_PER_CALL - 1) / CTE_WORK_PER_CALL);
	assert_false(mdb_has_children(cw_slot(11)));
	assert_false(cap_is_null(cw_slot(11)->cap));
	world_assert(W);
}

static void test_revoke_untyped_with_10000_objects(void **state)
{
	(void)state;
	fill_big_cnode(10);
	cw_make(OBJ_UNTYPED, 18, 11); /* 256 KiB: 16384 endpoints' worth */
	struct cap big = cw_slot(10)->cap;
	struct cslot_ref dest = { .root = W->root, .index = 10, .depth = 64 };
	for (uint64_t i = 0; i < BIG; i += RETYPE_FAN_OUT_LIMIT) {
		uint64_t n = BIG - i < RETYPE_FAN_OUT_LIMIT ? BIG - i : RETYPE_FAN_OUT_LIMIT;
		struct untyped_retype_args args = {
			.type = OBJ_ENDPOINT, .dest_cnode = dest, .node_offset = i, .num_objects = n
		};
		struct lookup_fault fault;
		assert_int_equal(untyped_retype(cw_slot(11), &args, &fault), ERR_OK);
		world_note_created(W, big, i, n);
	}
	assert_int_equal(cap_untyped_free_index(cw_slot(11)->cap),
			 (uint64_t)BIG << ENDPOINT_SIZE_BITS);
	world_assert(W);
	uint64_t ep = object_finalise_count[CAP_ENDPOINT], calls = 0;
	enum error err;
	do {
		struct work_budget budget = { .left = 50 };
		err = cte_revoke(cw_slot(11), &budget);
		assert_true(budget.used <= 50);
		/* Finalised exactly as many as the steps taken so far. */
		assert_int_equal(object_finalise_count[CAP_ENDPOINT] - ep,
				 (calls + 1) * 50 > BIG ? BIG : (calls + 1) * 50);
		if (calls % 20 == 0)
			assert_mdb_ok();
		calls++;
	} while (err == ERR_PREEMPTED);
	assert_int_equal(err, ERR_OK);
	assert_int_equal(calls, BIG / 50);
	assert_int_equal(object_finalise_count[CAP_ENDPOINT] - ep, BIG);
	assert_false(mdb_has_children(cw_slot(11)));
	world_assert(W);
}

static void test_zero_budget_preempts_at_once(void **state)
{
	(void)state;
	cw_make(OBJ_ENDPOINT, 0, 10);
	copy(11, 10);
	struct work_budget budget = { .left = 0 };
	assert_int_equal(cte_delete(cw_slot(11), &budget), ERR_PREEMPTED);
	assert_int_equal(cte_revoke(cw_slot(10), &budget), ERR_PREEMPTED);
	assert_false(cap_is_null(cw_slot(11)->cap));
	/* An empty slot needs no work. */
	assert_int_equal(cte_delete(cw_slot(12), &budget), ERR_OK);
	assert_int_equal(budget.used, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, cw_setup_1mib, cw_teardown)
#define TB(f) cmocka_unit_test_setup_teardown(f, cw_setup_4mib, cw_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cte_insert),
		T(test_cte_insert_untyped_copy_takes_the_free_space),
		T(test_insert_new_cap),
		T(test_cte_move),
		T(test_cte_swap),
		T(test_derive_direct),
		T(test_irq_handlers_are_children_of_control),
		T(test_last_irq_handler_deleted_tells_the_machine),
		T(test_finalise_exactly_once_when_last_cap_goes),
		T(test_untyped_delete_leaves_objects),
		T(test_delete_nested_cnodes),
		T(test_delete_cnode_holding_its_own_cap),
		T(test_revoke_garbage_cycle),
		T(test_delete_cnode_holding_its_untyped),
		TB(test_revoke_10000_copies_in_bounded_steps),
		TB(test_revoke_untyped_with_10000_objects),
		T(test_zero_budget_preempts_at_once),
	};
	return cmocka_run_group_tests_name("cte", tests, NULL, NULL);
}
