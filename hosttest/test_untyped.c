/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/untyped.c and core/object.c: retype into every object type
 * and size, natural alignment and the watermark, zeroing, device untyped,
 * the watermark reset, and every error path (each changing nothing).
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
#include "uintr.h"
#include "untyped.h"

static enum error retype(uint64_t ut, uint64_t type, uint64_t bits, uint64_t dest, uint64_t n)
{
	return world_retype(W, ut, type, bits, dest, n);
}

static bool all_zero(uintptr_t p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (((uint8_t *)p)[i] != 0)
			return false;
	return true;
}

static void test_every_type(void **state)
{
	(void)state;
	struct {
		uint64_t type, bits;
		enum cap_type cap;
		unsigned size_bits;
	} cases[] = {
		{ OBJ_UNTYPED, 10, CAP_UNTYPED, 10 },
		{ OBJ_TCB, 0, CAP_TCB, TCB_SIZE_BITS },
		{ OBJ_ENDPOINT, 0, CAP_ENDPOINT, ENDPOINT_SIZE_BITS },
		{ OBJ_NOTIFICATION, 0, CAP_NOTIFICATION, NOTIFICATION_SIZE_BITS },
		{ OBJ_CNODE, 3, CAP_CNODE, 3 + CTE_SIZE_BITS },
		{ OBJ_REPLY, 0, CAP_REPLY, REPLY_SIZE_BITS },
		{ OBJ_FRAME_4K, 0, CAP_FRAME, 12 },
		{ OBJ_FRAME_2M, 0, CAP_FRAME, 21 },
		{ OBJ_PAGE_TABLE, 0, CAP_PAGE_TABLE, PAGE_TABLE_SIZE_BITS },
		{ OBJ_SERVICE, 0, CAP_SERVICE, SERVICE_SIZE_BITS },
		{ OBJ_CHANNEL, 77, CAP_CHANNEL, CHANNEL_SIZE_BITS }, /* size ignored */
		{ OBJ_SENDER_TABLE, 3, CAP_SENDER_TABLE, 13 },       /* 8 entries */
		{ OBJ_SENDER_TABLE, 9, CAP_SENDER_TABLE, 14 },       /* 512 entries */
	};
	uint64_t last_end = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t dest = 10 + 2 * i;
		assert_int_equal(retype(BOOT_UT_INDEX, cases[i].type, cases[i].bits, dest, 2),
				 ERR_OK);
		for (uint64_t k = 0; k < 2; k++) {
			struct cap cap = cw_slot(dest + k)->cap;
			uintptr_t base;
			unsigned bits;
			assert_int_equal(cap_type(cap), cases[i].cap);
			assert_true(cap_region(cap, &base, &bits));
			assert_int_equal(bits, cases[i].size_bits);
			assert_int_equal(base & ((1ull << bits) - 1), 0); /* aligned */
			assert_true(base - (uintptr_t)W->mem >=
				    last_end); /* above what came before */
			if (cases[i].cap == CAP_SENDER_TABLE) {
				/* Laid out: its size, every entry empty, the rest zero. */
				const struct uintr_sender_table *t = (const void *)base;
				assert_int_equal(t->size, 1u << cases[i].bits);
				assert_null(uintr_table_check_invariants(t));
				assert_int_equal(cap_sender_table_radix(cap), cases[i].bits);
			} else if (cases[i].cap != CAP_UNTYPED) {
				assert_true(all_zero(base, 1ull << bits)); /* cleared */
			}
			assert_true(mdb_is_parent_of(cw_slot(BOOT_UT_INDEX), cw_slot(dest + k)));
		}
		last_end = cap_untyped_free_index(cw_slot(BOOT_UT_INDEX)->cap);
	}
	/* Fresh objects carry full rights and no badge, and frames are RW. */
	assert_int_equal(cap_rights(cw_slot(14)->cap).bits, CAP_RIGHTS_ALL);
	assert_int_equal(cap_badge(cw_slot(16)->cap), 0);
	assert_int_equal(cap_rights(cw_slot(22)->cap).bits, CAP_RIGHT_READ | CAP_RIGHT_WRITE);
	assert_false(cap_frame_is_device(cw_slot(22)->cap));
	assert_int_equal(cap_untyped_free_index(cw_slot(10)->cap), 0);
	world_assert(W);
}

