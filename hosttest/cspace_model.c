/* SPDX-License-Identifier: MIT */
/*
 * The CSpace model; see cspace_model.h. Everything here is a linear scan
 * over a flat array of model slots, one per possible real slot (the kernel
 * root slot, the root CNode, every 32-byte slot of the test's untyped
 * memory): obviously correct first, fast enough second. The rules are
 * written from docs/capabilities.md and the seL4 manual, not from core/;
 * where Kestrel made a documented choice, the comment cites it.
 */
#include "cspace_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdb.h"
#include "object.h"

#define SLOT_BYTES ((uintptr_t)1 << CTE_SIZE_BITS)

static uint64_t low_mask(unsigned bits)
{
	return bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
}

static unsigned bit(uint64_t x, unsigned i)
{
	return i < 64 ? (unsigned)((x >> i) & 1) : 0;
}

/* A model inconsistency is a bug in this file, not in core/: stop loudly. */
static void model_bug(const char *what)
{
	fprintf(stderr, "cspace model bug: %s\n", what);
	abort();
}

static struct mslot *slot_at(const struct model *m, uintptr_t addr)
{
	uint64_t root_bytes = (uint64_t)1 << (m->root_radix + CTE_SIZE_BITS);
	size_t root_slots = (size_t)1 << m->root_radix;
	if (addr == (uintptr_t)m->slots[0].addr)
		return &m->slots[0];
	if (addr >= m->root_base && addr - m->root_base < root_bytes)
		return &m->slots[1 + (addr - m->root_base) / SLOT_BYTES];
	if (addr >= m->mem_base && addr - m->mem_base < ((uint64_t)1 << m->mem_bits))
		return &m->slots[1 + root_slots + (addr - m->mem_base) / SLOT_BYTES];
	return NULL;
}

static struct mslot *root_slot(const struct model *m, uint64_t index)
{
	return &m->slots[1 + index];
}

void model_init(struct model *m, struct cte *kernel_slot, uintptr_t root_base, unsigned root_radix,
		uintptr_t mem_base, unsigned mem_bits, uint64_t boot_index)
{
	memset(m, 0, sizeof(*m));
	m->root_base = root_base;
	m->root_radix = root_radix;
	m->mem_base = mem_base;
	m->mem_bits = mem_bits;
	size_t root_slots = (size_t)1 << root_radix;
	m->count = 1 + root_slots + ((size_t)1 << (mem_bits - CTE_SIZE_BITS));
	m->slots = calloc(m->count, sizeof(m->slots[0]));
	if (m->slots == NULL)
		model_bug("out of memory");
	m->slots[0].addr = kernel_slot;
	m->slots[0].exists = true;
	for (size_t i = 0; i < root_slots; i++) {
		m->slots[1 + i].addr = (struct cte *)root_base + i;
		m->slots[1 + i].exists = true;
	}
	for (size_t i = 1 + root_slots; i < m->count; i++)
		m->slots[i].addr = (struct cte *)(mem_base + (i - 1 - root_slots) * SLOT_BYTES);
	/* The CSpace root as a TCB holds it: an original CNode cap whose guard
	 * makes every cptr a 64-bit index. */
	m->slots[0].cap = (struct mcap){ .type = CAP_CNODE,
					 .addr = root_base,
					 .bits = root_radix,
					 .guard_size = 64 - root_radix,
					 .revocable = true };
	/* docs: a fresh untyped of normal memory starts used up (reset first). */
	root_slot(m, boot_index)->cap = (struct mcap){ .type = CAP_UNTYPED,
						       .addr = mem_base,
						       .bits = mem_bits,
						       .watermark = (uint64_t)1 << mem_bits,
						       .revocable = true };
}

void model_fini(struct model *m)
{
	free(m->slots);
}

/* ---- the rules, over model caps ---- */

