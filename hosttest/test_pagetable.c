/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/pagetable.c, the Sv39 table builder and walker. Tables are
 * 4096-aligned heap pages; on the host, "physical" addresses are host
 * addresses (fake_arch.c), so a test can follow a PTE with a cast and craft
 * malformed tables by hand. Every error of pagetable_map is checked to leave
 * the whole tree, and the pool, exactly as it was. A seeded random test maps
 * and translates against a list of mapped ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "pagetable.h"
#include "seed.h"

#define SPARE 64
#define K4 (UINT64_C(1) << 12)
#define M2 (UINT64_C(1) << 21)
#define G1 (UINT64_C(1) << 30)
#define R PTE_READ
#define W PTE_WRITE
#define X PTE_EXECUTE
#define U PTE_USER
#define G PTE_GLOBAL
#define LEAF_EXTRA (PTE_VALID | PTE_ACCESSED | PTE_DIRTY)

/* A root and SPARE zeroed tables; spare[0, avail) have not been lent out
 * yet, and a pool always lends the top of that range (it takes from its end). */
struct tables {
	struct pagetable *root;
	struct pagetable *spare[SPARE];
	size_t avail;
	size_t lent, left; /* of the last call to map(): pool count before, after */
};

static struct pagetable *new_table(void)
{
	struct pagetable *table = aligned_alloc(PAGE_BYTES, sizeof(*table));
	assert_non_null(table);
	memset(table, 0, sizeof(*table));
	return table;
}

static int setup(void **state)
{
	struct tables *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->root = new_table();
	for (size_t i = 0; i < SPARE; i++)
		t->spare[i] = new_table();
	t->avail = SPARE;
	fake_arch_reset();
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tables *t = *state;
	free(t->root);
	for (size_t i = 0; i < SPARE; i++)
		free(t->spare[i]);
	free(t);
	return 0;
}

/* pagetable_map with a pool of `lend` fresh tables; returns its error and
 * leaves the pool's count before and after in t->lent and t->left. */
static enum error map(struct tables *t, uint64_t va, uint64_t pa, enum page_size size,
		      uint64_t permissions, size_t lend)
{
	assert_true(lend <= t->avail);
	struct pagetable_pool pool = { t->spare + t->avail - lend, lend };
	enum error err = pagetable_map(t->root, va, pa, size, permissions, &pool);
	assert_ptr_equal(pool.tables, t->spare + t->avail - lend);
	t->lent = lend;
	t->left = pool.count;
	t->avail -= lend - pool.count;
	return err;
}

/* Map, expecting success and exactly `needed` tables taken from the pool. */
static void map_ok(struct tables *t, uint64_t va, uint64_t pa, enum page_size size,
		   uint64_t permissions, size_t needed)
{
	assert_int_equal(map(t, va, pa, size, permissions, needed + 1), ERR_OK);
	assert_int_equal(t->lent - t->left, needed);
}

static void assert_translates(const struct pagetable *root, uint64_t va, uint64_t pa,
			      uint64_t permissions, enum page_size size)
{
	struct pagetable_translation out;
	assert_int_equal(pagetable_translate(root, va, &out), ERR_OK);
	assert_int_equal(out.physical_address, pa);
	assert_int_equal(out.permissions, permissions);
	assert_int_equal(out.size, size);
}

static void assert_translate_fails(const struct pagetable *root, uint64_t va, enum error expected)
{
	struct pagetable_translation out, untouched;
	memset(&out, 0x5a, sizeof(out));
	untouched = out;
	assert_int_equal(pagetable_translate(root, va, &out), expected);
	assert_memory_equal(&out, &untouched, sizeof(out));
}

/* The root and every spare table, to check that a failed call changed none. */
struct snapshot {
	struct pagetable table[SPARE + 1];
	size_t avail;
};

static struct snapshot *take_snapshot(const struct tables *t)
{
	struct snapshot *s = malloc(sizeof(*s));
	assert_non_null(s);
	s->table[0] = *t->root;
	for (size_t i = 0; i < SPARE; i++)
		s->table[i + 1] = *t->spare[i];
	s->avail = t->avail;
	return s;
}

static void assert_unchanged(const struct tables *t, struct snapshot *s)
{
	assert_int_equal(t->avail, s->avail);
	assert_int_equal(t->left, t->lent);
	assert_memory_equal(t->root, &s->table[0], sizeof(struct pagetable));
	for (size_t i = 0; i < SPARE; i++)
		assert_memory_equal(t->spare[i], &s->table[i + 1], sizeof(struct pagetable));
	free(s);
}

