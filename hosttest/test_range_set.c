/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/range_set.c: the sorted set of page-aligned physical ranges
 * the boot code carves memory from. Each test builds a set in a small
 * storage array, acts on it and compares the whole set against the ranges
 * it must hold; every error is checked to leave the set byte-for-byte as it
 * was. A randomized test drives add/remove/take_page against a bitmap of a
 * small address space and checks the invariants after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "range_set.h"
#include "seed.h"

#define PAGE UINT64_C(0x1000)
#define CAPACITY 8

struct fixture {
	struct range storage[CAPACITY];
	struct range_set set;
};

static struct fixture *fresh(struct fixture *f, size_t capacity)
{
	memset(f, 0, sizeof(*f));
	range_set_init(&f->set, f->storage, capacity, PAGE);
	return f;
}

/* The set holds exactly `expected` (n ranges), in order. */
static void assert_ranges(const struct range_set *set, const struct range *expected, size_t n)
{
	assert_true(range_set_check_invariants(set));
	assert_int_equal(set->count, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(set->ranges[i].base, expected[i].base);
		assert_int_equal(set->ranges[i].size, expected[i].size);
	}
}

#define ASSERT_RANGES(set, ...)                                                                    \
	do {                                                                                       \
		const struct range expected_[] = { __VA_ARGS__ };                                  \
		assert_ranges((set), expected_, sizeof(expected_) / sizeof(expected_[0]));         \
	} while (0)

/* The whole fixture (storage and header) is unchanged since `before`. */
static void assert_unchanged(const struct fixture *f, const struct fixture *before)
{
	assert_memory_equal(f, before, sizeof(*f));
}

static void add_ok(struct range_set *set, uint64_t base, uint64_t size)
{
	assert_int_equal(range_set_add(set, base, size), ERR_OK);
	assert_true(range_set_check_invariants(set));
}

static void remove_ok(struct range_set *set, uint64_t base, uint64_t size)
{
	assert_int_equal(range_set_remove(set, base, size), ERR_OK);
	assert_true(range_set_check_invariants(set));
}

static void test_empty_set(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	assert_true(range_set_check_invariants(&f.set));
	assert_int_equal(f.set.count, 0);
	assert_int_equal(range_set_total(&f.set), 0);
	assert_false(range_set_contains(&f.set, 0));
	uint64_t page = 0x1234;
	assert_int_equal(range_set_take_page(&f.set, &page), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(page, 0x1234);
}

static void test_init_rejects_page_size_not_power_of_two(void **state)
{
	(void)state;
	struct range storage[1];
	struct range_set set;
	expect_core_assert(range_set_init(&set, storage, 1, 0));
	expect_core_assert(range_set_init(&set, storage, 1, 0x3000));
}

static void test_add_rounds_inward(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1001, 0x2fff); /* [0x1001, 0x4000) holds pages 0x2000, 0x3000 */
	ASSERT_RANGES(&f.set, { 0x2000, 0x2000 });
	add_ok(&f.set, 0x8000, 0x1fff); /* [0x8000, 0x9fff) holds page 0x8000 */
	ASSERT_RANGES(&f.set, { 0x2000, 0x2000 }, { 0x8000, 0x1000 });
	assert_int_equal(range_set_total(&f.set), 0x3000);
}

static void test_add_without_a_whole_page_adds_nothing(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x10000, 0x1000);
	before = f;
	add_ok(&f.set, 0x1001, 0x1000);              /* straddles 0x2000, no whole page */
	add_ok(&f.set, 0x3000, 0xfff);               /* one byte short */
	add_ok(&f.set, 0x5000, 0);                   /* empty */
	add_ok(&f.set, UINT64_MAX - 0x10, 0x10);     /* inside the last page */
	add_ok(&f.set, UINT64_MAX - 0x1800, 0x1000); /* straddles the last page's base */
	assert_unchanged(&f, &before);
}