static void test_watermark_and_alignment(void **state)
{
	(void)state;
	struct cte *boot = cw_slot(BOOT_UT_INDEX);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 10, 3), ERR_OK);
	assert_int_equal(cap_untyped_free_index(boot->cap), 48);
	/* A 4 KiB frame skips to the next 4 KiB boundary. */
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_FRAME_4K, 0, 13, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(13)->cap) - (uintptr_t)W->mem, 4096);
	assert_int_equal(cap_untyped_free_index(boot->cap), 8192);
	/* With children left the watermark holds; with none it resets. */
	world_delete(W, cw_slot(13));
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 13, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(13)->cap) - (uintptr_t)W->mem, 8192);
	for (uint64_t i = 10; i < 14; i++)
		world_delete(W, cw_slot(i));
	assert_false(mdb_has_children(boot));
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_TCB, 0, 10, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(10)->cap), (uintptr_t)W->mem);
	assert_int_equal(cap_untyped_free_index(boot->cap), 1024);
	world_assert(W);
}

static void test_fill_exactly_then_not_enough(void **state)
{
	(void)state;
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_UNTYPED, 12, 10, 1), ERR_OK);
	/* 4 KiB holds 4 TCBs; a fifth does not fit. */
	assert_int_equal(retype(10, OBJ_TCB, 0, 20, 3), ERR_OK);
	world_snapshot(W);
	assert_int_equal(retype(10, OBJ_TCB, 0, 30, 2), ERR_NOT_ENOUGH_MEMORY);
	world_assert_unchanged(W);
	assert_int_equal(retype(10, OBJ_TCB, 0, 23, 1), ERR_OK);
	assert_int_equal(cap_untyped_free_index(cw_slot(10)->cap), 4096);
	world_snapshot(W);
	assert_int_equal(retype(10, OBJ_ENDPOINT, 0, 30, 1), ERR_NOT_ENOUGH_MEMORY);
	/* An object bigger than the whole untyped. */
	assert_int_equal(retype(10, OBJ_FRAME_2M, 0, 30, 1), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(retype(10, OBJ_UNTYPED, 13, 30, 1), ERR_NOT_ENOUGH_MEMORY);
	/* Alignment padding counts: 1 endpoint in, a 4 KiB frame cannot follow. */
	world_assert_unchanged(W);
	world_revoke(W, cw_slot(10));
	assert_int_equal(retype(10, OBJ_ENDPOINT, 0, 20, 1), ERR_OK);
	world_snapshot(W);
	assert_int_equal(retype(10, OBJ_FRAME_4K, 0, 30, 1), ERR_NOT_ENOUGH_MEMORY);
	world_assert_unchanged(W);
	world_assert(W);
}

