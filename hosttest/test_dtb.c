/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/dtb.c, in one CMocka group:
 *
 *  - libfdt equivalence: for every blob named on the command line (QEMU virt
 *    dumps and the hosttest/dts/ sources, generated at build time), every
 *    node, property, path, compatible, cell count, reg entry and system
 *    query is compared with an answer computed by libfdt, once from an
 *    aligned copy and once from an odd address;
 *  - one hand-built blob per dtb_open() rejection, and one case per error
 *    each query can return;
 *  - robustness: every truncation of every blob, and seeded random
 *    corruptions (DTB_FUZZ_SEED, DTB_FUZZ_ITERATIONS), each in a buffer of
 *    exactly its size so that AddressSanitizer sees any over-read.
 */
#define _GNU_SOURCE /* strnlen, dup, memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "dtb.h"
#include "dtb_exercise.h"
#include "fake_arch.h"

#define MAX_BLOBS 32
#define MAX_DEPTH 256
#define PATH_MAX_LEN 8192

/* --- Blobs -------------------------------------------------------------- */

struct blob {
	const char *path;
	const char *name; /* file name, for test names and messages */
	uint8_t *data;    /* as generated (QEMU pads totalsize to 1 MiB) */
	size_t size;
	uint8_t *packed; /* fdt_pack()ed: the truncation and fuzz input */
	size_t packed_size;
};

static struct blob blobs[MAX_BLOBS];
static size_t blob_count;

static void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

/* A copy in a heap block of exactly `size` bytes (plus `skew` in front to
 * misalign it), so that reading one byte past the end is an ASan error. */
static uint8_t *exact_copy(const uint8_t *data, size_t size, size_t skew, uint8_t **block)
{
	*block = xmalloc(size + skew);
	if (size)
		memcpy(*block + skew, data, size);
	return *block + skew;
}

static void load_blob(struct blob *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	b->path = path;
	b->name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	b->size = (size_t)size;
	b->data = xmalloc(b->size);
	if (fread(b->data, 1, b->size, f) != b->size) {
		fprintf(stderr, "short read of %s\n", path);
		exit(1);
	}
	fclose(f);

	/* libfdt repacks without free space: smaller inputs for the tests
	 * that try every byte. */
	b->packed = xmalloc(b->size);
	if (fdt_open_into(b->data, b->packed, (int)b->size) != 0 || fdt_pack(b->packed) != 0) {
		fprintf(stderr, "libfdt cannot pack %s\n", path);
		exit(1);
	}
	b->packed_size = fdt_totalsize(b->packed);
}

/* --- Helpers --------------------------------------------------------------- */

#define assert_err(actual, expected) assert_err_((actual), (expected), __FILE__, __LINE__)

static void assert_err_(enum error actual, enum error expected, const char *file, int line)
{
	if (actual != expected) {
		print_error("%s:%d: got %s, expected %s\n", file, line, error_name(actual),
			    error_name(expected));
		_fail(file, line);
	}
}

static uint32_t be32(const void *p)
{
	return fdt32_ld((const fdt32_t *)p);
}

static uint64_t be64(const void *p)
{
	return fdt64_ld((const fdt64_t *)p);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* libfdt's "not found" and our ERR_FAILED_LOOKUP; any other libfdt error
 * is a malformation: ERR_INVALID_ARGUMENT. */
static enum error from_fdt(int ret)
{
	if (ret >= 0)
		return ERR_OK;
	return ret == -FDT_ERR_NOTFOUND ? ERR_FAILED_LOOKUP : ERR_INVALID_ARGUMENT;
}

/* --- The libfdt reference ---------------------------------------------- */

/* Whether a value's first string is `s`, as Linux reads status and
 * device_type. */
static bool ref_first_string_is(const void *value, int len, const char *s)
{
	size_t n = strlen(s);

	return value != NULL && (size_t)len > n && memcmp(value, s, n) == 0 &&
	       ((const char *)value)[n] == '\0';
}

static bool ref_enabled(const void *fdt, int node)
{
	int len;
	const void *status = fdt_getprop(fdt, node, "status", &len);

	return status == NULL || ref_first_string_is(status, len, "okay") ||
	       ref_first_string_is(status, len, "ok");
}

/* Entry `index` of node's reg, decoded with the cell counts of `bus`
 * (negative: no bus, the root). */
static enum error ref_reg(const void *fdt, int node, int bus, uint32_t index, struct dtb_range *out)
{
	int len, ac, sc;
	const uint8_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (reg == NULL)
		return ERR_FAILED_LOOKUP;
	if (bus < 0)
		return ERR_INVALID_ARGUMENT;
	ac = fdt_address_cells(fdt, bus);
	sc = fdt_size_cells(fdt, bus);
	if (ac < 0 || sc < 0 || ac > 2 || sc > 2)
		return ERR_INVALID_ARGUMENT;
	if (len % ((ac + sc) * 4) != 0)
		return ERR_INVALID_ARGUMENT;
	if (index >= (uint32_t)(len / ((ac + sc) * 4)))
		return ERR_RANGE;
	reg += index * (uint32_t)(ac + sc) * 4;
	out->base = ac == 2 ? be64(reg) : be32(reg);
	reg += ac * 4;
	out->size = sc == 2 ? be64(reg) : sc == 1 ? be32(reg) : 0;
	return ERR_OK;
}

/* Append every reg entry of node (with bus's cells) to out. */
static enum error ref_append_reg(const void *fdt, int node, int bus, struct dtb_range *out,
				 size_t *count)
{
	for (uint32_t i = 0;; i++) {
		struct dtb_range r;
		enum error err = ref_reg(fdt, node, bus, i, &r);

		if (err == ERR_RANGE || err == ERR_FAILED_LOOKUP)
			return ERR_OK;
		if (err != ERR_OK)
			return err;
		out[(*count)++] = r;
	}
}

#define REF_MAX 4096

static enum error ref_memory(const void *fdt, struct dtb_range *out, size_t *count)
{
	int depth = 0;

	*count = 0;
	for (int node = 0; node >= 0; node = fdt_next_node(fdt, node, &depth)) {
		int len, parent;
		const void *type = fdt_getprop(fdt, node, "device_type", &len);

		if (!ref_first_string_is(type, len, "memory") || !ref_enabled(fdt, node))
			continue;
		parent = fdt_parent_offset(fdt, node);
		if (parent < 0)
			continue; /* the root: no cells to decode its reg */
		if (ref_append_reg(fdt, node, parent, out, count) != ERR_OK)
			return ERR_INVALID_ARGUMENT;
	}
	return ERR_OK;
}

static enum error ref_reserved(const void *fdt, struct dtb_range *out, size_t *count)
{
	int bus, child;

	*count = 0;
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		assert_int_equal(fdt_get_mem_rsv(fdt, i, &out[*count].base, &out[*count].size), 0);
		(*count)++;
	}
	bus = fdt_path_offset(fdt, "/reserved-memory");
	if (bus < 0)
		return ERR_OK;
	fdt_for_each_subnode(child, fdt, bus)
	{
		if (ref_append_reg(fdt, child, bus, out, count) != ERR_OK)
			return ERR_INVALID_ARGUMENT;
	}
	return ERR_OK;
}

static enum error ref_cpus(const void *fdt, struct dtb_cpu *out, size_t *count)
{
	int bus = fdt_path_offset(fdt, "/cpus");
	int child;

	*count = 0;
	if (bus < 0)
		return ERR_OK;
	fdt_for_each_subnode(child, fdt, bus)
	{
		int len;
		const void *type = fdt_getprop(fdt, child, "device_type", &len);
		struct dtb_range r;

		if (!ref_first_string_is(type, len, "cpu"))
			continue;
		if (ref_reg(fdt, child, bus, 0, &r) != ERR_OK)
			return ERR_INVALID_ARGUMENT;
		out[*count].hart_id = r.base;
		out[*count].enabled = ref_enabled(fdt, child);
		out[*count].node.offset = (uint32_t)child;
		(*count)++;
	}
	return ERR_OK;
}

static enum error ref_bootargs(const void *fdt, const char **bootargs)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *value;
	int len;

	*bootargs = "";
	if (chosen < 0 || (value = fdt_getprop(fdt, chosen, "bootargs", &len)) == NULL)
		return ERR_OK;
	if (len == 0 || strnlen(value, (size_t)len) != (size_t)(len - 1))
		return ERR_INVALID_ARGUMENT;
	*bootargs = value;
	return ERR_OK;
}

static enum error ref_timebase(const void *fdt, uint64_t *hz)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	const void *value;
	int len;

	if (cpus < 0 || (value = fdt_getprop(fdt, cpus, "timebase-frequency", &len)) == NULL)
		return ERR_FAILED_LOOKUP;
	if (len == 4)
		*hz = be32(value);
	else if (len == 8)
		*hz = be64(value);
	else
		return ERR_INVALID_ARGUMENT;
	return ERR_OK;
}

/* --- libfdt equivalence ------------------------------------------------- */

static void check_prop_values(const struct dtb_prop *prop, const void *fdt, int node)
{
	int count = fdt_stringlist_count(fdt, node, prop->name);
	const char *s;
	uint32_t u32;
	uint64_t u64;
	uint32_t i;

	/* Cells. */
	for (i = 0; i < prop->len / 4; i++) {
		assert_err(dtb_prop_u32(prop, i, &u32), ERR_OK);
		assert_int_equal(u32, be32(prop->value + 4 * i));
		assert_err(dtb_prop_cells(prop, i, 1, &u64), ERR_OK);
		assert_int_equal(u64, u32);
		if (i + 1 < prop->len / 4) {
			assert_err(dtb_prop_cells(prop, i, 2, &u64), ERR_OK);
			assert_int_equal(u64, be64(prop->value + 4 * i));
		} else {
			assert_err(dtb_prop_cells(prop, i, 2, &u64), ERR_RANGE);
		}
	}
	assert_err(dtb_prop_u32(prop, i, &u32), ERR_RANGE);
	assert_err(dtb_prop_cells(prop, i, 1, &u64), ERR_RANGE);
	assert_err(dtb_prop_u32(prop, UINT32_MAX, &u32), ERR_RANGE);
	assert_err(dtb_prop_cells(prop, UINT32_MAX, 2, &u64), ERR_RANGE);
	assert_err(dtb_prop_cells(prop, 0, 0, &u64), ERR_INVALID_ARGUMENT);
	assert_err(dtb_prop_cells(prop, 0, 3, &u64), ERR_INVALID_ARGUMENT);

	/* Strings, against fdt_stringlist_*. */
	if (count >= 0) {
		for (i = 0; i < (uint32_t)count; i++) {
			const char *want = fdt_stringlist_get(fdt, node, prop->name, (int)i, NULL);

			assert_err(dtb_prop_string(prop, i, &s), ERR_OK);
			assert_ptr_equal(s, want);
			assert_true(dtb_prop_has_string(prop, want));
			assert_int_equal(fdt_stringlist_contains((const char *)prop->value,
								 (int)prop->len, want),
					 1);
		}
		assert_err(dtb_prop_string(prop, i, &s), ERR_RANGE);
		if (prop->len > 0) { /* libfdt reads a byte past an empty value */
			assert_false(dtb_prop_has_string(prop, "no-such-string"));
			assert_int_equal(fdt_stringlist_contains((const char *)prop->value,
								 (int)prop->len, "no-such-string"),
					 0);
		}
	} else {
		/* Not a list of terminated strings. The terminated pieces
		 * are still found; the unterminated tail never is. */
		size_t pos = 0;

		assert_int_equal(count, -FDT_ERR_BADVALUE);
		assert_err(dtb_prop_string(prop, 0, &s), ERR_INVALID_ARGUMENT);
		while (pos < prop->len) {
			const char *piece = (const char *)prop->value + pos;
			size_t n = strnlen(piece, prop->len - pos);

			if (n == prop->len - pos) {
				char tail[64];

				/* Unless the same text is also a terminated piece. */
				if (n < sizeof(tail)) {
					memcpy(tail, piece, n);
					tail[n] = '\0';
					if (memmem(prop->value, pos, tail, n + 1) == NULL &&
					    !(n == 0 && pos > 0))
						assert_false(dtb_prop_has_string(prop, tail));
				}
				break;
			}
			assert_true(dtb_prop_has_string(prop, piece));
			pos += n + 1;
		}
	}
}

