/* SPDX-License-Identifier: MIT */
/*
 * core/asid.c: ASID control making pools (every error changes nothing),
 * assigning ASIDs to VSpace roots (ASID 0 never, the kernel half copied),
 * full table and full pool, deletion of a root or a pool invalidating and
 * flushing its ASIDs on every hart that ran them, asid_generation moving
 * on at every change that could make a remembered answer wrong (and not at
 * a join), and corruption found by asid_check_invariants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "fake_arch.h"
#include "object.h"
#include "vspace.h"
#include "vspace_world.h"

#define POOL_HOME 10
#define POOL 11
#define ROOT 20
#define ROOT2 21
#define FR 50

static struct cte *slot(uint64_t i)
{
	return vw_slot(W, i);
}

static void test_make_pool(void **state)
{
	(void)state;
	struct cte *control = slot(VW_ASID_CONTROL_SLOT);
	assert_int_equal(vw_retype(W, VW_MEM_SLOT, OBJ_UNTYPED, 12, 12, 1), ERR_OK);
	assert_int_equal(vw_retype(W, VW_MEM_SLOT, OBJ_UNTYPED, 13, 13, 1), ERR_OK);
	assert_int_equal(vw_retype(W, VW_DEVICE_SLOT, OBJ_UNTYPED, 12, 14, 1), ERR_OK);
	assert_int_equal(vw_retype(W, VW_MEM_SLOT, OBJ_UNTYPED, 12, 15, 1), ERR_OK);
	assert_int_equal(vw_retype(W, 15, OBJ_ENDPOINT, 0, 16, 1), ERR_OK);
	vw_snapshot(W);
	assert_int_equal(asid_control_make_pool(slot(12), slot(12), slot(POOL)),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(asid_control_make_pool(control, slot(16), slot(POOL)),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(asid_control_make_pool(control, slot(13), slot(POOL)),
			 ERR_INVALID_ARGUMENT); /* 8 KiB */
	assert_int_equal(asid_control_make_pool(control, slot(14), slot(POOL)),
			 ERR_INVALID_ARGUMENT); /* device */
	assert_int_equal(asid_control_make_pool(control, slot(15), slot(POOL)), ERR_REVOKE_FIRST);
	assert_int_equal(asid_control_make_pool(control, slot(12), slot(13)), ERR_DELETE_FIRST);
	vw_assert_unchanged(W);
	assert_int_equal(asid_control_make_pool(control, slot(12), slot(POOL)), ERR_OK);
	assert_int_equal(cap_type(slot(POOL)->cap), CAP_ASID_POOL);
	assert_int_equal(cap_asid_base(slot(POOL)->cap), 0);
	assert_int_equal(cap_ptr(slot(POOL)->cap), cap_ptr(slot(12)->cap));
	/* The untyped is used up; a second pool gets the next high bits. */
	assert_int_equal(vw_retype(W, 12, OBJ_ENDPOINT, 0, 17, 1), ERR_NOT_ENOUGH_MEMORY);
	vw_make_pool(W, 18, 19);
	assert_int_equal(cap_asid_base(slot(19)->cap), ASID_POOL_ENTRIES);
	assert_non_null(asid_pool_at(1));
	assert_null(asid_check_invariants());
	/* Every table slot used: ERR_DELETE_FIRST (seL4's answer). */
	for (unsigned i = 2; i < ASID_TABLE_ENTRIES; i++)
		vw_make_pool(W, 100 + 2 * i, 101 + 2 * i);
	assert_int_equal(vw_retype(W, VW_MEM_SLOT, OBJ_UNTYPED, 12, 20, 1), ERR_OK);
	vw_snapshot(W);
	assert_int_equal(asid_control_make_pool(control, slot(20), slot(21)), ERR_DELETE_FIRST);
	vw_assert_unchanged(W);
	/* Deleting a pool frees its table slot for the next one. */
	vw_delete(W, 19);
	assert_null(asid_pool_at(1));
	assert_int_equal(asid_control_make_pool(control, slot(20), slot(21)), ERR_OK);
	assert_int_equal(cap_asid_base(slot(21)->cap), ASID_POOL_ENTRIES);
}