/* The memory a cap names: every type the test makes has some. */
static void region(const struct mcap *c, uintptr_t *base, unsigned *bits)
{
	*base = c->addr;
	switch (c->type) {
	case CAP_UNTYPED: *bits = c->bits; return;
	case CAP_CNODE: *bits = c->bits + CTE_SIZE_BITS; return;
	case CAP_FRAME: *bits = c->bits; return;
	case CAP_TCB: *bits = TCB_SIZE_BITS; return;
	case CAP_ENDPOINT: *bits = ENDPOINT_SIZE_BITS; return;
	case CAP_NOTIFICATION: *bits = NOTIFICATION_SIZE_BITS; return;
	case CAP_REPLY: *bits = REPLY_SIZE_BITS; return;
	case CAP_PAGE_TABLE: *bits = PAGE_TABLE_SIZE_BITS; return;
	case CAP_SERVICE: *bits = SERVICE_SIZE_BITS; return;
	case CAP_CHANNEL: *bits = CHANNEL_SIZE_BITS; return;
	case CAP_SENDER_TABLE: *bits = sender_table_object_bits(c->bits); return;
	default: model_bug("region of a type the model never makes");
	}
}

/* docs "The derivation tree": an untyped covers what lies in its memory;
 * an object cap covers caps to the same object (frames: same size; CNodes:
 * same radix). */
static bool same_region(const struct mcap *a, const struct mcap *b)
{
	uintptr_t ab, bb;
	unsigned abits, bbits;
	region(a, &ab, &abits);
	region(b, &bb, &bbits);
	if (a->type == CAP_UNTYPED)
		return bb >= ab && bbits <= abits && bb - ab <= low_mask(abits) - low_mask(bbits);
	return a->type == b->type && ab == bb && abits == bbits;
}

static bool is_badged_type(enum cap_type t)
{
	return t == CAP_ENDPOINT || t == CAP_NOTIFICATION || t == CAP_SERVICE;
}

/* seL4's isMDBParentOf: the parent is an original covering the child; a
 * badged parent only adopts caps with its badge that are not themselves
 * the first with that badge (an independent mint). */
static bool may_parent(const struct mcap *p, const struct mcap *c, bool c_first_badged)
{
	if (!p->revocable || !same_region(p, c))
		return false;
	if (is_badged_type(p->type) && p->badge != 0)
		return c->badge == p->badge && !c_first_badged;
	return true;
}

/* docs "Which caps are revocable": a mint that changes the badge, untyped. */
static bool derived_is_revocable(const struct mcap *derived, const struct mcap *src)
{
	if (is_badged_type(derived->type))
		return derived->badge != src->badge;
	return derived->type == CAP_UNTYPED;
}

/* docs "Capability types": rights only shrink; a frame without read has
 * no rights (RISC-V has no write-only mapping). */
static struct mcap mask_rights(struct mcap c, unsigned mask)
{
	switch (c.type) {
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_REPLY: c.rights &= mask; break;
	case CAP_FRAME:
		c.rights &= mask;
		if (!(c.rights & CAP_RIGHT_READ))
			c.rights = 0;
		break;
	default: break;
	}
	return c;
}

/* Mint/mutate data: one badge per cap and only by mint (preserve=false);
 * a CNode takes its guard from the word (bits 5..0 size, 63..6 guard,
 * masked to the size; size + radix > 64 is illegal). False: illegal. */
static bool update_data(struct mcap *c, bool preserve, uint64_t data)
{
	if (is_badged_type(c->type)) {
		if (preserve || c->badge != 0)
			return false;
		c->badge = data;
		return true;
	}
	if (c->type == CAP_CNODE) {
		unsigned size = (unsigned)(data & 63);
		if (size + c->bits > 64)
			return false;
		c->guard_size = size;
		c->guard = (data >> 6) & low_mask(size);
	}
	return true;
}