static void check_props(const struct dtb *dtb, const void *fdt, int node)
{
	struct dtb_node n = { (uint32_t)node };
	struct dtb_prop prop, named;
	int offset = fdt_first_property_offset(fdt, node);
	enum error err = dtb_first_prop(dtb, n, &prop);

	for (; offset >= 0; offset = fdt_next_property_offset(fdt, offset)) {
		const char *name;
		int len;
		const void *value = fdt_getprop_by_offset(fdt, offset, &name, &len);

		assert_err(err, ERR_OK);
		assert_int_equal(prop.offset, offset);
		assert_string_equal(prop.name, name);
		assert_int_equal(prop.len, len);
		assert_ptr_equal(prop.value, value);
		check_prop_values(&prop, fdt, node);

		assert_err(dtb_get_prop(dtb, n, name, &named), ERR_OK);
		assert_ptr_equal(named.value, fdt_getprop(fdt, node, name, &len));
		assert_int_equal(named.len, len);
		err = dtb_next_prop(dtb, &prop, &prop);
	}
	assert_int_equal(offset, -FDT_ERR_NOTFOUND);
	assert_err(err, ERR_FAILED_LOOKUP);
	assert_err(dtb_get_prop(dtb, n, "no-such-property", &named), ERR_FAILED_LOOKUP);
}

/* Our lookup of `path` agrees with fdt_path_offset's. */
static void check_path(const struct dtb *dtb, const void *fdt, const char *path)
{
	struct dtb_node found;
	int want = fdt_path_offset(fdt, path);
	enum error err = dtb_find_path(dtb, path, &found);

	if (want >= 0) {
		if (err != ERR_OK || found.offset != (uint32_t)want)
			print_error("path %s: libfdt %d, dtb %s %u\n", path, want, error_name(err),
				    found.offset);
		assert_err(err, ERR_OK);
		assert_int_equal(found.offset, want);
	} else {
		assert_int_equal(want, -FDT_ERR_NOTFOUND);
		assert_err(err, ERR_FAILED_LOOKUP);
	}
}

static void check_paths(const struct dtb *dtb, const void *fdt, int node, const char *path)
{
	char variant[PATH_MAX_LEN];
	size_t j = 0;
	bool skip = false;

	check_path(dtb, fdt, path);
	assert_true(strlen(path) + 2 < sizeof(variant));
	snprintf(variant, sizeof(variant), "%s/", path);
	check_path(dtb, fdt, variant);

	/* Without any unit addresses: the first node with the base name. */
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '/')
			skip = false;
		else if (*p == '@')
			skip = true;
		if (!skip)
			variant[j++] = *p;
	}
	variant[j] = '\0';
	check_path(dtb, fdt, variant);

	/* Doubled separators are ignored, as libfdt ignores them. */
	j = 0;
	for (const char *p = path; *p != '\0' && j + 2 < sizeof(variant); p++) {
		variant[j++] = *p;
		if (*p == '/')
			variant[j++] = '/';
	}
	variant[j] = '\0';
	check_path(dtb, fdt, variant);
	(void)node;
}

static void check_node(const struct dtb *dtb, const void *fdt, int node, const char *path)
{
	struct dtb_node n = { (uint32_t)node }, other;
	struct dtb_range range;
	int parent = fdt_parent_offset(fdt, node);
	int want;
	uint32_t cells;

	assert_string_equal(dtb_node_name(dtb, n), fdt_get_name(fdt, node, NULL));
	assert_ptr_equal(dtb_node_name(dtb, n), fdt_get_name(fdt, node, NULL));

	if (node == 0) {
		assert_err(dtb_parent(dtb, n, &other), ERR_FAILED_LOOKUP);
		assert_err(dtb_next_sibling(dtb, n, &other), ERR_FAILED_LOOKUP);
	} else {
		assert_true(parent >= 0);
		assert_err(dtb_parent(dtb, n, &other), ERR_OK);
		assert_int_equal(other.offset, parent);
		want = fdt_next_subnode(fdt, node);
		assert_err(dtb_next_sibling(dtb, n, &other), from_fdt(want));
		if (want >= 0)
			assert_int_equal(other.offset, want);
	}
	want = fdt_first_subnode(fdt, node);
	assert_err(dtb_first_child(dtb, n, &other), from_fdt(want));
	if (want >= 0)
		assert_int_equal(other.offset, want);

	check_props(dtb, fdt, node);
	check_paths(dtb, fdt, node, path);

	want = fdt_address_cells(fdt, node);
	assert_err(dtb_address_cells(dtb, n, &cells), from_fdt(want));
	if (want >= 0)
		assert_int_equal(cells, want);
	want = fdt_size_cells(fdt, node);
	assert_err(dtb_size_cells(dtb, n, &cells), from_fdt(want));
	if (want >= 0)
		assert_int_equal(cells, want);

	for (uint32_t i = 0;; i++) {
		struct dtb_range expected;
		enum error err = ref_reg(fdt, node, parent, i, &expected);

		assert_err(dtb_reg(dtb, n, i, &range), err);
		if (err != ERR_OK)
			break;
		assert_int_equal(range.base, expected.base);
		assert_int_equal(range.size, expected.size);
	}
	assert_int_equal(dtb_node_enabled(dtb, n), ref_enabled(fdt, node));
}

/* Every node in document order, with its full path. */
static void check_nodes(const struct dtb *dtb, const void *fdt)
{
	static char path[PATH_MAX_LEN];
	size_t ends[MAX_DEPTH + 1];
	struct dtb_node ours = dtb_root(dtb);
	int depth = 0;
	int node = 0;
	size_t nodes = 0;

	assert_int_equal(ours.offset, 0);
	ends[0] = 0;
	while (node >= 0) {
		struct dtb_node next;
		int next_depth = depth;
		int next_node;

		assert_true(depth <= MAX_DEPTH);
		if (depth == 0) {
			strcpy(path, "/");
		} else {
			const char *name = fdt_get_name(fdt, node, NULL);

			assert_true(ends[depth - 1] + strlen(name) + 2 < sizeof(path));
			path[ends[depth - 1]] = '/';
			strcpy(path + ends[depth - 1] + 1, name);
			ends[depth] = strlen(path);
		}
		assert_int_equal(ours.offset, node);
		check_node(dtb, fdt, node, path);
		nodes++;

		/* libfdt leaves the root with depth -1 and a token offset. */
		next_node = fdt_next_node(fdt, node, &next_depth);
		if (next_depth < 0)
			next_node = -FDT_ERR_NOTFOUND;
		assert_err(dtb_next_node(dtb, ours, &next), from_fdt(next_node));
		ours = next;
		node = next_node;
		depth = next_depth;
	}
	assert_int_equal(node, -FDT_ERR_NOTFOUND);
	assert_true(nodes > 0);
}

/* Every compatible string in the blob: the same sequence of matches. */
static void check_compatibles(const struct dtb *dtb, const void *fdt)
{
	int depth = 0;
	size_t strings = 0;

	for (int node = 0; node >= 0; node = fdt_next_node(fdt, node, &depth)) {
		int count = fdt_stringlist_count(fdt, node, "compatible");

		for (int i = 0; i < count; i++) {
			const char *compat = fdt_stringlist_get(fdt, node, "compatible", i, NULL);
			struct dtb_node found;
			enum error err = dtb_find_compatible(dtb, NULL, compat, &found);
			int want = fdt_node_offset_by_compatible(fdt, -1, compat);
			size_t matches = 0;

			while (want >= 0) {
				assert_err(err, ERR_OK);
				assert_int_equal(found.offset, want);
				matches++;
				want = fdt_node_offset_by_compatible(fdt, want, compat);
				err = dtb_find_compatible(dtb, &found, compat, &found);
			}
			assert_int_equal(want, -FDT_ERR_NOTFOUND);
			assert_err(err, ERR_FAILED_LOOKUP);
			assert_true(matches > 0);
			strings++;
		}
	}
	{
		struct dtb_node found;

		assert_err(dtb_find_compatible(dtb, NULL, "kestrel,no-such-device", &found),
			   ERR_FAILED_LOOKUP);
	}
	(void)strings;
}

/* Query with every capacity from 0 to count + 1: the count never changes,
 * the first `capacity` entries are the reference's, nothing beyond is
 * written. */
static void check_ranges(enum error (*query)(const struct dtb *, struct dtb_range *, size_t,
					     size_t *),
			 const struct dtb *dtb, enum error want_err, const struct dtb_range *want,
			 size_t want_count)
{
	struct dtb_range got[REF_MAX + 1];
	size_t count = 12345;

	assert_err(query(dtb, NULL, 0, &count), want_err);
	if (want_err != ERR_OK) {
		assert_int_equal(count, 12345); /* unchanged on error */
		return;
	}
	assert_int_equal(count, want_count);
	for (size_t capacity = 0; capacity <= want_count + 1 && capacity < REF_MAX; capacity++) {
		memset(got, 0xa5, sizeof(got[0]) * (capacity + 1));
		count = 0;
		assert_err(query(dtb, capacity ? got : NULL, capacity, &count), ERR_OK);
		assert_int_equal(count, want_count);
		for (size_t i = 0; i < capacity && i < want_count; i++) {
			assert_int_equal(got[i].base, want[i].base);
			assert_int_equal(got[i].size, want[i].size);
		}
		for (size_t i = want_count < capacity ? want_count : capacity; i <= capacity; i++)
			assert_int_equal(got[i].base, 0xa5a5a5a5a5a5a5a5u);
	}
}

static void check_system(const struct dtb *dtb, const void *fdt)
{
	static struct dtb_range want[REF_MAX];
	static struct dtb_cpu want_cpus[REF_MAX], got_cpus[REF_MAX + 1];
	const char *want_args, *got_args = NULL;
	uint64_t want_hz = 0, got_hz = 0;
	size_t want_count, count = 777;
	enum error err;

	err = ref_memory(fdt, want, &want_count);
	check_ranges(dtb_memory_ranges, dtb, err, want, want_count);
	err = ref_reserved(fdt, want, &want_count);
	check_ranges(dtb_reserved_ranges, dtb, err, want, want_count);

	err = ref_cpus(fdt, want_cpus, &want_count);
	assert_err(dtb_cpus(dtb, NULL, 0, &count), err);
	if (err == ERR_OK) {
		assert_int_equal(count, want_count);
		memset(got_cpus, 0xa5, sizeof(got_cpus));
		assert_err(dtb_cpus(dtb, got_cpus, want_count + 1, &count), ERR_OK);
		for (size_t i = 0; i < want_count; i++) {
			assert_int_equal(got_cpus[i].hart_id, want_cpus[i].hart_id);
			assert_int_equal(got_cpus[i].enabled, want_cpus[i].enabled);
			assert_int_equal(got_cpus[i].node.offset, want_cpus[i].node.offset);
		}
		assert_int_equal(got_cpus[want_count].node.offset, 0xa5a5a5a5u);
		if (want_count > 0) {
			memset(got_cpus, 0xa5, sizeof(got_cpus));
			assert_err(dtb_cpus(dtb, got_cpus, want_count - 1, &count), ERR_OK);
			assert_int_equal(count, want_count);
			assert_int_equal(got_cpus[want_count - 1].node.offset, 0xa5a5a5a5u);
		}
	} else {
		assert_int_equal(count, 777);
	}

	err = ref_bootargs(fdt, &want_args);
	assert_err(dtb_bootargs(dtb, &got_args), err);
	if (err == ERR_OK)
		assert_string_equal(got_args, want_args);
	else
		assert_null(got_args);

	err = ref_timebase(fdt, &want_hz);
	assert_err(dtb_timebase_frequency(dtb, &got_hz), err);
	assert_int_equal(got_hz, want_hz);
}

