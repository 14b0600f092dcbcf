/* SPDX-License-Identifier: MIT */
/*
 * CNode address resolution and invocations; see cnode.h for the semantics
 * and docs/capabilities.md for the rules each invocation checks.
 */
#include "cnode.h"

#include "endpoint.h"

#include "mdb.h"
#include "object.h"

/* `width` bits of x starting at bit `shift`; width 0 is the empty field. */
static uint64_t bits_at(uint64_t x, unsigned shift, unsigned width)
{
	if (width == 0)
		return 0;
	CORE_ASSERT(shift + width <= 64);
	uint64_t field = x >> shift;
	return width == 64 ? field : field & (((uint64_t)1 << width) - 1);
}

struct cte *cnode_slot(struct cap cnode, uint64_t index)
{
	CORE_ASSERT(cap_type(cnode) == CAP_CNODE &&
		    index < ((uint64_t)1 << cap_cnode_radix(cnode)));
	return (struct cte *)cap_ptr(cnode) + index;
}

static struct resolve_result lookup_failed(enum lookup_fault_type type, unsigned bits_left,
					   unsigned level)
{
	struct resolve_result r = { .err = ERR_FAILED_LOOKUP };
	r.fault.type = type;
	r.fault.bits_left = bits_left;
	r.fault.level = level;
	return r;
}

struct resolve_result cnode_resolve_address_bits(struct cap root, uint64_t cptr, unsigned depth)
{
	CORE_ASSERT(depth <= WORD_BITS); /* callers bound the user's depth */
	if (cap_type(root) != CAP_CNODE)
		return lookup_failed(LOOKUP_FAULT_INVALID_ROOT, depth, 0);
	struct cap node = root;
	unsigned left = depth;
	for (unsigned level = 0;; level++) {
		unsigned radix = cap_cnode_radix(node);
		unsigned guard_size = cap_cnode_guard_size(node);
		unsigned level_bits = radix + guard_size;
		uint64_t guard = cap_cnode_guard(node);
		if (guard_size > left || bits_at(cptr, left - guard_size, guard_size) != guard) {
			struct resolve_result r =
			    lookup_failed(LOOKUP_FAULT_GUARD_MISMATCH, left, level);
			r.fault.bits_found = guard_size;
			r.fault.guard_found = guard;
			return r;
		}
		if (level_bits > left) {
			struct resolve_result r =
			    lookup_failed(LOOKUP_FAULT_DEPTH_MISMATCH, left, level);
			r.fault.bits_found = level_bits;
			return r;
		}
		struct cte *slot = cnode_slot(node, bits_at(cptr, left - level_bits, radix));
		left -= level_bits;
		/* Bits used up, or a leaf: the lookup ends at this slot. */
		if (left == 0 || cap_type(slot->cap) != CAP_CNODE)
			return (struct resolve_result){ .err = ERR_OK,
							.slot = slot,
							.bits_remaining = left,
							.fault = { .level = level } };
		node = slot->cap;
	}
}

struct resolve_result cnode_lookup_slot(struct cap root, uint64_t cptr, uint64_t depth)
{
	/* Untrusted depth: any 64-bit value; only 1..64 names a slot. */
	if (cap_type(root) != CAP_CNODE)
		return lookup_failed(LOOKUP_FAULT_INVALID_ROOT, 0, 0);
	if (depth < 1 || depth > WORD_BITS)
		return (struct resolve_result){ .err = ERR_RANGE };
	struct resolve_result r = cnode_resolve_address_bits(root, cptr, (unsigned)depth);
	if (r.err == ERR_OK && r.bits_remaining != 0)
		return lookup_failed(LOOKUP_FAULT_DEPTH_MISMATCH, r.bits_remaining,
				     r.fault.level + 1);
	return r;
}

struct resolve_result cnode_lookup_cap(struct cap root, uint64_t cptr)
{
	struct resolve_result r = cnode_resolve_address_bits(root, cptr, WORD_BITS);
	if (r.err == ERR_OK && cap_is_null(r.slot->cap))
		return lookup_failed(LOOKUP_FAULT_MISSING_CAPABILITY, r.bits_remaining,
				     r.fault.level);
	return r;
}

/* Look up one operand; on failure fill *fault (marking the source operand). */
static enum error lookup_operand(struct cslot_ref ref, bool source, struct cte **slot,
				 struct lookup_fault *fault)
{
	struct resolve_result r = cnode_lookup_slot(ref.root, ref.index, ref.depth);
	*fault = r.fault;
	fault->source = source;
	*slot = r.slot;
	return r.err;
}

/* A source operand must hold a cap: an empty one is a missing capability. */
static enum error require_cap(const struct cte *slot, struct cslot_ref ref,
			      struct lookup_fault *fault)
{
	if (!cap_is_null(slot->cap))
		return ERR_OK;
	*fault = (struct lookup_fault){ .type = LOOKUP_FAULT_MISSING_CAPABILITY,
					.bits_left = (unsigned)ref.depth,
					.source = true };
	return ERR_FAILED_LOOKUP;
}

/* Decode the (dest, src) pair shared by copy, mint, move and mutate. */
static enum error decode_pair(struct cslot_ref dest, struct cslot_ref src, struct cte **dest_slot,
			      struct cte **src_slot, struct lookup_fault *fault)
{
	*fault = (struct lookup_fault){ 0 };
	enum error err = lookup_operand(dest, false, dest_slot, fault);
	if (err != ERR_OK)
		return err;
	if (!cap_is_null((*dest_slot)->cap))
		return ERR_DELETE_FIRST;
	err = lookup_operand(src, true, src_slot, fault);
	if (err != ERR_OK)
		return err;
	return require_cap(*src_slot, src, fault);
}

