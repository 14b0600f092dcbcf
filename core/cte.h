/* SPDX-License-Identifier: MIT */
/*
 * A capability slot (seL4's cte): one capability and its node in the
 * capability derivation tree (mdb.h). Slots live in CNodes (cnode.h) or, for
 * caps the kernel holds itself (a TCB's CSpace root, say), in kernel objects.
 *
 * This file holds the slot-level operations every CSpace invocation is built
 * from. They are the "invoke" half: callers (cnode.c, untyped.c) have
 * validated everything, so they cannot fail, except delete and revoke which
 * may be preempted:
 *
 *   cte_insert      copy/mint: put a derived cap after its source in the tree
 *   cte_insert_new  a new object's original cap, as a child of its untyped
 *   cte_move        move a cap (and its place in the tree) to an empty slot
 *   cte_swap        exchange two slots' caps and places in the tree
 *   cte_derive      what a copy of a cap may be (the "decode" of a copy)
 *   cte_delete      empty a slot, finalising the object if it was the last cap
 *   cte_revoke      delete every cap derived from a slot's cap
 *
 * Invariant kept by all of them: the tree is well formed at every return,
 * including every preemption point (mdb_check_invariants).
 */
#ifndef CORE_CTE_H
#define CORE_CTE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "compiler.h"
#include "error.h"
#include "object.h"

/*
 * The derivation-tree node: word 0 the previous slot's address, word 1 the
 * next slot's address with two flags in its low bits (slots are 8-byte
 * aligned): bit 0 revocable, bit 1 first_badged. All zero for an empty slot.
 */
struct mdb_node {
	uint64_t words[2];
};

struct cte {
	struct cap cap;
	struct mdb_node mdb;
};

_Static_assert(sizeof(struct mdb_node) == 16, "MDB node is two words");
_Static_assert(sizeof(struct cte) == (1u << CTE_SIZE_BITS), "slot size is CTE_SIZE_BITS");
_Static_assert(_Alignof(struct cte) >= 4, "two flag bits below the next pointer");

/*
 * Work allowed before a long operation stops with ERR_PREEMPTED. The kernel
 * gives each delete/revoke system call CTE_WORK_PER_CALL units and, on
 * ERR_PREEMPTED, takes pending interrupts and restarts the same call; the
 * tree records all progress, so a restart continues where it stopped.
 */
struct work_budget {
	uint64_t left;
	uint64_t used; /* units consumed, for tests and statistics */
};

#define CTE_WORK_PER_CALL 64

/* cte_derive's answer: ERR_OK and the cap to insert (maybe null), or an error. */
struct cap_result {
	enum error err;
	struct cap cap;
};

/*
 * Moves on (by one; never back, never to 0: it starts at 1) at every change
 * of any slot's cap, in a CNode or in a kernel object (a TCB's CSpace and
 * VSpace roots), with every move of asid_generation (asid.c), at every
 * bind or unbind of a notification to a thread (notification.c), and at
 * every change of a thread's hart (tcb_move_affinity). So an answer that
 * depends only on caps in slots, on the ASID table, on which threads have
 * a bound notification and on each thread's hart (a CSpace lookup's slot,
 * a thread's satp and its own hart's place in the flush set, "this thread
 * has none") stays true while this keeps the
 * value it had when the answer was found: kernel/fastpath.c's remembered
 * lookups and kernel/space_cache.h's remembered satp rely on it.
 * cte_set_cap is the one way core/ (and the kernel) writes a slot's cap;
 * hosttest/test_cspace_random.c and test_cte.c fail on a change that does
 * not move it.
 */
extern uint64_t cte_generation;

/* slot's cap becomes cap (nothing else in the slot changes). */
HOT_INLINE void cte_set_cap(struct cte *slot, struct cap cap)
{
	slot->cap = cap;
	cte_generation++;
}

/* Copy/mint: dest is empty, src is not, new_cap was derived from src's cap. */
void cte_insert(struct cap new_cap, struct cte *src, struct cte *dest);
/* Retype: dest is empty, parent holds the untyped the object was made from. */
void cte_insert_new(struct cte *parent, struct cte *dest, struct cap cap);
/* Move: dest is empty (or dest == src is not allowed), src is not empty. */
void cte_move(struct cap new_cap, struct cte *src, struct cte *dest);
/* Swap: both slots hold caps and differ. */
void cte_swap(struct cap cap1, struct cte *slot1, struct cap cap2, struct cte *slot2);
/*
 * What a copy of `cap` (taken from `slot`) is: the null cap for caps that are
 * never copied (zombie, IRQ control); ERR_REVOKE_FIRST for an untyped with
 * children; ERR_ILLEGAL_OPERATION for an unmapped page table; frames lose
 * their mapping. Changes nothing.
 */
MUST_CHECK struct cap_result cte_derive(const struct cte *slot, struct cap cap);
/*
 * Empty `slot`. Finalises the object when this was its last cap; a CNode's
 * slots are deleted first (the cap becomes a zombie while that happens).
 * Returns ERR_OK when the slot is empty, ERR_PREEMPTED when the budget ran
 * out first (the slot then holds a zombie, and a call again continues).
 */
MUST_CHECK enum error cte_delete(struct cte *slot, struct work_budget *budget);
/*
 * Delete every descendant of slot's cap in the derivation tree; ERR_OK when
 * none is left, ERR_PREEMPTED when the budget ran out first. A revoked
 * untyped keeps its watermark: its next retype clears and resets it.
 */
MUST_CHECK enum error cte_revoke(struct cte *slot, struct work_budget *budget);

#endif