static bool has_children(const struct model *m, const struct mslot *s)
{
	for (size_t i = 0; i < m->count; i++)
		if (m->slots[i].exists && m->slots[i].cap.type != CAP_NULL &&
		    m->slots[i].cap.parent == s)
			return true;
	return false;
}

static bool descends_from(const struct mslot *s, const struct mslot *ancestor)
{
	for (const struct mslot *p = s->cap.parent; p != NULL; p = p->cap.parent)
		if (p == ancestor)
			return true;
	return false;
}

/* Caps moved between slots keep their tree position: parents named by the
 * old slots now live in the new ones (both renames at once, for a swap). */
static void rename_parents(struct model *m, struct mslot *from1, struct mslot *to1,
			   struct mslot *from2, struct mslot *to2)
{
	for (size_t i = 0; i < m->count; i++) {
		struct mcap *c = &m->slots[i].cap;
		if (c->parent == from1)
			c->parent = to1;
		else if (from2 != NULL && c->parent == from2)
			c->parent = to2;
	}
}

/* ---- lookups ---- */

static struct mcap ref_root(const struct model *m, struct mref ref)
{
	if (ref.root < 0)
		return (
		    struct mcap){ .type = CAP_CNODE, .addr = m->root_base, .bits = m->root_radix };
	return root_slot(m, (uint64_t)ref.root)->cap;
}

/* seL4's lookupSlotForCNodeOp, bit by bit: the root must be a CNode, then
 * the depth 1..64, then every bit consumed exactly. */
static enum error lookup_from(const struct model *m, struct mcap node, uint64_t cptr,
			      uint64_t depth, struct mslot **slot)
{
	if (node.type != CAP_CNODE)
		return ERR_FAILED_LOOKUP;
	if (depth < 1 || depth > 64)
		return ERR_RANGE;
	unsigned n = (unsigned)depth; /* bits not read yet; the next is bit n-1 */
	for (;;) {
		if (node.guard_size > n)
			return ERR_FAILED_LOOKUP;
		for (unsigned b = 0; b < node.guard_size; b++)
			if (bit(cptr, n - 1 - b) != bit(node.guard, node.guard_size - 1 - b))
				return ERR_FAILED_LOOKUP;
		if (node.guard_size + node.bits > n)
			return ERR_FAILED_LOOKUP;
		uint64_t index = 0;
		for (unsigned b = 0; b < node.bits; b++)
			index = index * 2 + bit(cptr, n - 1 - node.guard_size - b);
		n -= node.guard_size + node.bits;
		struct mslot *s = slot_at(m, node.addr + index * SLOT_BYTES);
		if (s == NULL || !s->exists)
			model_bug("a CNode cap names a CNode whose slots do not exist");
		if (n == 0) {
			*slot = s;
			return ERR_OK;
		}
		if (s->cap.type != CAP_CNODE)
			return ERR_FAILED_LOOKUP; /* a leaf with bits left: depth mismatch */
		node = s->cap;
	}
}

enum error model_lookup(const struct model *m, struct mref ref, struct mslot **slot)
{
	return lookup_from(m, ref_root(m, ref), ref.index, ref.depth, slot);
}

/* ---- copy, mint, move, mutate, rotate ---- */