static enum error copy_or_mint(struct cslot_ref dest, struct cslot_ref src,
			       struct cap_rights rights, bool mint, uint64_t data,
			       struct lookup_fault *fault)
{
	struct cte *dest_slot, *src_slot;
	enum error err = decode_pair(dest, src, &dest_slot, &src_slot, fault);
	if (err != ERR_OK)
		return err;
	struct cap cap = cap_mask_rights(src_slot->cap, rights);
	if (mint)
		cap = cap_update_data(cap, false, data);
	struct cap_result derived = cte_derive(src_slot, cap);
	if (derived.err != ERR_OK)
		return derived.err;
	if (cap_is_null(derived.cap))
		return ERR_ILLEGAL_OPERATION; /* e.g. a second badge, a zombie */
	cte_insert(derived.cap, src_slot, dest_slot);
	return ERR_OK;
}

enum error cnode_copy(struct cslot_ref dest, struct cslot_ref src, struct cap_rights rights,
		      struct lookup_fault *fault)
{
	return copy_or_mint(dest, src, rights, false, 0, fault);
}

enum error cnode_mint(struct cslot_ref dest, struct cslot_ref src, struct cap_rights rights,
		      uint64_t data, struct lookup_fault *fault)
{
	return copy_or_mint(dest, src, rights, true, data, fault);
}

enum error cnode_move(struct cslot_ref dest, struct cslot_ref src, struct lookup_fault *fault)
{
	struct cte *dest_slot, *src_slot;
	enum error err = decode_pair(dest, src, &dest_slot, &src_slot, fault);
	if (err != ERR_OK)
		return err;
	cte_move(src_slot->cap, src_slot, dest_slot);
	return ERR_OK;
}

enum error cnode_mutate(struct cslot_ref dest, struct cslot_ref src, uint64_t data,
			struct lookup_fault *fault)
{
	struct cte *dest_slot, *src_slot;
	enum error err = decode_pair(dest, src, &dest_slot, &src_slot, fault);
	if (err != ERR_OK)
		return err;
	/* Mutate keeps the cap's place in the tree, so it may not badge. */
	struct cap cap = cap_update_data(src_slot->cap, true, data);
	if (cap_is_null(cap))
		return ERR_ILLEGAL_OPERATION;
	cte_move(cap, src_slot, dest_slot);
	return ERR_OK;
}

enum error cnode_rotate(struct cslot_ref dest, struct cslot_ref pivot, uint64_t pivot_data,
			struct cslot_ref src, uint64_t src_data, struct lookup_fault *fault)
{
	struct cte *dest_slot, *pivot_slot, *src_slot;
	*fault = (struct lookup_fault){ 0 };
	enum error err = lookup_operand(dest, false, &dest_slot, fault);
	if (err == ERR_OK)
		err = lookup_operand(pivot, true, &pivot_slot, fault);
	if (err == ERR_OK)
		err = lookup_operand(src, true, &src_slot, fault);
	if (err != ERR_OK)
		return err;
	/* src -> pivot -> dest; dest may be src (a swap), pivot is distinct. */
	if (pivot_slot == src_slot || pivot_slot == dest_slot)
		return ERR_ILLEGAL_OPERATION;
	if (src_slot != dest_slot && !cap_is_null(dest_slot->cap))
		return ERR_DELETE_FIRST;
	err = require_cap(src_slot, src, fault);
	if (err == ERR_OK)
		err = require_cap(pivot_slot, pivot, fault);
	if (err != ERR_OK)
		return err;
	struct cap new_src = cap_update_data(src_slot->cap, true, src_data);
	struct cap new_pivot = cap_update_data(pivot_slot->cap, true, pivot_data);
	if (cap_is_null(new_src) || cap_is_null(new_pivot))
		return ERR_ILLEGAL_OPERATION;
	if (src_slot == dest_slot) {
		cte_swap(new_src, src_slot, new_pivot, pivot_slot);
	} else {
		cte_move(new_pivot, pivot_slot, dest_slot);
		cte_move(new_src, src_slot, pivot_slot);
	}
	return ERR_OK;
}

enum error cnode_delete(struct cslot_ref target, struct work_budget *budget,
			struct lookup_fault *fault)
{
	struct cte *slot;
	*fault = (struct lookup_fault){ 0 };
	enum error err = lookup_operand(target, false, &slot, fault);
	if (err != ERR_OK)
		return err;
	return cte_delete(slot, budget);
}

enum error cnode_revoke(struct cslot_ref target, struct work_budget *budget,
			struct lookup_fault *fault)
{
	struct cte *slot;
	*fault = (struct lookup_fault){ 0 };
	enum error err = lookup_operand(target, false, &slot, fault);
	if (err != ERR_OK)
		return err;
	return cte_revoke(slot, budget);
}

enum error cnode_cancel_badged_sends(struct cslot_ref target, struct lookup_fault *fault)
{
	struct cte *slot;
	*fault = (struct lookup_fault){ 0 };
	enum error err = lookup_operand(target, false, &slot, fault);
	if (err != ERR_OK)
		return err;
	struct cap cap = slot->cap;
	/* seL4's hasCancelSendRights: an endpoint cap with every right. */
	if (cap_type(cap) != CAP_ENDPOINT ||
	    (cap_rights(cap).bits & CAP_RIGHTS_ALL) != CAP_RIGHTS_ALL)
		return ERR_ILLEGAL_OPERATION;
	/* An unbadged cap names no badge: nothing to cancel. */
	if (cap_badge(cap) != 0)
		endpoint_cancel_badged_sends((struct endpoint *)cap_ptr(cap), cap_badge(cap));
	return ERR_OK;
}