static void check_header(const struct dtb *dtb, const void *fdt)
{
	struct dtb_range range;
	uint32_t size;

	assert_ptr_equal(dtb->blob, fdt);
	assert_int_equal(dtb->size, fdt_totalsize(fdt));
	assert_int_equal(dtb->version, fdt_version(fdt));
	assert_int_equal(dtb->boot_cpuid, fdt_boot_cpuid_phys(fdt));
	assert_int_equal(dtb->struct_offset, fdt_off_dt_struct(fdt));
	assert_int_equal(dtb->struct_size, fdt_size_dt_struct(fdt));
	assert_int_equal(dtb->strings_offset, fdt_off_dt_strings(fdt));
	assert_int_equal(dtb->strings_size, fdt_size_dt_strings(fdt));
	assert_int_equal(dtb->reserve_offset, fdt_off_mem_rsvmap(fdt));
	assert_int_equal(dtb->reserve_count, fdt_num_mem_rsv(fdt));
	for (uint32_t i = 0; i < dtb->reserve_count; i++) {
		uint64_t base, len;

		assert_int_equal(fdt_get_mem_rsv(fdt, (int)i, &base, &len), 0);
		assert_err(dtb_reserve_entry(dtb, i, &range), ERR_OK);
		assert_int_equal(range.base, base);
		assert_int_equal(range.size, len);
	}
	assert_err(dtb_reserve_entry(dtb, dtb->reserve_count, &range), ERR_RANGE);
	assert_err(dtb_peek_size(fdt, 8, &size), ERR_OK);
	assert_int_equal(size, fdt_totalsize(fdt));
}

static void check_against_libfdt(const uint8_t *data, size_t size)
{
	struct dtb dtb;

	assert_int_equal(fdt_check_full(data, size), 0);
	assert_err(dtb_open(&dtb, data, size), ERR_OK);
	check_header(&dtb, data);
	check_nodes(&dtb, data);
	check_compatibles(&dtb, data);
	check_system(&dtb, data);
}

/* Two readers of copies of one blob give the same answers, pointers taken
 * relative to each copy. libfdt 1.6 refuses blobs that are not 8-byte
 * aligned (FDT_ERR_ALIGNMENT), so a misaligned copy is checked against an
 * aligned one that was checked against libfdt. */
static void check_same_answers(const struct dtb *a, const struct dtb *b)
{
	struct dtb_node na = dtb_root(a), nb = dtb_root(b);
	enum error ea, eb;

	do {
		struct dtb_prop pa, pb;
		struct dtb_node oa, ob;
		struct dtb_range ra, rb;
		uint32_t ca = 0, cb = 0;

		assert_int_equal(na.offset, nb.offset);
		assert_string_equal(dtb_node_name(a, na), dtb_node_name(b, nb));
		ea = dtb_first_prop(a, na, &pa);
		eb = dtb_first_prop(b, nb, &pb);
		while (ea == ERR_OK && eb == ERR_OK) {
			assert_int_equal(pa.offset, pb.offset);
			assert_string_equal(pa.name, pb.name);
			assert_int_equal(pa.len, pb.len);
			assert_memory_equal(pa.value, pb.value, pa.len);
			assert_int_equal(pa.value - a->blob, pb.value - b->blob);
			ea = dtb_next_prop(a, &pa, &pa);
			eb = dtb_next_prop(b, &pb, &pb);
		}
		assert_err(ea, eb);
		assert_err(dtb_parent(a, na, &oa), dtb_parent(b, nb, &ob));
		assert_err(dtb_first_child(a, na, &oa), dtb_first_child(b, nb, &ob));
		assert_err(dtb_next_sibling(a, na, &oa), dtb_next_sibling(b, nb, &ob));
		assert_err(dtb_address_cells(a, na, &ca), dtb_address_cells(b, nb, &cb));
		assert_int_equal(ca, cb);
		for (uint32_t i = 0;; i++) {
			ea = dtb_reg(a, na, i, &ra);
			assert_err(dtb_reg(b, nb, i, &rb), ea);
			if (ea != ERR_OK)
				break;
			assert_memory_equal(&ra, &rb, sizeof(ra));
		}
		ea = dtb_next_node(a, na, &na);
		assert_err(dtb_next_node(b, nb, &nb), ea);
	} while (ea == ERR_OK);
}

static void check_same_system_answers(const struct dtb *a, const struct dtb *b)
{
	static struct dtb_range ra[64], rb[64];
	static struct dtb_cpu qa[64], qb[64];
	size_t na = 0, nb = 0;
	const char *sa = NULL, *sb = NULL;
	uint64_t ha = 0, hb = 0;

	assert_err(dtb_memory_ranges(a, ra, 64, &na), dtb_memory_ranges(b, rb, 64, &nb));
	assert_int_equal(na, nb);
	assert_memory_equal(ra, rb, sizeof(ra[0]) * (na < 64 ? na : 64));
	assert_err(dtb_reserved_ranges(a, ra, 64, &na), dtb_reserved_ranges(b, rb, 64, &nb));
	assert_int_equal(na, nb);
	assert_memory_equal(ra, rb, sizeof(ra[0]) * (na < 64 ? na : 64));
	assert_err(dtb_cpus(a, qa, 64, &na), dtb_cpus(b, qb, 64, &nb));
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na && i < 64; i++) {
		assert_int_equal(qa[i].hart_id, qb[i].hart_id);
		assert_int_equal(qa[i].enabled, qb[i].enabled);
		assert_int_equal(qa[i].node.offset, qb[i].node.offset);
	}
	assert_err(dtb_bootargs(a, &sa), dtb_bootargs(b, &sb));
	if (sa != NULL)
		assert_string_equal(sa, sb);
	assert_err(dtb_timebase_frequency(a, &ha), dtb_timebase_frequency(b, &hb));
	assert_int_equal(ha, hb);
}

/* One test per blob: the blob as generated, its packed form, and the
 * packed form at every odd address (dtb.c reads bytewise; UBSan would flag
 * a misaligned load). */
static void test_libfdt_equivalence(void **state)
{
	const struct blob *b = *state;
	uint8_t *block, *aligned_block;
	const uint8_t *copy = exact_copy(b->data, b->size, 0, &block);
	const uint8_t *aligned;
	struct dtb dtb, skewed;

	check_against_libfdt(copy, b->size);
	free(block);
	aligned = exact_copy(b->packed, b->packed_size, 0, &aligned_block);
	check_against_libfdt(aligned, b->packed_size);
	assert_err(dtb_open(&dtb, aligned, b->packed_size), ERR_OK);
	for (size_t skew = 1; skew < 8; skew++) {
		copy = exact_copy(b->packed, b->packed_size, skew, &block);
		assert_err(dtb_open(&skewed, copy, b->packed_size), ERR_OK);
		check_same_answers(&dtb, &skewed);
		check_same_system_answers(&dtb, &skewed);
		free(block);
	}
	free(aligned_block);
}

/* The blobs are what the brief says they are (so that the comparisons
 * above are not vacuous): several memory ranges, reservations from both
 * sources, disabled cpus, one-cell and two-cell buses, deep nesting. */
static const struct blob *find_blob(const char *name)
{
	for (size_t i = 0; i < blob_count; i++)
		if (strcmp(blobs[i].name, name) == 0)
			return &blobs[i];
	print_error("blob %s was not passed to the test\n", name);
	fail();
	return NULL;
}

static struct dtb open_blob(const char *name)
{
	const struct blob *b = find_blob(name);
	struct dtb dtb;

	assert_err(dtb_open(&dtb, b->data, b->size), ERR_OK);
	return dtb;
}

static void test_blob_contents(void **state)
{
	struct dtb dtb;
	struct dtb_range ranges[16];
	struct dtb_cpu cpus[16];
	struct dtb_node node;
	size_t count;
	const char *args;
	uint64_t hz;
	(void)state;

	dtb = open_blob("virt-smp8-3G.dtb");
	assert_err(dtb_cpus(&dtb, cpus, 16, &count), ERR_OK);
	assert_int_equal(count, 8);
	assert_int_equal(cpus[7].hart_id, 7);
	assert_err(dtb_memory_ranges(&dtb, ranges, 16, &count), ERR_OK);
	assert_int_equal(count, 1); /* QEMU 7.2: -m 3G is still one range */
	assert_int_equal(ranges[0].base, 0x80000000u);
	assert_int_equal(ranges[0].size, 3ull << 30);
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_OK);
	assert_int_equal(hz, 10000000);
	assert_err(dtb_find_path(&dtb, "/soc/test", &node), ERR_OK);
	assert_err(dtb_find_compatible(&dtb, NULL, "sifive,test0", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 0, &ranges[0]), ERR_OK);
	assert_int_equal(ranges[0].base, 0x100000);

	dtb = open_blob("virt-numa.dtb");
	assert_err(dtb_memory_ranges(&dtb, ranges, 16, &count), ERR_OK);
	assert_int_equal(count, 2);
	assert_int_equal(ranges[1].base, 0xc0000000u);

	dtb = open_blob("reserved.dtb");
	assert_err(dtb_memory_ranges(&dtb, ranges, 16, &count), ERR_OK);
	assert_int_equal(count, 4); /* two nodes of one range, one of two; one disabled */
	assert_err(dtb_reserved_ranges(&dtb, ranges, 16, &count), ERR_OK);
	assert_int_equal(count, 3 + 1 + 2 + 1);
	assert_int_equal(ranges[2].base, 0xfffff000u);
	assert_err(dtb_cpus(&dtb, cpus, 16, &count), ERR_OK);
	assert_int_equal(count, 4);
	assert_true(cpus[0].enabled && !cpus[1].enabled && !cpus[2].enabled && cpus[3].enabled);
	assert_err(dtb_bootargs(&dtb, &args), ERR_OK);
	assert_string_equal(args, "console=ttyS0 root=/dev/vda rw");

	dtb = open_blob("cells.dtb");
	assert_err(dtb_cpus(&dtb, cpus, 16, &count), ERR_OK);
	assert_int_equal(count, 3);
	assert_int_equal(cpus[0].hart_id, 0x100000000u);
	assert_true(cpus[1].enabled && !cpus[2].enabled); /* "ok\0xy", "okayish" */
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_OK);
	assert_int_equal(hz, 0x123456789u);
	assert_err(dtb_find_path(&dtb, "/narrow-bus/test", &node), ERR_OK);
	assert_string_equal(dtb_node_name(&dtb, node), "test@2"); /* first match */
	assert_err(dtb_find_path(&dtb, "/narrow-bus/test@1", &node), ERR_OK);
	assert_string_equal(dtb_node_name(&dtb, node), "test@1");
	assert_err(dtb_find_path(&dtb, "/defaults-bus/dev", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 1, &ranges[0]), ERR_OK);
	assert_int_equal(ranges[0].base, 0x100002000u);
	assert_int_equal(ranges[0].size, 0x200);
	assert_err(dtb_bootargs(&dtb, &args), ERR_OK);
	assert_string_equal(args, "");

	dtb = open_blob("deep.dtb");
	assert_err(dtb_find_path(&dtb,
				 "/level1/level2/level3/level4/level5/level6/level7/"
				 "level8/level9/level10/level11/level12/level13/level14/"
				 "level15/level16/level17/level18/level19/level20/level21/"
				 "level22/level23/level24/level25/level26/level27/level28/"
				 "level29/level30/level31/level32/level33/level34/level35/"
				 "level36/level37/level38/level39/level40/level41/level42/"
				 "level43/level44/level45/level46/level47/level48/level49/"
				 "level50/level51/level52/level53/level54/level55/level56/"
				 "level57/level58/level59/level60/level61/level62/level63/"
				 "level64/level65/level66/level67/level68/level69/level70/"
				 "level71/level72/level73/level74/level75/level76/level77/"
				 "level78/level79/level80/level81/level82/level83/level84/"
				 "level85/level86/level87/level88/level89/level90/level91/"
				 "level92/level93/level94/level95/level96/level97/level98/"
				 "level99/level100/sibling-100",
				 &node),
		   ERR_OK);
	assert_string_equal(dtb_node_name(&dtb, node), "sibling-100");

	dtb = open_blob("minimal.dtb");
	assert_err(dtb_memory_ranges(&dtb, NULL, 0, &count), ERR_OK);
	assert_int_equal(count, 0);
	assert_err(dtb_cpus(&dtb, NULL, 0, &count), ERR_OK);
	assert_int_equal(count, 0);
	assert_err(dtb_reserved_ranges(&dtb, NULL, 0, &count), ERR_OK);
	assert_int_equal(count, 0);
	assert_err(dtb_bootargs(&dtb, &args), ERR_OK);
	assert_string_equal(args, "");
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_FAILED_LOOKUP);
}