static unsigned index_of(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

static struct pagetable *next_table(struct pte pte)
{
	return (struct pagetable *)(uintptr_t)pte_physical_address(pte);
}

static struct pte pte_for(uint64_t pa, uint64_t bits)
{
	return (struct pte){ ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | bits };
}

static void test_map_4k_and_translate(void **state)
{
	struct tables *t = *state;
	const uint64_t va = 0x40201000, pa = 0x80203000;
	map_ok(t, va, pa, PAGE_SIZE_4K, R | W, 2);
	assert_translates(t->root, va, pa, R | W, PAGE_SIZE_4K);
	assert_translates(t->root, va + 0x123, pa + 0x123, R | W, PAGE_SIZE_4K);
	assert_translates(t->root, va + 0xfff, pa + 0xfff, R | W, PAGE_SIZE_4K);
	assert_translate_fails(t->root, va + 0x1000, ERR_FAILED_LOOKUP);
	assert_translate_fails(t->root, va - 1, ERR_FAILED_LOOKUP);

	/* The tables are the pool's last two, linked by pointer-only PTEs; the
	 * leaf is exactly PPN | permissions | A | D | V. */
	struct pte top = t->root->entry[index_of(va, 2)];
	assert_int_equal(top.word & ((UINT64_C(1) << PTE_PPN_SHIFT) - 1), PTE_VALID);
	struct pagetable *middle = next_table(top);
	assert_ptr_equal(middle, t->spare[SPARE - 1]);
	struct pte mid = middle->entry[index_of(va, 1)];
	assert_int_equal(mid.word & ((UINT64_C(1) << PTE_PPN_SHIFT) - 1), PTE_VALID);
	struct pagetable *bottom = next_table(mid);
	assert_ptr_equal(bottom, t->spare[SPARE - 2]);
	assert_int_equal(bottom->entry[index_of(va, 0)].word, pte_for(pa, R | W | LEAF_EXTRA).word);
}

static void test_map_2m_and_translate(void **state)
{
	struct tables *t = *state;
	const uint64_t va = 0x40400000, pa = 0x80400000;
	map_ok(t, va, pa, PAGE_SIZE_2M, R | X, 1);
	assert_translates(t->root, va, pa, R | X, PAGE_SIZE_2M);
	assert_translates(t->root, va + 0x12345, pa + 0x12345, R | X, PAGE_SIZE_2M);
	assert_translates(t->root, va + M2 - 1, pa + M2 - 1, R | X, PAGE_SIZE_2M);
	assert_translate_fails(t->root, va + M2, ERR_FAILED_LOOKUP);
	struct pagetable *middle = next_table(t->root->entry[index_of(va, 2)]);
	assert_int_equal(middle->entry[index_of(va, 1)].word, pte_for(pa, R | X | LEAF_EXTRA).word);
}

static void test_map_1g_and_translate(void **state)
{
	struct tables *t = *state;
	const uint64_t va = 0xc0000000, pa = 0x40000000;
	map_ok(t, va, pa, PAGE_SIZE_1G, R | W | X | U | G, 0);
	assert_translates(t->root, va + 0x3fffffff, pa + 0x3fffffff, R | W | X | U | G,
			  PAGE_SIZE_1G);
	assert_translates(t->root, va + 0x1234567, pa + 0x1234567, R | W | X | U | G, PAGE_SIZE_1G);
	assert_int_equal(t->root->entry[3].word, pte_for(pa, R | W | X | U | G | LEAF_EXTRA).word);
	assert_translate_fails(t->root, va + G1, ERR_FAILED_LOOKUP);
}

static void test_upper_half(void **state)
{
	struct tables *t = *state;
	const uint64_t base = UINT64_C(0xffffffc000000000); /* the lowest upper-half address */
	map_ok(t, base, 0x80000000, PAGE_SIZE_1G, R | W | G, 0);
	assert_int_equal(t->root->entry[256].word,
			 pte_for(0x80000000, R | W | G | LEAF_EXTRA).word);
	assert_translates(t->root, base + 0x12345678, 0x92345678, R | W | G, PAGE_SIZE_1G);
	/* The very last page and the 2 MiB page below it. */
	map_ok(t, UINT64_C(0xfffffffffffff000), 0x1000, PAGE_SIZE_4K, R, 2);
	map_ok(t, UINT64_C(0xffffffffffc00000), 0x200000, PAGE_SIZE_2M, R | X, 0);
	assert_translates(t->root, UINT64_MAX, 0x1fff, R, PAGE_SIZE_4K);
	assert_translates(t->root, UINT64_C(0xffffffffffdfffff), 0x3fffff, R | X, PAGE_SIZE_2M);
	assert_translate_fails(t->root, UINT64_C(0xffffffffffffe000), ERR_FAILED_LOOKUP);
	assert_true(pte_is_valid(t->root->entry[511]));
	/* The top of the lower half is a different root entry. */
	map_ok(t, UINT64_C(0x3ffffff000), 0x5000, PAGE_SIZE_4K, R, 2);
	assert_true(pte_is_valid(t->root->entry[255]));
	assert_translates(t->root, UINT64_C(0x3fffffffff), 0x5fff, R, PAGE_SIZE_4K);
}

static void test_canonical_addresses(void **state)
{
	(void)state;
	assert_true(pagetable_address_is_canonical(0));
	assert_true(pagetable_address_is_canonical(UINT64_C(0x3fffffffff)));
	assert_false(pagetable_address_is_canonical(UINT64_C(0x4000000000)));
	assert_false(pagetable_address_is_canonical(UINT64_C(0x8000000000)));
	assert_false(pagetable_address_is_canonical(UINT64_C(0xffffffbfffffffff)));
	assert_true(pagetable_address_is_canonical(UINT64_C(0xffffffc000000000)));
	assert_true(pagetable_address_is_canonical(UINT64_MAX));
	assert_false(pagetable_address_is_canonical(UINT64_C(0x8000000000000000)));
	assert_false(pagetable_address_is_canonical(UINT64_C(0x7fffffffffffffff)));
}

static void test_every_permission_combination(void **state)
{
	struct tables *t = *state;
	const uint64_t bits[] = { R, W, X, U, G };
	map_ok(t, 0, 0x1000, PAGE_SIZE_4K, R, 2); /* the tables for the 2 MiB below */
	for (unsigned mask = 0; mask < 32; mask++) {
		uint64_t permissions = 0;
		for (unsigned b = 0; b < 5; b++)
			if (mask & (1u << b))
				permissions |= bits[b];
		bool readable_or_executable = permissions & (R | X);
		bool write_without_read = (permissions & W) && !(permissions & R);
		uint64_t va = (1 + mask) * K4;
		enum error err = map(t, va, 0x100000 + va, PAGE_SIZE_4K, permissions, 0);
		if (!readable_or_executable || write_without_read) {
			if (err != ERR_INVALID_ARGUMENT)
				fail_msg("permissions 0x%x: %d, not ERR_INVALID_ARGUMENT",
					 (unsigned)permissions, err);
			assert_translate_fails(t->root, va, ERR_FAILED_LOOKUP);
		} else {
			if (err != ERR_OK)
				fail_msg("permissions 0x%x: %d, not ERR_OK", (unsigned)permissions,
					 err);
			assert_translates(t->root, va, 0x100000 + va, permissions, PAGE_SIZE_4K);
		}
	}
}

static void test_bad_permissions_change_nothing(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0x200000, 0x1000, PAGE_SIZE_4K, R, 2);
	const uint64_t bad[] = {
		0,
		W,
		G,
		U,
		U | G,
		W | X,
		W | U, /* none, or W without R */
		R | PTE_VALID,
		R | PTE_ACCESSED,
		R | PTE_DIRTY, /* ours to set */
		R | (1u << 8),
		R | (1u << 9),
		R | (UINT64_C(1) << PTE_PPN_SHIFT), /* RSW, PPN */
		R | (UINT64_C(1) << 63),
		R | (UINT64_C(1) << 62), /* N, PBMT */
	};
	for (size_t i = 0; i < ARRAY_LENGTH(bad); i++) {
		for (unsigned size = 0; size < 3; size++) {
			struct snapshot *s = take_snapshot(t);
			assert_int_equal(
			    map(t, 0x40000000, 0x40000000, (enum page_size)size, bad[i], 2),
			    ERR_INVALID_ARGUMENT);
			assert_unchanged(t, s);
		}
	}
}

