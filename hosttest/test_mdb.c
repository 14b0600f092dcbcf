/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/mdb.c's invariant checker: each way the derivation tree can
 * be corrupted is built by hand and must be reported, so the randomized
 * test's "no violation" means something. Also the parent relation's badge
 * rule and the first_badged hand-over on unlink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdb.h"

static _Alignas(4096) uint8_t mem[4096];
static struct cte s[6];
static struct cte *all[6] = { &s[0], &s[1], &s[2], &s[3], &s[4], &s[5] };

static void chain(size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		mdb_set_next(&s[i], &s[i + 1]);
		mdb_set_prev(&s[i + 1], &s[i]);
	}
}

/* s0 = untyped over mem (watermark 64), s1, s2 = endpoints made from it. */
static int setup(void **state)
{
	(void)state;
	memset(s, 0, sizeof(s));
	s[0].cap = cap_untyped_set_free_index(cap_untyped_new((uintptr_t)mem, 12, false), 64);
	s[1].cap = cap_endpoint_new((uintptr_t)mem, 0, cap_rights_make(CAP_RIGHTS_ALL));
	s[2].cap = cap_endpoint_new((uintptr_t)mem + 16, 0, cap_rights_make(CAP_RIGHTS_ALL));
	for (int i = 0; i < 3; i++)
		mdb_set_flags(&s[i], true, true);
	chain(3);
	assert_null(mdb_check_invariants(all, 6));
	return 0;
}

static void expect_violation(const char *what)
{
	const char *why = mdb_check_invariants(all, 6);
	assert_non_null(why);
	assert_non_null(strstr(why, what));
}

static void test_well_formed(void **state)
{
	(void)state;
	assert_true(mdb_has_children(&s[0]));
	assert_false(mdb_has_children(&s[1]));
	assert_true(mdb_is_final(&s[1]));
}

static void test_empty_slot_with_links(void **state)
{
	(void)state;
	mdb_set_prev(&s[4], &s[0]);
	expect_violation("empty slot has MDB links");
}

static void test_asymmetric_links(void **state)
{
	(void)state;
	mdb_set_prev(&s[2], &s[0]);
	expect_violation("does not point back");
	setup(state);
	mdb_set_next(&s[0], &s[2]);
	expect_violation("does not point back");
}

static void test_watermark_beyond_end(void **state)
{
	(void)state;
	s[0].cap.words[1] = 8192; /* forged: the setter refuses this */
	expect_violation("watermark beyond its end");
}

static void test_cycle(void **state)
{
	(void)state;
	/* s2 -> s1 closes a loop that no head reaches. */
	mdb_set_next(&s[2], &s[1]);
	mdb_set_prev(&s[1], &s[2]);
	mdb_set_next(&s[0], NULL);
	const char *why = mdb_check_invariants(all, 6);
	assert_non_null(why);
}

static void test_empty_slot_linked(void **state)
{
	(void)state;
	mdb_set_next(&s[2], &s[3]); /* s3 is empty but linked in */
	expect_violation("");
}

static void test_descendant_above_watermark(void **state)
{
	(void)state;
	s[0].cap = cap_untyped_set_free_index(s[0].cap, 16);
	expect_violation("outside its used part");
}

static void test_descendant_separated(void **state)
{
	(void)state;
	/* untyped, unrelated frame elsewhere, then a child of the untyped. */
	static _Alignas(4096) uint8_t other[4096];
	s[3].cap = s[2].cap;
	s[2].cap = cap_frame_new((uintptr_t)other, FRAME_SIZE_4K, cap_rights_make(0), false);
	mdb_set_flags(&s[3], true, true);
	chain(4);
	expect_violation("separated from its ancestor");
}

static void test_badge_parenthood_and_unlink(void **state)
{
	(void)state;
	memset(s, 0, sizeof(s));
	uintptr_t ep = (uintptr_t)mem;
	struct cap_rights r = cap_rights_make(CAP_RIGHTS_ALL);
	s[0].cap = cap_endpoint_new(ep, 0, r); /* original */
	s[1].cap = cap_endpoint_new(ep, 7, r); /* mint 7 */
	s[2].cap = cap_endpoint_new(ep, 7, r); /* copy of the mint */
	s[3].cap = cap_endpoint_new(ep, 7, r); /* a second, independent mint 7 */
	mdb_set_flags(&s[0], true, true);
	mdb_set_flags(&s[1], true, true);
	mdb_set_flags(&s[2], false, false);
	mdb_set_flags(&s[3], true, true);
	chain(4);
	assert_true(mdb_is_parent_of(&s[0], &s[3]));
	assert_true(mdb_is_parent_of(&s[1], &s[2]));
	assert_false(mdb_is_parent_of(&s[1], &s[3])); /* first badged: not adopted */
	assert_false(mdb_is_parent_of(&s[2], &s[3])); /* not revocable */
	/* Removing the first mint hands "first badged" to its copy. */
	mdb_unlink(&s[1]);
	s[1].cap = cap_null();
	assert_true(mdb_first_badged(&s[2]));
	assert_false(mdb_revocable(&s[2]));
	assert_ptr_equal(mdb_next(&s[0]), &s[2]);
	assert_null(mdb_check_invariants(all, 6));
	/* Unlinking the head and the tail. */
	mdb_unlink(&s[0]);
	s[0].cap = cap_null();
	assert_null(mdb_prev(&s[2]));
	mdb_unlink(&s[3]);
	s[3].cap = cap_null();
	assert_null(mdb_next(&s[2]));
	assert_null(mdb_check_invariants(all, 6));
	/* Pointers must leave room for the flags. */
	expect_assert_failure(mdb_set_next(&s[2], (struct cte *)((uintptr_t)&s[4] + 1)));
}

