/* SPDX-License-Identifier: MIT */
/*
 * A small, bounds-checked reader of flattened device trees (DTB, devicetree
 * specification v0.4, chapter 5), used by the kernel at boot on the blob
 * OpenSBI hands it in a1.
 *
 * The blob is untrusted input. dtb_open() validates the header and walks the
 * whole structure block once (tokens, nesting, name and property-name
 * termination, string offsets, alignment); every other function may then
 * rely on that but still checks every access against the blob's bounds, so
 * no call reads outside [blob, blob + size) whatever the bytes are.
 *
 * Nodes are named by the offset of their FDT_BEGIN_NODE token within the
 * structure block, as libfdt does; the host tests check every answer here
 * against libfdt on the same blobs. Nothing is allocated: results go into
 * caller-supplied structs and arrays.
 */
#ifndef CORE_DTB_H
#define CORE_DTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

/* A validated blob. Filled by dtb_open(); treat as read-only. */
struct dtb {
	const uint8_t *blob;
	uint32_t size; /* totalsize from the header, <= the buffer size */
	uint32_t version;
	uint32_t boot_cpuid;
	uint32_t struct_offset; /* structure block: [offset, offset + size) */
	uint32_t struct_size;
	uint32_t strings_offset;
	uint32_t strings_size;
	uint32_t reserve_offset; /* memory-reservation block */
	uint32_t reserve_count;  /* entries before the terminating (0, 0) */
};

/* A node: the offset of its FDT_BEGIN_NODE token in the structure block. */
struct dtb_node {
	uint32_t offset;
};

/* A property; value points into the blob and is len bytes long. */
struct dtb_prop {
	const char *name;
	const uint8_t *value;
	uint32_t len;
	uint32_t offset; /* of its FDT_PROP token, for dtb_next_prop() */
};

/* A physical address range [base, base + size). */
struct dtb_range {
	uint64_t base;
	uint64_t size;
};

struct dtb_cpu {
	uint64_t hart_id; /* the cpu node's reg */
	bool enabled;     /* status absent, "okay" or "ok" */
	struct dtb_node node;
};

/*
 * Validate the blob at `blob` (at most `buffer_size` readable bytes, any
 * alignment) and fill `dtb`. Accepts version 16 and later when the blob is
 * backwards compatible with 17 (16 <= version, last_comp_version <= 17 and
 * <= version), as spec 5.1 requires of a client and libfdt does.
 * Errors: ERR_INVALID_ARGUMENT for a bad magic, version or
 * malformed structure; ERR_TRUNCATED_MESSAGE when the header's totalsize or a
 * block extends past buffer_size. On error `dtb` is unspecified.
 */
MUST_CHECK enum error dtb_open(struct dtb *dtb, const void *blob, size_t buffer_size);

/* Read the totalsize field of a blob's header without validating anything
 * else: how many bytes to map before calling dtb_open(). Needs 8 bytes. */
MUST_CHECK enum error dtb_peek_size(const void *blob, size_t available, uint32_t *totalsize);

/* Memory-reservation block entry `index` (0-based, terminator excluded).
 * ERR_RANGE when index >= reserve_count. */
MUST_CHECK enum error dtb_reserve_entry(const struct dtb *dtb, uint32_t index,
					struct dtb_range *out);

struct dtb_node dtb_root(const struct dtb *dtb);

/* The node's name including its unit address ("serial@10000000"); "" for the
 * root. Never NULL for a node obtained from this reader. */
const char *dtb_node_name(const struct dtb *dtb, struct dtb_node node);

/* Tree navigation. ERR_FAILED_LOOKUP when there is no such node. */
MUST_CHECK enum error dtb_first_child(const struct dtb *dtb, struct dtb_node node,
				      struct dtb_node *child);
MUST_CHECK enum error dtb_next_sibling(const struct dtb *dtb, struct dtb_node node,
				       struct dtb_node *sibling);
MUST_CHECK enum error dtb_parent(const struct dtb *dtb, struct dtb_node node,
				 struct dtb_node *parent);

/* Depth-first, document-order successor of `node` (children before
 * siblings), as libfdt's fdt_next_node. ERR_FAILED_LOOKUP after the last. */
MUST_CHECK enum error dtb_next_node(const struct dtb *dtb, struct dtb_node node,
				    struct dtb_node *next);

/* Look a node up by absolute path ("/soc/test@100000"). A path component
 * without a unit address matches a node name with one ("/soc/test" finds
 * "test@100000"), taking the first match, as libfdt does. "/" is the root. */