enum error model_copy(struct model *m, struct mref dest, struct mref src, unsigned rights,
		      bool mint, uint64_t data)
{
	struct mslot *d, *s;
	enum error err = model_lookup(m, dest, &d);
	if (err != ERR_OK)
		return err;
	if (d->cap.type != CAP_NULL)
		return ERR_DELETE_FIRST;
	err = model_lookup(m, src, &s);
	if (err != ERR_OK)
		return err;
	if (s->cap.type == CAP_NULL)
		return ERR_FAILED_LOOKUP; /* missing capability */
	struct mcap c = mask_rights(s->cap, rights);
	if (mint && !update_data(&c, false, data))
		return ERR_ILLEGAL_OPERATION;
	/* docs "What may be derived": an untyped with children is REVOKE_FIRST;
	 * page tables only when mapped (the test never maps one); a frame copy
	 * is unmapped (the test's frames never are). */
	if (c.type == CAP_UNTYPED && has_children(m, s))
		return ERR_REVOKE_FIRST;
	if (c.type == CAP_PAGE_TABLE)
		return ERR_ILLEGAL_OPERATION;
	c.revocable = derived_is_revocable(&c, &s->cap);
	/* Inserted right after its source: the source's child if it may parent
	 * it, else a sibling under the source's parent. */
	c.parent = may_parent(&s->cap, &c, c.revocable) ? s : s->cap.parent;
	/* docs: copying an untyped marks the source full, so the copy (its
	 * child) owns the free space; the copy keeps the old watermark. */
	if (c.type == CAP_UNTYPED)
		s->cap.watermark = (uint64_t)1 << s->cap.bits;
	d->cap = c;
	return ERR_OK;
}

enum error model_move(struct model *m, struct mref dest, struct mref src, bool mutate,
		      uint64_t data)
{
	struct mslot *d, *s;
	enum error err = model_lookup(m, dest, &d);
	if (err != ERR_OK)
		return err;
	if (d->cap.type != CAP_NULL)
		return ERR_DELETE_FIRST;
	err = model_lookup(m, src, &s);
	if (err != ERR_OK)
		return err;
	if (s->cap.type == CAP_NULL)
		return ERR_FAILED_LOOKUP;
	struct mcap c = s->cap;
	/* docs: mutate applies data with "preserve": only a CNode's guard. */
	if (mutate && !update_data(&c, true, data))
		return ERR_ILLEGAL_OPERATION;
	d->cap = c;
	s->cap = (struct mcap){ .type = CAP_NULL };
	rename_parents(m, s, d, NULL, NULL);
	return ERR_OK;
}

enum error model_rotate(struct model *m, struct mref dest, struct mref pivot, uint64_t pivot_data,
			struct mref src, uint64_t src_data)
{
	struct mslot *d, *p, *s;
	enum error err = model_lookup(m, dest, &d);
	if (err == ERR_OK)
		err = model_lookup(m, pivot, &p);
	if (err == ERR_OK)
		err = model_lookup(m, src, &s);
	if (err != ERR_OK)
		return err;
	/* docs "The invocations": the checks in seL4's order. */
	if (p == s || p == d)
		return ERR_ILLEGAL_OPERATION;
	if (s != d && d->cap.type != CAP_NULL)
		return ERR_DELETE_FIRST;
	if (s->cap.type == CAP_NULL || p->cap.type == CAP_NULL)
		return ERR_FAILED_LOOKUP;
	struct mcap new_src = s->cap, new_pivot = p->cap;
	bool ok_src = update_data(&new_src, true, src_data);
	bool ok_pivot = update_data(&new_pivot, true, pivot_data);
	if (!ok_src || !ok_pivot)
		return ERR_ILLEGAL_OPERATION;
	if (s == d) {
		/* A swap: each cap keeps its place in the tree. */
		s->cap = new_pivot;
		p->cap = new_src;
		rename_parents(m, s, p, p, s);
	} else {
		d->cap = new_pivot;
		p->cap = new_src;
		s->cap = (struct mcap){ .type = CAP_NULL };
		rename_parents(m, p, d, s, p);
	}
	return ERR_OK;
}

/* ---- delete and revoke ---- */

static bool cnode_survives(const struct model *m, uintptr_t base)
{
	for (size_t i = 0; i < m->count; i++) {
		const struct mslot *s = &m->slots[i];
		if (s->exists && !s->doomed && s->cap.type == CAP_CNODE && s->cap.addr == base)
			return true;
	}
	return false;
}