/* --- A blob builder for the error cases -------------------------------- */

struct builder {
	uint8_t structure[1024];
	uint32_t struct_len;
	char strings[256];
	uint32_t strings_len;
	uint64_t rsv[8][2];
	uint32_t rsv_count;
	uint32_t last_value; /* struct offset of the last property's value */
	uint32_t zeros;      /* struct offset of b_good_tree's 24 zero bytes */
};

static void b_word(struct builder *b, uint32_t v)
{
	assert_true(b->struct_len + 4 <= sizeof(b->structure));
	put_be32(b->structure + b->struct_len, v);
	b->struct_len += 4;
}

static void b_bytes(struct builder *b, const void *data, uint32_t len)
{
	assert_true(b->struct_len + len + 3 <= sizeof(b->structure));
	memcpy(b->structure + b->struct_len, data, len);
	b->struct_len += len;
	while (b->struct_len % 4 != 0)
		b->structure[b->struct_len++] = 0;
}

static void b_begin(struct builder *b, const char *name)
{
	b_word(b, FDT_BEGIN_NODE);
	b_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static uint32_t b_string(struct builder *b, const char *name)
{
	uint32_t len = (uint32_t)strlen(name) + 1;

	for (uint32_t off = 0; off < b->strings_len; off += (uint32_t)strlen(b->strings + off) + 1)
		if (strcmp(b->strings + off, name) == 0)
			return off;
	assert_true(b->strings_len + len <= sizeof(b->strings));
	memcpy(b->strings + b->strings_len, name, len);
	b->strings_len += len;
	return b->strings_len - len;
}

static void b_prop_at(struct builder *b, uint32_t nameoff, const void *value, uint32_t len)
{
	b_word(b, FDT_PROP);
	b_word(b, len);
	b_word(b, nameoff);
	b->last_value = b->struct_len;
	b_bytes(b, value, len);
}

static void b_prop(struct builder *b, const char *name, const void *value, uint32_t len)
{
	b_prop_at(b, b_string(b, name), value, len);
}

static void b_prop_str(struct builder *b, const char *name, const char *s)
{
	b_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void b_prop_u32(struct builder *b, const char *name, uint32_t v)
{
	uint8_t cell[4];

	put_be32(cell, v);
	b_prop(b, name, cell, 4);
}

static void b_end_node(struct builder *b)
{
	b_word(b, FDT_END_NODE);
}

/* Header offsets for patching. */
enum {
	H_MAGIC = 0,
	H_TOTALSIZE = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_BOOT_CPUID = 28,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
};

/* Lay out header | reservations | structure | strings | `slack` bytes,
 * in a heap block of exactly totalsize bytes. */
static uint8_t *b_finish(const struct builder *b, size_t slack, size_t *size)
{
	uint32_t rsv_off = 40;
	uint32_t struct_off = rsv_off + (b->rsv_count + 1) * 16;
	uint32_t strings_off = struct_off + b->struct_len;
	uint32_t total = strings_off + b->strings_len + (uint32_t)slack;
	uint8_t *blob = xmalloc(total);

	memset(blob, 0, total);
	put_be32(blob + H_MAGIC, FDT_MAGIC);
	put_be32(blob + H_TOTALSIZE, total);
	put_be32(blob + H_OFF_STRUCT, struct_off);
	put_be32(blob + H_OFF_STRINGS, strings_off);
	put_be32(blob + H_OFF_RSVMAP, rsv_off);
	put_be32(blob + H_VERSION, 17);
	put_be32(blob + H_LAST_COMP, 16);
	put_be32(blob + H_BOOT_CPUID, 0);
	put_be32(blob + H_SIZE_STRINGS, b->strings_len);
	put_be32(blob + H_SIZE_STRUCT, b->struct_len);
	for (uint32_t i = 0; i < b->rsv_count; i++) {
		put_be64(blob + rsv_off + 16 * i, b->rsv[i][0]);
		put_be64(blob + rsv_off + 16 * i + 8, b->rsv[i][1]);
	}
	memcpy(blob + struct_off, b->structure, b->struct_len);
	memcpy(blob + strings_off, b->strings, b->strings_len);
	*size = total;
	return blob;
}

/* A small well-formed tree with a bit of everything the queries read. */
static void b_good_tree(struct builder *b)
{
	static const uint8_t zeros[24];
	uint8_t reg[12];

	b->rsv[0][0] = 0x80000000;
	b->rsv[0][1] = 0x1000;
	b->rsv_count = 1;
	b_begin(b, "");
	b_prop_u32(b, "#address-cells", 2);
	b_prop_u32(b, "#size-cells", 1);
	b_prop_str(b, "compatible", "kestrel,good");
	b_prop(b, "zeros", zeros, sizeof(zeros));
	b->zeros = b->last_value;
	b_begin(b, "chosen");
	b_prop_str(b, "bootargs", "quiet");
	b_end_node(b);
	b_begin(b, "cpus");
	b_prop_u32(b, "#address-cells", 1);
	b_prop_u32(b, "#size-cells", 0);
	b_prop_u32(b, "timebase-frequency", 10000000);
	b_begin(b, "cpu@0");
	b_prop_str(b, "device_type", "cpu");
	b_prop_u32(b, "reg", 0);
	b_end_node(b);
	b_end_node(b);
	b_begin(b, "memory@80000000");
	b_prop_str(b, "device_type", "memory");
	put_be32(reg, 0);
	put_be32(reg + 4, 0x80000000);
	put_be32(reg + 8, 0x1000000);
	b_prop(b, "reg", reg, sizeof(reg));
	b_end_node(b);
	b_end_node(b);
	b_word(b, FDT_END);
}

static uint8_t *good_blob(size_t *size)
{
	struct builder b = { 0 };

	b_good_tree(&b);
	return b_finish(&b, 0, size);
}

/* dtb_open on a private exact-size copy; on success every query runs and
 * must agree with itself. */
static void exercise_fail(const char *what, uint32_t node)
{
	print_error("dtb_exercise: %s (node at %u)\n", what, node);
	fail();
}

static const struct dtb_exercise exercise_strict = {
	.strict = true,
	.expensive_every = 1,
	.expensive_offset = 0,
	.fail = exercise_fail,
};

static enum error open_and_exercise(const uint8_t *blob, size_t size)
{
	uint8_t *block;
	const uint8_t *copy = exact_copy(blob, size, 0, &block);
	struct dtb dtb;
	enum error err = dtb_open(&dtb, copy, size);

	if (err == ERR_OK)
		dtb_exercise(&dtb, &exercise_strict);
	free(block);
	return err;
}

static void expect_open(const struct builder *b, enum error want)
{
	size_t size;
	uint8_t *blob = b_finish(b, 0, &size);

	assert_err(open_and_exercise(blob, size), want);
	free(blob);
}

/* --- dtb_open: every rejection ------------------------------------------ */

static void test_open_accepts_built_blob(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	uint8_t *block;
	const uint8_t *copy;
	(void)state;

	check_against_libfdt(blob, size);
	/* At every misalignment of the blob's address. */
	for (size_t skew = 1; skew < 8; skew++) {
		struct dtb dtb;

		copy = exact_copy(blob, size, skew, &block);
		assert_err(dtb_open(&dtb, copy, size), ERR_OK);
		dtb_exercise(&dtb, &exercise_strict);
		free(block);
	}
	/* The buffer may be larger than totalsize. */
	block = xmalloc(size + 100);
	memset(block, 0, size + 100);
	copy = block;
	{
		struct dtb dtb;

		memcpy(block, blob, size);
		assert_err(dtb_open(&dtb, copy, size + 100), ERR_OK);
		assert_int_equal(dtb.size, size);
	}
	free(block);
	free(blob);
}

static void test_open_truncated_header(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	(void)state;

	for (size_t len = 0; len < 40; len++)
		assert_err(open_and_exercise(blob, len), ERR_TRUNCATED_MESSAGE);
	/* A version-16 header is 36 bytes: 36..39 pass the header check and
	 * fail on totalsize instead. */
	put_be32(blob + H_VERSION, 16);
	assert_err(open_and_exercise(blob, 35), ERR_TRUNCATED_MESSAGE);
	assert_err(open_and_exercise(blob, 36), ERR_TRUNCATED_MESSAGE);
	free(blob);
}

static void test_open_bad_magic(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	(void)state;

	for (int byte = 0; byte < 4; byte++) {
		blob[byte] ^= 0x01;
		assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
		assert_err(open_and_exercise(blob, 4), ERR_INVALID_ARGUMENT);
		blob[byte] ^= 0x01;
	}
	put_be32(blob, 0xedfe0dd0); /* little-endian magic */
	assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
	free(blob);
}

static void test_open_versions(void **state)
{
	static const struct {
		uint32_t version, last_comp;
		enum error want;
	} cases[] = {
		{ 17, 16, ERR_OK },
		{ 17, 17, ERR_OK }, /* spec 5.1: backwards compatible with 17 */
		{ 16, 16, ERR_OK },
		{ 20, 16, ERR_OK }, /* a later version readable by a v17 reader */
		{ 15, 15, ERR_INVALID_ARGUMENT },
		{ 1, 1, ERR_INVALID_ARGUMENT },
		{ 17, 18, ERR_INVALID_ARGUMENT },
		{ 16, 17, ERR_INVALID_ARGUMENT }, /* last_comp above version */
		{ 0xffffffff, 0xffffffff, ERR_INVALID_ARGUMENT },
	};
	size_t size;
	uint8_t *blob = good_blob(&size);
	(void)state;

	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		put_be32(blob + H_VERSION, cases[i].version);
		put_be32(blob + H_LAST_COMP, cases[i].last_comp);
		assert_err(open_and_exercise(blob, size), cases[i].want);
	}
	free(blob);
}

/* Version 16 has no size_dt_struct: the walk finds FDT_END, whatever the
 * field holds. */
static void test_open_version16_struct_size(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	uint32_t real = be32(blob + H_SIZE_STRUCT);
	struct dtb dtb;
	(void)state;

	put_be32(blob + H_VERSION, 16);
	put_be32(blob + H_SIZE_STRUCT, 0xdeadbeef);
	assert_err(dtb_open(&dtb, blob, size), ERR_OK);
	assert_int_equal(dtb.struct_size, real);
	dtb_exercise(&dtb, &exercise_strict);
	/* It still needs an FDT_END inside totalsize. */
	put_be32(blob + be32(blob + H_OFF_STRUCT) + real - 4, FDT_NOP);
	assert_err(dtb_open(&dtb, blob, size), ERR_INVALID_ARGUMENT);
	free(blob);
}

static void test_open_totalsize(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	(void)state;

	put_be32(blob + H_TOTALSIZE, (uint32_t)size + 1);
	assert_err(open_and_exercise(blob, size), ERR_TRUNCATED_MESSAGE);
	put_be32(blob + H_TOTALSIZE, 0xffffffff);
	assert_err(open_and_exercise(blob, size), ERR_TRUNCATED_MESSAGE);
	put_be32(blob + H_TOTALSIZE, 39);
	assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
	put_be32(blob + H_TOTALSIZE, 0);
	assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
	free(blob);
}

/* A field patched to a value; the expected error. */
struct patch_case {
	uint32_t field;
	int64_t delta; /* added to the field ... */
	bool absolute; /* ... or, if set, the field becomes `delta` */
	enum error want;
	const char *why;
};

/* The blob in a buffer SLACK bytes larger than its totalsize: a block that
 * ends in the slack contradicts the header (ERR_INVALID_ARGUMENT), one that
 * ends past the buffer means the caller mapped too little
 * (ERR_TRUNCATED_MESSAGE). */
#define SLACK 64

static void test_open_block_bounds(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	const uint32_t total = (uint32_t)size;
	const uint32_t struct_off = be32(blob + H_OFF_STRUCT);
	const struct patch_case cases[] = {
		{ H_SIZE_STRUCT, 4, false, ERR_INVALID_ARGUMENT,
		  "FDT_END not last (struct size 4 more)" },
		{ H_SIZE_STRUCT, total - struct_off + 4, true, ERR_INVALID_ARGUMENT,
		  "struct ends in the slack" },
		{ H_SIZE_STRUCT, total - struct_off + SLACK + 4, true, ERR_TRUNCATED_MESSAGE,
		  "struct ends past the buffer" },
		{ H_OFF_STRINGS, 1, false, ERR_INVALID_ARGUMENT,
		  "strings end one byte past totalsize" },
		{ H_SIZE_STRINGS, 1, false, ERR_INVALID_ARGUMENT,
		  "strings size one past totalsize" },
		{ H_OFF_STRINGS, SLACK + 1, false, ERR_TRUNCATED_MESSAGE,
		  "strings end past the buffer" },
		{ H_OFF_STRUCT, total + SLACK + 4, true, ERR_TRUNCATED_MESSAGE,
		  "struct starts past the buffer" },
		{ H_OFF_STRUCT, 0xfffffff0, true, ERR_TRUNCATED_MESSAGE, "struct offset wraps" },
		{ H_SIZE_STRUCT, 0xfffffff0, true, ERR_TRUNCATED_MESSAGE, "struct size wraps" },
		{ H_OFF_STRINGS, 0xffffffff, true, ERR_TRUNCATED_MESSAGE, "strings offset wraps" },
		{ H_SIZE_STRINGS, 0xffffffff, true, ERR_TRUNCATED_MESSAGE, "strings size wraps" },
		{ H_OFF_RSVMAP, total + SLACK + 8, true, ERR_TRUNCATED_MESSAGE,
		  "reservations past the buffer" },
		{ H_OFF_RSVMAP, (total + 8) & ~7u, true, ERR_INVALID_ARGUMENT,
		  "reservations in the slack" },
		{ H_OFF_RSVMAP, total & ~7u, true, ERR_INVALID_ARGUMENT,
		  "reservations cut by totalsize" },
		{ H_OFF_RSVMAP, 0, true, ERR_INVALID_ARGUMENT, "reservations in the header" },
		{ H_OFF_RSVMAP, 32, true, ERR_INVALID_ARGUMENT, "reservations in the header" },
		{ H_OFF_STRUCT, 0, true, ERR_INVALID_ARGUMENT, "struct in the header" },
		{ H_OFF_STRUCT, 36, true, ERR_INVALID_ARGUMENT, "struct in the header" },
		{ H_OFF_STRINGS, 39, true, ERR_INVALID_ARGUMENT, "strings in the header" },
		{ H_OFF_RSVMAP, 4, false, ERR_INVALID_ARGUMENT, "reservations not 8-aligned" },
		{ H_OFF_STRUCT, 2, false, ERR_INVALID_ARGUMENT, "struct not 4-aligned" },
		{ H_SIZE_STRUCT, 0, true, ERR_INVALID_ARGUMENT, "empty structure block" },
		{ H_SIZE_STRUCT, -4, false, ERR_INVALID_ARGUMENT, "FDT_END cut off" },
		{ H_SIZE_STRUCT, -1, false, ERR_INVALID_ARGUMENT,
		  "structure size not whole tokens" },
		{ H_SIZE_STRINGS, -1, false, ERR_INVALID_ARGUMENT,
		  "last property name unterminated" },
		{ H_SIZE_STRINGS, 0, true, ERR_INVALID_ARGUMENT, "no strings at all" },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		uint8_t *patched = xmalloc(size + SLACK);
		uint32_t old;

		memset(patched, 0, size + SLACK);
		memcpy(patched, blob, size);
		old = be32(patched + cases[i].field);
		put_be32(patched + cases[i].field, cases[i].absolute
						       ? (uint32_t)cases[i].delta
						       : (uint32_t)((int64_t)old + cases[i].delta));
		print_message("# %s\n", cases[i].why);
		assert_err(open_and_exercise(patched, size + SLACK), cases[i].want);
		free(patched);
	}
	free(blob);
}

/* The good blob with `gap` zero bytes inserted at blob offset `at`, and
 * the header's offsets after it moved along: the same tree, shifted. */
static uint8_t *insert_gap(const uint8_t *blob, size_t size, uint32_t at, uint32_t gap,
			   size_t *new_size)
{
	uint8_t *out = xmalloc(size + gap);
	static const uint32_t fields[] = { H_OFF_STRUCT, H_OFF_STRINGS, H_OFF_RSVMAP };

	memcpy(out, blob, at);
	memset(out + at, 0, gap);
	memcpy(out + at + gap, blob + at, size - at);
	put_be32(out + H_TOTALSIZE, (uint32_t)(size + gap));
	for (size_t i = 0; i < ARRAY_LENGTH(fields); i++)
		if (be32(out + fields[i]) >= at)
			put_be32(out + fields[i], be32(out + fields[i]) + gap);
	*new_size = size + gap;
	return out;
}

/* Misaligned blocks that are otherwise intact (this reader would parse
 * them, reading bytewise): only the alignment rule rejects them. */
static void test_open_block_alignment(void **state)
{
	size_t size, shifted_size;
	uint8_t *blob = good_blob(&size);
	uint8_t *shifted;
	(void)state;

	/* Gaps that keep the alignment are fine: the checks are not
	 * rejecting the shifting itself. */
	shifted = insert_gap(blob, size, be32(blob + H_OFF_STRUCT), 4, &shifted_size);
	assert_err(open_and_exercise(shifted, shifted_size), ERR_OK);
	free(shifted);
	shifted = insert_gap(blob, size, be32(blob + H_OFF_RSVMAP), 8, &shifted_size);
	assert_err(open_and_exercise(shifted, shifted_size), ERR_OK);
	free(shifted);
	shifted = insert_gap(blob, size, be32(blob + H_OFF_STRINGS), 1, &shifted_size);
	assert_err(open_and_exercise(shifted, shifted_size), ERR_OK); /* no rule for strings */
	free(shifted);

	for (uint32_t gap = 1; gap < 4; gap++) {
		shifted = insert_gap(blob, size, be32(blob + H_OFF_STRUCT), gap, &shifted_size);
		assert_err(open_and_exercise(shifted, shifted_size), ERR_INVALID_ARGUMENT);
		free(shifted);
	}
	for (uint32_t gap = 1; gap < 8; gap++) {
		shifted = insert_gap(blob, size, be32(blob + H_OFF_RSVMAP), gap, &shifted_size);
		/* Shift the struct back into 4-alignment where needed, so
		 * that only the reservation block is misaligned. */
		if (gap % 4 != 0) {
			uint8_t *fixed;
			size_t fixed_size;

			fixed = insert_gap(shifted, shifted_size, be32(shifted + H_OFF_STRUCT),
					   4 - gap % 4, &fixed_size);
			free(shifted);
			shifted = fixed;
			shifted_size = fixed_size;
		}
		assert_int_equal(be32(shifted + H_OFF_STRUCT) % 4, 0);
		assert_err(open_and_exercise(shifted, shifted_size), ERR_INVALID_ARGUMENT);
		free(shifted);
	}
	free(blob);
}

/* Blocks that overlap but are each well-formed: only the overlap check
 * can reject them. */
static void test_open_overlapping_blocks(void **state)
{
	struct builder b = { 0 };
	size_t size;
	uint8_t *blob, *patched;
	uint32_t zeros_at;
	(void)state;

	b_good_tree(&b);
	blob = b_finish(&b, 0, &size);
	zeros_at = be32(blob + H_OFF_STRUCT) + b.zeros;
	assert_err(open_and_exercise(blob, size), ERR_OK);

	/* 1. The reservation block points at 16 zero bytes (a terminator)
	 *    inside the "zeros" property of the structure block. */
	patched = xmalloc(size);
	memcpy(patched, blob, size);
	put_be32(patched + H_OFF_RSVMAP, (zeros_at + 7) & ~7u);
	assert_int_equal(be64(patched + ((zeros_at + 7) & ~7u) + 8), 0);
	assert_err(open_and_exercise(patched, size), ERR_INVALID_ARGUMENT);

	/* 2. The strings block also claims the last `k` bytes of the
	 *    structure block (of FDT_END); every nameoff moves by k so the
	 *    names still resolve. k = 1 pins the boundary of the check. */
	for (uint32_t k = 1; k <= 4; k += 3) {
		struct builder shifted = { 0 };
		size_t shifted_size;
		uint8_t *s;

		b_good_tree(&shifted);
		s = b_finish(&shifted, 0, &shifted_size);
		/* Rewrite each PROP's nameoff += 4 by walking the tokens. */
		for (uint32_t off = 0; off < shifted.struct_len;) {
			uint8_t *tok = s + be32(s + H_OFF_STRUCT) + off;
			uint32_t tag = be32(tok);

			if (tag == FDT_PROP) {
				put_be32(tok + 8, be32(tok + 8) + k);
				off += 12 + ((be32(tok + 4) + 3) & ~3u);
			} else if (tag == FDT_BEGIN_NODE) {
				off += 4 + (((uint32_t)strlen((char *)tok + 4) + 4) & ~3u);
			} else {
				off += 4;
			}
		}
		put_be32(s + H_OFF_STRINGS, be32(s + H_OFF_STRINGS) - k);
		put_be32(s + H_SIZE_STRINGS, be32(s + H_SIZE_STRINGS) + k);
		assert_err(open_and_exercise(s, shifted_size), ERR_INVALID_ARGUMENT);
		/* Same blob as version 16, whose struct size comes from the walk. */
		put_be32(s + H_VERSION, 16);
		assert_err(open_and_exercise(s, shifted_size), ERR_INVALID_ARGUMENT);
		free(s);
	}

	/* 3. Strings before the structure block (the spec's order is a
	 *    "should"), then reaching one byte into it. */
	{
		uint32_t rsv_end = be32(blob + H_OFF_STRUCT);
		uint32_t struct_len = be32(blob + H_SIZE_STRUCT);
		uint32_t strings_len = be32(blob + H_SIZE_STRINGS);
		uint32_t new_struct = (rsv_end + strings_len + 3) & ~3u;
		size_t new_size = new_struct + struct_len;
		uint8_t *p = xmalloc(new_size);

		memset(p, 0, new_size);
		memcpy(p, blob, rsv_end);
		memcpy(p + rsv_end, blob + be32(blob + H_OFF_STRINGS), strings_len);
		memcpy(p + new_struct, blob + be32(blob + H_OFF_STRUCT), struct_len);
		put_be32(p + H_TOTALSIZE, (uint32_t)new_size);
		put_be32(p + H_OFF_STRINGS, rsv_end);
		put_be32(p + H_OFF_STRUCT, new_struct);
		assert_err(open_and_exercise(p, new_size), ERR_OK);
		put_be32(p + H_SIZE_STRINGS, new_struct - rsv_end + 1);
		assert_err(open_and_exercise(p, new_size), ERR_INVALID_ARGUMENT);
		free(p);
	}

	/* 4. The reservation block points at 16 zero bytes appended to the
	 *    strings block. */
	free(patched);
	{
		uint32_t strings_off = be32(blob + H_OFF_STRINGS);
		uint32_t zero_at = (strings_off + b.strings_len + 7) & ~7u;
		size_t new_size = zero_at + 16;
		uint8_t *p = xmalloc(new_size);

		memset(p, 0, new_size);
		memcpy(p, blob, size);
		put_be32(p + H_TOTALSIZE, (uint32_t)new_size);
		put_be32(p + H_SIZE_STRINGS, (uint32_t)(new_size - strings_off));
		assert_err(open_and_exercise(p, new_size), ERR_OK); /* strings may hold NULs */
		put_be32(p + H_OFF_RSVMAP, zero_at);
		assert_err(open_and_exercise(p, new_size), ERR_INVALID_ARGUMENT);
		free(p);
	}
	free(blob);
}

static void test_open_reservations(void **state)
{
	struct builder b = { 0 };
	size_t size;
	uint8_t *blob;
	uint32_t rsv;
	(void)state;

	b_good_tree(&b);
	b.rsv[1][0] = 0x90000000;
	b.rsv[1][1] = 0x2000;
	b.rsv_count = 2;
	blob = b_finish(&b, 0, &size);
	rsv = be32(blob + H_OFF_RSVMAP);
	assert_err(open_and_exercise(blob, size), ERR_OK);

	/* An entry of size 0 with a nonzero address: not a terminator. */
	put_be64(blob + rsv + 16 + 8, 0);
	assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
	put_be64(blob + rsv + 16 + 8, 0x2000);

	/* A reservation block with no terminator before totalsize. */
	put_be32(blob + H_OFF_RSVMAP, (uint32_t)((size - 8) & ~7u));
	assert_err(open_and_exercise(blob, size), ERR_INVALID_ARGUMENT);
	free(blob);
}

/* Structure blocks built token by token, each broken in one way. */
static void test_open_bad_structure(void **state)
{
	struct builder b;
	uint32_t name;
	(void)state;

#define START() (b = (struct builder){ 0 }, name = b_string(&b, "p"))
	(void)name;

	/* Control: NOPs wherever the spec allows them, except before the
	 * root (libfdt would call the NOP "/"). */
	START();
	b_begin(&b, "");
	b_word(&b, FDT_NOP);
	b_prop_u32(&b, "p", 1);
	b_word(&b, FDT_NOP);
	b_begin(&b, "a");
	b_word(&b, FDT_NOP);
	b_end_node(&b);
	b_word(&b, FDT_NOP);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_OK);
	{
		size_t size;
		uint8_t *blob = b_finish(&b, 0, &size);

		check_against_libfdt(blob, size);
		free(blob);
	}

	START(); /* NOP between the root and FDT_END (spec 5.4.2; libfdt agrees) */
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_NOP);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* a root with a name (spec 2.2.1: the root has none) */
	b_begin(&b, "root");
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* NOP before the root: libfdt would name the NOP "/" */
	b_word(&b, FDT_NOP);
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* property before the root */
	b_prop_u32(&b, "p", 1);
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* FDT_END first */
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* unknown tokens */
	b_begin(&b, "");
	b_word(&b, 5);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);
	START();
	b_begin(&b, "");
	b_word(&b, 0);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* END_NODE missing */
	b_begin(&b, "");
	b_begin(&b, "a");
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* one END_NODE too many */
	b_begin(&b, "");
	b_end_node(&b);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* two roots */
	b_begin(&b, "");
	b_end_node(&b);
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* a property after the root */
	b_begin(&b, "");
	b_end_node(&b);
	b_prop_u32(&b, "p", 1);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* a property after a child node */
	b_begin(&b, "");
	b_begin(&b, "a");
	b_end_node(&b);
	b_prop_u32(&b, "p", 1);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* FDT_END inside a node */
	b_begin(&b, "");
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* no FDT_END at all */
	b_begin(&b, "");
	b_end_node(&b);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* something after FDT_END */
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_END);
	b_word(&b, FDT_NOP);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* two FDT_ENDs */
	b_begin(&b, "");
	b_end_node(&b);
	b_word(&b, FDT_END);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* property length past the block */
	b_begin(&b, "");
	b_word(&b, FDT_PROP);
	b_word(&b, 9);
	b_word(&b, name);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);
	START();
	b_begin(&b, "");
	b_word(&b, FDT_PROP);
	b_word(&b, 0xfffffffc);
	b_word(&b, name);
	b_word(&b, FDT_END_NODE);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* property header cut off by the block's end */
	b_begin(&b, "");
	b_word(&b, FDT_PROP);
	b_word(&b, 0);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* nameoff at / past the end of the strings block */
	b_begin(&b, "");
	b_prop_at(&b, 2, "", 0);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);
	START();
	b_begin(&b, "");
	b_prop_at(&b, 0xffffffff, "", 0);
	b_end_node(&b);
	b_word(&b, FDT_END);
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* node name runs to the end of the block */
	b_word(&b, FDT_BEGIN_NODE);
	memcpy(b.structure + b.struct_len, "abcdefgh", 8);
	b.struct_len += 8;
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* name terminated in the block, its padding is not */
	b_word(&b, FDT_BEGIN_NODE);
	memcpy(b.structure + b.struct_len, "abcde", 6);
	b.struct_len += 6;
	expect_open(&b, ERR_INVALID_ARGUMENT);

	START(); /* property value's padding past the block */
	b_begin(&b, "");
	b_word(&b, FDT_PROP);
	b_word(&b, 1);
	b_word(&b, name);
	b.structure[b.struct_len++] = 0x42;
	expect_open(&b, ERR_INVALID_ARGUMENT);