static void test_add_wrapping_is_a_range_error(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x1000);
	before = f;
	assert_int_equal(range_set_add(&f.set, UINT64_MAX - 0xfff, 0x2000), ERR_RANGE);
	assert_int_equal(range_set_add(&f.set, 0x1000, UINT64_MAX), ERR_RANGE);
	assert_int_equal(range_set_add(&f.set, UINT64_MAX, UINT64_MAX), ERR_RANGE);
	assert_unchanged(&f, &before);
}

static void test_add_keeps_disjoint_ranges_sorted(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x10000, 0x1000); /* first */
	add_ok(&f.set, 0x30000, 0x2000); /* at the end */
	add_ok(&f.set, 0x2000, 0x1000);  /* at the front */
	add_ok(&f.set, 0x20000, 0x1000); /* in the middle */
	ASSERT_RANGES(&f.set, { 0x2000, 0x1000 }, { 0x10000, 0x1000 }, { 0x20000, 0x1000 },
		      { 0x30000, 0x2000 });
}

static void test_add_merges_overlapping_and_adjacent(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x10000, 0x4000);
	add_ok(&f.set, 0x12000, 0x4000); /* overlaps the end */
	ASSERT_RANGES(&f.set, { 0x10000, 0x6000 });
	add_ok(&f.set, 0xe000, 0x3000); /* overlaps the start */
	ASSERT_RANGES(&f.set, { 0xe000, 0x8000 });
	add_ok(&f.set, 0x16000, 0x1000); /* adjacent after */
	ASSERT_RANGES(&f.set, { 0xe000, 0x9000 });
	add_ok(&f.set, 0xd000, 0x1000); /* adjacent before */
	ASSERT_RANGES(&f.set, { 0xd000, 0xa000 });
	add_ok(&f.set, 0xf000, 0x1000); /* inside */
	ASSERT_RANGES(&f.set, { 0xd000, 0xa000 });
	add_ok(&f.set, 0xd000, 0xa000); /* equal */
	ASSERT_RANGES(&f.set, { 0xd000, 0xa000 });
}

static void test_add_merges_several_ranges_into_one(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x1000);
	add_ok(&f.set, 0x3000, 0x1000);
	add_ok(&f.set, 0x5000, 0x1000);
	add_ok(&f.set, 0x7000, 0x1000);
	add_ok(&f.set, 0x20000, 0x1000);
	/* Touches the first (adjacent) and the fourth (adjacent): bridges four. */
	add_ok(&f.set, 0x2000, 0x5000);
	ASSERT_RANGES(&f.set, { 0x1000, 0x7000 }, { 0x20000, 0x1000 });
	/* Rounding inward still bridges: [0x8001, 0x20fff) holds 0x9000..0x20000. */
	add_ok(&f.set, 0x8001, 0x18ffe);
	ASSERT_RANGES(&f.set, { 0x1000, 0x7000 }, { 0x9000, 0x18000 });
	add_ok(&f.set, 0x8000, 0x1000);
	ASSERT_RANGES(&f.set, { 0x1000, 0x20000 });
}