/* Doom every cap held inside a dying CNode; true if any was new. */
static bool doom_contents(struct model *m, const struct mcap *cnode)
{
	bool changed = false;
	for (uint64_t i = 0; i < ((uint64_t)1 << cnode->bits); i++) {
		struct mslot *in = slot_at(m, cnode->addr + i * SLOT_BYTES);
		if (in->cap.type != CAP_NULL && !in->doomed) {
			in->doomed = true;
			changed = true;
		}
	}
	return changed;
}

/*
 * The doomed caps go. docs "Delete, revoke": when a CNode loses its last
 * cap every cap inside it is deleted too, and so on (the closure below; the
 * result does not depend on the order). Survivors whose parent went are
 * adopted by their nearest surviving ancestor (the list just closes up).
 * Returns whether `watch` was doomed.
 */
static bool delete_doomed(struct model *m, const struct mslot *watch)
{
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < m->count; i++) {
			struct mslot *s = &m->slots[i];
			if (s->doomed && s->cap.type == CAP_CNODE &&
			    !cnode_survives(m, s->cap.addr))
				changed |= doom_contents(m, &s->cap);
		}
	}
	for (size_t i = 0; i < m->count; i++) {
		struct mslot *s = &m->slots[i];
		if (!s->exists || s->doomed || s->cap.type == CAP_NULL)
			continue;
		while (s->cap.parent != NULL && s->cap.parent->doomed)
			s->cap.parent = s->cap.parent->cap.parent;
	}
	bool watched = watch->doomed;
	/* CNodes without a surviving cap are gone: their slots stop existing. */
	for (size_t i = 0; i < m->count; i++) {
		struct mslot *s = &m->slots[i];
		if (!s->doomed || s->cap.type != CAP_CNODE || cnode_survives(m, s->cap.addr))
			continue;
		for (uint64_t j = 0; j < ((uint64_t)1 << s->cap.bits); j++)
			slot_at(m, s->cap.addr + j * SLOT_BYTES)->exists = false;
	}
	for (size_t i = 0; i < m->count; i++) {
		if (m->slots[i].doomed)
			m->slots[i].cap = (struct mcap){ .type = CAP_NULL };
		m->slots[i].doomed = false;
	}
	return watched;
}

enum error model_delete(struct model *m, struct mref target)
{
	struct mslot *t;
	enum error err = model_lookup(m, target, &t);
	if (err != ERR_OK || t->cap.type == CAP_NULL)
		return err;
	t->doomed = true;
	(void)delete_doomed(m, t);
	return ERR_OK;
}

enum error model_revoke(struct model *m, struct mref target, bool *order_dependent)
{
	struct mslot *t;
	*order_dependent = false;
	enum error err = model_lookup(m, target, &t);
	if (err != ERR_OK || t->cap.type == CAP_NULL)
		return err;
	/* Would the revoke delete the revoked cap itself (it lies in a CNode
	 * that dies)? Then, as in seL4's cteRevoke, it stops there, and which
	 * descendants went first depends on the list order the model does not
	 * keep: the caller skips such a revoke. */
	for (size_t i = 0; i < m->count; i++)
		m->slots[i].doomed = m->slots[i].exists && m->slots[i].cap.type != CAP_NULL &&
				     descends_from(&m->slots[i], t);
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < m->count; i++) {
			struct mslot *s = &m->slots[i];
			if (s->doomed && s->cap.type == CAP_CNODE &&
			    !cnode_survives(m, s->cap.addr))
				changed |= doom_contents(m, &s->cap);
		}
	}
	if (t->doomed) {
		for (size_t i = 0; i < m->count; i++)
			m->slots[i].doomed = false;
		*order_dependent = true;
		return ERR_OK;
	}
	(void)delete_doomed(m, t);
	/* docs: a revoked untyped keeps its watermark (its next retype resets). */
	return ERR_OK;
}

/* ---- retype ---- */

