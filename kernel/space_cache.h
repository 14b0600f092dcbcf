/* SPDX-License-Identifier: MIT */
/*
 * A thread's satp, remembered (docs/arch.md "A thread's satp, remembered").
 * Every switch to a thread asks what thread.c's activate() and the
 * fastpath ask: does its VSpace-root cap name a live root (the ASID table
 * walk of tcb_vspace_asid), which satp is that, and is this hart in the
 * ASID's flush set (asid_activate). The answers depend only on the cap's
 * two words and on the ASID table, pools and hart sets: a change of the
 * first is a change of a slot's cap, of the rest one of asid_generation,
 * and core/'s cte_generation (cte.h) moves with both. So the answer found
 * once is kept in the kernel's words of the TCB's register block with the
 * generation and the hart it was found for, and reused while both are the
 * same: one compare. The rule stays the slow path's: a miss walks exactly as before.
 * Lock held for all of it (the generation and the TCB are the lock's).
 */
#ifndef KERNEL_SPACE_CACHE_H
#define KERNEL_SPACE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "asid.h"
#include "compiler.h"
#include "csr.h"
#include "memory.h"
#include "tcb.h"
#include "thread.h"

/* Register-block words (kernel/thread.h's, past REG_KERNEL_ENTRIES and the free word 35). KEY is
 * cte_generation << 8 | hart when SATP is valid; a fresh TCB's 0 never
 * matches (the generation starts at 1). */
#define REG_SPACE_KEY 36
#define REG_SPACE_SATP 37
_Static_assert(REG_SPACE_SATP < TCB_REG_WORDS, "the cache fits the register block");

/* What a switch to a thread needs: satp to load, and the ASID whose flush
 * set this hart must still join (ASID_INVALID: already a member). */
struct space {
	uint64_t satp;
	uint64_t join_asid;
};

/* The walk, for a thread whose answer is not remembered: false when it
 * has no live VSpace (then it must not run). Changes nothing. */
static inline bool space_walk(const struct tcb *t, struct space *s)
{
	uint64_t asid = tcb_vspace_asid(t);
	struct pagetable *root = asid_lookup(asid);
	if (root == NULL)
		return false;
	s->satp =
	    SATP_MODE_SV39 | (asid & 0xffff) << SATP_ASID_SHIFT | kernel_to_physical(root) >> 12;
	s->join_asid = asid;
	return true;
}

/* The key for hart h now. h (below 256) widened as a signed int: the
 * hart's cpu_index as lw loaded it, where the unsigned widening cost two
 * shifts on every hit. */
HOT_INLINE uint64_t space_key(unsigned h)
{
	return cte_generation << 8 | (uint64_t)(int32_t)h;
}

/* space_find's first half: t's answer for hart h is remembered (then it
 * is in *s). False: only the walk can tell. Changes nothing. */
HOT_INLINE bool space_hit(const struct tcb *t, unsigned h, struct space *s)
{
	if (t->regs[REG_SPACE_KEY] == space_key(h)) {
		s->satp = t->regs[REG_SPACE_SATP];
		s->join_asid = ASID_INVALID;
		return true;
	}
	return false;
}

/* t may run on hart h: its satp and what is left to join in *s. False
 * when it has no live VSpace. Changes nothing. Untrusted: none. */
HOT_INLINE bool space_find(const struct tcb *t, unsigned h, struct space *s)
{
	return space_hit(t, h, s) || space_walk(t, s);
}

/* After t became current on h and h joined s->join_asid's flush set
 * (the caller's switch, or the caller itself): remember the answer, which
 * a hit then vouches for. */
HOT_INLINE void space_remember(struct tcb *t, unsigned h, const struct space *s)
{
	if (s->join_asid == ASID_INVALID)
		return;
	t->regs[REG_SPACE_KEY] = space_key(h);
	t->regs[REG_SPACE_SATP] = s->satp;
}

#endif
