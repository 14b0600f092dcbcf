/* SPDX-License-Identifier: MIT */
/*
 * Every query of core/dtb.h over one opened blob, with consistency checks
 * between the answers (see dtb_exercise.h). Used on truncated, corrupted
 * and fuzzed blobs, where there is no reference to compare with: what can
 * be checked is that nothing reads out of bounds (the sanitizers, and the
 * callers' exact-size buffers) and that the reader agrees with itself.
 */
#include <stdlib.h>
#include <string.h>

#include "dtb_exercise.h"
#include "dtb_riscv.h"

#define CHECK(how, cond, what, node)                                                               \
	do {                                                                                       \
		if ((how)->strict && !(cond))                                                      \
			(how)->fail((what), (node));                                               \
	} while (0)

/* For queries run only for memory safety: their answer is not checked. */
static void ignore(enum error err)
{
	(void)err;
}

static void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size);

	if (p == NULL)
		abort();
	return p;
}

/* Properties and their value accessors; a repeated lookup by name finds
 * the first property of that name, at or before this one. */
static void exercise_props(const struct dtb *dtb, struct dtb_node node,
			   const struct dtb_exercise *how)
{
	struct dtb_prop prop;
	enum error err;

	for (err = dtb_first_prop(dtb, node, &prop); err == ERR_OK;
	     err = dtb_next_prop(dtb, &prop, &prop)) {
		struct dtb_prop again;
		const char *s;
		uint32_t u32;
		uint64_t u64;
		uint32_t i;

		CHECK(how, prop.name != NULL && (prop.value != NULL || prop.len == 0),
		      "property without name or value", node.offset);
		for (i = 0; dtb_prop_u32(&prop, i, &u32) == ERR_OK; i++)
			;
		CHECK(how, i == prop.len / 4, "dtb_prop_u32 count", node.offset);
		for (i = 0; dtb_prop_cells(&prop, i, 2, &u64) == ERR_OK; i++)
			;
		CHECK(how, prop.len < 8 || i == prop.len / 4 - 1, "dtb_prop_cells count",
		      node.offset);
		CHECK(how, dtb_prop_cells(&prop, 0, 3, &u64) == ERR_INVALID_ARGUMENT,
		      "dtb_prop_cells accepted 3 cells", node.offset);
		for (i = 0; dtb_prop_string(&prop, i, &s) == ERR_OK; i++)
			CHECK(how, dtb_prop_has_string(&prop, s), "listed string not found",
			      node.offset);
		CHECK(how, i <= prop.len, "more strings than bytes", node.offset);
		(void)dtb_prop_has_string(&prop, "");
		(void)dtb_prop_has_string(&prop, "okay");

		err = dtb_get_prop(dtb, node, prop.name, &again);
		CHECK(how,
		      err == ERR_OK && again.offset <= prop.offset &&
			  strcmp(again.name, prop.name) == 0,
		      "dtb_get_prop does not find a listed property", node.offset);
	}
	CHECK(how, err == ERR_FAILED_LOOKUP, "property walk ended in error", node.offset);
}

/* Whether `found` is what a path component `name` may match. */
static bool same_base(const char *found, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(found, name, n) != 0)
		return false;
	return found[n] == '\0' || (found[n] == '@' && strchr(name, '@') == NULL);
}

/* The queries whose cost is linear in the blob: parent, reg, compatible
 * (paths: exercise_path, from the tree walk that knows them). */
static void exercise_expensive(const struct dtb *dtb, struct dtb_node node,
			       const struct dtb_exercise *how)
{
	struct dtb_node parent, found, sibling;
	struct dtb_range range;
	struct dtb_prop prop;
	const char *compat;
	enum error err;

	err = dtb_parent(dtb, node, &parent);
	if (node.offset == 0) {
		CHECK(how, err == ERR_FAILED_LOOKUP, "the root has a parent", node.offset);
	} else {
		CHECK(how, err == ERR_OK, "no parent", node.offset);
		/* The parent lists this node among its children. */
		if (err == ERR_OK) {
			err = dtb_first_child(dtb, parent, &sibling);
			while (err == ERR_OK && sibling.offset != node.offset)
				err = dtb_next_sibling(dtb, sibling, &sibling);
			CHECK(how, err == ERR_OK, "parent does not list the node", node.offset);
		}
	}

	for (uint32_t i = 0;; i++) {
		err = dtb_reg(dtb, node, i, &range);
		if (err != ERR_OK)
			break;
		CHECK(how, i < dtb->struct_size, "endless reg", node.offset);
	}

	ignore(dtb_find_path(dtb, "/no/such/node", &found));

	if (dtb_get_prop(dtb, node, "compatible", &prop) == ERR_OK &&
	    dtb_prop_string(&prop, 0, &compat) == ERR_OK) {
		err = dtb_find_compatible(dtb, NULL, compat, &found);
		CHECK(how, err == ERR_OK && found.offset <= node.offset,
		      "dtb_find_compatible misses a node", node.offset);
		err = dtb_find_compatible(dtb, &node, compat, &found);
		CHECK(how,
		      err == ERR_FAILED_LOOKUP || (err == ERR_OK && found.offset > node.offset),
		      "dtb_find_compatible goes backwards", node.offset);
	}
}

