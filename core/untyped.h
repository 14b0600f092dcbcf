/* SPDX-License-Identifier: MIT */
/*
 * Untyped memory: a naturally aligned power-of-two region that user level
 * turns into kernel objects with Untyped_Retype. The kernel has no heap;
 * every object comes from here.
 *
 * The untyped cap's watermark (free index) says how much of the region has
 * been handed out. Objects are placed at the watermark, each aligned to its
 * own size, and become MDB children of the untyped cap. When the cap has no
 * children left (all deleted, or revoked) the next retype starts again from
 * zero; revoke resets the watermark at once. Invariant (mdb.c): every
 * descendant of an untyped lies inside it and below its watermark.
 *
 * Device untyped (MMIO, or memory the kernel must not touch) becomes only
 * frames and smaller device untyped, and is never written.
 */
#ifndef CORE_UNTYPED_H
#define CORE_UNTYPED_H

#include <stdint.h>

#include "cnode.h"
#include "compiler.h"
#include "cte.h"
#include "error.h"

struct untyped_retype_args {
	uint64_t type;               /* enum object_type, untrusted */
	uint64_t size_bits;          /* untyped size or CNode radix; ignored otherwise */
	struct cslot_ref dest_cnode; /* depth 0 names the root CNode itself */
	uint64_t node_offset;        /* first destination slot in that CNode */
	uint64_t num_objects;        /* 1..RETYPE_FAN_OUT_LIMIT */
};

/*
 * Untyped_Retype: make num_objects objects of one type from the untyped cap
 * in `untyped` and put their caps in consecutive empty slots of a CNode.
 * Untrusted: every field of args; `untyped` is the slot the kernel looked
 * up. On any error nothing changes and lookup failures are in *fault.
 */
MUST_CHECK enum error untyped_retype(struct cte *untyped, const struct untyped_retype_args *args,
				     struct lookup_fault *fault);

#endif