static void test_errors_change_nothing(void **state)
{
	(void)state;
	struct lookup_fault fault;
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 10, 1), ERR_OK);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_CNODE, 2, 11, 1), ERR_OK);
	world_snapshot(W);
	/* Not an untyped cap. */
	struct untyped_retype_args args = { .type = OBJ_ENDPOINT,
					    .dest_cnode = { W->root, 0, 0 },
					    .node_offset = 20,
					    .num_objects = 1 };
	assert_int_equal(untyped_retype(cw_slot(10), &args, &fault), ERR_INVALID_CAPABILITY);
	assert_int_equal(untyped_retype(cw_slot(50), &args, &fault), ERR_INVALID_CAPABILITY);
	/* Unknown type. */
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_TYPE_COUNT, 0, 20, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(retype(BOOT_UT_INDEX, UINT64_MAX, 0, 20, 1), ERR_INVALID_ARGUMENT);
	/* Sizes out of range: above the maximum ERR_RANGE, below the minimum
	 * ERR_INVALID_ARGUMENT (seL4's answers). */
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_UNTYPED, UNTYPED_MIN_BITS - 1, 20, 1),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_UNTYPED, 0, 20, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_UNTYPED, UNTYPED_MAX_BITS + 1, 20, 1),
			 ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_UNTYPED, UINT64_MAX, 20, 1), ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_CNODE, 0, 20, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_CNODE, CNODE_RADIX_MAX + 1, 20, 1), ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_SENDER_TABLE, SENDER_TABLE_RADIX_MAX + 1, 20, 1),
			 ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_SENDER_TABLE, UINT64_MAX, 20, 1), ERR_RANGE);
	/* Slot range: offset, count, fan-out limit, end of the CNode. */
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 256, 1), ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 20, 0), ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 0, RETYPE_FAN_OUT_LIMIT + 1),
			 ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 250, 7), ERR_RANGE);
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 200, UINT64_MAX), ERR_RANGE);
	/* An occupied destination anywhere in the range. */
	assert_int_equal(retype(BOOT_UT_INDEX, OBJ_ENDPOINT, 0, 5, 6), ERR_DELETE_FIRST);
	/* Destination CNode lookups. */
	args = (struct untyped_retype_args){ .type = OBJ_ENDPOINT,
					     .dest_cnode = { W->root, 1ull << 60, 64 },
					     .node_offset = 0,
					     .num_objects = 1 };
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	args.dest_cnode = (struct cslot_ref){ W->root, 11, 65 };
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_RANGE);
	args.dest_cnode = (struct cslot_ref){ W->root, 10, 64 }; /* an endpoint */
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	args.dest_cnode =
	    (struct cslot_ref){ cw_slot(10)->cap, 0, 0 }; /* root itself not a CNode */
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_FAILED_LOOKUP);
	args.dest_cnode = (struct cslot_ref){ W->root, 11, 64 };
	args.node_offset = 4; /* radix 2: slots 0..3 */
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_RANGE);
	world_assert_unchanged(W);
	/* And through that CNode it works. */
	args.node_offset = 1;
	args.num_objects = 3;
	assert_int_equal(untyped_retype(cw_slot(BOOT_UT_INDEX), &args, &fault), ERR_OK);
	world_note_created(W, cw_slot(11)->cap, 1, 3);
	assert_int_equal(cap_type(cnode_slot(cw_slot(11)->cap, 3)->cap), CAP_ENDPOINT);
	world_assert(W);
}

static void test_device_untyped(void **state)
{
	(void)state;
	/* A gigabyte of MMIO at a fake address: the kernel must never touch it. */
	struct cte *dev = cw_slot(2);
	dev->cap = cap_untyped_new(0x40000000, 30, true);
	mdb_set_flags(dev, true, true);
	world_snapshot(W);
	const uint64_t refused[] = { OBJ_TCB,     OBJ_ENDPOINT, OBJ_NOTIFICATION,
				     OBJ_CNODE,   OBJ_REPLY,    OBJ_PAGE_TABLE,
				     OBJ_SERVICE, OBJ_CHANNEL,  OBJ_SENDER_TABLE };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(retype(2, refused[i], 4, 10, 1), ERR_INVALID_ARGUMENT);
	world_assert_unchanged(W);
	assert_int_equal(retype(2, OBJ_FRAME_4K, 0, 10, 1), ERR_OK);
	assert_true(cap_frame_is_device(cw_slot(10)->cap));
	assert_int_equal(retype(2, OBJ_FRAME_2M, 0, 11, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(11)->cap), 0x40200000);
	assert_int_equal(retype(2, OBJ_UNTYPED, 20, 12, 1), ERR_OK);
	assert_true(cap_untyped_is_device(cw_slot(12)->cap));
	assert_int_equal(retype(12, OBJ_ENDPOINT, 0, 13, 1), ERR_INVALID_ARGUMENT);
	world_revoke(W, dev);
	assert_int_equal(retype(2, OBJ_FRAME_1G, 0, 10, 1), ERR_OK);
	assert_int_equal(cap_ptr(cw_slot(10)->cap), 0x40000000);
	assert_int_equal(cap_frame_size(cw_slot(10)->cap), FRAME_SIZE_1G);
	assert_int_equal(retype(2, OBJ_FRAME_4K, 0, 11, 1), ERR_NOT_ENOUGH_MEMORY);
	world_revoke(W, dev);
	world_assert(W);
}

