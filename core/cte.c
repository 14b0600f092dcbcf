/* SPDX-License-Identifier: MIT */
/*
 * Slot operations: insert, move, swap, derive, and the preemptible delete
 * and revoke. See cte.h for the contracts.
 *
 * Deleting the last cap to a CNode must first delete every cap inside it,
 * which may hold the last cap to another CNode, and so on: a recursion with
 * no bound known in advance. As seL4 does, the CNode's cap is turned into a
 * zombie in its slot: a cap that names the dying CNode and how many of its
 * slots (counting down from the top) are still to be cleared. The zombie is
 * the whole state of the deletion, so preemption can stop between any two
 * steps and a restart of the same delete continues. Nested dying CNodes are
 * zombies in the slot of the outer one that held their last cap, so the
 * work in progress is always the chain top -> last live slot -> ... which
 * delete_step walks down from the top on each step (no kernel stack grows).
 *
 * A garbage cycle (the top slot lies inside one of the dying CNodes, which
 * only revoke can reach) is broken by swapping the innermost zombie into the
 * top slot: that CNode then holds its own zombie, is finished by this delete,
 * and the rest of the cycle stays as zombies that their untyped's revoke
 * finishes. docs/capabilities.md has the details.
 */
#include "cte.h"

#include "mdb.h"

uint64_t cte_generation = 1;

static void slot_clear(struct cte *slot)
{
	cte_set_cap(slot, cap_null());
	slot->mdb = (struct mdb_node){ { 0, 0 } };
}

/*
 * If a full copy of an untyped is made, the source is marked used up: the
 * copy (its child) now owns the free space, so two caps never hand out the
 * same memory. Deleting the copy lets the source reset (it has no children).
 */
static void untyped_mark_full_if_copied(struct cte *src, struct cap new_cap)
{
	if (cap_type(src->cap) != CAP_UNTYPED || cap_type(new_cap) != CAP_UNTYPED)
		return;
	if (cap_ptr(src->cap) != cap_ptr(new_cap) ||
	    cap_untyped_size_bits(src->cap) != cap_untyped_size_bits(new_cap))
		return;
	cte_set_cap(src, cap_untyped_set_free_index(
			     src->cap, (uint64_t)1 << cap_untyped_size_bits(src->cap)));
}

void cte_insert(struct cap new_cap, struct cte *src, struct cte *dest)
{
	CORE_ASSERT(cap_is_null(dest->cap) && !cap_is_null(src->cap) && !cap_is_null(new_cap));
	CORE_ASSERT(src != dest);
	bool revocable = cap_is_revocable(new_cap, src->cap);
	untyped_mark_full_if_copied(src, new_cap);
	cte_set_cap(dest, new_cap);
	mdb_link_after(dest, src);
	mdb_set_flags(dest, revocable, revocable);
}

void cte_insert_new(struct cte *parent, struct cte *dest, struct cap cap)
{
	CORE_ASSERT(cap_is_null(dest->cap) && cap_type(parent->cap) == CAP_UNTYPED);
	cte_set_cap(dest, cap);
	mdb_link_after(dest, parent);
	/* An original cap: it may have children, and it starts its badge line. */
	mdb_set_flags(dest, true, true);
}

void cte_move(struct cap new_cap, struct cte *src, struct cte *dest)
{
	CORE_ASSERT(cap_is_null(dest->cap) && !cap_is_null(src->cap) && src != dest);
	struct cte *prev = mdb_prev(src), *next = mdb_next(src);
	cte_set_cap(dest, new_cap);
	dest->mdb = src->mdb;
	slot_clear(src);
	if (prev != NULL)
		mdb_set_next(prev, dest);
	if (next != NULL)
		mdb_set_prev(next, dest);
}

void cte_swap(struct cap cap1, struct cte *slot1, struct cap cap2, struct cte *slot2)
{
	CORE_ASSERT(slot1 != slot2 && !cap_is_null(cap1) && !cap_is_null(cap2));
	struct mdb_node node1 = slot1->mdb, node2 = slot2->mdb;
	/* slot1's place in the list goes to slot2 and vice versa; each cap keeps
	 * its own place. Adjacent slots point at each other, handled by doing the
	 * neighbours' fix-ups through the slots' new contents. */
	cte_set_cap(slot1, cap2);
	slot1->mdb = node2;
	cte_set_cap(slot2, cap1);
	slot2->mdb = node1;
	/* cap1 now lives in slot2: fix its neighbours. */
	struct cte *prev = mdb_prev(slot2), *next = mdb_next(slot2);
	if (prev == slot2)
		mdb_set_prev(slot2, slot1), prev = NULL; /* was adjacent: slot1 before */
	if (next == slot2)
		mdb_set_next(slot2, slot1), next = NULL;
	if (prev != NULL)
		mdb_set_next(prev, slot2);
	if (next != NULL)
		mdb_set_prev(next, slot2);
	prev = mdb_prev(slot1);
	next = mdb_next(slot1);
	if (prev == slot1)
		mdb_set_prev(slot1, slot2), prev = NULL;
	if (next == slot1)
		mdb_set_next(slot1, slot2), next = NULL;
	if (prev != NULL)
		mdb_set_next(prev, slot1);
	if (next != NULL)
		mdb_set_prev(next, slot1);
}