#undef START
}

/* --- The queries: every error they return ------------------------------- */

static void test_peek_size(void **state)
{
	size_t size;
	uint8_t *blob = good_blob(&size);
	uint32_t total = 0;
	(void)state;

	for (size_t len = 0; len < 8; len++) {
		uint8_t *block;
		const uint8_t *copy = exact_copy(blob, len, 0, &block);

		assert_err(dtb_peek_size(copy, len, &total), ERR_TRUNCATED_MESSAGE);
		free(block);
	}
	assert_err(dtb_peek_size(blob, 8, &total), ERR_OK);
	assert_int_equal(total, size);
	blob[0] ^= 0x80;
	total = 0;
	assert_err(dtb_peek_size(blob, size, &total), ERR_INVALID_ARGUMENT);
	assert_int_equal(total, 0);
	free(blob);
}

/* Offsets a caller might make up: misaligned, out of the block, at a
 * property or END_NODE token, or inside a property's value where the
 * bytes look like a BEGIN_NODE token. */
static void test_bogus_nodes(void **state)
{
	struct builder b = { 0 };
	uint8_t fake[8] = { 0, 0, 0, 1, 'x', 0, 0, 0 }; /* BEGIN_NODE "x" */
	struct dtb dtb;
	struct dtb_node out;
	struct dtb_prop prop;
	struct dtb_range range;
	uint32_t cells;
	size_t size;
	uint8_t *blob;
	(void)state;

	b_begin(&b, "");
	b_prop(&b, "fake", fake, sizeof(fake));
	b_begin(&b, "child");
	b_end_node(&b);
	b_end_node(&b);
	b_word(&b, FDT_END);
	blob = b_finish(&b, 0, &size);
	assert_err(dtb_open(&dtb, blob, size), ERR_OK);

	const uint32_t bogus[] = { 1,
				   2,
				   3,
				   8 /* the PROP token */,
				   b.last_value,
				   b.struct_len - 8 /* END_NODE */,
				   b.struct_len - 4 /* END */,
				   b.struct_len,
				   b.struct_len + 4,
				   0xfffffffc,
				   0xffffffff };

	for (size_t i = 0; i < ARRAY_LENGTH(bogus); i++) {
		struct dtb_node node = { bogus[i] };
		enum error want = ERR_INVALID_ARGUMENT;

		if (bogus[i] == b.last_value) {
			/* It parses as a node; whatever is asked of it must
			 * stay in bounds and not find it in the tree. */
			assert_string_equal(dtb_node_name(&dtb, node), "x");
			assert_err(dtb_parent(&dtb, node, &out), ERR_INVALID_ARGUMENT);
			assert_err(dtb_first_child(&dtb, node, &out), ERR_OK); /* "child" */
			assert_string_equal(dtb_node_name(&dtb, out), "child");
			assert_err(dtb_next_sibling(&dtb, node, &out), ERR_FAILED_LOOKUP);
			assert_err(dtb_next_node(&dtb, node, &out), ERR_OK);
			assert_err(dtb_first_prop(&dtb, node, &prop), ERR_FAILED_LOOKUP);
			continue;
		}
		print_message("# bogus node offset %u\n", bogus[i]);
		assert_null(dtb_node_name(&dtb, node));
		assert_false(dtb_node_enabled(&dtb, node));
		assert_err(dtb_first_child(&dtb, node, &out), want);
		assert_err(dtb_next_sibling(&dtb, node, &out), want);
		assert_err(dtb_parent(&dtb, node, &out), want);
		assert_err(dtb_next_node(&dtb, node, &out), want);
		assert_err(dtb_first_prop(&dtb, node, &prop), want);
		assert_err(dtb_get_prop(&dtb, node, "fake", &prop), want);
		assert_err(dtb_address_cells(&dtb, node, &cells), want);
		assert_err(dtb_size_cells(&dtb, node, &cells), want);
		assert_err(dtb_reg(&dtb, node, 0, &range), want);
		assert_err(dtb_find_compatible(&dtb, &node, "x", &out), want);

		/* At the PROP token, dtb_next_prop reads a real property. */
		prop.offset = bogus[i];
		assert_err(dtb_next_prop(&dtb, &prop, &prop),
			   bogus[i] == 8 ? ERR_FAILED_LOOKUP : want);
	}
	free(blob);
}