/* Retype with `budget` units per call, restarted until done, as the
 * kernel does; returns the number of calls. */
static unsigned retype_in_steps(uint64_t ut, uint64_t type, uint64_t dest, uint64_t n,
				uint64_t budget)
{
	struct untyped_retype_args args = {
		.type = type,
		.dest_cnode = { .root = W->root, .index = 0, .depth = 0 },
		.node_offset = dest,
		.num_objects = n
	};
	struct lookup_fault fault;
	unsigned calls = 0;
	enum error err;
	world_refresh_for_retype(W);
	do {
		struct work_budget b = { .left = budget };
		struct cap before = cw_slot(ut)->cap;
		uint64_t generation = cte_generation;
		err = untyped_retype_preemptible(cw_slot(ut), &args, &fault, &b);
		calls++;
		/* A lowered watermark is a change of the cap (cte.h). */
		if (memcmp(&before, &cw_slot(ut)->cap, sizeof(before)) != 0)
			assert_true(cte_generation != generation);
		assert_true(b.used <= budget);
		assert_null(untyped_check_invariants(cw_slot(ut)));
		if (err == ERR_PREEMPTED)
			assert_true(cap_is_null(cw_slot(dest)->cap)); /* nothing made yet */
	} while (err == ERR_PREEMPTED);
	assert_int_equal(err, ERR_OK);
	world_note_created(W, W->root, dest, n);
	return calls;
}

/*
 * Retype clears memory preemptibly (issue 15, item 3, seL4's untyped reset):
 * an untyped with no children is cleared below its watermark, 4 KiB per
 * work unit, the watermark recording progress, before anything is made; so
 * a call never clears more than its budget's worth, and a restart goes on.
 * New objects are then zero without being cleared: memory above the
 * watermark always is (untyped_check_invariants).
 */