static void test_add_to_full_storage(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, 2);
	add_ok(&f.set, 0x10000, 0x1000);
	add_ok(&f.set, 0x30000, 0x1000);
	before = f;
	/* A third disjoint range needs a third slot. */
	assert_int_equal(range_set_add(&f.set, 0x20000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(range_set_add(&f.set, 0x1000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(range_set_add(&f.set, 0x40000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	assert_unchanged(&f, &before);
	/* Without a whole page, or merging, it needs none. */
	add_ok(&f.set, 0x20001, 0x1000);
	add_ok(&f.set, 0x31000, 0x1000);
	add_ok(&f.set, 0x11000, 0x1f000);
	ASSERT_RANGES(&f.set, { 0x10000, 0x22000 });
}

static void test_add_with_zero_capacity(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, 0);
	before = f;
	assert_int_equal(range_set_add(&f.set, 0x1000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	add_ok(&f.set, 0x1000, 0);
	assert_unchanged(&f, &before);
}

static void test_remove_rounds_outward(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x8000);
	remove_ok(&f.set, 0x3fff, 2); /* touches pages 0x3000 and 0x4000 */
	ASSERT_RANGES(&f.set, { 0x1000, 0x2000 }, { 0x5000, 0x4000 });
	remove_ok(&f.set, 0x8fff, 1); /* the last byte takes the last page */
	ASSERT_RANGES(&f.set, { 0x1000, 0x2000 }, { 0x5000, 0x3000 });
	remove_ok(&f.set, 0x1000, 1); /* the first byte takes the first page */
	ASSERT_RANGES(&f.set, { 0x2000, 0x1000 }, { 0x5000, 0x3000 });
}

static void test_remove_empty_range_removes_nothing(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x8000);
	before = f;
	remove_ok(&f.set, 0x3000, 0);
	/* An empty range touches no page, wherever it starts. */
	remove_ok(&f.set, 0x3001, 0);
	remove_ok(&f.set, 0x8fff, 0);
	assert_unchanged(&f, &before);
}

static void test_remove_absent_is_ok(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, 2);
	add_ok(&f.set, 0x10000, 0x2000);
	add_ok(&f.set, 0x20000, 0x2000);
	before = f;
	remove_ok(&f.set, 0x0, 0x10000);     /* below, up to the first base */
	remove_ok(&f.set, 0x12000, 0xe000);  /* the gap exactly */
	remove_ok(&f.set, 0x22000, 0x10000); /* above */
	assert_unchanged(&f, &before);
	fresh(&f, 1);
	before = f;
	remove_ok(&f.set, 0x0, 0x10000); /* from the empty set */
	assert_unchanged(&f, &before);
}

static void test_remove_partial_overlaps_on_both_ends(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x2000);
	add_ok(&f.set, 0x5000, 0x3000);
	remove_ok(&f.set, 0x2000, 0x4000); /* the top of one, the bottom of the next */
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { 0x6000, 0x2000 });
}

static void test_remove_across_several_ranges(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	for (uint64_t base = 0x1000; base < 0xb000; base += 0x2000)
		add_ok(&f.set, base, 0x1000); /* pages 1, 3, 5, 7, 9 */
	add_ok(&f.set, 0x20000, 0x3000);
	remove_ok(&f.set, 0x3000, 0x5000); /* pages 3 and 5 and 7 go */
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { 0x9000, 0x1000 }, { 0x20000, 0x3000 });
	remove_ok(&f.set, 0x0, 0x21000); /* everything below 0x21000 */
	ASSERT_RANGES(&f.set, { 0x21000, 0x2000 });
	remove_ok(&f.set, 0x0, UINT64_MAX - 0x1000);
	assert_int_equal(f.set.count, 0);
}

static void test_remove_splits(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, 4);
	add_ok(&f.set, 0x1000, 0x1000);
	add_ok(&f.set, 0x10000, 0x10000);
	add_ok(&f.set, 0x40000, 0x1000);
	remove_ok(&f.set, 0x11000, 0x1000); /* the fourth slot takes the upper half */
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { 0x10000, 0x1000 }, { 0x12000, 0xe000 },
		      { 0x40000, 0x1000 });
}

static void test_remove_split_in_full_storage(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, 2);
	add_ok(&f.set, 0x1000, 0x1000);
	add_ok(&f.set, 0x10000, 0x10000);
	before = f;
	assert_int_equal(range_set_remove(&f.set, 0x11000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(range_set_remove(&f.set, 0x30000, 0x1000), ERR_OK); /* absent */
	assert_unchanged(&f, &before);
	/* Taking either end needs no slot; splitting what is left still does. */
	remove_ok(&f.set, 0x10000, 0x1000);
	remove_ok(&f.set, 0x1f000, 0x1000);
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { 0x11000, 0xe000 });
	before = f;
	assert_int_equal(range_set_remove(&f.set, 0x12000, 0x1000), ERR_NOT_ENOUGH_MEMORY);
	assert_unchanged(&f, &before);
}