static void test_non_canonical_va(void **state)
{
	struct tables *t = *state;
	const uint64_t bad[] = { UINT64_C(0x4000000000),       UINT64_C(0x8000000000),
				 UINT64_C(0xffffffbfc0000000), UINT64_C(0x8000000000000000),
				 UINT64_C(0x00ffffffc0000000), UINT64_C(0xfffffe0000000000) };
	for (size_t i = 0; i < ARRAY_LENGTH(bad); i++) {
		for (unsigned size = 0; size < 3; size++) {
			struct snapshot *s = take_snapshot(t);
			assert_int_equal(map(t, bad[i], 0, (enum page_size)size, R, 2),
					 ERR_INVALID_ARGUMENT);
			assert_unchanged(t, s);
		}
		assert_translate_fails(t->root, bad[i], ERR_INVALID_ARGUMENT);
	}
	/* The edges of the hole are canonical. */
	map_ok(t, UINT64_C(0x3fc0000000), 0, PAGE_SIZE_1G, R, 0);
	map_ok(t, UINT64_C(0xffffffc000000000), 0, PAGE_SIZE_1G, R, 0);
}

static void test_bad_page_size(void **state)
{
	struct tables *t = *state;
	struct snapshot *s = take_snapshot(t);
	assert_int_equal(map(t, 0, 0, (enum page_size)3, R, 2), ERR_INVALID_ARGUMENT);
	assert_int_equal(map(t, 0, 0, (enum page_size) - 1, R, 2), ERR_INVALID_ARGUMENT);
	assert_unchanged(t, s);
}

static void test_misaligned_va_or_pa(void **state)
{
	struct tables *t = *state;
	const struct {
		enum page_size size;
		uint64_t va, pa;
	} cases[] = {
		{ PAGE_SIZE_4K, 0x1001, 0x1000 },
		{ PAGE_SIZE_4K, 0x1000, 0x1800 },
		{ PAGE_SIZE_4K, 0x1000, 0x1001 },
		{ PAGE_SIZE_2M, 0x201000, 0x200000 },
		{ PAGE_SIZE_2M, 0x200000, 0x1ff000 },
		{ PAGE_SIZE_2M, 0x300000, 0x300000 },
		{ PAGE_SIZE_1G, 0x40200000, 0x40000000 },
		{ PAGE_SIZE_1G, 0x40000000, 0x20000000 },
		{ PAGE_SIZE_1G, UINT64_C(0xffffffc000001000), 0 },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		struct snapshot *s = take_snapshot(t);
		assert_int_equal(map(t, cases[i].va, cases[i].pa, cases[i].size, R, 2),
				 ERR_ALIGNMENT);
		assert_unchanged(t, s);
	}
}

