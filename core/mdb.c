/* SPDX-License-Identifier: MIT */
/*
 * The capability derivation tree: node words, the parent relation, finality,
 * linking, and the invariant checker. See mdb.h for the representation.
 */
#include "mdb.h"

#include "compiler.h"

#define MDB_REVOCABLE 1u
#define MDB_FIRST_BADGED 2u
#define MDB_FLAGS (MDB_REVOCABLE | MDB_FIRST_BADGED)

struct cte *mdb_prev(const struct cte *slot)
{
	return (struct cte *)(uintptr_t)slot->mdb.words[0];
}

struct cte *mdb_next(const struct cte *slot)
{
	return (struct cte *)(uintptr_t)(slot->mdb.words[1] & ~(uint64_t)MDB_FLAGS);
}

bool mdb_revocable(const struct cte *slot)
{
	return slot->mdb.words[1] & MDB_REVOCABLE;
}

bool mdb_first_badged(const struct cte *slot)
{
	return slot->mdb.words[1] & MDB_FIRST_BADGED;
}

void mdb_set_prev(struct cte *slot, struct cte *prev)
{
	slot->mdb.words[0] = (uint64_t)(uintptr_t)prev;
}

void mdb_set_next(struct cte *slot, struct cte *next)
{
	CORE_ASSERT(((uintptr_t)next & MDB_FLAGS) == 0);
	slot->mdb.words[1] = (slot->mdb.words[1] & MDB_FLAGS) | (uint64_t)(uintptr_t)next;
}

void mdb_set_flags(struct cte *slot, bool revocable, bool first_badged)
{
	slot->mdb.words[1] = (slot->mdb.words[1] & ~(uint64_t)MDB_FLAGS) |
			     (revocable ? MDB_REVOCABLE : 0) |
			     (first_badged ? MDB_FIRST_BADGED : 0);
}

bool mdb_is_parent_of(const struct cte *a, const struct cte *b)
{
	if (!mdb_revocable(a) || !cap_same_region_as(a->cap, b->cap))
		return false;
	switch (cap_type(a->cap)) {
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_SERVICE: {
		/* An unbadged original parents every badge; a badged cap only its
		 * own copies, and not a later independent mint of the same badge. */
		uint64_t badge = cap_badge(a->cap);
		if (badge == 0)
			return true;
		return cap_badge(b->cap) == badge && !mdb_first_badged(b);
	}
	case CAP_NULL:
	case CAP_UNTYPED:
	case CAP_CNODE:
	case CAP_TCB:
	case CAP_REPLY:
	case CAP_FRAME:
	case CAP_PAGE_TABLE:
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL:
	case CAP_IRQ_CONTROL:
	case CAP_IRQ_HANDLER:
	case CAP_DOMAIN:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE:
	case CAP_ZOMBIE: return true;
	}
	return true;
}

bool mdb_has_children(const struct cte *slot)
{
	const struct cte *next = mdb_next(slot);
	return next != NULL && mdb_is_parent_of(slot, next);
}

bool mdb_is_final(const struct cte *slot)
{
	/* All caps to one object are adjacent, so the neighbours decide. */
	const struct cte *prev = mdb_prev(slot);
	const struct cte *next = mdb_next(slot);
	if (prev != NULL && cap_same_object_as(prev->cap, slot->cap))
		return false;
	return !(next != NULL && cap_same_object_as(slot->cap, next->cap));
}

void mdb_link_after(struct cte *slot, struct cte *after)
{
	struct cte *next = mdb_next(after);
	CORE_ASSERT(mdb_prev(slot) == NULL && mdb_next(slot) == NULL);
	mdb_set_prev(slot, after);
	mdb_set_next(slot, next);
	if (next != NULL)
		mdb_set_prev(next, slot);
	mdb_set_next(after, slot);
}

void mdb_unlink(struct cte *slot)
{
	struct cte *prev = mdb_prev(slot);
	struct cte *next = mdb_next(slot);
	if (prev != NULL)
		mdb_set_next(prev, next);
	if (next != NULL) {
		mdb_set_prev(next, prev);
		/* The successor inherits "first with this badge" from the deleted
		 * cap, so it is not adopted by an earlier cap with the same badge. */
		mdb_set_flags(next, mdb_revocable(next),
			      mdb_first_badged(next) || mdb_first_badged(slot));
	}
	slot->mdb = (struct mdb_node){ { 0, 0 } };
}

/* Every descendant of an untyped lies inside it and below its watermark. */
static bool untyped_contains(const struct cte *untyped, const struct cte *child)
{
	uintptr_t ubase, cbase;
	unsigned ubits, cbits;
	if (!cap_region(child->cap, &cbase, &cbits))
		return false;
	(void)cap_region(untyped->cap, &ubase, &ubits);
	uint64_t watermark = cap_untyped_free_index(untyped->cap);
	return cbase >= ubase && cbits <= ubits &&
	       (uint64_t)(cbase - ubase) + ((uint64_t)1 << cbits) <= watermark;
}

const char *mdb_check_invariants(struct cte *const *slots, size_t count)
{
	size_t linked = 0, reached = 0;
	for (size_t i = 0; i < count; i++) {
		const struct cte *slot = slots[i];
		if (cap_is_null(slot->cap)) {
			if (slot->mdb.words[0] != 0 || slot->mdb.words[1] != 0)
				return "an empty slot has MDB links";
			continue;
		}
		linked++;
		const struct cte *prev = mdb_prev(slot), *next = mdb_next(slot);
		if (prev != NULL && mdb_next(prev) != slot)
			return "prev->next does not point back";
		if (next != NULL && mdb_prev(next) != slot)
			return "next->prev does not point back";
		if (cap_type(slot->cap) == CAP_UNTYPED &&
		    cap_untyped_free_index(slot->cap) >
			((uint64_t)1 << cap_untyped_size_bits(slot->cap)))
			return "untyped watermark beyond its end";
	}
	/* Walk each list from its head; a cycle or a stray node shows as a count mismatch. */
	for (size_t i = 0; i < count; i++) {
		const struct cte *head = slots[i];
		if (cap_is_null(head->cap) || mdb_prev(head) != NULL)
			continue;
		for (const struct cte *node = head; node != NULL; node = mdb_next(node)) {
			if (++reached > linked)
				return "MDB list has a cycle or reaches outside the slots";
			if (cap_is_null(node->cap))
				return "an empty slot is linked into the MDB";
			/* Descendants are the contiguous run after a node. */
			const struct cte *end = mdb_next(node);
			size_t run = 0;
			while (end != NULL && mdb_is_parent_of(node, end)) {
				if (cap_type(node->cap) == CAP_UNTYPED &&
				    !untyped_contains(node, end))
					return "a descendant of an untyped lies outside its used "
					       "part";
				end = mdb_next(end);
				if (++run > linked)
					return "descendant run does not end";
			}
			/* Nothing after the run may be a child of this node; for an
			 * object cap that is implied by caps to one object being adjacent
			 * (checked by the callers' object model), so only untyped and
			 * IRQ control, whose children are other objects, are scanned. */
			if (cap_type(node->cap) == CAP_UNTYPED ||
			    cap_type(node->cap) == CAP_IRQ_CONTROL) {
				size_t steps = 0;
				for (const struct cte *later = end; later != NULL;
				     later = mdb_next(later)) {
					if (mdb_is_parent_of(node, later))
						return "a descendant is separated from its "
						       "ancestor";
					if (++steps > linked)
						return "MDB list has a cycle";
				}
			}
		}
	}
	if (reached != linked)
		return "a linked slot is not reachable from any list head";
	return NULL;
}
