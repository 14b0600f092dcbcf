/* SPDX-License-Identifier: MIT */
/*
 * The capability derivation tree (seL4's MDB), stored as a doubly linked list
 * in depth-first order: a cap's descendants follow it contiguously, and a
 * node's parent is the nearest earlier node it is an MDB child of. Two flags
 * per node carry what the list alone cannot: `revocable` (this cap may have
 * children: originals, badged caps, untyped) and `first_badged` (this is the
 * first cap with its badge, so it is not a child of an earlier cap with the
 * same badge).
 *
 * Invariants (mdb_check_invariants): links are symmetric and acyclic; empty
 * slots are unlinked; a node's descendants are contiguous after it; all caps
 * to one object are adjacent (so is_final needs only the two neighbours);
 * everything derived from an untyped lies inside it, below its watermark.
 */
#ifndef CORE_MDB_H
#define CORE_MDB_H

#include <stdbool.h>
#include <stddef.h>

#include "cte.h"

struct cte *mdb_prev(const struct cte *slot);
struct cte *mdb_next(const struct cte *slot);
bool mdb_revocable(const struct cte *slot);
bool mdb_first_badged(const struct cte *slot);
void mdb_set_prev(struct cte *slot, struct cte *prev);
void mdb_set_next(struct cte *slot, struct cte *next);
void mdb_set_flags(struct cte *slot, bool revocable, bool first_badged);

/* b is a child (direct or not) of a, given b follows a in the list. */
bool mdb_is_parent_of(const struct cte *a, const struct cte *b);
/* The cap in slot has at least one descendant. */
bool mdb_has_children(const struct cte *slot);
/* No other cap names slot's object (untyped caps are always final). */
bool mdb_is_final(const struct cte *slot);

/* Link `slot` (unlinked) into the list right after `after`. */
void mdb_link_after(struct cte *slot, struct cte *after);
/* Take `slot` out of the list, keeping the badge flags of its successor true. */
void mdb_unlink(struct cte *slot);

/*
 * Check the invariants over every slot in `slots` (all slots that can hold
 * caps: the universe). Returns NULL when they hold, else a one-line reason.
 */
const char *mdb_check_invariants(struct cte *const *slots, size_t count);

#endif
