/* SPDX-License-Identifier: MIT */
/* Sorted disjoint page-aligned ranges (see range_set.h). */
#include "range_set.h"

void range_set_init(struct range_set *set, struct range *storage, size_t capacity,
		    uint64_t page_bytes)
{
	CORE_ASSERT(page_bytes && !(page_bytes & (page_bytes - 1)));
	*set = (struct range_set){ storage, 0, capacity, page_bytes };
}

static void remove_at(struct range_set *set, size_t index)
{
	for (size_t i = index; i + 1 < set->count; i++)
		set->ranges[i] = set->ranges[i + 1];
	set->count--;
}

static void insert_at(struct range_set *set, size_t index, struct range range)
{
	for (size_t i = set->count; i > index; i--)
		set->ranges[i] = set->ranges[i - 1];
	set->ranges[index] = range;
	set->count++;
}

enum error range_set_add(struct range_set *set, uint64_t base, uint64_t size)
{
	uint64_t mask = set->page_bytes - 1;
	if (base + size < base)
		return ERR_RANGE;
	uint64_t end = (base + size) & ~mask;
	if (base > UINT64_MAX - mask)
		return ERR_OK; /* inside the last page: no whole page */
	base = (base + mask) & ~mask;
	if (end <= base)
		return ERR_OK; /* no whole page inside */

	/* Ranges touching [base, end) merge into it. */
	size_t first = 0;
	while (first < set->count && set->ranges[first].base + set->ranges[first].size < base)
		first++;
	size_t last = first;
	while (last < set->count && set->ranges[last].base <= end)
		last++;
	if (first == last && set->count == set->capacity)
		return ERR_NOT_ENOUGH_MEMORY;
	if (first < last) {
		if (set->ranges[first].base < base)
			base = set->ranges[first].base;
		struct range *tail = &set->ranges[last - 1];
		if (tail->base + tail->size > end)
			end = tail->base + tail->size;
		for (size_t i = first + 1; i < last; i++)
			remove_at(set, first + 1);
		set->ranges[first] = (struct range){ base, end - base };
	} else {
		insert_at(set, first, (struct range){ base, end - base });
	}
	return ERR_OK;
}

enum error range_set_remove(struct range_set *set, uint64_t base, uint64_t size)
{
	uint64_t mask = set->page_bytes - 1;
	if (base + size < base)
		return ERR_RANGE;
	if (size == 0)
		return ERR_OK; /* touches no page, even at an unaligned base */
	/* Round the end up; if that passes 2^64, stop at the last page's base
	 * instead: no range reaches into the last page (its end would wrap). */
	uint64_t end = base + size > UINT64_MAX - mask ? ~mask : (base + size + mask) & ~mask;
	base &= ~mask;
	if (end <= base)
		return ERR_OK;

	/* Decode: a range strictly containing [base, end) splits in two. */
	for (size_t i = 0; i < set->count; i++) {
		struct range *r = &set->ranges[i];
		if (r->base < base && r->base + r->size > end && set->count == set->capacity)
			return ERR_NOT_ENOUGH_MEMORY;
	}
	for (size_t i = 0; i < set->count;) {
		struct range r = set->ranges[i];
		uint64_t r_end = r.base + r.size;
		if (r_end <= base || r.base >= end) {
			i++;
			continue;
		}
		bool keep_low = r.base<base, keep_high = r_end> end;
		if (keep_low && keep_high) {
			set->ranges[i] = (struct range){ r.base, base - r.base };
			insert_at(set, i + 1, (struct range){ end, r_end - end });
			return ERR_OK;
		}
		if (keep_low) {
			set->ranges[i].size = base - r.base;
			i++;
		} else if (keep_high) {
			set->ranges[i] = (struct range){ end, r_end - end };
			i++;
		} else {
			remove_at(set, i);
		}
	}
	return ERR_OK;
}

enum error range_set_take_page(struct range_set *set, uint64_t *page)
{
	if (set->count == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	struct range *first = &set->ranges[0];
	*page = first->base;
	first->base += set->page_bytes;
	first->size -= set->page_bytes;
	if (first->size == 0)
		remove_at(set, 0);
	return ERR_OK;
}

uint64_t range_set_total(const struct range_set *set)
{
	uint64_t total = 0;
	for (size_t i = 0; i < set->count; i++)
		total += set->ranges[i].size;
	return total;
}

bool range_set_contains(const struct range_set *set, uint64_t address)
{
	for (size_t i = 0; i < set->count; i++)
		if (address >= set->ranges[i].base &&
		    address - set->ranges[i].base < set->ranges[i].size)
			return true;
	return false;
}

bool range_set_check_invariants(const struct range_set *set)
{
	uint64_t mask = set->page_bytes - 1;
	if (set->count > set->capacity)
		return false;
	for (size_t i = 0; i < set->count; i++) {
		const struct range *r = &set->ranges[i];
		if (r->size == 0 || (r->base & mask) || (r->size & mask) ||
		    r->base + r->size < r->base)
			return false;
		if (i > 0) {
			const struct range *previous = &set->ranges[i - 1];
			if (previous->base + previous->size >= r->base)
				return false; /* overlapping, adjacent or unsorted */
		}
	}
	return true;
}