static struct mcap new_object(uint64_t type, uintptr_t addr, unsigned user_bits, bool device)
{
	/* docs "Untyped memory": fresh originals; endpoint-like caps carry all
	 * rights and no badge, frames read/write. */
	struct mcap c = { .addr = addr, .revocable = true };
	switch (type) {
	case OBJ_UNTYPED:
		c.type = CAP_UNTYPED;
		c.bits = user_bits;
		c.device = device;
		break;
	case OBJ_TCB: c.type = CAP_TCB; break;
	case OBJ_ENDPOINT:
		c.type = CAP_ENDPOINT;
		c.rights = CAP_RIGHTS_ALL;
		break;
	case OBJ_NOTIFICATION:
		c.type = CAP_NOTIFICATION;
		c.rights = CAP_RIGHTS_ALL;
		break;
	case OBJ_CNODE:
		c.type = CAP_CNODE;
		c.bits = user_bits;
		break;
	case OBJ_REPLY:
		c.type = CAP_REPLY;
		c.rights = CAP_RIGHTS_ALL;
		break;
	case OBJ_FRAME_4K:
	case OBJ_FRAME_2M:
	case OBJ_FRAME_1G:
		c.type = CAP_FRAME;
		c.bits = type == OBJ_FRAME_4K ? 12 : type == OBJ_FRAME_2M ? 21 : 30;
		c.rights = 3;
		c.device = device;
		break;
	case OBJ_PAGE_TABLE: c.type = CAP_PAGE_TABLE; break;
	case OBJ_SERVICE: c.type = CAP_SERVICE; break;
	case OBJ_CHANNEL: c.type = CAP_CHANNEL; break;
	case OBJ_SENDER_TABLE:
		c.type = CAP_SENDER_TABLE;
		c.bits = user_bits; /* log2 of its entries */
		break;
	default: model_bug("object type");
	}
	return c;
}

/* Bytes of one object, as docs "Capability types" lists the sizes. */
static unsigned object_bits(uint64_t type, uint64_t size_bits)
{
	switch (type) {
	case OBJ_UNTYPED: return (unsigned)size_bits;
	case OBJ_TCB: return TCB_SIZE_BITS;
	case OBJ_ENDPOINT: return ENDPOINT_SIZE_BITS;
	case OBJ_NOTIFICATION: return NOTIFICATION_SIZE_BITS;
	case OBJ_CNODE: return (unsigned)size_bits + CTE_SIZE_BITS;
	case OBJ_REPLY: return REPLY_SIZE_BITS;
	case OBJ_FRAME_4K: return 12;
	case OBJ_FRAME_2M: return 21;
	case OBJ_FRAME_1G: return 30;
	case OBJ_PAGE_TABLE: return PAGE_TABLE_SIZE_BITS;
	case OBJ_SERVICE: return SERVICE_SIZE_BITS;
	case OBJ_SENDER_TABLE: return sender_table_object_bits((unsigned)size_bits);
	default: return CHANNEL_SIZE_BITS;
	}
}