static void test_assign(void **state)
{
	(void)state;
	vw_make_pool(W, POOL_HOME, POOL);
	vw_make(W, OBJ_PAGE_TABLE, ROOT);
	vw_make(W, OBJ_FRAME_4K, FR);
	vw_snapshot(W);
	assert_int_equal(asid_pool_assign(slot(ROOT), slot(ROOT)), ERR_INVALID_CAPABILITY);
	assert_int_equal(asid_pool_assign(slot(POOL), slot(FR)), ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	assert_int_equal(asid_pool_assign(slot(POOL), slot(ROOT)), ERR_OK);
	/* ASID 0 is the kernel's: the first user ASID is 1. */
	assert_int_equal(cap_mapped_asid(slot(ROOT)->cap), 1);
	assert_true(cap_is_mapped(slot(ROOT)->cap));
	assert_ptr_equal(asid_lookup(1), (void *)cap_ptr(slot(ROOT)->cap));
	assert_null(asid_lookup(0));
	assert_null(asid_lookup(2));
	assert_null(asid_lookup(UINT64_C(1) << 16));
	assert_null(asid_lookup(ASID_POOL_ENTRIES + 1)); /* no pool 1 */
	/* The kernel half is shared: a kernel address translates for S mode. */
	struct walk_result r =
	    walk(vw_object_pa(W, ROOT), 0xffffffc000001234ull, WALK_EXECUTE, false);
	assert_false(r.fault);
	assert_int_equal(r.pa, 0x80001234);
	assert_memory_equal(&((struct pagetable *)vw_object_pa(W, ROOT))->entry[256],
			    &W->kernel_root->entry[256], 256 * sizeof(struct pte));
	/* An assigned root cannot be assigned again. */
	vw_snapshot(W);
	assert_int_equal(asid_pool_assign(slot(POOL), slot(ROOT)), ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	/* A second VSpace gets ASID 2. */
	assert_int_equal(vw_make_vspace(W, POOL, ROOT2), 2);
	/* A pool cap whose pool is gone (a forged one; user caps cannot be). */
	struct cte forged = { .cap = cap_asid_pool_new(cap_ptr(slot(POOL)->cap),
						       5 * ASID_POOL_ENTRIES) };
	vw_make(W, OBJ_PAGE_TABLE, 22);
	vw_snapshot(W);
	assert_int_equal(asid_pool_assign(&forged, slot(22)), ERR_FAILED_LOOKUP);
	/* And one naming pool 0's slot with other memory. */
	forged.cap = cap_asid_pool_new(cap_ptr(slot(22)->cap), 0);
	assert_int_equal(asid_pool_assign(&forged, slot(22)), ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	assert_null(vspace_check_invariants());
}

static void test_pool_full(void **state)
{
	(void)state;
	vw_make_pool(W, POOL_HOME, POOL);
	/* ASID_POOL_ENTRIES - 1 ASIDs in pool 0 (entry 0 is the kernel's). */
	for (unsigned i = 1; i < ASID_POOL_ENTRIES; i++) {
		vw_make(W, OBJ_PAGE_TABLE, 100 + i % 600);
		assert_int_equal(asid_pool_assign(slot(POOL), slot(100 + i % 600)), ERR_OK);
		assert_int_equal(cap_mapped_asid(slot(100 + i % 600)->cap), i);
	}
	vw_make(W, OBJ_PAGE_TABLE, 20);
	vw_snapshot(W);
	assert_int_equal(asid_pool_assign(slot(POOL), slot(20)), ERR_DELETE_FIRST);
	vw_assert_unchanged(W);
	/* Deleting one root frees its ASID, flushed. */
	vw_snapshot(W);
	vw_delete(W, 100 + 7);
	vw_assert_flushes(0, 1);
	vw_assert_flush(0, FAKE_FLUSH_ASID, 7, 0);
	assert_null(asid_lookup(7));
	assert_int_equal(asid_pool_assign(slot(POOL), slot(20)), ERR_OK);
	assert_int_equal(cap_mapped_asid(slot(20)->cap), 7);
}

/*
 * ASIDs are global and one address space may run on several harts at once
 * (issue 15): each ASID keeps the harts that ran it, every flush names
 * them all, and invalidating the ASID flushes them before it is reused,
 * which then starts with no hart.
 */
static void test_harts_of_an_asid(void **state)
{
	(void)state;
	vw_make_pool(W, POOL_HOME, POOL);
	uint64_t asid = vw_make_vspace(W, POOL, ROOT);
	uint64_t other = vw_make_vspace(W, POOL, ROOT2);
	assert_int_equal(asid_harts(asid), 0);
	asid_activate(asid, 0);
	asid_activate(asid, CONFIG_MAX_HARTS - 1);
	asid_activate(asid, 0);
	asid_activate(other, 1 % CONFIG_MAX_HARTS);
	const uint64_t both = 1 | UINT64_C(1) << (CONFIG_MAX_HARTS - 1);
	assert_int_equal(asid_harts(asid), both);
	assert_int_equal(asid_harts(other), UINT64_C(1) << (1 % CONFIG_MAX_HARTS));
	/* Activating an ASID no VSpace holds changes nothing. */
	asid_activate(ASID_INVALID, 0);
	asid_activate(77, 0);
	asid_activate(UINT64_C(1) << 20, 0);
	assert_int_equal(asid_harts(77), 0);
	assert_int_equal(asid_harts(ASID_INVALID), 0);
	assert_null(asid_check_invariants());
	/* A page mapped and unmapped in it: both flushes name both harts. */
	vw_make(W, OBJ_PAGE_TABLE, 30);
	vw_make(W, OBJ_PAGE_TABLE, 31);
	vw_make(W, OBJ_FRAME_4K, FR);
	struct lookup_fault fault;
	fake_arch_clear_flushes();
	assert_int_equal(vspace_page_table_map(slot(30), slot(ROOT), 0, &fault), ERR_OK);
	assert_int_equal(vspace_page_table_map(slot(31), slot(ROOT), 0, &fault), ERR_OK);
	assert_int_equal(vspace_frame_map(slot(FR), slot(ROOT), 0x5000, CAP_RIGHT_READ, 0, &fault),
			 ERR_OK);
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	assert_int_equal(fake_arch.flush_count, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(fake_arch.flushes[i].asid, asid);
		assert_int_equal(fake_arch.flushes[i].harts, both);
	}
	/* Deleting the root flushes every hart that ran it, then forgets. */
	fake_arch_clear_flushes();
	vw_delete(W, ROOT);
	vw_assert_flushes(0, 1);
	vw_assert_flush(0, FAKE_FLUSH_ASID, asid, 0);
	assert_int_equal(fake_arch.flushes[0].harts, both);
	assert_int_equal(asid_harts(asid), 0);
	assert_int_equal(vw_make_vspace(W, POOL, ROOT), asid); /* reused: no hart yet */
	assert_int_equal(asid_harts(asid), 0);
	/* A pool's deletion flushes each ASID on its own harts. */
	fake_arch_clear_flushes();
	vw_delete(W, POOL);
	vw_assert_flushes(0, 2);
	assert_int_equal(fake_arch.flushes[0].harts + fake_arch.flushes[1].harts,
			 UINT64_C(1) << (1 % CONFIG_MAX_HARTS));
	assert_null(vspace_check_invariants());
}

/*
 * kernel/space_cache.h keeps a thread's satp while asid_generation stays:
 * every change of the table, a pool's roots or a hart set moves it on, and
 * nothing that leaves every earlier answer true does.
 */
static void test_generation(void **state)
{
	(void)state;
	/* cte_generation (cte.h) moves with it: kernel/space_cache.h's
	 * remembered satp compares that one alone. */
	uint64_t g = asid_generation, c = cte_generation;
	assert_int_not_equal(g, 0);
	assert_int_not_equal(c, 0);
	vw_make_pool(W, POOL_HOME, POOL);
	assert_true(asid_generation > g); /* a pool in the table */
	assert_true(cte_generation > c);
	g = asid_generation;
	c = cte_generation;
	uint64_t asid = vw_make_vspace(W, POOL, ROOT);
	assert_true(asid_generation > g); /* a root in the pool */
	assert_true(cte_generation > c);
	g = asid_generation;
	c = cte_generation;
	/* A join only adds a hart: every remembered answer stays true. */
	asid_activate(asid, 0);
	assert_non_null(asid_lookup(asid));
	assert_int_equal(asid_generation, g);
	assert_int_equal(cte_generation, c);
	/* A refused assign changes nothing, and so keeps the generation. */
	vw_make(W, OBJ_FRAME_4K, FR);
	c = cte_generation;
	assert_int_equal(asid_pool_assign(slot(POOL), slot(FR)), ERR_INVALID_CAPABILITY);
	assert_int_equal(asid_generation, g);
	assert_int_equal(cte_generation, c);
	vw_delete(W, ROOT); /* the root goes, its hart set empties */
	assert_true(asid_generation > g);
	assert_true(cte_generation > c);
	g = asid_generation;
	vw_delete(W, POOL); /* the pool leaves the table */
	assert_true(asid_generation > g);
	g = asid_generation;
	c = cte_generation;
	asid_table_reset(); /* no cap changes here: the table's move alone */
	assert_true(asid_generation > g);
	assert_true(cte_generation > c);
}

static void test_pool_corruption_detect(void **state)
{
	(void)state;
	vw_make_pool(W, POOL_HOME, POOL);
	vw_make_pool(W, POOL_HOME + 2, POOL + 2);
	vw_make_vspace(W, POOL, ROOT);
	struct asid_pool *pool1 = (struct asid_pool *)cap_ptr(slot(POOL + 2)->cap);
	pool1->root[4] = vw_object_pa(W, ROOT);
	assert_string_equal(asid_check_invariants(), "one VSpace root holds two ASIDs");
	pool1->root[4] = 0;
	assert_null(asid_check_invariants());
	/* Harts on a free ASID, or harts that do not exist. */
	pool1->harts[4] = 1;
	assert_string_equal(asid_check_invariants(), "a free ASID has harts");
	pool1->harts[4] = 0;
	struct asid_pool *pool0 = (struct asid_pool *)cap_ptr(slot(POOL)->cap);
	if (CONFIG_MAX_HARTS < 64) {
		pool0->harts[1] = UINT64_C(1) << CONFIG_MAX_HARTS;
		assert_string_equal(asid_check_invariants(),
				    "an ASID's hart set names a hart that does not exist");
		pool0->harts[1] = 0;
	}
	assert_null(asid_check_invariants());
	/* A pool cap naming memory that is not its table slot's pool: its
	 * finalisation leaves the table alone (only forged caps can). */
	struct cap forged = cap_asid_pool_new(cap_ptr(slot(POOL)->cap), ASID_POOL_ENTRIES);
	asid_pool_finalise(forged);
	assert_non_null(asid_pool_at(1));
	forged = cap_asid_pool_new(cap_ptr(slot(POOL)->cap), 9 * ASID_POOL_ENTRIES);
	asid_pool_finalise(forged);
	assert_null(vspace_check_invariants());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_pool, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_assign, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_pool_full, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_harts_of_an_asid, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_generation, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_pool_corruption_detect, vw_setup, vw_teardown),
	};
	return cmocka_run_group_tests_name("asid", tests, NULL, NULL);
}