static void test_reset_is_preemptible(void **state)
{
	(void)state;
	const uint64_t chunk = UINT64_C(1) << UNTYPED_RESET_CHUNK_BITS;
	struct cte *boot = cw_slot(BOOT_UT_INDEX);
	uint64_t size = UINT64_C(1) << cap_untyped_size_bits(boot->cap);
	/* The world's memory is 0xa5 and the fresh cap is used up: the first
	 * retype clears all of it, budget by budget. */
	assert_int_equal(cap_untyped_free_index(boot->cap), size);
	assert_false(all_zero(cap_ptr(boot->cap), 64));
	unsigned calls = retype_in_steps(BOOT_UT_INDEX, OBJ_FRAME_2M, 10, 2, 64);
	assert_int_equal(calls, (size / chunk + 63) / 64);
	assert_true(all_zero(cap_ptr(cw_slot(10)->cap), UINT64_C(1) << 21));
	assert_int_equal(cap_untyped_free_index(boot->cap), UINT64_C(2) << 21);
	/* With children there is nothing to reset: no work. */
	struct work_budget none = { .left = 0 };
	struct untyped_retype_args args = {
		.type = OBJ_ENDPOINT,
		.dest_cnode = { .root = W->root, .index = 0, .depth = 0 },
		.node_offset = 12,
		.num_objects = 1
	};
	struct lookup_fault fault;
	world_refresh_for_retype(W);
	assert_int_equal(untyped_retype_preemptible(boot, &args, &fault, &none), ERR_OK);
	world_note_created(W, W->root, 12, 1);
	/* Objects written and revoked: the watermark stays until the next
	 * retype, which clears what they left (a bad call first: checked
	 * before any clearing, nothing changes). */
	memset((void *)cap_ptr(cw_slot(10)->cap), 0xff, UINT64_C(1) << 21);
	world_revoke(W, boot);
	uint64_t high = cap_untyped_free_index(boot->cap);
	assert_true(high > UINT64_C(2) << 21);
	world_snapshot(W);
	args.node_offset = 1u << ROOT_RADIX;
	struct work_budget b = { .left = 1 };
	assert_int_equal(untyped_retype_preemptible(boot, &args, &fault, &b), ERR_RANGE);
	assert_int_equal(b.used, 0);
	world_assert_unchanged(W);
	args.node_offset = 20;
	b = (struct work_budget){ .left = 3 };
	assert_int_equal(untyped_retype_preemptible(boot, &args, &fault, &b), ERR_PREEMPTED);
	assert_int_equal(b.used, 3);
	assert_int_equal(cap_untyped_free_index(boot->cap),
			 ((high - 1) & ~(chunk - 1)) - 2 * chunk);
	calls = retype_in_steps(BOOT_UT_INDEX, OBJ_FRAME_4K, 21, 3, 16);
	assert_true(calls > 1);
	assert_int_equal(cap_ptr(cw_slot(21)->cap), cap_ptr(boot->cap)); /* from zero */
	for (unsigned i = 0; i < 3; i++)
		assert_true(all_zero(cap_ptr(cw_slot(21 + i)->cap), 4096));
	assert_null(untyped_check_invariants(boot));
	world_assert(W);
	/* What the checker catches: a watermark past the end or misaligned, a
	 * dirty byte above it; device memory is never read. */
	uint64_t top = cap_untyped_free_index(boot->cap);
	struct cte forged = { .cap = boot->cap };
	uint8_t *above = (uint8_t *)cap_ptr(boot->cap) + top + 100;
	*above = 1;
	assert_non_null(untyped_check_invariants(&forged));
	*above = 0;
	assert_null(untyped_check_invariants(&forged));
	forged.cap = cap_untyped_set_free_index(boot->cap, top + 8);
	assert_non_null(untyped_check_invariants(&forged));
	forged.cap.words[1] = size + 16;
	assert_non_null(untyped_check_invariants(&forged));
	forged.cap = cap_untyped_new(0x40000000, 30, true);
	assert_null(untyped_check_invariants(&forged));
}

static void test_object_helpers(void **state)
{
	(void)state;
	assert_true(object_type_is_frame(OBJ_FRAME_4K));
	assert_true(object_type_is_frame(OBJ_FRAME_1G));
	assert_false(object_type_is_frame(OBJ_UNTYPED));
	assert_int_equal(object_size_bits(OBJ_CNODE, 4), 4 + CTE_SIZE_BITS);
	expect_assert_failure(object_size_bits((enum object_type)OBJ_TYPE_COUNT, 0));
	expect_assert_failure(object_init((enum object_type)OBJ_TYPE_COUNT, 0x1000, 0, true));
	uint64_t buf[4] = { 1, 2, 3, 4 };
	object_zero(buf, 16);
	assert_int_equal(buf[0] | buf[1], 0);
	assert_int_equal(buf[2], 3);
	expect_assert_failure(object_zero((uint8_t *)buf + 1, 8));
	expect_assert_failure(object_zero(buf, 12)); /* not whole words */
	assert_int_equal(buf[2], 3);
	/* A final CNode cap is never finalised directly (it becomes a zombie). */
	expect_assert_failure(object_finalise(cap_cnode_new(0x1000, 2, 0, 0), true));
	object_finalise(cap_cnode_new(0x1000, 2, 0, 0), false);
	expect_assert_failure(object_finalise(cap_zombie_new(0x1000, 2, 1), true));
	expect_assert_failure(object_finalise(cap_zombie_new(0x1000, 2, 0), false)); /* not last */
}

#define T(f) cmocka_unit_test_setup_teardown(f, cw_setup_8mib, cw_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_type),
		T(test_watermark_and_alignment),
		T(test_reset_is_preemptible),
		T(test_fill_exactly_then_not_enough),
		T(test_errors_change_nothing),
		T(test_device_untyped),
		T(test_object_helpers),
	};
	return cmocka_run_group_tests_name("untyped", tests, NULL, NULL);
}