static void test_navigation_ends(void **state)
{
	struct dtb dtb = open_blob("reserved.dtb");
	struct dtb_node node, last = dtb_root(&dtb), out;
	struct dtb_prop prop;
	(void)state;

	while (dtb_next_node(&dtb, last, &node) == ERR_OK)
		last = node;
	assert_err(dtb_next_node(&dtb, last, &out), ERR_FAILED_LOOKUP);
	assert_err(dtb_first_child(&dtb, last, &out), ERR_FAILED_LOOKUP);
	assert_err(dtb_next_sibling(&dtb, last, &out), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_compatible(&dtb, &last, "riscv", &out), ERR_FAILED_LOOKUP);

	assert_err(dtb_find_path(&dtb, "/reserved-memory/dynamic", &node), ERR_OK);
	assert_err(dtb_first_prop(&dtb, node, &prop), ERR_OK);
	while (dtb_next_prop(&dtb, &prop, &prop) == ERR_OK)
		;
	assert_err(dtb_next_prop(&dtb, &prop, &prop), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_path(&dtb, "/cpus/cpu-map/cluster0/core0", &node), ERR_OK);
	assert_err(dtb_first_child(&dtb, node, &out), ERR_FAILED_LOOKUP);

	dtb = open_blob("minimal.dtb");
	assert_err(dtb_first_prop(&dtb, dtb_root(&dtb), &prop), ERR_FAILED_LOOKUP);
	assert_err(dtb_first_child(&dtb, dtb_root(&dtb), &out), ERR_FAILED_LOOKUP);
	assert_err(dtb_next_node(&dtb, dtb_root(&dtb), &out), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_compatible(&dtb, NULL, "x", &out), ERR_FAILED_LOOKUP);
}