static void exercise_node(const struct dtb *dtb, struct dtb_node node, bool expensive,
			  const struct dtb_exercise *how)
{
	struct dtb_node child;
	uint32_t cells;

	CHECK(how, dtb_node_name(dtb, node) != NULL, "node without name", node.offset);
	exercise_props(dtb, node, how);
	if (dtb_first_child(dtb, node, &child) == ERR_OK)
		CHECK(how, child.offset > node.offset, "child before parent", node.offset);
	ignore(dtb_address_cells(dtb, node, &cells));
	ignore(dtb_size_cells(dtb, node, &cells));
	(void)dtb_node_enabled(dtb, node);
	(void)dtb_cpu_has_extension(dtb, node, "sstc");
	(void)dtb_cpu_has_extension(dtb, node, "d");
	if (expensive) {
		struct dtb_node controller;
		struct dtb_irq irq;

		exercise_expensive(dtb, node, how);
		ignore(dtb_interrupt_parent(dtb, node, &controller));
		for (uint32_t i = 0; i < 64 && dtb_interrupt(dtb, node, i, &irq) == ERR_OK; i++)
			CHECK(how, irq.cells <= DTB_IRQ_MAX_CELLS, "interrupt cells", node.offset);
	}
}

/* Whether a sibling before `node` under `parent` matches node's name as a
 * path component: then a lookup of node's path stops at that sibling. */
static bool shadowed(const struct dtb *dtb, struct dtb_node parent, struct dtb_node node)
{
	const char *name = dtb_node_name(dtb, node);
	struct dtb_node child;
	enum error err = dtb_first_child(dtb, parent, &child);

	while (err == ERR_OK && child.offset < node.offset) {
		const char *other = dtb_node_name(dtb, child);

		if (other != NULL && same_base(other, name))
			return true;
		err = dtb_next_sibling(dtb, child, &child);
	}
	return false;
}

/* dtb_find_path on the node's own path finds exactly it when no component
 * on the way is shadowed by an earlier sibling (libfdt takes the first
 * match and never backtracks), and without the last unit address finds a
 * node of the same base name when the ancestors are not shadowed. */
static void exercise_path(const struct dtb *dtb, struct dtb_node node, char *path,
			  bool ancestors_first, bool first, const struct dtb_exercise *how)
{
	const char *name = dtb_node_name(dtb, node);
	char *unitless = strchr(strrchr(path, '/'), '@');
	struct dtb_node found;
	enum error err;

	err = dtb_find_path(dtb, path, &found);
	if (ancestors_first && first)
		CHECK(how, err == ERR_OK && found.offset == node.offset,
		      "dtb_find_path misses the node's own path", node.offset);
	if (!ancestors_first)
		return;
	if (unitless != NULL && unitless[-1] != '/') {
		size_t base = (size_t)(strchr(name, '@') - name);

		*unitless = '\0';
		err = dtb_find_path(dtb, path, &found);
		CHECK(how,
		      err == ERR_OK && strncmp(dtb_node_name(dtb, found), name, base) == 0 &&
			  (dtb_node_name(dtb, found)[base] == '\0' ||
			   dtb_node_name(dtb, found)[base] == '@'),
		      "dtb_find_path without unit address", node.offset);
		*unitless = '@';
	}
}

/*
 * Depth-first walk by first_child / next_sibling with an explicit stack:
 * it must visit the same nodes in the same order as dtb_next_node. The
 * stack gives each node's path for free, so path lookups run here (on the
 * selected nodes) unless a name makes the path ambiguous ("/" inside, or
 * empty below the root).
 */