static void test_remove_wrapping_is_a_range_error(void **state)
{
	(void)state;
	struct fixture f, before;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x1000, 0x1000);
	before = f;
	assert_int_equal(range_set_remove(&f.set, UINT64_MAX - 0xfff, 0x2000), ERR_RANGE);
	assert_int_equal(range_set_remove(&f.set, 0x1000, UINT64_MAX), ERR_RANGE);
	assert_unchanged(&f, &before);
}

static void test_remove_reaching_the_last_page(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	uint64_t top = UINT64_MAX - PAGE + 1; /* base of the last page */
	add_ok(&f.set, 0x1000, 0x1000);
	add_ok(&f.set, top - 0x3000, 0x3000); /* the highest pages a set can hold */
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { top - 0x3000, 0x3000 });
	/* Neither range wraps; rounding the end up to a page would. */
	remove_ok(&f.set, top - 0x1000, 0x1800);
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { top - 0x3000, 0x2000 });
	remove_ok(&f.set, top + 0x10, 0x10); /* inside the last page: nothing there */
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 }, { top - 0x3000, 0x2000 });
	/* Ending exactly at 2^64 counts as wrapping, as for add. */
	assert_int_equal(range_set_remove(&f.set, UINT64_MAX, 1), ERR_RANGE);
	assert_int_equal(range_set_add(&f.set, UINT64_MAX - 0xfff, 0x1000), ERR_RANGE);
	remove_ok(&f.set, top - 0x2800, 0x17ff);
	ASSERT_RANGES(&f.set, { 0x1000, 0x1000 });
}

static void test_take_page_in_order_until_empty(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x8000, 0x1000);
	add_ok(&f.set, 0x3000, 0x2000);
	const uint64_t expected[] = { 0x3000, 0x4000, 0x8000 };
	for (size_t i = 0; i < 3; i++) {
		uint64_t page;
		assert_int_equal(range_set_take_page(&f.set, &page), ERR_OK);
		assert_int_equal(page, expected[i]);
		assert_false(range_set_contains(&f.set, page));
		assert_true(range_set_check_invariants(&f.set));
		assert_int_equal(range_set_total(&f.set), (2 - i) * PAGE);
	}
	assert_int_equal(f.set.count, 0);
	uint64_t page = 7;
	assert_int_equal(range_set_take_page(&f.set, &page), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(page, 7);
}

static void test_total_and_contains(void **state)
{
	(void)state;
	struct fixture f;
	fresh(&f, CAPACITY);
	add_ok(&f.set, 0x2000, 0x3000);
	add_ok(&f.set, 0x10000, 0x1000);
	assert_int_equal(range_set_total(&f.set), 0x4000);
	assert_false(range_set_contains(&f.set, 0x1fff));
	assert_true(range_set_contains(&f.set, 0x2000));
	assert_true(range_set_contains(&f.set, 0x4fff));
	assert_false(range_set_contains(&f.set, 0x5000));
	assert_false(range_set_contains(&f.set, 0xffff));
	assert_true(range_set_contains(&f.set, 0x10000));
	assert_true(range_set_contains(&f.set, 0x10fff));
	assert_false(range_set_contains(&f.set, 0x11000));
	assert_false(range_set_contains(&f.set, UINT64_MAX));
}

static void test_other_page_sizes(void **state)
{
	(void)state;
	struct range storage[4];
	struct range_set set;
	const uint64_t mega = UINT64_C(0x200000);
	range_set_init(&set, storage, 4, mega);
	assert_int_equal(range_set_add(&set, 0x1000, 3 * mega), ERR_OK);
	ASSERT_RANGES(&set, { mega, 2 * mega });
	assert_int_equal(range_set_remove(&set, mega + 1, 1), ERR_OK);
	ASSERT_RANGES(&set, { 2 * mega, mega });
	uint64_t page;
	assert_int_equal(range_set_take_page(&set, &page), ERR_OK);
	assert_int_equal(page, 2 * mega);
	assert_int_equal(set.count, 0);

	range_set_init(&set, storage, 4, 1); /* byte granularity: no rounding */
	assert_int_equal(range_set_add(&set, 3, 5), ERR_OK);
	assert_int_equal(range_set_remove(&set, 4, 1), ERR_OK);
	ASSERT_RANGES(&set, { 3, 1 }, { 5, 3 });
}