static void test_physical_address_beyond_56_bits(void **state)
{
	struct tables *t = *state;
	const uint64_t limit = UINT64_C(1) << 56;
	const enum page_size sizes[] = { PAGE_SIZE_4K, PAGE_SIZE_2M, PAGE_SIZE_1G };
	for (size_t i = 0; i < 3; i++) {
		struct snapshot *s = take_snapshot(t);
		assert_int_equal(map(t, 0, limit, sizes[i], R, 2), ERR_RANGE);
		assert_int_equal(map(t, 0, UINT64_C(0xffffffffc0000000), sizes[i], R, 2),
				 ERR_RANGE);
		assert_unchanged(t, s);
	}
	/* The highest page of each size that fits maps and translates back. */
	uint64_t va = 0;
	for (size_t i = 0; i < 3; i++) {
		uint64_t bytes = page_size_bytes(sizes[i]);
		va += G1;
		assert_int_equal(map(t, va, limit - bytes, sizes[i], R, 2), ERR_OK);
		assert_translates(t->root, va + bytes - 1, limit - 1, R, sizes[i]);
	}
}

static void test_already_mapped_at_the_same_level(void **state)
{
	struct tables *t = *state;
	const enum page_size sizes[] = { PAGE_SIZE_4K, PAGE_SIZE_2M, PAGE_SIZE_1G };
	for (size_t i = 0; i < 3; i++) {
		uint64_t va = (i + 1) * G1;
		assert_int_equal(map(t, va, 0, sizes[i], R, 2), ERR_OK);
		struct snapshot *s = take_snapshot(t);
		assert_int_equal(map(t, va, G1, sizes[i], R | W, 2), ERR_DELETE_FIRST);
		assert_unchanged(t, s);
		assert_translates(t->root, va, 0, R, sizes[i]);
	}
}

static void test_larger_leaf_covers_va(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0, 0, PAGE_SIZE_1G, R, 0);
	map_ok(t, G1, 0, PAGE_SIZE_2M, R, 1);
	const struct {
		uint64_t va;
		enum page_size size;
	} cases[] = {
		{ 0, PAGE_SIZE_2M },           { 0x200000, PAGE_SIZE_2M },
		{ 0x3000, PAGE_SIZE_4K },      { G1 - K4, PAGE_SIZE_4K },
		{ G1 + 0x1000, PAGE_SIZE_4K }, { G1 + M2 - K4, PAGE_SIZE_4K },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		struct snapshot *s = take_snapshot(t);
		assert_int_equal(map(t, cases[i].va, 0, cases[i].size, R, 2), ERR_DELETE_FIRST);
		assert_unchanged(t, s);
	}
}

static void test_smaller_mapping_below(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0x80201000, 0, PAGE_SIZE_4K, R, 2);
	struct snapshot *s = take_snapshot(t);
	assert_int_equal(map(t, 0x80200000, 0, PAGE_SIZE_2M, R, 2), ERR_DELETE_FIRST);
	assert_int_equal(map(t, 0x80000000, 0, PAGE_SIZE_1G, R, 2), ERR_DELETE_FIRST);
	assert_unchanged(t, s);
	/* Next to it is free. */
	map_ok(t, 0x80400000, 0, PAGE_SIZE_2M, R, 0);
}