static void test_find_path_errors(void **state)
{
	struct dtb dtb = open_blob("reserved.dtb");
	struct dtb_node node = { 12345 };
	(void)state;

	/* A component with a unit address matches only exactly, even where
	 * a name continues with another '@' (as libfdt). */
	{
		struct builder b = { 0 };
		struct dtb built;
		size_t size;
		uint8_t *blob;

		b_begin(&b, "");
		b_begin(&b, "a@1@2");
		b_end_node(&b);
		b_end_node(&b);
		b_word(&b, FDT_END);
		blob = b_finish(&b, 0, &size);
		assert_err(dtb_open(&built, blob, size), ERR_OK);
		assert_int_equal(fdt_path_offset(blob, "/a@1"), -FDT_ERR_NOTFOUND);
		assert_err(dtb_find_path(&built, "/a@1", &node), ERR_FAILED_LOOKUP);
		assert_int_equal(fdt_path_offset(blob, "/a"), 8);
		assert_err(dtb_find_path(&built, "/a", &node), ERR_OK);
		assert_int_equal(node.offset, 8);
		check_against_libfdt(blob, size);
		free(blob);
		node.offset = 12345;
	}

	assert_err(dtb_find_path(&dtb, "", &node), ERR_INVALID_ARGUMENT);
	assert_err(dtb_find_path(&dtb, "cpus", &node), ERR_INVALID_ARGUMENT); /* no aliases */
	assert_int_equal(node.offset, 12345);
	assert_err(dtb_find_path(&dtb, "/no-such-node", &node), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_path(&dtb, "/cpus/cpu@9", &node), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_path(&dtb, "/cpus/cpu@0/deeper", &node), ERR_FAILED_LOOKUP);
	assert_err(dtb_find_path(&dtb, "/cpu", &node), ERR_FAILED_LOOKUP);      /* a prefix */
	assert_err(dtb_find_path(&dtb, "/cpus@", &node), ERR_FAILED_LOOKUP);    /* empty unit */
	assert_err(dtb_find_path(&dtb, "/memory@8", &node), ERR_FAILED_LOOKUP); /* unit prefix */
	assert_int_equal(node.offset, 12345);
	assert_err(dtb_find_path(&dtb, "/", &node), ERR_OK);
	assert_int_equal(node.offset, 0);
	assert_err(dtb_find_path(&dtb, "///", &node), ERR_OK);
	assert_int_equal(node.offset, 0);
	assert_err(dtb_find_path(&dtb, "/memory", &node), ERR_OK);
	assert_string_equal(dtb_node_name(&dtb, node), "memory@80000000");
}

static void test_prop_value_errors(void **state)
{
	static const uint8_t unterminated[] = { 'a', 0, 'b' };
	static const uint8_t list[] = { 'a', 0, 0, 'b', 'c', 0 };
	struct dtb_prop prop = { .name = "p", .value = unterminated, .len = 3 };
	const char *s = "unchanged";
	uint32_t u32 = 7;
	uint64_t u64 = 7;
	(void)state;

	assert_err(dtb_prop_string(&prop, 0, &s), ERR_INVALID_ARGUMENT);
	assert_string_equal(s, "unchanged");
	assert_true(dtb_prop_has_string(&prop, "a"));
	assert_false(dtb_prop_has_string(&prop, "b"));
	assert_err(dtb_prop_u32(&prop, 0, &u32), ERR_RANGE);
	assert_err(dtb_prop_cells(&prop, 0, 1, &u64), ERR_RANGE);
	assert_int_equal(u32, 7);
	assert_int_equal(u64, 7);

	prop.value = list;
	prop.len = sizeof(list);
	assert_err(dtb_prop_string(&prop, 1, &s), ERR_OK);
	assert_string_equal(s, "");
	assert_err(dtb_prop_string(&prop, 2, &s), ERR_OK);
	assert_string_equal(s, "bc");
	assert_err(dtb_prop_string(&prop, 3, &s), ERR_RANGE);
	assert_err(dtb_prop_string(&prop, UINT32_MAX, &s), ERR_RANGE);
	assert_true(dtb_prop_has_string(&prop, ""));
	assert_false(dtb_prop_has_string(&prop, "b"));
	assert_err(dtb_prop_cells(&prop, 0, 2, &u64), ERR_RANGE);

	prop.len = 0;
	assert_err(dtb_prop_string(&prop, 0, &s), ERR_RANGE);
	assert_false(dtb_prop_has_string(&prop, ""));
	assert_err(dtb_prop_u32(&prop, 0, &u32), ERR_RANGE);
}

static void test_cells_and_reg_errors(void **state)
{
	struct dtb dtb = open_blob("bad-values.dtb");
	struct dtb_node node, root;
	struct dtb_range range = { 1, 2 };
	uint32_t cells = 99;
	(void)state;

	assert_err(dtb_find_path(&dtb, "/zero-address-cells", &node), ERR_OK);
	assert_err(dtb_address_cells(&dtb, node, &cells), ERR_INVALID_ARGUMENT);
	assert_err(dtb_size_cells(&dtb, node, &cells), ERR_OK);
	assert_int_equal(cells, 1);
	assert_err(dtb_find_path(&dtb, "/zero-address-cells/child", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 0, &range), ERR_INVALID_ARGUMENT);

	assert_err(dtb_find_path(&dtb, "/five-address-cells", &node), ERR_OK);
	cells = 99;
	assert_err(dtb_address_cells(&dtb, node, &cells), ERR_INVALID_ARGUMENT);
	assert_err(dtb_size_cells(&dtb, node, &cells), ERR_INVALID_ARGUMENT);
	assert_int_equal(cells, 99);

	assert_err(dtb_find_path(&dtb, "/long-cells", &node), ERR_OK);
	assert_err(dtb_address_cells(&dtb, node, &cells), ERR_INVALID_ARGUMENT);
	assert_err(dtb_size_cells(&dtb, node, &cells), ERR_INVALID_ARGUMENT);

	assert_err(dtb_find_path(&dtb, "/three-cells", &node), ERR_OK);
	assert_err(dtb_address_cells(&dtb, node, &cells), ERR_OK);
	assert_int_equal(cells, 3); /* legal, but no reg of its children fits 64 bits */
	assert_err(dtb_find_path(&dtb, "/three-cells/pci", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 0, &range), ERR_INVALID_ARGUMENT);

	assert_err(dtb_find_path(&dtb, "/memory", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 0, &range), ERR_INVALID_ARGUMENT); /* 12 bytes of 16 */

	assert_err(dtb_find_path(&dtb, "/cpus/cpu@0", &node), ERR_OK);
	assert_err(dtb_reg(&dtb, node, 0, &range), ERR_OK);
	assert_int_equal(range.size, 0); /* #size-cells = <0> */
	assert_err(dtb_reg(&dtb, node, 1, &range), ERR_RANGE);
	assert_err(dtb_reg(&dtb, node, UINT32_MAX, &range), ERR_RANGE);
	assert_err(dtb_find_path(&dtb, "/cpus/cpu@1", &node), ERR_OK);
	range.base = 5;
	assert_err(dtb_reg(&dtb, node, 0, &range), ERR_FAILED_LOOKUP);
	assert_int_equal(range.base, 5); /* unchanged on error */

	/* The root has no parent to decode a reg with. */
	{
		struct builder b = { 0 };
		struct dtb built;
		size_t size;
		uint8_t *blob;

		b_begin(&b, "");
		b_prop_u32(&b, "reg", 1);
		b_end_node(&b);
		b_word(&b, FDT_END);
		blob = b_finish(&b, 0, &size);
		assert_err(dtb_open(&built, blob, size), ERR_OK);
		root = dtb_root(&built);
		assert_err(dtb_reg(&built, root, 0, &range), ERR_INVALID_ARGUMENT);
		free(blob);
	}
}

static void test_system_query_errors(void **state)
{
	struct dtb dtb = open_blob("bad-values.dtb");
	struct dtb_range ranges[4];
	struct dtb_cpu cpus[4];
	size_t count = 42;
	const char *args = NULL;
	uint64_t hz = 42;
	(void)state;

	assert_err(dtb_memory_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_reserved_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_cpus(&dtb, cpus, 4, &count), ERR_INVALID_ARGUMENT); /* cpu without reg */
	assert_int_equal(count, 42);
	assert_err(dtb_bootargs(&dtb, &args), ERR_INVALID_ARGUMENT); /* unterminated */
	assert_null(args);
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_INVALID_ARGUMENT); /* 3 bytes */
	assert_int_equal(hz, 42);

	dtb = open_blob("bad-cells.dtb");
	assert_err(dtb_memory_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT); /* 3 cells */
	assert_err(dtb_reserved_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_cpus(&dtb, cpus, 4, &count), ERR_INVALID_ARGUMENT); /* empty reg */
	assert_int_equal(count, 42);
	assert_err(dtb_bootargs(&dtb, &args), ERR_INVALID_ARGUMENT); /* two strings */
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_OK);       /* 64-bit */
	assert_int_equal(hz, 10000000);
}

/* Capacity below the count is not an error: the count says how many
 * exist, and nothing past capacity is written. */
static void test_capacity_smaller_than_count(void **state)
{
	struct dtb dtb = open_blob("virt-smp8-3G.dtb");
	struct dtb_cpu cpus[4];
	struct dtb_range ranges[3];
	size_t count = 0;
	(void)state;

	memset(cpus, 0xa5, sizeof(cpus));
	assert_err(dtb_cpus(&dtb, cpus, 3, &count), ERR_OK);
	assert_int_equal(count, 8);
	assert_int_equal(cpus[2].hart_id, 2);
	assert_int_equal(cpus[3].hart_id, 0xa5a5a5a5a5a5a5a5u);

	dtb = open_blob("reserved.dtb");
	memset(ranges, 0xa5, sizeof(ranges));
	assert_err(dtb_reserved_ranges(&dtb, ranges, 2, &count), ERR_OK);
	assert_int_equal(count, 7);
	assert_int_equal(ranges[1].base, 0x88000000u);
	assert_int_equal(ranges[2].base, 0xa5a5a5a5a5a5a5a5u);
	assert_err(dtb_memory_ranges(&dtb, ranges, 1, &count), ERR_OK);
	assert_int_equal(count, 4);
	assert_int_equal(ranges[1].base, 0x88000000u); /* untouched */
}

/* A blob that changes after dtb_open (DMA, a bug): every query still stays
 * in bounds and reports the damage. */