static void exercise_tree_walk(const struct dtb *dtb, const struct dtb_exercise *how)
{
	uint32_t max_depth = dtb->struct_size / 8 + 1;
	struct dtb_node *stack = xcalloc(max_depth, sizeof(*stack));
	size_t *ends = xcalloc(max_depth, sizeof(*ends)); /* path length per depth */
	char *path = xcalloc((size_t)dtb->struct_size + max_depth + 2, 1);
	bool *ambiguous = xcalloc(max_depth, sizeof(*ambiguous));
	bool *first = xcalloc(max_depth, sizeof(*first)); /* not shadowed, nor any ancestor */
	struct dtb_node doc = dtb_root(dtb);
	struct dtb_node next;
	uint32_t depth = 1;
	uint32_t index = 0;
	bool doc_done = false;

	stack[0] = dtb_root(dtb);
	while (depth > 0) {
		struct dtb_node node = stack[depth - 1];
		const char *name = dtb_node_name(dtb, node);

		CHECK(how, !doc_done && node.offset == doc.offset, "walks disagree", node.offset);
		doc_done = dtb_next_node(dtb, doc, &doc) != ERR_OK;

		/* This node's path: the parent's, "/", the name. */
		if (name == NULL)
			break; /* only when the blob changed since dtb_open */
		if (depth == 1) {
			strcpy(path, "/");
			ends[0] = 0;
			ambiguous[0] = false;
			first[0] = true;
		} else {
			size_t at = ends[depth - 2];

			path[at] = '/';
			strcpy(path + at + 1, name);
			ends[depth - 1] = at + 1 + strlen(name);
			ambiguous[depth - 1] =
			    ambiguous[depth - 2] || *name == '\0' || strchr(name, '/') != NULL;
			first[depth - 1] =
			    first[depth - 2] && !shadowed(dtb, stack[depth - 2], node);
			if (how->expensive_every != 0 &&
			    index % how->expensive_every == how->expensive_offset &&
			    !ambiguous[depth - 1])
				exercise_path(dtb, node, path, first[depth - 2], first[depth - 1],
					      how);
		}
		index++;

		if (dtb_first_child(dtb, node, &next) == ERR_OK && depth < max_depth) {
			stack[depth++] = next;
			continue;
		}
		while (depth > 0) {
			if (dtb_next_sibling(dtb, stack[depth - 1], &next) == ERR_OK && depth > 1) {
				stack[depth - 1] = next;
				break;
			}
			depth--;
		}
	}
	CHECK(how, doc_done, "dtb_next_node visits more nodes", doc.offset);
	free(first);
	free(ambiguous);
	free(path);
	free(ends);
	free(stack);
}

/* Ask with capacity 0, then exactly enough, then one short: the count
 * never changes and nothing is written past capacity. */
static void exercise_system(const struct dtb *dtb, const struct dtb_exercise *how)
{
	size_t count = 0, again = 0;
	const char *bootargs;
	uint64_t hz;

	if (dtb_memory_ranges(dtb, NULL, 0, &count) == ERR_OK && count < 100000) {
		struct dtb_range *ranges = xcalloc(count + 1, sizeof(*ranges));

		memset(ranges, 0xa5, (count + 1) * sizeof(*ranges));
		if (dtb_memory_ranges(dtb, ranges, count, &again) == ERR_OK)
			CHECK(how, again == count, "memory count changes", 0);
		CHECK(how, ranges[count].base == 0xa5a5a5a5a5a5a5a5u, "memory overrun", 0);
		free(ranges);
	}
	if (dtb_reserved_ranges(dtb, NULL, 0, &count) == ERR_OK && count < 100000) {
		struct dtb_range *ranges = xcalloc(count + 1, sizeof(*ranges));
		struct dtb_range entry;

		memset(ranges, 0xa5, (count + 1) * sizeof(*ranges));
		if (count > 0 && dtb_reserved_ranges(dtb, ranges, count - 1, &again) == ERR_OK)
			CHECK(how, again == count && ranges[count - 1].base == 0xa5a5a5a5a5a5a5a5u,
			      "reserved overrun", 0);
		if (dtb_reserved_ranges(dtb, ranges, count, &again) == ERR_OK)
			for (uint32_t i = 0; i < dtb->reserve_count && i < count; i++)
				CHECK(how,
				      dtb_reserve_entry(dtb, i, &entry) == ERR_OK &&
					  entry.base == ranges[i].base &&
					  entry.size == ranges[i].size,
				      "reserved ranges do not start with the block", 0);
		free(ranges);
	}
	if (dtb_cpus(dtb, NULL, 0, &count) == ERR_OK && count < 100000) {
		struct dtb_cpu *cpus = xcalloc(count + 1, sizeof(*cpus));

		if (dtb_cpus(dtb, cpus, count, &again) == ERR_OK) {
			CHECK(how, again == count, "cpu count changes", 0);
			for (size_t i = 0; i < count; i++)
				CHECK(how, dtb_node_enabled(dtb, cpus[i].node) == cpus[i].enabled,
				      "cpu enabled flag", cpus[i].node.offset);
		}
		free(cpus);
	}
	if (dtb_bootargs(dtb, &bootargs) == ERR_OK)
		CHECK(how, bootargs != NULL, "NULL bootargs", 0);
	ignore(dtb_timebase_frequency(dtb, &hz));
}

void dtb_exercise(const struct dtb *dtb, const struct dtb_exercise *how)
{
	struct dtb_node node = dtb_root(dtb);
	struct dtb_range range;
	uint32_t index = 0;
	enum error err;

	for (uint32_t i = 0; i < dtb->reserve_count; i++)
		CHECK(how, dtb_reserve_entry(dtb, i, &range) == ERR_OK, "reserve entry", 0);
	CHECK(how, dtb_reserve_entry(dtb, dtb->reserve_count, &range) == ERR_RANGE,
	      "reserve entry past the end", 0);

	do {
		bool expensive = how->expensive_every != 0 &&
				 index % how->expensive_every == how->expensive_offset;

		exercise_node(dtb, node, expensive, how);
		index++;
		err = dtb_next_node(dtb, node, &node);
	} while (err == ERR_OK);
	CHECK(how, err == ERR_FAILED_LOOKUP, "node walk ended in error", node.offset);

	exercise_tree_walk(dtb, how);
	exercise_system(dtb, how);
}