static void test_pool_too_small_changes_nothing(void **state)
{
	struct tables *t = *state;
	struct snapshot *s = take_snapshot(t);
	assert_int_equal(map(t, 0x1000, 0, PAGE_SIZE_4K, R, 0), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(map(t, 0x1000, 0, PAGE_SIZE_4K, R, 1), ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(map(t, 0x200000, 0, PAGE_SIZE_2M, R, 0), ERR_NOT_ENOUGH_MEMORY);
	assert_unchanged(t, s);
	/* With the top level present, a 4 KiB page elsewhere in it needs one. */
	map_ok(t, 0x1000, 0, PAGE_SIZE_4K, R, 2);
	s = take_snapshot(t);
	assert_int_equal(map(t, 0x201000, 0, PAGE_SIZE_4K, R, 0), ERR_NOT_ENOUGH_MEMORY);
	assert_unchanged(t, s);
	assert_int_equal(map(t, 0x201000, 0, PAGE_SIZE_4K, R, 1), ERR_OK);
	assert_int_equal(t->left, 0);
}

static void test_pool_use_counts_missing_levels(void **state)
{
	struct tables *t = *state;
	const struct {
		uint64_t va;
		enum page_size size;
		size_t needed;
	} steps[] = {
		{ 0x40001000, PAGE_SIZE_4K, 2 }, /* fresh 1 GiB region */
		{ 0x40002000, PAGE_SIZE_4K, 0 }, /* same 2 MiB */
		{ 0x40201000, PAGE_SIZE_4K, 1 }, /* same 1 GiB, new 2 MiB */
		{ 0x40400000, PAGE_SIZE_2M, 0 }, /* same 1 GiB */
		{ 0x80000000, PAGE_SIZE_2M, 1 }, /* fresh 1 GiB */
		{ 0x80201000, PAGE_SIZE_4K, 1 },
		{ 0xc0000000, PAGE_SIZE_1G, 0 },
		{ UINT64_C(0xffffffc000000000), PAGE_SIZE_4K, 2 },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(steps); i++) {
		size_t avail = t->avail;
		/* Lend more than needed: the rest stays in the pool, still zero. */
		assert_int_equal(map(t, steps[i].va, 0, steps[i].size, R, 3), ERR_OK);
		assert_int_equal(t->lent - t->left, steps[i].needed);
		assert_int_equal(t->avail, avail - steps[i].needed);
		for (size_t j = 0; j < t->avail; j++) {
			static const struct pagetable zero;
			assert_memory_equal(t->spare[j], &zero, sizeof(zero));
		}
	}
}

static void test_walks_go_through_the_port(void **state)
{
	struct tables *t = *state;
	struct pagetable_translation out;
	map_ok(t, 0x1000, 0, PAGE_SIZE_4K, R, 2);
	assert_int_equal(fake_arch.virt_to_phys_calls, 2); /* one per new table */
	fake_arch_reset();
	map_ok(t, 0x2000, 0, PAGE_SIZE_4K, R, 0);
	assert_int_equal(fake_arch.phys_to_virt_calls, 2); /* down two levels */
	assert_int_equal(fake_arch.virt_to_phys_calls, 0);
	map_ok(t, 0x200000, 0, PAGE_SIZE_2M, R, 0);
	map_ok(t, G1, 0, PAGE_SIZE_1G, R, 0);
	const struct {
		uint64_t va;
		unsigned calls;
	} walks[] = { { 0x1000, 2 }, { 0x200000, 1 }, { G1, 0 } };
	for (size_t i = 0; i < ARRAY_LENGTH(walks); i++) {
		fake_arch_reset();
		assert_int_equal(pagetable_translate(t->root, walks[i].va, &out), ERR_OK);
		assert_int_equal(fake_arch.phys_to_virt_calls, walks[i].calls);
	}
}

static void test_translate_unmapped_at_each_level(void **state)
{
	struct tables *t = *state;
	assert_translate_fails(t->root, 0, ERR_FAILED_LOOKUP); /* empty root */
	map_ok(t, 0x1000, 0x5000, PAGE_SIZE_4K, R, 2);
	assert_translate_fails(t->root, G1, ERR_FAILED_LOOKUP);       /* level 2 */
	assert_translate_fails(t->root, 0x200000, ERR_FAILED_LOOKUP); /* level 1 */
	assert_translate_fails(t->root, 0x2000, ERR_FAILED_LOOKUP);   /* level 0 */
	assert_translate_fails(t->root, 0x0fff, ERR_FAILED_LOOKUP);
	assert_translate_fails(t->root, UINT64_C(0x4000001000), ERR_INVALID_ARGUMENT);
}

static void test_translate_malformed_tables(void **state)
{
	struct tables *t = *state;
	struct pagetable *middle = t->spare[0], *bottom = t->spare[1];
	/* A 1 GiB leaf at a 2 MiB-aligned address. */
	t->root->entry[0] = pte_for(0x200000, PTE_VALID | R);
	assert_translate_fails(t->root, 0x1000, ERR_INVALID_ARGUMENT);
	/* A 2 MiB leaf at a 4 KiB-aligned address. */
	t->root->entry[1] = pte_for((uintptr_t)middle, PTE_VALID);
	middle->entry[0] = pte_for(0x1000, PTE_VALID | R);
	assert_translate_fails(t->root, G1, ERR_INVALID_ARGUMENT);
	/* A pointer where a leaf must be: nothing below level 0. */
	middle->entry[1] = pte_for((uintptr_t)bottom, PTE_VALID);
	bottom->entry[0] = pte_for((uintptr_t)bottom, PTE_VALID);
	assert_translate_fails(t->root, G1 + M2, ERR_INVALID_ARGUMENT);
	/* The well-formed neighbours still translate; X-only is a leaf. */
	bottom->entry[1] = pte_for(0x7000, PTE_VALID | X);
	assert_translates(t->root, G1 + M2 + K4 + 1, 0x7001, X, PAGE_SIZE_4K);
	middle->entry[2] = pte_for(0x400000, PTE_VALID | R | U);
	assert_translates(t->root, G1 + 2 * M2 + 5, 0x400005, R | U, PAGE_SIZE_2M);
	/* A valid bit alone matters: an entry without it is absent. */
	bottom->entry[2] = pte_for(0x8000, R | W);
	assert_translate_fails(t->root, G1 + M2 + 2 * K4, ERR_FAILED_LOOKUP);
}

/* Accessibility of [va, va + length) with `required`. */
static bool accessible(const struct tables *t, uint64_t va, uint64_t length, uint64_t required)
{
	return pagetable_range_accessible(t->root, va, length, required);
}

static void test_range_zero_length(void **state)
{
	struct tables *t = *state;
	assert_true(accessible(t, 0x1000, 0, R));
	assert_true(accessible(t, UINT64_C(0x4000000000), 0, R | W | U));
}

static void test_range_within_and_across_pages(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0x10000, 0x80000000, PAGE_SIZE_4K, R | U, 2);
	map_ok(t, 0x11000, 0x90000000, PAGE_SIZE_4K, R | W | U, 0); /* not contiguous in pa */
	assert_true(accessible(t, 0x10000, K4, R | U));
	assert_true(accessible(t, 0x10fff, 2, R | U)); /* straddles */
	assert_true(accessible(t, 0x10000, 2 * K4, R | U));
	assert_false(accessible(t, 0x10000, 2 * K4 + 1, R | U)); /* one byte into the hole */
	assert_false(accessible(t, 0xffff, 2, R));               /* one byte before */
	assert_true(accessible(t, 0x11000, 1, R | W | U));
	assert_false(accessible(t, 0x10000, 2 * K4, W)); /* first page read-only */
	assert_false(accessible(t, 0x10fff, 1, W));
	assert_true(accessible(t, 0x10000, 2 * K4, 0));
	assert_false(accessible(t, 0x10000, 1, X));
}

static void test_range_with_a_hole(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0x10000, 0, PAGE_SIZE_4K, R, 2);
	map_ok(t, 0x12000, 0, PAGE_SIZE_4K, R, 0);
	assert_false(accessible(t, 0x10000, 3 * K4, R));
	assert_false(accessible(t, 0x10fff, K4 + 2, R));
	assert_true(accessible(t, 0x12000, K4, R));
	map_ok(t, 0x11000, 0, PAGE_SIZE_4K, R, 0);
	assert_true(accessible(t, 0x10000, 3 * K4, R));
}

