/* SPDX-License-Identifier: MIT */
/*
 * Address spaces a program builds for its own threads (the in-system
 * tests and benchmarks that put a channel's server in another address
 * space): objects retyped from the program's untyped into its CNode,
 * frames mapped with the page tables they need, fresh memory, and a copy
 * of the program's own image (text, read-only data, data and bss at the
 * same addresses) in a new VSpace, so that any function of the program
 * can run there as a thread that shares nothing with the original but
 * what is mapped into both. The program's CNode is PROC_CAP_CNODE
 * (guarded: a cptr is a slot index), as libos/process.h lays it out.
 */
#ifndef LIBOS_SPACE_H
#define LIBOS_SPACE_H

#include <stdint.h>

#include "kestrel.h"
#include "object.h"

/* Where objects come from: untyped[0], then untyped[1] (0: none) when the
 * first is full; slots next..end-1 of the program's CNode. */
struct space_alloc {
	cptr_t untyped[2];
	cptr_t next, end;
};

/* A new object in a new slot; 0 on failure (no memory or no slot). */
cptr_t space_object(struct space_alloc *a, enum object_type type, unsigned bits);

/* Map `frame` at va in `vspace` (page tables from `a` as needed). */
enum error space_map(struct space_alloc *a, cptr_t frame, cptr_t vspace, uint64_t va,
		     uint64_t rights, uint64_t attributes);

/* `pages` fresh zeroed frames mapped read-write (never executable) from
 * va in `vspace`; the first frame's cptr in *first (the others follow it
 * in order, one slot each). */
enum error space_fresh(struct space_alloc *a, cptr_t vspace, uint64_t va, unsigned pages,
		       cptr_t *first);

/* A copy of `frame`'s cap (for a second mapping of the same page); 0 on
 * failure. */
cptr_t space_copy_cap(struct space_alloc *a, cptr_t frame);

/* A new VSpace holding a copy of the caller's image as it is now, each
 * segment with its rights; `window` is a page-aligned address in the
 * caller's VSpace, free, used to fill the copies. */
enum error space_clone(struct space_alloc *a, uint64_t window, cptr_t *vspace_out);

#endif