MUST_CHECK enum error dtb_find_path(const struct dtb *dtb, const char *path, struct dtb_node *node);

/* The first node after `after` in document order whose "compatible" list
 * contains `compatible`; pass after = NULL to search from the root (the root
 * itself included). ERR_FAILED_LOOKUP when none. */
MUST_CHECK enum error dtb_find_compatible(const struct dtb *dtb, const struct dtb_node *after,
					  const char *compatible, struct dtb_node *node);

/* Properties. ERR_FAILED_LOOKUP when absent / after the last. */
MUST_CHECK enum error dtb_get_prop(const struct dtb *dtb, struct dtb_node node, const char *name,
				   struct dtb_prop *prop);
MUST_CHECK enum error dtb_first_prop(const struct dtb *dtb, struct dtb_node node,
				     struct dtb_prop *prop);
MUST_CHECK enum error dtb_next_prop(const struct dtb *dtb, const struct dtb_prop *prop,
				    struct dtb_prop *next);

/* Big-endian cell `index` of a property. ERR_RANGE when it does not fit. */
MUST_CHECK enum error dtb_prop_u32(const struct dtb_prop *prop, uint32_t index, uint32_t *out);
/* `cells` (1 or 2) big-endian cells from cell `index` as one number. */
MUST_CHECK enum error dtb_prop_cells(const struct dtb_prop *prop, uint32_t index, uint32_t cells,
				     uint64_t *out);
/* The `index`th NUL-terminated string of a string-list property.
 * ERR_RANGE past the last; ERR_INVALID_ARGUMENT if the value is not a list
 * of terminated strings. */
MUST_CHECK enum error dtb_prop_string(const struct dtb_prop *prop, uint32_t index,
				      const char **out);
/* Whether a string-list property contains `string` exactly. */
bool dtb_prop_has_string(const struct dtb_prop *prop, const char *string);

/* #address-cells and #size-cells that `node` gives its children (defaults 2
 * and 1 when absent, as libfdt). ERR_INVALID_ARGUMENT when the property is
 * malformed or out of range (address 1..4, size 0..4). */
MUST_CHECK enum error dtb_address_cells(const struct dtb *dtb, struct dtb_node node,
					uint32_t *cells);
MUST_CHECK enum error dtb_size_cells(const struct dtb *dtb, struct dtb_node node, uint32_t *cells);

/* Entry `index` of the node's "reg", decoded with its parent's cell counts.
 * ERR_FAILED_LOOKUP without reg, ERR_RANGE past the last entry,
 * ERR_INVALID_ARGUMENT when the cells do not fit 64 bits (more than 2) or
 * the length is not a whole number of entries. */
MUST_CHECK enum error dtb_reg(const struct dtb *dtb, struct dtb_node node, uint32_t index,
			      struct dtb_range *out);

/* Whether the node's "status" is absent, "okay" or "ok". */
bool dtb_node_enabled(const struct dtb *dtb, struct dtb_node node);

/*
 * System-wide queries. Each fills at most `capacity` entries of `out` and sets
 * `*count` to the number that exist (which may exceed capacity: the caller
 * decides whether that is an error). Nodes with a status other than okay are
 * skipped for memory.
 */
/* Every reg range of every node with device_type = "memory". */
MUST_CHECK enum error dtb_memory_ranges(const struct dtb *dtb, struct dtb_range *out,
					size_t capacity, size_t *count);
/* Memory-reservation block entries, then every reg range of the children of
 * /reserved-memory (decoded with /reserved-memory's own cell counts). */
MUST_CHECK enum error dtb_reserved_ranges(const struct dtb *dtb, struct dtb_range *out,
					  size_t capacity, size_t *count);
/* Children of /cpus with device_type = "cpu", in document order. */
MUST_CHECK enum error dtb_cpus(const struct dtb *dtb, struct dtb_cpu *out, size_t capacity,
			       size_t *count);
/* /chosen's bootargs; "" when /chosen or bootargs is absent. ERR_INVALID_ARGUMENT
 * if the property is not a terminated string. */
MUST_CHECK enum error dtb_bootargs(const struct dtb *dtb, const char **bootargs);
/* /cpus' timebase-frequency (ticks per second of the `time` CSR). */
MUST_CHECK enum error dtb_timebase_frequency(const struct dtb *dtb, uint64_t *hz);

#endif