enum error model_retype(struct model *m, uint64_t ut_index, uint64_t type, uint64_t size_bits,
			struct mref dest_cnode, uint64_t offset, uint64_t count)
{
	/* docs "Untyped memory", checks 1..8 in seL4's order. */
	struct mslot *u = root_slot(m, ut_index);
	if (u->cap.type != CAP_UNTYPED)
		return ERR_INVALID_CAPABILITY;
	if (type >= OBJ_TYPE_COUNT)
		return ERR_INVALID_ARGUMENT;
	if (type == OBJ_UNTYPED && size_bits > 38)
		return ERR_RANGE;
	if (type == OBJ_UNTYPED && size_bits < 4)
		return ERR_INVALID_ARGUMENT;
	if (type == OBJ_CNODE && size_bits > 33)
		return ERR_RANGE;
	if (type == OBJ_CNODE && size_bits < 1)
		return ERR_INVALID_ARGUMENT;
	if (type == OBJ_SENDER_TABLE && size_bits > SENDER_TABLE_RADIX_MAX)
		return ERR_RANGE;
	struct mcap cnode = ref_root(m, dest_cnode);
	if (dest_cnode.depth != 0) {
		struct mslot *s;
		enum error err = model_lookup(m, dest_cnode, &s);
		if (err != ERR_OK)
			return err;
		cnode = s->cap;
	}
	if (cnode.type != CAP_CNODE)
		return ERR_FAILED_LOOKUP;
	uint64_t slots = (uint64_t)1 << cnode.bits;
	if (offset >= slots || count < 1 || count > 256 || count > slots - offset)
		return ERR_RANGE;
	for (uint64_t i = 0; i < count; i++)
		if (slot_at(m, cnode.addr + (offset + i) * SLOT_BYTES)->cap.type != CAP_NULL)
			return ERR_DELETE_FIRST;
	bool is_frame = type == OBJ_FRAME_4K || type == OBJ_FRAME_2M || type == OBJ_FRAME_1G;
	if (u->cap.device && type != OBJ_UNTYPED && !is_frame)
		return ERR_INVALID_ARGUMENT;
	/* An untyped without children is wholly free again (seL4's reset). */
	uint64_t free = has_children(m, u) ? u->cap.watermark : 0;
	unsigned bits = object_bits(type, size_bits);
	if (bits > u->cap.bits)
		return ERR_NOT_ENOUGH_MEMORY;
	uint64_t first = (free + low_mask(bits)) & ~low_mask(bits);
	if ((((uint64_t)1 << u->cap.bits) - first) >> bits < count)
		return ERR_NOT_ENOUGH_MEMORY;
	u->cap.watermark = first + (count << bits);
	for (uint64_t i = 0; i < count; i++) {
		uintptr_t addr = u->cap.addr + first + (i << bits);
		struct mslot *d = slot_at(m, cnode.addr + (offset + i) * SLOT_BYTES);
		d->cap = new_object(type, addr, (unsigned)size_bits, u->cap.device);
		d->cap.parent = u;
		if (type == OBJ_CNODE) {
			for (uint64_t j = 0; j < ((uint64_t)1 << size_bits); j++) {
				struct mslot *in = slot_at(m, addr + j * SLOT_BYTES);
				if (in == NULL || in->exists)
					model_bug("a new CNode overlaps a live one");
				in->exists = true;
				in->cap = (struct mcap){ .type = CAP_NULL };
			}
		}
	}
	return ERR_OK;
}

/* ---- comparing with the real CSpace ---- */

static const char *slot_name(const struct model *m, const struct mslot *s)
{
	static char names[3][48];
	static int which;
	char *buf = names[which = (which + 1) % 3];
	size_t i = (size_t)(s - m->slots);
	if (i == 0)
		snprintf(buf, sizeof(names[0]), "the kernel root slot");
	else if (i <= ((size_t)1 << m->root_radix))
		snprintf(buf, sizeof(names[0]), "root slot %zu", i - 1);
	else
		snprintf(buf, sizeof(names[0]), "slot at mem+%#lx",
			 (unsigned long)((uintptr_t)s->addr - m->mem_base));
	return buf;
}

static char why[256];

#define DIFFER(field, real, model)                                                                 \
	do {                                                                                       \
		snprintf(why, sizeof(why), "%s (type %d): %s is %#llx, model says %#llx",          \
			 slot_name(m, ms), e->type, field, (unsigned long long)(real),             \
			 (unsigned long long)(model));                                             \
		return why;                                                                        \
	} while (0)

#define CHECK(field, real, model)                                                                  \
	do {                                                                                       \
		if ((uint64_t)(real) != (uint64_t)(model))                                         \
			DIFFER(field, real, model);                                                \
	} while (0)

