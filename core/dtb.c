/* SPDX-License-Identifier: MIT */
/*
 * The bounds-checked flattened-device-tree reader declared in dtb.h.
 *
 * Everything here goes through read_token(), which decodes one token of the
 * structure block and checks every byte it touches against the block's
 * bounds (and every property name against the strings block's). dtb_open()
 * validates the header and walks the whole structure block once with it; the
 * queries then walk with it again, so even a blob that changes after
 * dtb_open() (or a node offset the caller made up) yields an error, never an
 * out-of-bounds read. All walks are loops with a depth counter: no recursion,
 * because the kernel stack is small and the nesting depth is the blob's to
 * choose. Nothing is allocated, and no function writes its outputs unless it
 * returns ERR_OK (error.h).
 *
 * Callers: the kernel's boot code (memory, reservations, harts, timebase,
 * devices by compatible) and hosttest/test_dtb.c, which checks every answer
 * against libfdt.
 */
#include "dtb.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 0x1u
#define FDT_END_NODE 0x2u
#define FDT_PROP 0x3u
#define FDT_NOP 0x4u
#define FDT_END 0x9u

/* Byte offsets of the big-endian header fields (spec 5.2). */
#define HDR_MAGIC 0u
#define HDR_TOTALSIZE 4u
#define HDR_OFF_STRUCT 8u
#define HDR_OFF_STRINGS 12u
#define HDR_OFF_RSVMAP 16u
#define HDR_VERSION 20u
#define HDR_LAST_COMP 24u
#define HDR_BOOT_CPUID 28u
#define HDR_SIZE_STRINGS 32u
#define HDR_SIZE_STRUCT 36u

/* Version 16 headers end before size_dt_struct, which version 17 added. */
#define HEADER_SIZE_V16 36u
#define HEADER_SIZE_V17 40u
#define RESERVE_ENTRY_SIZE 16u

/* The blob may sit at any address, so multi-byte fields are read bytewise. */
static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

/* Length of the string at s, or max if [s, s + max) holds no NUL. */
static uint32_t bounded_strlen(const uint8_t *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n] != 0)
		n++;
	return n;
}

/* Assumes s is a caller's NUL-terminated C string (trusted, not blob data). */
static size_t cstr_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static bool cstr_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool bytes_eq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return false;
	return true;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte; 64-bit so that the
 * ends of 32-bit ranges cannot wrap. Empty ranges share nothing. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

/* One decoded token of the structure block. */
struct token {
	uint32_t tag;
	uint32_t next;        /* offset of the following token */
	const char *name;     /* BEGIN_NODE: the node's name; PROP: the property's */
	const uint8_t *value; /* PROP: the value, len bytes */
	uint32_t len;
};

/* The property name at nameoff, if it is terminated inside the strings
 * block. Assumes dtb's strings block lies inside the blob (dtb_open). */
static bool strings_lookup(const struct dtb *dtb, uint32_t nameoff, const char **name)
{
	const uint8_t *strings = dtb->blob + dtb->strings_offset;

	if (nameoff >= dtb->strings_size)
		return false;
	if (bounded_strlen(strings + nameoff, dtb->strings_size - nameoff) ==
	    dtb->strings_size - nameoff)
		return false;
	*name = (const char *)(strings + nameoff);
	return true;
}

/*
 * Decode the token at `offset` of the structure block: the tag, its name,
 * its value, and where the next token starts (after zero padding to 4
 * bytes, which must also lie inside the block). Assumes dtb's block fields
 * lie inside the blob (dtb_open checked them); `offset` and every byte of
 * the blob may be anything. ERR_INVALID_ARGUMENT for any malformation.
 */