static void test_check_invariants_catches_broken_sets(void **state)
{
	(void)state;
	struct range storage[3];
	struct range_set set = { storage, 2, 3, PAGE };
	const struct {
		struct range a, b;
		size_t count, capacity;
		bool valid;
	} cases[] = {
		{ { 0x1000, 0x1000 }, { 0x3000, 0x1000 }, 2, 3, true },
		{ { 0x1000, 0x1000 }, { 0x3000, 0x1000 }, 2, 2, true },
		{ { 0x1000, 0x1000 }, { 0x3000, 0x1000 }, 3, 2, false }, /* count > capacity */
		{ { 0x1000, 0 }, { 0x3000, 0x1000 }, 2, 3, false },      /* empty range */
		{ { 0x1000, 0x1000 }, { 0x3000, 0 }, 2, 3, false },      /* empty range */
		{ { 0x1800, 0x1000 }, { 0x3000, 0x1000 }, 2, 3, false }, /* base misaligned */
		{ { 0x1000, 0x1800 }, { 0x3000, 0x1000 }, 2, 3, false }, /* size misaligned */
		{ { 0x1000, 0x1000 }, { 0x3000, 0x1000 }, 2, 3, true },
		{ { 0x1000, 0x2000 }, { 0x2000, 0x2000 }, 2, 3, false }, /* overlapping */
		{ { 0x1000, 0x1000 }, { 0x2000, 0x1000 }, 2, 3, false }, /* adjacent */
		{ { 0x3000, 0x1000 }, { 0x1000, 0x1000 }, 2, 3, false }, /* unsorted */
		{ { 0x1000, 0x1000 },
		  { UINT64_MAX - 0xfff, 0x1000 },
		  2,
		  3,
		  false },                                              /* ends at 2^64 */
		{ { 0x1000, 0x1000 }, { 0x2000, 0x1000 }, 1, 3, true }, /* only the first counts */
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		storage[0] = cases[i].a;
		storage[1] = cases[i].b;
		set.count = cases[i].count;
		set.capacity = cases[i].capacity;
		if (range_set_check_invariants(&set) != cases[i].valid)
			fail_msg("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
	}
}

/*
 * The randomized test's model: one bit per page of an address space of
 * MODEL_PAGES pages. Ranges in the set correspond to runs of set bits.
 */
#define MODEL_PAGES 96

struct model {
	bool page[MODEL_PAGES];
};

static size_t model_runs(const struct model *m)
{
	size_t runs = 0;
	for (size_t i = 0; i < MODEL_PAGES; i++)
		runs += m->page[i] && (i == 0 || !m->page[i - 1]);
	return runs;
}

/* The set equals the model: same runs, in order; total and contains agree. */
static bool set_matches_model(const struct range_set *set, const struct model *m)
{
	size_t index = 0, pages = 0;
	for (size_t i = 0; i < MODEL_PAGES; i++) {
		if (!m->page[i] || (i > 0 && m->page[i - 1]))
			continue;
		size_t end = i;
		while (end < MODEL_PAGES && m->page[end])
			end++;
		if (index >= set->count || set->ranges[index].base != i * PAGE ||
		    set->ranges[index].size != (end - i) * PAGE)
			return false;
		index++;
		pages += end - i;
	}
	if (index != set->count || range_set_total(set) != pages * PAGE)
		return false;
	for (size_t i = 0; i < MODEL_PAGES; i++)
		if (range_set_contains(set, i * PAGE + (i * 37) % PAGE) != m->page[i])
			return false;
	return true;
}

static void test_random_operations_match_bitmap_model(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("range_set random");
	const uint64_t space = MODEL_PAGES * PAGE;
	for (unsigned round = 0; round < 20; round++) {
		size_t capacity = 1 + seed_below(&rng, CAPACITY);
		struct fixture f;
		fresh(&f, capacity);
		struct model m = { { false } };
		for (unsigned step = 0; step < 1000; step++) {
			unsigned long where = round * 1000ul + step;
			struct model next = m;
			struct fixture before = f;
			unsigned op = (unsigned)seed_below(&rng, 9);
			enum error err;
			if (op == 8) {
				uint64_t page = 0;
				err = range_set_take_page(&f.set, &page);
				size_t lowest = 0;
				while (lowest < MODEL_PAGES && !m.page[lowest])
					lowest++;
				if (lowest == MODEL_PAGES) {
					seed_check(&rng, where, err == ERR_NOT_ENOUGH_MEMORY);
				} else {
					seed_check(&rng, where, err == ERR_OK);
					seed_check(&rng, where, page == lowest * PAGE);
					next.page[lowest] = false;
				}
			} else {
				/* Unaligned bounds inside the space; sizes biased small. */
				uint64_t base = seed_below(&rng, space);
				uint64_t limit = space - base;
				uint64_t size = seed_below(&rng, 4) ? seed_below(&rng, 3 * PAGE)
								    : seed_below(&rng, limit + 1);
				if (size > limit || seed_below(&rng, 16) == 0)
					size = seed_below(&rng, 16) ? limit : 0; /* both edges */
				bool add = op < 4;
				uint64_t end = base + size;
				for (size_t i = 0; i < MODEL_PAGES; i++) {
					uint64_t lo = i * PAGE, hi = lo + PAGE;
					if (add && base <= lo && hi <= end)
						next.page[i] = true; /* whole page inside */
					if (!add && size > 0 && base < hi && lo < end)
						next.page[i] = false; /* page touched */
				}
				err = add ? range_set_add(&f.set, base, size)
					  : range_set_remove(&f.set, base, size);
				if (model_runs(&next) > capacity) {
					seed_check(&rng, where, err == ERR_NOT_ENOUGH_MEMORY);
					seed_check(&rng, where,
						   memcmp(&f, &before, sizeof(f)) == 0);
					next = m;
				} else {
					seed_check(&rng, where, err == ERR_OK);
				}
			}
			m = next;
			seed_check(&rng, where, range_set_check_invariants(&f.set));
			seed_check(&rng, where, set_matches_model(&f.set, &m));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_set),
		cmocka_unit_test(test_init_rejects_page_size_not_power_of_two),
		cmocka_unit_test(test_add_rounds_inward),
		cmocka_unit_test(test_add_without_a_whole_page_adds_nothing),
		cmocka_unit_test(test_add_wrapping_is_a_range_error),
		cmocka_unit_test(test_add_keeps_disjoint_ranges_sorted),
		cmocka_unit_test(test_add_merges_overlapping_and_adjacent),
		cmocka_unit_test(test_add_merges_several_ranges_into_one),
		cmocka_unit_test(test_add_to_full_storage),
		cmocka_unit_test(test_add_with_zero_capacity),
		cmocka_unit_test(test_remove_rounds_outward),
		cmocka_unit_test(test_remove_empty_range_removes_nothing),
		cmocka_unit_test(test_remove_absent_is_ok),
		cmocka_unit_test(test_remove_partial_overlaps_on_both_ends),
		cmocka_unit_test(test_remove_across_several_ranges),
		cmocka_unit_test(test_remove_splits),
		cmocka_unit_test(test_remove_split_in_full_storage),
		cmocka_unit_test(test_remove_wrapping_is_a_range_error),
		cmocka_unit_test(test_remove_reaching_the_last_page),
		cmocka_unit_test(test_take_page_in_order_until_empty),
		cmocka_unit_test(test_total_and_contains),
		cmocka_unit_test(test_other_page_sizes),
		cmocka_unit_test(test_check_invariants_catches_broken_sets),
		cmocka_unit_test(test_random_operations_match_bitmap_model),
	};
	return cmocka_run_group_tests_name("range_set", tests, NULL, NULL);
}