static void test_blob_changed_after_open(void **state)
{
	struct builder b = { 0 };
	struct dtb dtb;
	struct dtb_node node;
	struct dtb_prop prop;
	struct dtb_range ranges[4];
	struct dtb_cpu cpus[4];
	size_t size, count;
	uint8_t *blob;
	uint32_t struct_off;
	const char *args;
	uint64_t hz;
	(void)state;

	b_good_tree(&b);
	blob = b_finish(&b, 0, &size);
	struct_off = be32(blob + H_OFF_STRUCT);
	assert_err(dtb_open(&dtb, blob, size), ERR_OK);

	/* The root's first token becomes garbage. */
	put_be32(blob + struct_off, 0x77);
	assert_null(dtb_node_name(&dtb, dtb_root(&dtb)));
	assert_err(dtb_find_path(&dtb, "/", &node), ERR_INVALID_ARGUMENT);
	assert_err(dtb_find_path(&dtb, "/cpus", &node), ERR_INVALID_ARGUMENT);
	assert_err(dtb_find_compatible(&dtb, NULL, "x", &node), ERR_INVALID_ARGUMENT);
	assert_err(dtb_memory_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_reserved_ranges(&dtb, ranges, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_cpus(&dtb, cpus, 4, &count), ERR_INVALID_ARGUMENT);
	assert_err(dtb_bootargs(&dtb, &args), ERR_INVALID_ARGUMENT);
	assert_err(dtb_timebase_frequency(&dtb, &hz), ERR_INVALID_ARGUMENT);
	put_be32(blob + struct_off, FDT_BEGIN_NODE);

	/* Every word of the structure block in turn becomes each tag and
	 * garbage: whatever the queries answer, they stay in bounds. */
	for (uint32_t off = 0; off < b.struct_len; off += 4) {
		static const uint32_t values[] = { FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP,
						   FDT_NOP,        FDT_END,      0,
						   0xffffffff,     0x100 };
		uint32_t saved = be32(blob + struct_off + off);
		const struct dtb_exercise loose = { .strict = false,
						    .expensive_every = 1,
						    .fail = exercise_fail };

		for (size_t v = 0; v < ARRAY_LENGTH(values); v++) {
			put_be32(blob + struct_off + off, values[v]);
			dtb_exercise(&dtb, &loose);
		}
		put_be32(blob + struct_off + off, saved);
	}

	/* A token before a node breaks: its parent cannot be found. */
	{
		struct dtb_node memory, parent;
		struct dtb_prop first;

		assert_err(dtb_find_path(&dtb, "/memory", &memory), ERR_OK);
		assert_err(dtb_first_prop(&dtb, dtb_root(&dtb), &first), ERR_OK);
		put_be32(blob + struct_off + first.offset, 0x77);
		assert_err(dtb_parent(&dtb, memory, &parent), ERR_INVALID_ARGUMENT);
		assert_err(dtb_reg(&dtb, memory, 0, &ranges[0]), ERR_INVALID_ARGUMENT);
		put_be32(blob + struct_off + first.offset, FDT_PROP);
	}

	/* A property's name offset moves out of the strings block. */
	assert_err(dtb_find_path(&dtb, "/chosen", &node), ERR_OK);
	assert_err(dtb_first_prop(&dtb, node, &prop), ERR_OK);
	put_be32(blob + struct_off + prop.offset + 8, 0xffff);
	assert_err(dtb_first_prop(&dtb, node, &prop), ERR_INVALID_ARGUMENT);
	assert_err(dtb_bootargs(&dtb, &args), ERR_INVALID_ARGUMENT);
	free(blob);
}

/* The contracts (CORE_ASSERT) reach port_assert_failed. */
static void open_null_dtb(void)
{
	enum error err = dtb_open(NULL, "", 0);

	(void)err;
}

static void peek_null_out(void)
{
	enum error err = dtb_peek_size("12345678", 8, NULL);

	(void)err;
}

/* cmocka reports a caught assertion on stdout, which is not TAP: send
 * stdout to stderr around it. */
static int stdout_saved = -1;

static void stdout_to_stderr(void)
{
	fflush(stdout);
	stdout_saved = dup(STDOUT_FILENO);
	dup2(STDERR_FILENO, STDOUT_FILENO);
}

static void stdout_restore(void)
{
	fflush(stdout);
	dup2(stdout_saved, STDOUT_FILENO);
	close(stdout_saved);
}

static void test_contracts_are_checked(void **state)
{
	(void)state;
	fake_arch_reset();
	stdout_to_stderr();
	expect_assert_failure(open_null_dtb());
	expect_assert_failure(peek_null_out());
	stdout_restore();
	assert_int_equal(fake_arch.assert_failures, 2);
}

/* --- Robustness --------------------------------------------------------- */

/* Every prefix of every (packed) blob, in a buffer of exactly that length:
 * dtb_open must say the buffer is short (totalsize says more), without
 * reading past it. Then the same prefixes with totalsize rewritten to
 * match, so that the block checks run: reject, or answer within bounds. */
static void test_every_truncation(void **state)
{
	size_t accepted = 0, tried = 0;
	(void)state;

	for (size_t i = 0; i < blob_count; i++) {
		const struct blob *b = &blobs[i];

		for (size_t len = 0; len < b->packed_size; len++) {
			uint8_t *block;
			uint8_t *copy = exact_copy(b->packed, len, 0, &block);
			struct dtb dtb;
			enum error err = dtb_open(&dtb, copy, len);

			if (err != ERR_TRUNCATED_MESSAGE)
				print_error("%s cut to %zu bytes: %s\n", b->name, len,
					    error_name(err));
			assert_err(err, ERR_TRUNCATED_MESSAGE);
			if (len >= 8) {
				put_be32(copy + 4, (uint32_t)len);
				err = dtb_open(&dtb, copy, len);
				if (err == ERR_OK) {
					dtb_exercise(&dtb, &exercise_strict);
					accepted++;
				}
			}
			tried++;
			free(block);
		}
	}
	print_message("# %zu truncations, %zu accepted with totalsize rewritten\n", tried,
		      accepted);
	assert_true(tried > 10000);
}

/* A small, fast, seedable generator (splitmix64). */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

static uint64_t fuzz_seed;
static uint64_t fuzz_iteration;
static const uint8_t *fuzz_blob;
static size_t fuzz_size;

/* Report, and with DTB_FUZZ_DUMP=FILE also save the offending blob. */
static void fuzz_fail(const char *what, uint32_t node)
{
	const char *dump = getenv("DTB_FUZZ_DUMP");

	print_error("corruption test failed: %s (node at %u); reproduce with "
		    "DTB_FUZZ_SEED=%llu (iteration %llu)\n",
		    what, node, (unsigned long long)fuzz_seed, (unsigned long long)fuzz_iteration);
	if (dump != NULL && fuzz_blob != NULL) {
		FILE *f = fopen(dump, "wb");

		if (f != NULL) {
			fwrite(fuzz_blob, 1, fuzz_size, f);
			fclose(f);
		}
	}
	fail();
}

/* One corruption: flip bits, set bytes, or set a 32-bit word to a value
 * that means something to the parser (tags, small and huge lengths). The
 * header and the structure block get extra attention: that is where the
 * checks are. */
static void corrupt(uint8_t *blob, size_t size, uint64_t *rng)
{
	static const uint32_t words[] = { 0,  1,          2,          3,          4,
					  9,  0xffffffff, 0x7fffffff, 0x80000000, 16,
					  17, 40,         0xfffffff0, 0x100 };
	size_t struct_off = be32(blob + H_OFF_STRUCT);
	size_t struct_len = be32(blob + H_SIZE_STRUCT);
	unsigned edits = 1 + (unsigned)rng_below(rng, 3);

	for (unsigned e = 0; e < edits; e++) {
		size_t at;

		switch (rng_below(rng, 4)) {
		case 0: at = rng_below(rng, 40); break;
		case 1: at = struct_off + rng_below(rng, struct_len); break;
		default: at = rng_below(rng, size); break;
		}
		switch (rng_below(rng, 3)) {
		case 0: blob[at] ^= (uint8_t)(1u << rng_below(rng, 8)); break;
		case 1: blob[at] = (uint8_t)rng_next(rng); break;
		default:
			at &= ~(size_t)3;
			if (at + 4 <= size)
				put_be32(blob + at, words[rng_below(rng, ARRAY_LENGTH(words))]);
			break;
		}
	}
}

/* Everything libfdt's full check rejects, dtb_open rejects too (it is the
 * stricter reader), and on what both accept the walks agree. */
static void compare_walk_with_libfdt(const struct dtb *dtb, const uint8_t *blob, size_t size)
{
	struct dtb_node node = dtb_root(dtb);
	int offset = 0, depth = 0;

	if (fdt_check_full(blob, size) != 0)
		fuzz_fail("dtb_open accepted what fdt_check_full rejects", 0);
	while (offset >= 0) {
		struct dtb_prop prop;
		int poff = fdt_first_property_offset(blob, offset);
		enum error err = dtb_first_prop(dtb, node, &prop);

		if (node.offset != (uint32_t)offset ||
		    strcmp(dtb_node_name(dtb, node), fdt_get_name(blob, offset, NULL)) != 0)
			fuzz_fail("node differs from libfdt's", node.offset);
		for (; poff >= 0; poff = fdt_next_property_offset(blob, poff)) {
			int len;
			const char *name;
			const void *value = fdt_getprop_by_offset(blob, poff, &name, &len);

			if (err != ERR_OK || prop.offset != (uint32_t)poff || prop.value != value ||
			    prop.len != (uint32_t)len || strcmp(prop.name, name) != 0)
				fuzz_fail("property differs from libfdt's", node.offset);
			err = dtb_next_prop(dtb, &prop, &prop);
		}
		if (err != ERR_FAILED_LOOKUP)
			fuzz_fail("more properties than libfdt", node.offset);
		offset = fdt_next_node(blob, offset, &depth);
		if (depth < 0)
			offset = -FDT_ERR_NOTFOUND; /* libfdt left the root */
		err = dtb_next_node(dtb, node, &node);
		if (err != from_fdt(offset))
			fuzz_fail("walk ends differently from libfdt's", node.offset);
	}
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? strtoull(s, NULL, 0) : fallback;
}

/* Seeded random corruptions of the real blobs. Three in four are opened
 * after corruption (reject, or answer consistently, equal to libfdt);
 * one in four is opened first and corrupted afterwards (answers may be
 * anything, reads stay in bounds). Every buffer is exactly the blob's
 * size, so ASan sees any over-read. */
static void test_random_corruption(void **state)
{
	uint64_t iterations = env_u64("DTB_FUZZ_ITERATIONS", 10000);
	uint64_t rng;
	size_t accepted = 0;
	(void)state;

	fuzz_seed = env_u64("DTB_FUZZ_SEED", 20240917);
	rng = fuzz_seed;
	print_message("# corruption test: DTB_FUZZ_SEED=%llu DTB_FUZZ_ITERATIONS=%llu\n",
		      (unsigned long long)fuzz_seed, (unsigned long long)iterations);

	for (fuzz_iteration = 0; fuzz_iteration < iterations; fuzz_iteration++) {
		const struct blob *b = &blobs[rng_below(&rng, blob_count)];
		size_t size = b->packed_size;
		uint8_t *block;
		uint8_t *copy = exact_copy(b->packed, size, 0, &block);
		struct dtb dtb;
		struct dtb_exercise how = {
			.strict = true,
			.expensive_every = 8,
			.expensive_offset = (uint32_t)rng_below(&rng, 8),
			.fail = fuzz_fail,
		};

		fuzz_blob = copy;
		fuzz_size = size;
		if (rng_below(&rng, 4) == 0) {
			if (dtb_open(&dtb, copy, size) != ERR_OK)
				fuzz_fail("an intact blob was rejected", 0);
			corrupt(copy, size, &rng);
			how.strict = false;
			dtb_exercise(&dtb, &how);
		} else {
			corrupt(copy, size, &rng);
			if (dtb_open(&dtb, copy, size) == ERR_OK) {
				accepted++;
				compare_walk_with_libfdt(&dtb, copy, size);
				dtb_exercise(&dtb, &how);
			}
		}
		free(block);
		fuzz_blob = NULL;
	}
	print_message("# %zu of %llu corrupted blobs accepted by dtb_open\n", accepted,
		      (unsigned long long)iterations);
}

/* --- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_blob_contents),
		cmocka_unit_test(test_open_accepts_built_blob),
		cmocka_unit_test(test_open_truncated_header),
		cmocka_unit_test(test_open_bad_magic),
		cmocka_unit_test(test_open_versions),
		cmocka_unit_test(test_open_version16_struct_size),
		cmocka_unit_test(test_open_totalsize),
		cmocka_unit_test(test_open_block_bounds),
		cmocka_unit_test(test_open_block_alignment),
		cmocka_unit_test(test_open_overlapping_blocks),
		cmocka_unit_test(test_open_reservations),
		cmocka_unit_test(test_open_bad_structure),
		cmocka_unit_test(test_peek_size),
		cmocka_unit_test(test_bogus_nodes),
		cmocka_unit_test(test_navigation_ends),
		cmocka_unit_test(test_find_path_errors),
		cmocka_unit_test(test_prop_value_errors),
		cmocka_unit_test(test_cells_and_reg_errors),
		cmocka_unit_test(test_system_query_errors),
		cmocka_unit_test(test_capacity_smaller_than_count),
		cmocka_unit_test(test_blob_changed_after_open),
		cmocka_unit_test(test_contracts_are_checked),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_corruption),
	};
	static struct CMUnitTest tests[ARRAY_LENGTH(fixed) + MAX_BLOBS];
	static char names[MAX_BLOBS][128];
	size_t n = 0;

	if (argc < 2 || argc - 1 > MAX_BLOBS) {
		fprintf(stderr, "usage: %s BLOB.dtb... (at most %d)\n", argv[0], MAX_BLOBS);
		return 1;
	}
	for (int i = 1; i < argc; i++)
		load_blob(&blobs[blob_count++], argv[i]);

	for (size_t i = 0; i < blob_count; i++) {
		snprintf(names[i], sizeof(names[i]), "libfdt_equivalence(%s)", blobs[i].name);
		tests[n++] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_libfdt_equivalence,
			.initial_state = &blobs[i],
		};
	}
	for (size_t i = 0; i < ARRAY_LENGTH(fixed); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("dtb", tests, n, NULL, NULL);
}
