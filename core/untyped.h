/* SPDX-License-Identifier: MIT */
/*
 * Untyped memory: a naturally aligned power-of-two region that user level
 * turns into kernel objects with Untyped_Retype. The kernel has no heap;
 * every object comes from here.
 *
 * The untyped cap's watermark (free index) says how much of the region has
 * been handed out. Objects are placed at the watermark, each aligned to its
 * own size, and become MDB children of the untyped cap. Invariants: every
 * descendant of an untyped lies inside it and below its watermark (mdb.c);
 * the memory of a normal untyped from its watermark up is zero, so objects
 * are made without clearing them.
 *
 * seL4's reset: when the cap has no children left (all deleted, or
 * revoked), the next retype first clears the region below the watermark,
 * one UNTYPED_RESET_CHUNK_BITS chunk per work unit from the top down,
 * lowering the watermark after each chunk; a spent budget stops it with
 * ERR_PREEMPTED and the call, restarted, continues. So no retype clears
 * more than its budget's worth of memory. A fresh cap of normal memory
 * starts with its watermark at the top (cap_untyped_new): its first retype
 * clears it all.
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

#define UNTYPED_RESET_CHUNK_BITS 12 /* bytes cleared per work unit: 4 KiB */

/*
 * Untyped_Retype as a system call runs it: make num_objects objects of one
 * type from the untyped cap in `untyped` and put their caps in consecutive
 * empty slots of a CNode. Every argument is checked first (errors change
 * nothing; lookup failures are in *fault); then an untyped without
 * children is reset with `budget` (ERR_PREEMPTED: the kernel restarts the
 * call, which checks everything again and continues the reset); then the
 * objects are made, which cannot fail. Untrusted: every field of args;
 * `untyped` is the slot the kernel looked up.
 */
MUST_CHECK enum error untyped_retype_preemptible(struct cte *untyped,
						 const struct untyped_retype_args *args,
						 struct lookup_fault *fault,
						 struct work_budget *budget);
/*
 * NULL, or what is wrong with the untyped cap in `slot`: a watermark above
 * its size or not a multiple of 16 bytes, or (normal memory) a byte at or
 * above the watermark that is not zero. Reads the whole free region.
 */
const char *untyped_check_invariants(const struct cte *slot);

/*
 * untyped_retype_preemptible run to completion, for the kernel's own
 * objects at boot (unbounded: never for a system call).
 */
MUST_CHECK enum error untyped_retype(struct cte *untyped, const struct untyped_retype_args *args,
				     struct lookup_fault *fault);

#endif