static void test_range_permission_missing_on_one_page(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0x10000, 0, PAGE_SIZE_4K, R | W | U, 2);
	map_ok(t, 0x11000, 0, PAGE_SIZE_4K, R | U, 0);
	map_ok(t, 0x12000, 0, PAGE_SIZE_4K, R | W | U, 0);
	map_ok(t, 0x13000, 0, PAGE_SIZE_4K, R | W, 0); /* kernel only */
	assert_true(accessible(t, 0x10000, 3 * K4, R | U));
	assert_false(accessible(t, 0x10000, 3 * K4, R | W | U));
	assert_false(accessible(t, 0x10000, 4 * K4, R | U));
	assert_true(accessible(t, 0x10000, 4 * K4, R));
}

static void test_range_wrapping(void **state)
{
	struct tables *t = *state;
	map_ok(t, 0, 0, PAGE_SIZE_1G, R, 0);
	map_ok(t, UINT64_C(0xffffffffc0000000), 0, PAGE_SIZE_1G, R, 0);
	assert_false(accessible(t, UINT64_C(0xfffffffffffff000), 0x2000, R));
	assert_false(accessible(t, UINT64_MAX, 2, R));
	assert_false(accessible(t, 0x1000, UINT64_MAX, R));
	assert_false(accessible(t, UINT64_MAX, UINT64_MAX, R));
}

static void test_range_reaching_the_top_of_the_address_space(void **state)
{
	struct tables *t = *state;
	map_ok(t, UINT64_C(0xfffffffffffff000), 0x1000, PAGE_SIZE_4K, R, 2);
	assert_true(accessible(t, UINT64_C(0xfffffffffffff000), 0xfff, R));
	assert_true(accessible(t, UINT64_MAX, 1, R));
	/* Ends at 2^64 without wrapping: every byte is mapped. */
	assert_true(accessible(t, UINT64_C(0xfffffffffffff000), 0x1000, R));
	assert_true(accessible(t, UINT64_C(0xfffffffffffff800), 0x800, R));
	assert_false(accessible(t, UINT64_C(0xffffffffffffe000), 0x2000, R));
	map_ok(t, UINT64_C(0xffffffffc0000000), 0, PAGE_SIZE_2M, R, 0);
	assert_false(accessible(t, UINT64_C(0xffffffffc0000000), G1, R)); /* hole in between */
}

static void test_range_crossing_the_non_canonical_hole(void **state)
{
	struct tables *t = *state;
	const uint64_t low_top = UINT64_C(0x3ffffff000), high_bottom = UINT64_C(0xffffffc000000000);
	map_ok(t, low_top, 0, PAGE_SIZE_4K, R, 2);
	map_ok(t, high_bottom, 0, PAGE_SIZE_1G, R, 0);
	assert_true(accessible(t, low_top, K4, R));
	assert_false(accessible(t, low_top, K4 + 1, R)); /* last byte non-canonical */
	assert_false(accessible(t, low_top, high_bottom - low_top + 1, R)); /* both ends mapped */
	assert_false(accessible(t, high_bottom - 1, 2, R));
	assert_false(accessible(t, UINT64_C(0x4000000000), 1, R));
	assert_true(accessible(t, high_bottom, G1, R));
}

static void test_range_over_mixed_page_sizes(void **state)
{
	struct tables *t = *state;
	/* 4 KiB | 1 GiB | 2 MiB | 4 KiB, contiguous in va. */
	map_ok(t, 0x3ffff000, 0x1000, PAGE_SIZE_4K, R | U, 2);
	map_ok(t, 0x40000000, 0x40000000, PAGE_SIZE_1G, R | W | U, 0);
	map_ok(t, 0x80000000, 0x200000, PAGE_SIZE_2M, R | U, 1);
	map_ok(t, 0x80200000, 0x2000, PAGE_SIZE_4K, R | X | U, 1);
	assert_true(accessible(t, 0x3ffff800, 0x80200800 - 0x3ffff800, R | U));
	assert_true(accessible(t, 0x3ffff000, 0x80201000 - 0x3ffff000, R | U));
	assert_false(accessible(t, 0x3ffff000, 0x80201001 - 0x3ffff000, R | U));
	assert_false(accessible(t, 0x3ffff000, 0x80201000 - 0x3ffff000, R | W | U));
	assert_true(accessible(t, 0x40000000, G1, R | W | U));
	/* One translation per page, however large: a 1 GiB page is one step. */
	fake_arch_reset();
	assert_true(accessible(t, 0x40000000, G1, R));
	assert_int_equal(fake_arch.phys_to_virt_calls, 0);
	fake_arch_reset();
	assert_true(accessible(t, 0x3ffff000, 0x80201000 - 0x3ffff000, R));
	assert_int_equal(fake_arch.phys_to_virt_calls, 2 + 0 + 1 + 2);
}