/* Each check named by its own message: the slot with the bad link is the
 * first one looked at, so no other check answers first. */
static void test_empty_slot_with_next_only(void **state)
{
	(void)state;
	mdb_set_next(&s[4], &s[0]);
	expect_violation("empty slot has MDB links");
}

static void test_head_prev_not_pointing_back(void **state)
{
	(void)state;
	mdb_set_prev(&s[0], &s[2]); /* s2 is the tail: its next is NULL */
	expect_violation("prev->next does not point back");
}

/* A well-linked list that runs on into slots the caller did not list. */
static void test_list_reaches_outside_the_slots(void **state)
{
	(void)state;
	struct cte *two[2] = { &s[0], &s[1] };
	const char *why = mdb_check_invariants(two, 2);
	assert_non_null(why);
	assert_non_null(strstr(why, "reaches outside the slots"));
}

/* An empty slot, not itself checked, linked (both ways) into a list. */
static void test_empty_slot_reached_from_a_head(void **state)
{
	(void)state;
	static _Alignas(4096) uint8_t other[4096];
	s[4].cap = cap_endpoint_new((uintptr_t)other, 0, cap_rights_make(0));
	s[5].cap = cap_endpoint_new((uintptr_t)other + 16, 0, cap_rights_make(0));
	s[2].cap = cap_null();
	struct cte *listed[4] = { &s[0], &s[1], &s[4], &s[5] };
	const char *why = mdb_check_invariants(listed, 4);
	assert_non_null(why);
	assert_non_null(strstr(why, "empty slot is linked into the MDB"));
}

/* Unlisted slots close a loop among an untyped's children, or among the
 * unrelated caps after it: the run, or the scan for stray children, stops. */
static void test_loop_among_children(void **state)
{
	(void)state;
	mdb_set_next(&s[2], &s[1]);
	struct cte *listed[3] = { &s[0], &s[3], &s[4] };
	s[3].cap = cap_domain_new();
	s[4].cap = cap_domain_new();
	const char *why = mdb_check_invariants(listed, 3);
	assert_non_null(why);
	assert_non_null(strstr(why, "descendant run does not end"));
}

static void test_loop_after_an_untyped(void **state)
{
	(void)state;
	static _Alignas(4096) uint8_t other[4096];
	s[1].cap = cap_endpoint_new((uintptr_t)other, 0, cap_rights_make(0));
	s[2].cap = cap_endpoint_new((uintptr_t)other + 16, 0, cap_rights_make(0));
	mdb_set_next(&s[2], &s[1]);
	struct cte *listed[3] = { &s[0], &s[3], &s[4] };
	s[3].cap = cap_domain_new();
	s[4].cap = cap_domain_new();
	const char *why = mdb_check_invariants(listed, 3);
	assert_non_null(why);
	assert_non_null(strstr(why, "MDB list has a cycle"));
	assert_null(strstr(why, "outside"));
}

/* IRQ control's handlers are other objects: a handler after an unrelated
 * cap is a separated child. */
static void test_irq_handler_separated_from_control(void **state)
{
	(void)state;
	memset(s, 0, sizeof(s));
	s[0].cap = cap_irq_control_new();
	s[1].cap = cap_irq_handler_new(3);
	mdb_set_flags(&s[0], true, true);
	mdb_set_flags(&s[1], true, true);
	chain(2);
	assert_true(mdb_is_parent_of(&s[0], &s[1]));
	assert_null(mdb_check_invariants(all, 6));
	s[2].cap = s[1].cap;
	s[1].cap = cap_domain_new();
	mdb_set_flags(&s[1], true, true);
	mdb_set_flags(&s[2], true, true);
	chain(3);
	expect_violation("separated from its ancestor");
}

static void test_link_after_needs_an_unlinked_slot(void **state)
{
	(void)state;
	expect_assert_failure(mdb_link_after(&s[1], &s[0]));
	expect_assert_failure(mdb_link_after(&s[0], &s[2])); /* the head: a next only */
	assert_ptr_equal(mdb_next(&s[0]), &s[1]);
	assert_null(mdb_check_invariants(all, 6));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_well_formed),
		T(test_empty_slot_with_links),
		T(test_asymmetric_links),
		T(test_watermark_beyond_end),
		T(test_cycle),
		T(test_empty_slot_linked),
		T(test_descendant_above_watermark),
		T(test_descendant_separated),
		T(test_badge_parenthood_and_unlink),
		T(test_empty_slot_with_next_only),
		T(test_head_prev_not_pointing_back),
		T(test_list_reaches_outside_the_slots),
		T(test_empty_slot_reached_from_a_head),
		T(test_loop_among_children),
		T(test_loop_after_an_untyped),
		T(test_irq_handler_separated_from_control),
		T(test_link_after_needs_an_unlinked_slot),
	};
	return cmocka_run_group_tests_name("mdb", tests, NULL, NULL);
}
