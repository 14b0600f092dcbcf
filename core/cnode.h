/* SPDX-License-Identifier: MIT */
/*
 * CNodes: arrays of 2^radix slots forming a guarded radix tree, the CSpace.
 * This file is the CNode object's whole life apart from creation (untyped.c)
 * and deletion (cte.c): address resolution and the CNode invocations.
 *
 * Address resolution follows seL4's documented semantics. A capability
 * pointer (cptr) is read most-significant bit first, `depth` bits of it; each
 * CNode on the way consumes its guard (guard_size bits that must equal the
 * guard) and then radix bits that index a slot. Resolution ends when the bits
 * are used up or the slot reached holds anything but a CNode cap. Failures
 * are lookup faults (invalid root, missing capability, depth mismatch, guard
 * mismatch) carrying the bits left when it failed and the level (0 = the
 * root CNode) that failed.
 *
 * Invocations are decode-then-invoke: every lookup and check happens first
 * and changes nothing; the invoke part (cte.c) cannot fail. Any error leaves
 * every slot and the derivation tree exactly as they were.
 */
#ifndef CORE_CNODE_H
#define CORE_CNODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "compiler.h"
#include "cte.h"
#include "error.h"

enum lookup_fault_type {
	LOOKUP_FAULT_NONE = 0,
	LOOKUP_FAULT_INVALID_ROOT = 1,       /* the root is not a CNode cap */
	LOOKUP_FAULT_MISSING_CAPABILITY = 2, /* resolved to an empty slot */
	LOOKUP_FAULT_DEPTH_MISMATCH = 3,     /* bits ran out mid-level, or were left over */
	LOOKUP_FAULT_GUARD_MISMATCH = 4,     /* the cptr's guard bits differ */
};

struct lookup_fault {
	enum lookup_fault_type type;
	unsigned bits_left;   /* bits of the cptr not yet consumed at the failure */
	unsigned bits_found;  /* depth mismatch: the level's guard+radix bits; guard: guard size */
	uint64_t guard_found; /* guard mismatch: the CNode's guard */
	unsigned level;       /* CNodes traversed before the failing one (0 = root) */
	bool source;          /* the failing lookup was the source operand */
};

struct resolve_result {
	enum error err;            /* ERR_OK or ERR_FAILED_LOOKUP */
	struct cte *slot;          /* the slot reached, when ERR_OK */
	unsigned bits_remaining;   /* bits not consumed (a non-CNode cap ended it) */
	struct lookup_fault fault; /* when ERR_FAILED_LOOKUP */
};

/*
 * Resolve the top `depth` bits of the low `depth` bits of cptr from `root`.
 * Untrusted: root (any cap), cptr (any value), depth (any value <= 64; the
 * callers validate the range). Changes nothing.
 */
MUST_CHECK struct resolve_result cnode_resolve_address_bits(struct cap root, uint64_t cptr,
							    unsigned depth);

/*
 * The slot a CNode operation names: depth must be 1..64 (ERR_RANGE) and must
 * be consumed exactly (a leaf cap before it is a depth mismatch). Untrusted:
 * every argument.
 */
MUST_CHECK struct resolve_result cnode_lookup_slot(struct cap root, uint64_t cptr, uint64_t depth);

/*
 * The cap an invocation names: all 64 bits, and a non-CNode cap met early
 * ends the lookup (as a thread's cap lookup does). An empty slot is a
 * missing-capability fault. Untrusted: every argument.
 */
MUST_CHECK struct resolve_result cnode_lookup_cap(struct cap root, uint64_t cptr);

/* A slot named by a CNode cap, an index into it and a depth. */
struct cslot_ref {
	struct cap root;
	uint64_t index;
	uint64_t depth;
};

/*
 * The CNode invocations, as seL4's. Each validates everything first; on any
 * error nothing changes and `fault` (never NULL) describes a lookup failure.
 * budget: delete and revoke are preemptible (ERR_PREEMPTED: call again).
 */
MUST_CHECK enum error cnode_copy(struct cslot_ref dest, struct cslot_ref src,
				 struct cap_rights rights, struct lookup_fault *fault);
MUST_CHECK enum error cnode_mint(struct cslot_ref dest, struct cslot_ref src,
				 struct cap_rights rights, uint64_t data,
				 struct lookup_fault *fault);
MUST_CHECK enum error cnode_move(struct cslot_ref dest, struct cslot_ref src,
				 struct lookup_fault *fault);
MUST_CHECK enum error cnode_mutate(struct cslot_ref dest, struct cslot_ref src, uint64_t data,
				   struct lookup_fault *fault);
MUST_CHECK enum error cnode_rotate(struct cslot_ref dest, struct cslot_ref pivot,
				   uint64_t pivot_data, struct cslot_ref src, uint64_t src_data,
				   struct lookup_fault *fault);
MUST_CHECK enum error cnode_delete(struct cslot_ref target, struct work_budget *budget,
				   struct lookup_fault *fault);
MUST_CHECK enum error cnode_revoke(struct cslot_ref target, struct work_budget *budget,
				   struct lookup_fault *fault);

/*
 * CNode_CancelBadgedSends: the target slot must hold an endpoint cap with
 * every right (ERR_ILLEGAL_OPERATION otherwise, as seL4); every sender queued
 * on that endpoint with the cap's badge restarts its call
 * (endpoint_cancel_badged_sends). An unbadged cap cancels nothing. Untrusted:
 * every argument.
 */
MUST_CHECK enum error cnode_cancel_badged_sends(struct cslot_ref target,
						struct lookup_fault *fault);

/* The slot at `index` of the CNode `cnode` names (index < 2^radix). */
struct cte *cnode_slot(struct cap cnode, uint64_t index);

#endif