struct cap_result cte_derive(const struct cte *slot, struct cap cap)
{
	switch (cap_type(cap)) {
	case CAP_ZOMBIE:
	case CAP_IRQ_CONTROL:
		/* A dying CNode is never copied; there is one IRQ control. */
		return (struct cap_result){ ERR_OK, cap_null() };
	case CAP_UNTYPED:
		/* A copy would share the free space with existing children. */
		if (mdb_has_children(slot))
			return (struct cap_result){ ERR_REVOKE_FIRST, cap_null() };
		return (struct cap_result){ ERR_OK, cap };
	case CAP_FRAME:
		/* A mapping belongs to one cap; the copy starts unmapped. */
		return (struct cap_result){ ERR_OK,
					    cap_is_mapped(cap) ? cap_clear_mapping(cap) : cap };
	case CAP_PAGE_TABLE:
		/* As seL4: only a mapped table's cap may be copied, so an unmapped
		 * table can never be mapped twice through two caps. */
		if (!cap_is_mapped(cap))
			return (struct cap_result){ ERR_ILLEGAL_OPERATION, cap_null() };
		return (struct cap_result){ ERR_OK, cap };
	case CAP_NULL:
	case CAP_CNODE:
	case CAP_TCB:
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_REPLY:
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL:
	case CAP_IRQ_HANDLER:
	case CAP_DOMAIN:
	case CAP_SERVICE:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE: return (struct cap_result){ ERR_OK, cap };
	}
	return (struct cap_result){ ERR_OK, cap_null() };
}

/* Take the cap out of its slot: finalise (knowing whether it was the last
 * cap to its object), then unlink. Not for final CNode caps. */
static void slot_finalise_and_empty(struct cte *slot)
{
	bool final = mdb_is_final(slot);
	CORE_ASSERT(!(final && cap_type(slot->cap) == CAP_CNODE));
	object_finalise(slot->cap, final);
	struct cte *rest = final ? object_remainder(slot->cap) : NULL;
	mdb_unlink(slot);
	slot_clear(slot);
	/* A cap the dead object still held (a TCB's CSpace root) takes the
	 * slot's place; the caller's loop deletes it next (object.h). */
	if (rest != NULL)
		cte_move(rest->cap, rest, slot);
}

static struct cte *zombie_entry(struct cap zombie, uint64_t index)
{
	return (struct cte *)cap_ptr(zombie) + index;
}

/* Turn the last cap to a CNode into the zombie that will clear it. */
static void cnode_to_zombie(struct cte *slot)
{
	unsigned radix = cap_cnode_radix(slot->cap);
	cte_set_cap(slot, cap_zombie_new(cap_ptr(slot->cap), radix, (uint64_t)1 << radix));
}

static bool is_final_cnode(const struct cte *slot)
{
	return cap_type(slot->cap) == CAP_CNODE && mdb_is_final(slot);
}

/*
 * One state change under `top` (not empty). Returns the work units used:
 * one for the change plus one per zombie walked through to find it.
 */
static uint64_t delete_step(struct cte *top)
{
	struct cte *at = top;
	uint64_t units = 1;
	if (cap_type(top->cap) != CAP_ZOMBIE) {
		if (is_final_cnode(top))
			cnode_to_zombie(top);
		else
			slot_finalise_and_empty(top);
		return units;
	}
	for (;;) {
		uint64_t left = cap_zombie_remaining(at->cap);
		if (left == 0) {
			/* Every slot of the CNode is clear: it is gone. */
			object_finalise(at->cap, true);
			mdb_unlink(at);
			slot_clear(at);
			return units;
		}
		struct cte *entry = zombie_entry(at->cap, left - 1);
		if (entry == at || cap_is_null(entry->cap)) {
			/* Empty, or the zombie's own slot (cleared when it finishes). */
			cte_set_cap(at, cap_zombie_set_remaining(at->cap, left - 1));
			return units;
		}
		if (entry == top) {
			/* A cycle back to the top slot: let the innermost CNode hold
			 * its own zombie in the top slot; see the file comment. */
			cte_swap(top->cap, top, at->cap, at);
			return units;
		}
		if (cap_type(entry->cap) == CAP_ZOMBIE) {
			at = entry; /* finish the inner CNode first */
			units++;
			continue;
		}
		if (is_final_cnode(entry))
			cnode_to_zombie(entry);
		else
			slot_finalise_and_empty(entry);
		return units;
	}
}

enum error cte_delete(struct cte *slot, struct work_budget *budget)
{
	while (!cap_is_null(slot->cap)) {
		if (budget->left == 0)
			return ERR_PREEMPTED;
		uint64_t units = delete_step(slot);
		budget->used += units;
		budget->left = units >= budget->left ? 0 : budget->left - units;
	}
	return ERR_OK;
}

enum error cte_revoke(struct cte *slot, struct work_budget *budget)
{
	for (;;) {
		struct cte *next = mdb_next(slot);
		if (cap_is_null(slot->cap) || next == NULL || !mdb_is_parent_of(slot, next))
			break;
		enum error err = cte_delete(next, budget);
		if (err != ERR_OK)
			return err;
	}
	/* An untyped keeps its watermark: what lies below it is not zero, and
	 * its next retype clears it, preemptibly (untyped.h). */
	return ERR_OK;
}