static MUST_CHECK enum error read_token(const struct dtb *dtb, uint32_t offset, struct token *tok)
{
	const uint8_t *block = dtb->blob + dtb->struct_offset;
	uint32_t size = dtb->struct_size;
	uint32_t pos;
	uint64_t next;

	if (offset % 4 != 0 || offset > size || size - offset < 4)
		return ERR_INVALID_ARGUMENT;
	tok->tag = load_be32(block + offset);
	tok->name = NULL;
	tok->value = NULL;
	tok->len = 0;
	pos = offset + 4; /* <= size, checked above */

	switch (tok->tag) {
	case FDT_BEGIN_NODE: {
		uint32_t n = bounded_strlen(block + pos, size - pos);

		if (n == size - pos)
			return ERR_INVALID_ARGUMENT; /* name runs off the block */
		tok->name = (const char *)(block + pos);
		pos += n + 1;
		break;
	}
	case FDT_PROP: {
		uint32_t len, nameoff;

		if (size - pos < 8)
			return ERR_INVALID_ARGUMENT;
		len = load_be32(block + pos);
		nameoff = load_be32(block + pos + 4);
		pos += 8;
		if (len > size - pos)
			return ERR_INVALID_ARGUMENT;
		if (!strings_lookup(dtb, nameoff, &tok->name))
			return ERR_INVALID_ARGUMENT;
		tok->value = block + pos;
		tok->len = len;
		pos += len;
		break;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END: break;
	default: return ERR_INVALID_ARGUMENT;
	}
	next = ((uint64_t)pos + 3) & ~(uint64_t)3;
	if (next > size)
		return ERR_INVALID_ARGUMENT;
	tok->next = (uint32_t)next;
	return ERR_OK;
}

/* The BEGIN_NODE token of `node`; ERR_INVALID_ARGUMENT if there is none
 * there (a made-up offset, or a blob changed since dtb_open). */
static MUST_CHECK enum error node_token(const struct dtb *dtb, struct dtb_node node,
					struct token *tok)
{
	enum error err = read_token(dtb, node.offset, tok);

	if (err != ERR_OK)
		return err;
	return tok->tag == FDT_BEGIN_NODE ? ERR_OK : ERR_INVALID_ARGUMENT;
}

/* Check the memory-reservation block: entries up to a (0, 0) terminator,
 * all inside totalsize. An entry of size 0 but a nonzero address is
 * rejected: the spec terminates on both being zero, libfdt on the size
 * alone, so accepting one would make the two readers disagree. */
static MUST_CHECK enum error check_reservations(struct dtb *dtb)
{
	uint64_t pos = dtb->reserve_offset;
	uint32_t count = 0;

	for (;;) {
		uint64_t address, size;

		if (pos + RESERVE_ENTRY_SIZE > dtb->size)
			return ERR_INVALID_ARGUMENT; /* unterminated */
		address = load_be64(dtb->blob + pos);
		size = load_be64(dtb->blob + pos + 8);
		if (size == 0) {
			if (address != 0)
				return ERR_INVALID_ARGUMENT;
			break;
		}
		count++;
		pos += RESERVE_ENTRY_SIZE;
	}
	dtb->reserve_count = count;
	return ERR_OK;
}

/*
 * Walk the whole structure block once: the root's BEGIN_NODE at offset 0
 * with an empty name, balanced BEGIN/END_NODE, a node's properties before
 * its children, exactly one root, then FDT_END, which ends the block
 * (version 17) or defines its end (version 16, whose header has no struct
 * size). That is the spec's grammar (5.4.2), where nothing, not even a NOP,
 * sits between the root's END_NODE and FDT_END; libfdt 1.6's full check
 * rejects the same.
 * Assumes dtb's block fields lie inside the blob; struct_size is the upper
 * bound for version 16 and is tightened here.
 */
static MUST_CHECK enum error check_structure(struct dtb *dtb)
{
	struct token tok;
	uint32_t offset = 0;
	uint32_t depth = 0;
	bool root_done = false;
	bool props_allowed = false;
	enum error err;

	/* libfdt names the root offset 0; NOPs before it would make the two
	 * readers disagree, and no blob producer writes them. */
	err = read_token(dtb, 0, &tok);
	if (err != ERR_OK)
		return err;
	if (tok.tag != FDT_BEGIN_NODE || tok.name[0] != '\0')
		return ERR_INVALID_ARGUMENT;

	for (;;) {
		err = read_token(dtb, offset, &tok);
		if (err != ERR_OK)
			return err;
		switch (tok.tag) {
		case FDT_BEGIN_NODE:
			if (root_done)
				return ERR_INVALID_ARGUMENT; /* a second root */
			depth++;
			props_allowed = true;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return ERR_INVALID_ARGUMENT;
			depth--;
			root_done = depth == 0;
			props_allowed = false; /* back in the parent, after a child */
			break;
		case FDT_PROP:
			if (!props_allowed)
				return ERR_INVALID_ARGUMENT;
			break;
		case FDT_NOP:
			if (root_done)
				return ERR_INVALID_ARGUMENT;
			break;
		default: /* FDT_END: read_token accepts no other tag */
			if (!root_done)
				return ERR_INVALID_ARGUMENT;
			if (dtb->version < 17)
				dtb->struct_size = tok.next;
			else if (tok.next != dtb->struct_size)
				return ERR_INVALID_ARGUMENT; /* FDT_END is not last */
			return ERR_OK;
		}
		offset = tok.next;
	}
}

/* Assumes blob has buffer_size readable bytes; their content is untrusted. */
enum error dtb_open(struct dtb *dtb, const void *blob, size_t buffer_size)
{
	const uint8_t *b = blob;
	uint32_t header_size, totalsize, last_comp;
	uint64_t struct_end, strings_end;
	enum error err;

	CORE_ASSERT(dtb != NULL);
	CORE_ASSERT(blob != NULL || buffer_size == 0);

	if (buffer_size < 4)
		return ERR_TRUNCATED_MESSAGE;
	if (load_be32(b + HDR_MAGIC) != FDT_MAGIC)
		return ERR_INVALID_ARGUMENT;
	if (buffer_size < HEADER_SIZE_V16)
		return ERR_TRUNCATED_MESSAGE;

	/* Spec 5.1: a reader of version 17 accepts any blob backwards
	 * compatible with 17; below 16 the header and names differ. */
	dtb->version = load_be32(b + HDR_VERSION);
	last_comp = load_be32(b + HDR_LAST_COMP);
	if (dtb->version < 16 || last_comp > 17 || last_comp > dtb->version)
		return ERR_INVALID_ARGUMENT;
	header_size = dtb->version >= 17 ? HEADER_SIZE_V17 : HEADER_SIZE_V16;
	if (buffer_size < header_size)
		return ERR_TRUNCATED_MESSAGE;

	totalsize = load_be32(b + HDR_TOTALSIZE);
	if (totalsize > buffer_size)
		return ERR_TRUNCATED_MESSAGE;
	if (totalsize < header_size)
		return ERR_INVALID_ARGUMENT;

	dtb->blob = b;
	dtb->size = totalsize;
	dtb->boot_cpuid = load_be32(b + HDR_BOOT_CPUID);
	dtb->struct_offset = load_be32(b + HDR_OFF_STRUCT);
	dtb->strings_offset = load_be32(b + HDR_OFF_STRINGS);
	dtb->strings_size = load_be32(b + HDR_SIZE_STRINGS);
	dtb->reserve_offset = load_be32(b + HDR_OFF_RSVMAP);
	dtb->reserve_count = 0;

	/* Version 16 has no struct size: the walk finds where FDT_END is. */
	struct_end = dtb->struct_offset;
	if (dtb->version >= 17) {
		dtb->struct_size = load_be32(b + HDR_SIZE_STRUCT);
		struct_end += dtb->struct_size;
	}
	strings_end = (uint64_t)dtb->strings_offset + dtb->strings_size;
	/* A block past the buffer means the caller mapped too little; past
	 * totalsize (but mapped) means the header contradicts itself. */
	if (struct_end > buffer_size || strings_end > buffer_size ||
	    dtb->reserve_offset > buffer_size)
		return ERR_TRUNCATED_MESSAGE;
	if (struct_end > totalsize || strings_end > totalsize || dtb->reserve_offset > totalsize)
		return ERR_INVALID_ARGUMENT;
	if (dtb->version < 17)
		dtb->struct_size = totalsize - dtb->struct_offset; /* a bound, tightened below */

	/* Every block after the header; alignment is relative to the blob's
	 * start (spec 5.6), not to its address, which may be anything. */
	if (dtb->reserve_offset < header_size || dtb->reserve_offset % 8 != 0 ||
	    dtb->struct_offset < header_size || dtb->struct_offset % 4 != 0 ||
	    dtb->strings_offset < header_size)
		return ERR_INVALID_ARGUMENT;

	err = check_reservations(dtb);
	if (err != ERR_OK)
		return err;
	err = check_structure(dtb);
	if (err != ERR_OK)
		return err;

	/* Blocks do not overlap: each byte has one meaning. */
	if (ranges_overlap(dtb->struct_offset, dtb->struct_size, dtb->strings_offset,
			   dtb->strings_size) ||
	    ranges_overlap(dtb->reserve_offset,
			   ((uint64_t)dtb->reserve_count + 1) * RESERVE_ENTRY_SIZE,
			   dtb->struct_offset, dtb->struct_size) ||
	    ranges_overlap(dtb->reserve_offset,
			   ((uint64_t)dtb->reserve_count + 1) * RESERVE_ENTRY_SIZE,
			   dtb->strings_offset, dtb->strings_size))
		return ERR_INVALID_ARGUMENT;
	return ERR_OK;
}

/* Assumes blob has `available` readable bytes. Checks the magic too, so
 * that a caller does not map "totalsize" bytes on the word of garbage. */
enum error dtb_peek_size(const void *blob, size_t available, uint32_t *totalsize)
{
	const uint8_t *b = blob;

	CORE_ASSERT(totalsize != NULL);
	CORE_ASSERT(blob != NULL || available == 0);
	if (available < 8)
		return ERR_TRUNCATED_MESSAGE;
	if (load_be32(b + HDR_MAGIC) != FDT_MAGIC)
		return ERR_INVALID_ARGUMENT;
	*totalsize = load_be32(b + HDR_TOTALSIZE);
	return ERR_OK;
}

/* Assumes dtb came from dtb_open(); index may be anything. */
enum error dtb_reserve_entry(const struct dtb *dtb, uint32_t index, struct dtb_range *out)
{
	uint64_t pos;

	CORE_ASSERT(dtb != NULL && out != NULL);
	if (index >= dtb->reserve_count)
		return ERR_RANGE;
	pos = dtb->reserve_offset + (uint64_t)index * RESERVE_ENTRY_SIZE;
	CORE_ASSERT(pos + RESERVE_ENTRY_SIZE <= dtb->size); /* dtb_open counted them */
	out->base = load_be64(dtb->blob + pos);
	out->size = load_be64(dtb->blob + pos + 8);
	return ERR_OK;
}

/* libfdt's convention, which dtb_open enforces: the root is the first token. */
struct dtb_node dtb_root(const struct dtb *dtb)
{
	CORE_ASSERT(dtb != NULL);
	(void)dtb;
	return (struct dtb_node){ .offset = 0 };
}

/* Assumes dtb came from dtb_open(); node may be anything (NULL if bogus). */
const char *dtb_node_name(const struct dtb *dtb, struct dtb_node node)
{
	struct token tok;

	CORE_ASSERT(dtb != NULL);
	if (node_token(dtb, node, &tok) != ERR_OK)
		return NULL;
	return tok.name;
}

/* From `offset`, skip NOPs (and properties if skip_props) to the next
 * token that matters; its tag and offset go to *tag and *at. */
static MUST_CHECK enum error skip_to_structure(const struct dtb *dtb, uint32_t offset,
					       bool skip_props, struct token *tok, uint32_t *at)
{
	for (;;) {
		enum error err = read_token(dtb, offset, tok);

		if (err != ERR_OK)
			return err;
		if (tok->tag != FDT_NOP && !(skip_props && tok->tag == FDT_PROP)) {
			*at = offset;
			return ERR_OK;
		}
		offset = tok->next;
	}
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_first_child(const struct dtb *dtb, struct dtb_node node, struct dtb_node *child)
{
	struct token tok;
	uint32_t at;
	enum error err;

	CORE_ASSERT(dtb != NULL && child != NULL);
	err = node_token(dtb, node, &tok);
	if (err == ERR_OK)
		err = skip_to_structure(dtb, tok.next, true, &tok, &at);
	if (err != ERR_OK)
		return err;
	if (tok.tag == FDT_BEGIN_NODE) {
		child->offset = at;
		return ERR_OK;
	}
	return tok.tag == FDT_END_NODE ? ERR_FAILED_LOOKUP : ERR_INVALID_ARGUMENT;
}

/* The offset just past the END_NODE that closes the node at `offset`. */
static MUST_CHECK enum error skip_node(const struct dtb *dtb, struct dtb_node node, uint32_t *after)
{
	struct token tok;
	uint32_t depth = 1;
	enum error err = node_token(dtb, node, &tok);

	while (err == ERR_OK) {
		uint32_t offset = tok.next;

		err = read_token(dtb, offset, &tok);
		if (err != ERR_OK)
			break;
		if (tok.tag == FDT_BEGIN_NODE) {
			depth++;
		} else if (tok.tag == FDT_END_NODE) {
			if (--depth == 0) {
				*after = tok.next;
				return ERR_OK;
			}
		} else if (tok.tag == FDT_END) {
			err = ERR_INVALID_ARGUMENT; /* unbalanced */
		}
	}
	return err;
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_next_sibling(const struct dtb *dtb, struct dtb_node node, struct dtb_node *sibling)
{
	struct token tok;
	uint32_t after, at;
	enum error err;

	CORE_ASSERT(dtb != NULL && sibling != NULL);
	err = skip_node(dtb, node, &after);
	if (err == ERR_OK)
		err = skip_to_structure(dtb, after, false, &tok, &at);
	if (err != ERR_OK)
		return err;
	switch (tok.tag) {
	case FDT_BEGIN_NODE: sibling->offset = at; return ERR_OK;
	case FDT_END_NODE: /* the parent ends */
	case FDT_END: /* the root has no siblings */ return ERR_FAILED_LOOKUP;
	default: return ERR_INVALID_ARGUMENT; /* a property after a child */
	}
}

/*
 * Two forward passes from the root instead of a stack of ancestors: the
 * first finds the node's depth, the second the last node one level up
 * before it. Linear in the blob, constant in memory. Assumes dtb came from
 * dtb_open(); node may be anything, and an offset that is not on the token
 * path from the root (e.g. inside a property value) is rejected.
 */
enum error dtb_parent(const struct dtb *dtb, struct dtb_node node, struct dtb_node *parent)
{
	struct token tok;
	uint32_t target_depth = 0;
	uint32_t candidate = 0;
	enum error err;

	CORE_ASSERT(dtb != NULL && parent != NULL);
	err = node_token(dtb, node, &tok);
	if (err != ERR_OK)
		return err;
	if (node.offset == 0)
		return ERR_FAILED_LOOKUP; /* the root */

	for (int pass = 0; pass < 2; pass++) {
		uint32_t offset = 0;
		uint32_t depth = 0;

		for (;;) {
			err = read_token(dtb, offset, &tok);
			if (err != ERR_OK)
				return err;
			if (offset >= node.offset &&
			    (offset != node.offset || tok.tag != FDT_BEGIN_NODE))
				return ERR_INVALID_ARGUMENT; /* not a node on the path */
			if (tok.tag == FDT_BEGIN_NODE) {
				if (offset == node.offset)
					break;
				if (pass == 1 && depth + 1 == target_depth)
					candidate = offset;
				depth++;
			} else if (tok.tag == FDT_END_NODE) {
				if (depth == 0)
					return ERR_INVALID_ARGUMENT;
				depth--;
			} else if (tok.tag == FDT_END) {
				return ERR_INVALID_ARGUMENT;
			}
			offset = tok.next;
		}
		if (depth == 0)
			return ERR_INVALID_ARGUMENT; /* a second root */
		target_depth = depth;
	}
	parent->offset = candidate;
	return ERR_OK;
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_next_node(const struct dtb *dtb, struct dtb_node node, struct dtb_node *next)
{
	struct token tok;
	uint32_t offset;
	enum error err;

	CORE_ASSERT(dtb != NULL && next != NULL);
	err = node_token(dtb, node, &tok);
	/* Document order is the order of BEGIN_NODE tokens in the block. */
	while (err == ERR_OK) {
		offset = tok.next;
		err = read_token(dtb, offset, &tok);
		if (err != ERR_OK)
			break;
		if (tok.tag == FDT_BEGIN_NODE) {
			next->offset = offset;
			return ERR_OK;
		}
		if (tok.tag == FDT_END)
			return ERR_FAILED_LOOKUP;
	}
	return err;
}

/* Whether node name `name` (terminated) matches the path component
 * [comp, comp + len) as libfdt matches: exactly, or up to an '@' when the
 * component has no unit address of its own. */
static bool name_matches(const char *name, const char *comp, size_t len)
{
	bool comp_has_unit = false;

	for (size_t i = 0; i < len; i++) {
		if (name[i] != comp[i])
			return false; /* also stops at name's NUL: comp has none */
		if (comp[i] == '@')
			comp_has_unit = true;
	}
	return name[len] == '\0' || (name[len] == '@' && !comp_has_unit);
}

/* Assumes path is a NUL-terminated C string; the blob is untrusted. */
enum error dtb_find_path(const struct dtb *dtb, const char *path, struct dtb_node *node)
{
	struct dtb_node current;
	const char *p = path;

	CORE_ASSERT(dtb != NULL && path != NULL && node != NULL);
	if (*p != '/')
		return ERR_INVALID_ARGUMENT; /* no aliases: absolute paths only */
	current = dtb_root(dtb);
	for (;;) {
		struct dtb_node child;
		const char *end;
		enum error err;

		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* Confirms the root too, in case the blob changed. */
			if (dtb_node_name(dtb, current) == NULL)
				return ERR_INVALID_ARGUMENT;
			*node = current;
			return ERR_OK;
		}
		end = p;
		while (*end != '\0' && *end != '/')
			end++;

		err = dtb_first_child(dtb, current, &child);
		while (err == ERR_OK) {
			const char *name = dtb_node_name(dtb, child);

			if (name == NULL)
				return ERR_INVALID_ARGUMENT;
			if (name_matches(name, p, (size_t)(end - p)))
				break;
			err = dtb_next_sibling(dtb, child, &child);
		}
		if (err != ERR_OK)
			return err;
		current = child;
		p = end;
	}
}

/* Assumes dtb came from dtb_open(); *after may be anything. */
enum error dtb_find_compatible(const struct dtb *dtb, const struct dtb_node *after,
			       const char *compatible, struct dtb_node *node)
{
	struct dtb_node current = dtb_root(dtb);
	enum error err = ERR_OK;

	CORE_ASSERT(dtb != NULL && compatible != NULL && node != NULL);
	if (after != NULL)
		err = dtb_next_node(dtb, *after, &current);
	while (err == ERR_OK) {
		struct dtb_prop prop;

		err = dtb_get_prop(dtb, current, "compatible", &prop);
		if (err == ERR_OK && dtb_prop_has_string(&prop, compatible)) {
			*node = current;
			return ERR_OK;
		}
		if (err != ERR_OK && err != ERR_FAILED_LOOKUP)
			return err;
		err = dtb_next_node(dtb, current, &current);
	}
	return err;
}

/* From `offset` (just after a BEGIN_NODE or a PROP), the next property of
 * the same node. */
static MUST_CHECK enum error prop_from(const struct dtb *dtb, uint32_t offset,
				       struct dtb_prop *prop)
{
	struct token tok;
	uint32_t at;
	enum error err = skip_to_structure(dtb, offset, false, &tok, &at);

	if (err != ERR_OK)
		return err;
	switch (tok.tag) {
	case FDT_PROP:
		prop->name = tok.name;
		prop->value = tok.value;
		prop->len = tok.len;
		prop->offset = at;
		return ERR_OK;
	case FDT_BEGIN_NODE:
	case FDT_END_NODE: return ERR_FAILED_LOOKUP;
	default: return ERR_INVALID_ARGUMENT; /* FDT_END inside a node */
	}
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_first_prop(const struct dtb *dtb, struct dtb_node node, struct dtb_prop *prop)
{
	struct token tok;
	enum error err;

	CORE_ASSERT(dtb != NULL && prop != NULL);
	err = node_token(dtb, node, &tok);
	if (err != ERR_OK)
		return err;
	return prop_from(dtb, tok.next, prop);
}

/* Assumes dtb came from dtb_open(); prop->offset may be anything. */
enum error dtb_next_prop(const struct dtb *dtb, const struct dtb_prop *prop, struct dtb_prop *next)
{
	struct token tok;
	enum error err;

	CORE_ASSERT(dtb != NULL && prop != NULL && next != NULL);
	err = read_token(dtb, prop->offset, &tok);
	if (err != ERR_OK)
		return err;
	if (tok.tag != FDT_PROP)
		return ERR_INVALID_ARGUMENT;
	return prop_from(dtb, tok.next, next);
}

/* Assumes dtb came from dtb_open() and name is a C string; node may be anything. */
enum error dtb_get_prop(const struct dtb *dtb, struct dtb_node node, const char *name,
			struct dtb_prop *prop)
{
	struct dtb_prop p;
	enum error err;

	CORE_ASSERT(name != NULL && prop != NULL);
	for (err = dtb_first_prop(dtb, node, &p); err == ERR_OK; err = dtb_next_prop(dtb, &p, &p)) {
		if (cstr_eq(p.name, name)) {
			*prop = p;
			return ERR_OK;
		}
	}
	return err;
}

/* Assumes prop came from this reader (value has len readable bytes). */
enum error dtb_prop_u32(const struct dtb_prop *prop, uint32_t index, uint32_t *out)
{
	CORE_ASSERT(prop != NULL && out != NULL);
	if (((uint64_t)index + 1) * 4 > prop->len)
		return ERR_RANGE;
	*out = load_be32(prop->value + (size_t)index * 4);
	return ERR_OK;
}

/* Assumes prop came from this reader (value has len readable bytes). */
enum error dtb_prop_cells(const struct dtb_prop *prop, uint32_t index, uint32_t cells,
			  uint64_t *out)
{
	uint64_t value = 0;

	CORE_ASSERT(prop != NULL && out != NULL);
	if (cells != 1 && cells != 2)
		return ERR_INVALID_ARGUMENT;
	if (((uint64_t)index + cells) * 4 > prop->len)
		return ERR_RANGE;
	for (uint32_t i = 0; i < cells; i++)
		value = value << 32 | load_be32(prop->value + ((size_t)index + i) * 4);
	*out = value;
	return ERR_OK;
}

/* Assumes prop came from this reader (value has len readable bytes). */
enum error dtb_prop_string(const struct dtb_prop *prop, uint32_t index, const char **out)
{
	uint32_t pos = 0;

	CORE_ASSERT(prop != NULL && out != NULL);
	if (prop->len == 0)
		return ERR_RANGE; /* an empty list */
	if (prop->value[prop->len - 1] != 0)
		return ERR_INVALID_ARGUMENT;
	for (uint32_t i = 0; pos < prop->len; i++) {
		if (i == index) {
			*out = (const char *)(prop->value + pos);
			return ERR_OK;
		}
		pos += bounded_strlen(prop->value + pos, prop->len - pos) + 1;
	}
	return ERR_RANGE;
}

/* Assumes prop came from this reader and string is a C string. An
 * unterminated tail is no string, so it never matches (libfdt may compare
 * one byte past the value there; this reader never does). */
bool dtb_prop_has_string(const struct dtb_prop *prop, const char *string)
{
	size_t want;
	uint32_t pos = 0;

	CORE_ASSERT(prop != NULL && string != NULL);
	want = cstr_len(string);
	while (pos < prop->len) {
		uint32_t n = bounded_strlen(prop->value + pos, prop->len - pos);

		if (n == prop->len - pos)
			return false;
		if (n == want && bytes_eq(prop->value + pos, string, n))
			return true;
		pos += n + 1;
	}
	return false;
}

/* Whether the property's first string is `string`, as Linux compares
 * status and device_type (strcmp on the value). */
static bool prop_first_string_is(const struct dtb_prop *prop, const char *string)
{
	size_t n = cstr_len(string);

	return prop->len > n && bytes_eq(prop->value, string, n) && prop->value[n] == 0;
}

/* A one-cell count property of `node`, or `fallback` when absent; the
 * value must lie in [min, 4] (libfdt's FDT_MAX_NCELLS). */
static MUST_CHECK enum error cells_prop(const struct dtb *dtb, struct dtb_node node,
					const char *name, uint32_t fallback, uint32_t min,
					uint32_t *cells)
{
	struct dtb_prop prop;
	enum error err = dtb_get_prop(dtb, node, name, &prop);
	uint32_t value;

	if (err == ERR_FAILED_LOOKUP) {
		*cells = fallback;
		return ERR_OK;
	}
	if (err != ERR_OK)
		return err;
	if (prop.len != 4)
		return ERR_INVALID_ARGUMENT;
	value = load_be32(prop.value);
	if (value < min || value > 4)
		return ERR_INVALID_ARGUMENT;
	*cells = value;
	return ERR_OK;
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_address_cells(const struct dtb *dtb, struct dtb_node node, uint32_t *cells)
{
	CORE_ASSERT(cells != NULL);
	return cells_prop(dtb, node, "#address-cells", 2, 1, cells);
}

/* Assumes dtb came from dtb_open(); node may be anything. */
enum error dtb_size_cells(const struct dtb *dtb, struct dtb_node node, uint32_t *cells)
{
	CORE_ASSERT(cells != NULL);
	return cells_prop(dtb, node, "#size-cells", 1, 0, cells);
}

/* A node's "reg" with the cell counts to decode it: looked up once, then
 * read entry by entry (the system queries read many entries). */
struct reg_view {
	struct dtb_prop prop;
	uint32_t address_cells;
	uint32_t size_cells;
	uint32_t count;
};

/* Open `node`'s reg with the cell counts `bus` gives its children. */
static MUST_CHECK enum error reg_open(const struct dtb *dtb, struct dtb_node node,
				      struct dtb_node bus, struct reg_view *reg)
{
	uint32_t entry_bytes;
	enum error err = dtb_get_prop(dtb, node, "reg", &reg->prop);

	if (err == ERR_OK)
		err = dtb_address_cells(dtb, bus, &reg->address_cells);
	if (err == ERR_OK)
		err = dtb_size_cells(dtb, bus, &reg->size_cells);
	if (err != ERR_OK)
		return err;
	if (reg->address_cells > 2 || reg->size_cells > 2)
		return ERR_INVALID_ARGUMENT;                      /* does not fit dtb_range */
	entry_bytes = (reg->address_cells + reg->size_cells) * 4; /* >= 4: address >= 1 */
	if (reg->prop.len % entry_bytes != 0)
		return ERR_INVALID_ARGUMENT;
	reg->count = reg->prop.len / entry_bytes;
	return ERR_OK;
}

/* `cells` (0..2) big-endian cells at cell `first` of value; the caller has
 * checked that they lie inside it. */
static uint64_t load_cells(const uint8_t *value, uint32_t first, uint32_t cells)
{
	uint64_t number = 0;

	for (uint32_t i = 0; i < cells; i++)
		number = number << 32 | load_be32(value + ((size_t)first + i) * 4);
	return number;
}

/* Entry `index` of an opened reg; ERR_RANGE past the last. reg_open made
 * the length a whole number of entries, so an index below count is inside. */
static MUST_CHECK enum error reg_entry(const struct reg_view *reg, uint32_t index,
				       struct dtb_range *out)
{
	uint32_t first;

	if (index >= reg->count)
		return ERR_RANGE;
	first = index * (reg->address_cells + reg->size_cells); /* < len / 4: no wrap */
	out->base = load_cells(reg->prop.value, first, reg->address_cells);
	out->size = load_cells(reg->prop.value, first + reg->address_cells, reg->size_cells);
	return ERR_OK;
}

/* Assumes dtb came from dtb_open(); node and index may be anything. The
 * root has no parent to give cell counts: its reg is ERR_INVALID_ARGUMENT. */
enum error dtb_reg(const struct dtb *dtb, struct dtb_node node, uint32_t index,
		   struct dtb_range *out)
{
	struct dtb_prop prop;
	struct dtb_node parent;
	struct reg_view reg;
	enum error err;

	CORE_ASSERT(out != NULL);
	err = dtb_get_prop(dtb, node, "reg", &prop);
	if (err != ERR_OK)
		return err;
	err = dtb_parent(dtb, node, &parent);
	if (err == ERR_FAILED_LOOKUP)
		return ERR_INVALID_ARGUMENT;
	if (err == ERR_OK)
		err = reg_open(dtb, node, parent, &reg);
	if (err != ERR_OK)
		return err;
	return reg_entry(&reg, index, out);
}

/* Assumes dtb came from dtb_open(); node may be anything (a bogus node is
 * not enabled). */
bool dtb_node_enabled(const struct dtb *dtb, struct dtb_node node)
{
	struct dtb_prop prop;
	enum error err = dtb_get_prop(dtb, node, "status", &prop);

	if (err == ERR_FAILED_LOOKUP)
		return node_token(dtb, node, &(struct token){ 0 }) == ERR_OK;
	if (err != ERR_OK)
		return false;
	return prop_first_string_is(&prop, "okay") || prop_first_string_is(&prop, "ok");
}

/* Whether node's device_type is `type`; a malformed blob is an error. */
static MUST_CHECK enum error has_device_type(const struct dtb *dtb, struct dtb_node node,
					     const char *type, bool *yes)
{
	struct dtb_prop prop;
	enum error err = dtb_get_prop(dtb, node, "device_type", &prop);

	*yes = err == ERR_OK && prop_first_string_is(&prop, type);
	return err == ERR_FAILED_LOOKUP ? ERR_OK : err;
}

/* Append every entry of `reg` to out (as far as capacity allows). */
static void append_reg(const struct reg_view *reg, struct dtb_range *out, size_t capacity,
		       size_t *count)
{
	for (uint32_t i = 0; i < reg->count; i++) {
		if (out != NULL && *count < capacity) {
			enum error err = reg_entry(reg, i, &out[*count]);

			CORE_ASSERT(err == ERR_OK); /* i < count */
			(void)err;
		}
		(*count)++;
	}
}

/* One pass of dtb_memory_ranges: counts, and fills out when non-NULL. */
static MUST_CHECK enum error memory_pass(const struct dtb *dtb, struct dtb_range *out,
					 size_t capacity, size_t *count)
{
	struct dtb_node node = dtb_root(dtb);
	enum error err = ERR_OK;

	*count = 0;
	while (err == ERR_OK) {
		struct dtb_node parent;
		struct reg_view reg;
		bool memory;

		err = has_device_type(dtb, node, "memory", &memory);
		if (err != ERR_OK)
			return err;
		if (memory && dtb_node_enabled(dtb, node)) {
			err = dtb_parent(dtb, node, &parent);
			if (err == ERR_OK)
				err = reg_open(dtb, node, parent, &reg);
			if (err == ERR_OK)
				append_reg(&reg, out, capacity, count);
			if (err == ERR_FAILED_LOOKUP)
				err = ERR_OK; /* no reg (or the root): nothing to add */
			if (err != ERR_OK)
				return err;
		}
		err = dtb_next_node(dtb, node, &node);
	}
	return err == ERR_FAILED_LOOKUP ? ERR_OK : err;
}

/* A first pass validates and counts without writing, so that on error
 * nothing changes (error.h); the second fills. Assumes dtb from dtb_open(). */
enum error dtb_memory_ranges(const struct dtb *dtb, struct dtb_range *out, size_t capacity,
			     size_t *count)
{
	size_t n;
	enum error err;

	CORE_ASSERT(dtb != NULL && count != NULL && (out != NULL || capacity == 0));
	err = memory_pass(dtb, NULL, 0, &n);
	if (err == ERR_OK && capacity != 0)
		err = memory_pass(dtb, out, capacity, &n);
	if (err == ERR_OK)
		*count = n;
	return err;
}

/* One pass of dtb_reserved_ranges: counts, and fills out when non-NULL. */
static MUST_CHECK enum error reserved_pass(const struct dtb *dtb, struct dtb_range *out,
					   size_t capacity, size_t *count)
{
	struct dtb_node bus, child;
	enum error err;

	*count = 0;
	for (uint32_t i = 0; i < dtb->reserve_count; i++) {
		if (out != NULL && *count < capacity) {
			err = dtb_reserve_entry(dtb, i, &out[*count]);
			CORE_ASSERT(err == ERR_OK); /* i < reserve_count */
		}
		(*count)++;
	}

	err = dtb_find_path(dtb, "/reserved-memory", &bus);
	if (err == ERR_OK)
		err = dtb_first_child(dtb, bus, &child);
	while (err == ERR_OK) {
		struct reg_view reg;

		err = reg_open(dtb, child, bus, &reg);
		if (err == ERR_OK)
			append_reg(&reg, out, capacity, count);
		if (err == ERR_FAILED_LOOKUP)
			err = ERR_OK; /* a dynamically placed region has no reg */
		if (err == ERR_OK)
			err = dtb_next_sibling(dtb, child, &child);
	}
	return err == ERR_FAILED_LOOKUP ? ERR_OK : err;
}

/* Same two-pass shape as dtb_memory_ranges. Assumes dtb from dtb_open(). */
enum error dtb_reserved_ranges(const struct dtb *dtb, struct dtb_range *out, size_t capacity,
			       size_t *count)
{
	size_t n;
	enum error err;

	CORE_ASSERT(dtb != NULL && count != NULL && (out != NULL || capacity == 0));
	err = reserved_pass(dtb, NULL, 0, &n);
	if (err == ERR_OK && capacity != 0)
		err = reserved_pass(dtb, out, capacity, &n);
	if (err == ERR_OK)
		*count = n;
	return err;
}

/* One pass of dtb_cpus: counts, and fills out when non-NULL. A cpu node
 * whose reg gives no hart id makes the blob unusable: an error. */
static MUST_CHECK enum error cpus_pass(const struct dtb *dtb, struct dtb_cpu *out, size_t capacity,
				       size_t *count)
{
	struct dtb_node bus, child;
	enum error err;

	*count = 0;
	err = dtb_find_path(dtb, "/cpus", &bus);
	if (err == ERR_OK)
		err = dtb_first_child(dtb, bus, &child);
	while (err == ERR_OK) {
		bool cpu;

		err = has_device_type(dtb, child, "cpu", &cpu);
		if (err == ERR_OK && cpu) {
			struct reg_view reg;
			struct dtb_range range;

			err = reg_open(dtb, child, bus, &reg);
			if (err == ERR_OK)
				err = reg_entry(&reg, 0, &range);
			if (err == ERR_FAILED_LOOKUP || err == ERR_RANGE)
				err = ERR_INVALID_ARGUMENT; /* no hart id */
			if (err != ERR_OK)
				return err;
			if (out != NULL && *count < capacity) {
				out[*count].hart_id = range.base;
				out[*count].enabled = dtb_node_enabled(dtb, child);
				out[*count].node = child;
			}
			(*count)++;
		}
		if (err == ERR_OK)
			err = dtb_next_sibling(dtb, child, &child);
	}
	return err == ERR_FAILED_LOOKUP ? ERR_OK : err;
}

/* Same two-pass shape as dtb_memory_ranges. Assumes dtb from dtb_open(). */
enum error dtb_cpus(const struct dtb *dtb, struct dtb_cpu *out, size_t capacity, size_t *count)
{
	size_t n;
	enum error err;

	CORE_ASSERT(dtb != NULL && count != NULL && (out != NULL || capacity == 0));
	err = cpus_pass(dtb, NULL, 0, &n);
	if (err == ERR_OK && capacity != 0)
		err = cpus_pass(dtb, out, capacity, &n);
	if (err == ERR_OK)
		*count = n;
	return err;
}

/* Assumes dtb came from dtb_open(). */
enum error dtb_bootargs(const struct dtb *dtb, const char **bootargs)
{
	struct dtb_node chosen;
	struct dtb_prop prop;
	enum error err;

	CORE_ASSERT(dtb != NULL && bootargs != NULL);
	err = dtb_find_path(dtb, "/chosen", &chosen);
	if (err == ERR_OK)
		err = dtb_get_prop(dtb, chosen, "bootargs", &prop);
	if (err == ERR_FAILED_LOOKUP) {
		*bootargs = "";
		return ERR_OK;
	}
	if (err != ERR_OK)
		return err;
	/* Exactly one terminated string: the first NUL is the last byte. */
	if (prop.len == 0 || bounded_strlen(prop.value, prop.len) != prop.len - 1)
		return ERR_INVALID_ARGUMENT;
	*bootargs = (const char *)prop.value;
	return ERR_OK;
}

/* Assumes dtb came from dtb_open(). One cell or two, as the spec allows. */
enum error dtb_timebase_frequency(const struct dtb *dtb, uint64_t *hz)
{
	struct dtb_node cpus;
	struct dtb_prop prop;
	enum error err;

	CORE_ASSERT(dtb != NULL && hz != NULL);
	err = dtb_find_path(dtb, "/cpus", &cpus);
	if (err == ERR_OK)
		err = dtb_get_prop(dtb, cpus, "timebase-frequency", &prop);
	if (err != ERR_OK)
		return err;
	if (prop.len != 4 && prop.len != 8)
		return ERR_INVALID_ARGUMENT;
	return dtb_prop_cells(&prop, 0, prop.len / 4, hz);
}