static void test_share_upper_half(void **state)
{
	struct tables *t = *state;
	struct pagetable *other = new_table();
	const uint64_t kernel = UINT64_C(0xffffffc000000000);
	map_ok(t, kernel, 0x80000000, PAGE_SIZE_1G, R | W | G, 0);
	map_ok(t, UINT64_C(0xfffffffffffff000), 0x1000, PAGE_SIZE_4K, R | G, 2);
	map_ok(t, 0x1000, 0x2000, PAGE_SIZE_4K, R | U, 2); /* the source's own user page */
	/* The other space has its own lower half, and stale upper entries. */
	struct tables mine = *t;
	mine.root = other;
	map_ok(&mine, 0x1000, 0x9000, PAGE_SIZE_4K, R | W | U, 2);
	t->avail = mine.avail; /* the spares are shared */
	other->entry[300] = pte_for(0x123000, PTE_VALID | R);
	struct pagetable lower_before = *other;

	pagetable_share_upper_half(other, t->root);
	assert_memory_equal(&other->entry[256], &t->root->entry[256], 256 * sizeof(struct pte));
	assert_memory_equal(&other->entry[0], &lower_before.entry[0], 256 * sizeof(struct pte));
	assert_translates(other, kernel + 0x1234, 0x80001234, R | W | G, PAGE_SIZE_1G);
	assert_translates(other, UINT64_MAX, 0x1fff, R | G, PAGE_SIZE_4K);
	assert_translates(other, 0x1000, 0x9000, R | W | U, PAGE_SIZE_4K);
	assert_translate_fails(other, UINT64_C(0xffffffc000000000) + 44 * G1, ERR_FAILED_LOOKUP);
	assert_translates(t->root, 0x1000, 0x2000, R | U, PAGE_SIZE_4K); /* source untouched */
	free(other);
}

/*
 * The random test's model: the list of mappings made. Since nothing is ever
 * unmapped, a map fails with ERR_DELETE_FIRST exactly when it overlaps one,
 * and an intermediate table exists exactly when a smaller page was mapped
 * under its entry.
 */
struct mapping {
	uint64_t va, last, pa, permissions;
	enum page_size size;
};

#define MAX_MAPPINGS 1024

struct model {
	struct mapping map[MAX_MAPPINGS];
	size_t count;
};

static const struct mapping *model_lookup(const struct model *m, uint64_t va)
{
	for (size_t i = 0; i < m->count; i++)
		if (m->map[i].va <= va && va <= m->map[i].last)
			return &m->map[i];
	return NULL;
}

static size_t model_tables_needed(const struct model *m, uint64_t va, enum page_size size)
{
	bool middle = false, bottom = false;
	for (size_t i = 0; i < m->count; i++) {
		if (m->map[i].size < PAGE_SIZE_1G && m->map[i].va >> 30 == va >> 30)
			middle = true;
		if (m->map[i].size == PAGE_SIZE_4K && m->map[i].va >> 21 == va >> 21)
			bottom = true;
	}
	switch (size) {
	case PAGE_SIZE_4K: return !middle + !bottom;
	case PAGE_SIZE_2M: return !middle;
	case PAGE_SIZE_1G: return 0;
	}
	return 0;
}

static bool model_accessible(const struct model *m, uint64_t va, uint64_t length, uint64_t required)
{
	if (length == 0)
		return true;
	uint64_t last = va + (length - 1);
	if (last < va)
		return false;
	for (;;) {
		const struct mapping *found = model_lookup(m, va);
		if (!found || (found->permissions & required) != required)
			return false;
		if (found->last >= last)
			return true;
		va = found->last + 1;
	}
}

/* Count leaves, checking every entry's shape on the way. */
static bool tree_is_well_formed(const struct pagetable *table, unsigned level, size_t *leaves)
{
	for (unsigned i = 0; i < PAGETABLE_ENTRIES; i++) {
		struct pte pte = table->entry[i];
		if (!pte_is_valid(pte)) {
			if (pte.word)
				return false;
			continue;
		}
		if (pte_is_leaf(pte)) {
			if ((pte.word & LEAF_EXTRA) != LEAF_EXTRA)
				return false;
			++*leaves;
			continue;
		}
		if (level == 0 || (pte.word & ((UINT64_C(1) << PTE_PPN_SHIFT) - 1)) != PTE_VALID)
			return false;
		if (!tree_is_well_formed(next_table(pte), level - 1, leaves))
			return false;
	}
	return true;
}

/* Where the random test maps: five 1 GiB regions, two of them at the edges
 * of the non-canonical hole and one at the very top. */
static const uint64_t regions[] = { 0, G1, UINT64_C(0x3fc0000000), UINT64_C(0xffffffc000000000),
				    UINT64_C(0xffffffffc0000000) };

static uint64_t random_va(struct seed_rng *rng, enum page_size size)
{
	uint64_t va = regions[seed_below(rng, ARRAY_LENGTH(regions))];
	if (size < PAGE_SIZE_1G)
		va += seed_below(rng, 8) * M2;
	if (size < PAGE_SIZE_2M)
		va += seed_below(rng, 8) * K4;
	return va;
}