static const char *compare_slot(const struct model *m, const struct mslot *ms)
{
	const struct cte *real = ms->addr;
	const struct mcap *e = &ms->cap;
	struct cap c = real->cap;
	CHECK("type", cap_type(c), e->type);
	if (e->type == CAP_NULL)
		return NULL;
	CHECK("object", cap_ptr(c), e->addr);
	switch (e->type) {
	case CAP_UNTYPED:
		CHECK("size bits", cap_untyped_size_bits(c), e->bits);
		CHECK("device", cap_untyped_is_device(c), e->device);
		CHECK("watermark", cap_untyped_free_index(c), e->watermark);
		break;
	case CAP_CNODE:
		CHECK("radix", cap_cnode_radix(c), e->bits);
		CHECK("guard size", cap_cnode_guard_size(c), e->guard_size);
		CHECK("guard", cap_cnode_guard(c), e->guard);
		break;
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
		CHECK("rights", cap_rights(c).bits, e->rights);
		CHECK("badge", cap_badge(c), e->badge);
		break;
	case CAP_SERVICE: CHECK("badge", cap_badge(c), e->badge); break;
	case CAP_SENDER_TABLE: CHECK("radix", cap_sender_table_radix(c), e->bits); break;
	case CAP_REPLY: CHECK("rights", cap_rights(c).bits, e->rights); break;
	case CAP_FRAME:
		CHECK("frame size bits", frame_size_bits(cap_frame_size(c)), e->bits);
		CHECK("rights", cap_rights(c).bits, e->rights);
		CHECK("device", cap_frame_is_device(c), e->device);
		CHECK("mapped", cap_is_mapped(c), 0);
		break;
	case CAP_PAGE_TABLE: CHECK("mapped", cap_is_mapped(c), 0); break;
	default: break;
	}
	CHECK("revocable", mdb_revocable(real), e->revocable);
	return NULL;
}

static struct cte *stack[1u << 16];

const char *model_compare(struct model *m, struct cte *const *universe, size_t n)
{
	size_t model_caps = 0, real_caps = 0;
	for (size_t i = 0; i < m->count; i++) {
		const struct mslot *ms = &m->slots[i];
		if (!ms->exists)
			continue;
		const char *r = compare_slot(m, ms);
		if (r != NULL)
			return r;
		model_caps += ms->cap.type != CAP_NULL;
	}
	/* The derivation relation: walk each real list with a stack of the
	 * current node's ancestors; a node's parent is the nearest one whose
	 * descendant run still includes it. */
	for (size_t i = 0; i < n; i++) {
		struct cte *head = universe[i];
		if (cap_is_null(head->cap) || mdb_prev(head) != NULL)
			continue;
		size_t depth = 0;
		for (struct cte *node = head; node != NULL; node = mdb_next(node)) {
			struct mslot *ms = slot_at(m, (uintptr_t)node);
			real_caps++;
			if (ms == NULL || !ms->exists || ms->cap.type == CAP_NULL) {
				snprintf(why, sizeof(why),
					 "a real cap (type %d) at %p is in a slot the model has %s",
					 cap_type(node->cap), (void *)node,
					 ms == NULL || !ms->exists ? "in no live CNode" : "empty");
				return why;
			}
			while (depth > 0 && !mdb_is_parent_of(stack[depth - 1], node))
				depth--;
			struct mslot *parent =
			    depth > 0 ? slot_at(m, (uintptr_t)stack[depth - 1]) : NULL;
			if (parent != ms->cap.parent) {
				snprintf(why, sizeof(why),
					 "%s (type %d): MDB parent is %s, model says %s",
					 slot_name(m, ms), ms->cap.type,
					 parent ? slot_name(m, parent) : "none",
					 ms->cap.parent ? slot_name(m, ms->cap.parent) : "none");
				return why;
			}
			if (depth == ARRAY_LENGTH(stack))
				return "derivation tree deeper than the checker's stack";
			stack[depth++] = node;
		}
	}
	if (real_caps != model_caps) {
		snprintf(why, sizeof(why), "the real MDB links %zu caps, the model has %zu",
			 real_caps, model_caps);
		return why;
	}
	return NULL;
}
