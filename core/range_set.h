/* SPDX-License-Identifier: MIT */
/*
 * A set of disjoint physical address ranges, kept sorted, in storage the
 * caller provides. At boot the kernel adds the DTB's memory ranges, removes
 * what is taken (firmware, the kernel image, the DTB, reserved memory) and
 * takes pages from what is left; later the rest becomes untyped memory.
 *
 * Invariant (range_set_check_invariants): ranges are sorted by base,
 * non-empty, page-aligned, pairwise disjoint and not adjacent (adjacent ones
 * are merged), and count <= capacity.
 */
#ifndef CORE_RANGE_SET_H
#define CORE_RANGE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

struct range {
	uint64_t base;
	uint64_t size;
};

struct range_set {
	struct range *ranges;
	size_t count;
	size_t capacity;
	uint64_t page_bytes; /* a power of two; every range is aligned to it */
};

/* An empty set over `storage` (capacity entries). Assumes page_bytes is a
 * power of two. */
void range_set_init(struct range_set *set, struct range *storage, size_t capacity,
		    uint64_t page_bytes);

/* Add [base, base + size) shrunk inward to whole pages (a range holding no
 * whole page adds nothing). Overlaps with present ranges are merged.
 * ERR_RANGE if base + size wraps; ERR_NOT_ENOUGH_MEMORY when the storage is
 * full. Nothing changes on error. */
MUST_CHECK enum error range_set_add(struct range_set *set, uint64_t base, uint64_t size);

/* Remove [base, base + size) grown outward to whole pages (an empty range
 * touches no page). Removing what is absent is not an error. ERR_RANGE if
 * base + size wraps or ends at 2^64; ERR_NOT_ENOUGH_MEMORY when splitting a
 * range needs one more entry than the storage has. Nothing changes on error. */
MUST_CHECK enum error range_set_remove(struct range_set *set, uint64_t base, uint64_t size);

/* Take the lowest page: its address in *page. ERR_NOT_ENOUGH_MEMORY when
 * the set is empty. */
MUST_CHECK enum error range_set_take_page(struct range_set *set, uint64_t *page);

uint64_t range_set_total(const struct range_set *set);
bool range_set_contains(const struct range_set *set, uint64_t address);
bool range_set_check_invariants(const struct range_set *set);

#endif