static void test_random_maps_match_model(void **state)
{
	struct tables *t = *state;
	struct seed_rng rng = seed_from_env("pagetable random");
	static struct model m;
	m.count = 0;
	const uint64_t permission_choices[] = { R,         R | W, X,         R | X,
						R | W | X, R | U, R | W | U, R | X | U,
						X | U,     R | G, R | W | G };
	for (unsigned long step = 0; step < 3000; step++) {
		unsigned pick = (unsigned)seed_below(&rng, 10);
		enum page_size size = pick < 6   ? PAGE_SIZE_4K
				      : pick < 9 ? PAGE_SIZE_2M
						 : PAGE_SIZE_1G;
		uint64_t bytes = page_size_bytes(size);
		uint64_t va = random_va(&rng, size);
		uint64_t pa = (seed_next(&rng) & ((UINT64_C(1) << 56) - 1)) & ~(bytes - 1);
		uint64_t permissions =
		    permission_choices[seed_below(&rng, ARRAY_LENGTH(permission_choices))];
		size_t lend = (size_t)seed_below(&rng, 4);
		if (lend > t->avail)
			lend = t->avail;

		bool overlaps = false;
		for (size_t i = 0; i < m.count; i++)
			overlaps |= m.map[i].va <= va + (bytes - 1) && va <= m.map[i].last;
		size_t needed = model_tables_needed(&m, va, size);
		enum error err = map(t, va, pa, size, permissions, lend);
		if (overlaps) {
			seed_check(&rng, step, err == ERR_DELETE_FIRST && t->left == lend);
		} else if (lend < needed) {
			seed_check(&rng, step, err == ERR_NOT_ENOUGH_MEMORY && t->left == lend);
		} else {
			seed_check(&rng, step, err == ERR_OK && t->lent - t->left == needed);
			seed_check(&rng, step, m.count < MAX_MAPPINGS);
			m.map[m.count++] =
			    (struct mapping){ va, va + (bytes - 1), pa, permissions, size };
		}

		/* Translate inside a known mapping, and somewhere in the regions. */
		for (int probe = 0; probe < 4; probe++) {
			uint64_t at;
			if (probe < 2 && m.count) {
				const struct mapping *known = &m.map[seed_below(&rng, m.count)];
				at = known->va + seed_below(&rng, page_size_bytes(known->size));
			} else {
				at = random_va(&rng, PAGE_SIZE_4K) + seed_below(&rng, K4) +
				     seed_below(&rng, 2) * seed_below(&rng, G1);
			}
			struct pagetable_translation out;
			err = pagetable_translate(t->root, at, &out);
			const struct mapping *expected = model_lookup(&m, at);
			if (!pagetable_address_is_canonical(at)) {
				seed_check(&rng, step, err == ERR_INVALID_ARGUMENT);
				continue;
			}
			if (!expected) {
				seed_check(&rng, step, err == ERR_FAILED_LOOKUP);
				continue;
			}
			seed_check(&rng, step, err == ERR_OK);
			seed_check(&rng, step,
				   out.physical_address == expected->pa + (at - expected->va));
			seed_check(&rng, step, out.permissions == expected->permissions);
			seed_check(&rng, step, out.size == expected->size);
		}

		/* A range from a random place, of a random length, random needs. */
		const uint64_t needs[] = { 0, R, W, X, U, R | U, R | W | U };
		uint64_t from = random_va(&rng, PAGE_SIZE_4K) + seed_below(&rng, K4);
		uint64_t length =
		    seed_below(&rng, 3) == 0 ? seed_below(&rng, 3 * G1) : seed_below(&rng, 5 * M2);
		uint64_t required = needs[seed_below(&rng, ARRAY_LENGTH(needs))];
		bool in_address_space =
		    pagetable_address_is_canonical(from + length - 1) && from + length - 1 >= from;
		seed_check(&rng, step,
			   pagetable_range_accessible(t->root, from, length, required) ==
			       ((length == 0 || in_address_space) &&
				model_accessible(&m, from, length, required)));

		if (step % 64 == 0 || step == 2999) {
			size_t leaves = 0;
			seed_check(&rng, step, tree_is_well_formed(t->root, 2, &leaves));
			seed_check(&rng, step, leaves == m.count);
		}
	}
}

#define PT_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PT_TEST(test_map_4k_and_translate),
		PT_TEST(test_map_2m_and_translate),
		PT_TEST(test_map_1g_and_translate),
		PT_TEST(test_upper_half),
		PT_TEST(test_canonical_addresses),
		PT_TEST(test_every_permission_combination),
		PT_TEST(test_bad_permissions_change_nothing),
		PT_TEST(test_non_canonical_va),
		PT_TEST(test_bad_page_size),
		PT_TEST(test_misaligned_va_or_pa),
		PT_TEST(test_physical_address_beyond_56_bits),
		PT_TEST(test_already_mapped_at_the_same_level),
		PT_TEST(test_larger_leaf_covers_va),
		PT_TEST(test_smaller_mapping_below),
		PT_TEST(test_pool_too_small_changes_nothing),
		PT_TEST(test_pool_use_counts_missing_levels),
		PT_TEST(test_walks_go_through_the_port),
		PT_TEST(test_translate_unmapped_at_each_level),
		PT_TEST(test_translate_malformed_tables),
		PT_TEST(test_range_zero_length),
		PT_TEST(test_range_within_and_across_pages),
		PT_TEST(test_range_with_a_hole),
		PT_TEST(test_range_permission_missing_on_one_page),
		PT_TEST(test_range_wrapping),
		PT_TEST(test_range_reaching_the_top_of_the_address_space),
		PT_TEST(test_range_crossing_the_non_canonical_hole),
		PT_TEST(test_range_over_mixed_page_sizes),
		PT_TEST(test_share_upper_half),
		PT_TEST(test_random_maps_match_model),
	};
	return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
