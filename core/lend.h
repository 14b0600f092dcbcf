/* SPDX-License-Identifier: MIT */
/*
 * Lending: a client's Call hands a page-aligned range of its address space
 * to the server it calls, for one request (docs/vspace.md "Lending"). The
 * leaves of the range move: the client's entries become *lent markers*
 * (invalid, so any access by any of its threads faults, with the leaf kept
 * in the other bits), and the server's window gets the same leaves marked
 * *borrowed*, without execute. The return restores the client's entries
 * and clears the server's. Cost is one write per leaf on each side: a
 * 2 MiB or 1 GiB leaf moves as one entry.
 *
 * The record of a lend lives in the calling thread's TCB (one Call at a
 * time per thread); every active record is on one list, so that a VSpace
 * change under a lent range or a window holding one (a frame unmapped or
 * deleted, a table unmapped, the VSpace or its pool deleted) ends the lend
 * first (lend_release): no server ever keeps a mapping of memory the client
 * let go, and the return finds both sides as the move left them, so it
 * writes each entry blindly.
 *
 * Allocation-free: every page table the server side needs must already
 * exist in its window. Callers: kernel/lend.c (the Call), core/reply.h (the
 * return, whenever a caller leaves its reply object), core/vspace.c and
 * core/asid.c (lend_release).
 */
#ifndef CORE_LEND_H
#define CORE_LEND_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

/* An active lend (bytes != 0) or none (bytes == 0). */
struct lend {
	uint64_t client_asid, base, bytes;  /* the client's range */
	uint64_t server_asid, window;       /* where it went: the server's window base */
	uintptr_t client_root, server_root; /* the roots at lend time */
	uint64_t table_saved;     /* the window's table entry a moved table replaced (0: none) */
	struct lend *prev, *next; /* the active list */
};

/* A window a receiver names: [base, base + bytes) of its own VSpace. */
struct lend_window {
	uint64_t base, bytes;
};

/*
 * Whether [base, base + bytes) of the VSpace of client_asid may be lent into
 * `window` of the VSpace of server_asid; changes nothing. Untrusted: every
 * argument. Errors, in the order checked: ERR_INVALID_ARGUMENT bytes is 0,
 * the range or window is not user space, or both ASIDs are one VSpace;
 * ERR_ALIGNMENT base, bytes, or the window's base or size not 4 KiB
 * aligned; ERR_RANGE no window (bytes 0) or bytes larger than it;
 * ERR_FAILED_LOOKUP an ASID names no VSpace; then, leaf by leaf:
 * ERR_INVALID_ARGUMENT a page not mapped user-readable, device memory,
 * lent or borrowed already, or a superpage leaf reaching outside the range;
 * ERR_ALIGNMENT a superpage leaf would land misaligned in the window;
 * ERR_FAILED_LOOKUP the window lacks the page table for a leaf's level;
 * ERR_DELETE_FIRST the window's slot is occupied (a mapping, or a table
 * where a superpage goes).
 */
MUST_CHECK enum error lend_check(uint64_t client_asid, uint64_t base, uint64_t bytes,
				 uint64_t server_asid, struct lend_window window);

/* Move the range (lend_check said ERR_OK, nothing changed since) and record
 * it in `l` (none before): cannot fail. Flushes both ASIDs. */
void lend_move(struct lend *l, uint64_t client_asid, uint64_t base, uint64_t bytes,
	       uint64_t server_asid, uint64_t window);

/* End l if active: the client's entries come back, the server's borrowed
 * entries go, both flushed; l becomes none. */
void lend_return(struct lend *l);

/* Whether l holds pages now. */
static inline bool lend_active(const struct lend *l)
{
	return l->bytes != 0;
}

/* End every active lend whose client range or server window lies in the
 * VSpace of asid and meets [va, va + bytes): that VSpace is about to
 * change there. */
void lend_release(uint64_t asid, uint64_t va, uint64_t bytes);

/* Forget every lend (host tests start each case clean). */
void lend_reset(void);

/* NULL when every active lend's markers and borrowed entries are in place
 * and the list is well linked, else what is wrong. */
const char *lend_check_invariants(void);

#endif
