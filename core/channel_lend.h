/* SPDX-License-Identifier: MIT */
/*
 * A channel's large-buffer call (docs/channels.md "Large buffers"): a
 * channel's client lends a range of its pages to the channel's server for
 * one request, through core/lend.c, and the server gives them back before
 * it replies. The request and its reply go through the channel's queues as
 * any other (CHANNEL_FLAG_LARGE); the kernel moves only the pages.
 *
 *  - SERVICE_CONFIGURE_LEND: the server names its lend window, 64 slots of
 *    `slot` bytes in its receiver's VSpace, one per server vector, and
 *    builds the page tables there itself (the kernel allocates nothing).
 *  - CHANNEL_LEND: the client, from the channel's client VSpace, lends
 *    [base, base + bytes) into slot i (the channel's server vector). One
 *    lend per channel at a time.
 *  - SERVICE_LEND_RETURN: the server gives link i's lend back.
 * The record lives in the channel object; any teardown of the channel
 * returns the pages first, and every VSpace change under either side ends
 * the lend as for a Call's (lend_release). Under the kernel lock.
 */
#ifndef CORE_CHANNEL_LEND_H
#define CORE_CHANNEL_LEND_H

#include <stdint.h>

#include "channel_obj.h"
#include "error.h"

/* SERVICE_CONFIGURE_LEND: slot bytes per vector at base (slot 0: none).
 * Untrusted: base, slot. Errors (nothing changed): ERR_DELETE_FIRST s has
 * live or dead channels; ERR_INVALID_ARGUMENT the 64 slots are not user
 * space; ERR_ALIGNMENT base or slot not page-aligned. */
MUST_CHECK enum error channel_lend_configure(struct uintr_service *s, uint64_t base, uint64_t slot);

/* CHANNEL_LEND of [base, base + bytes) by a thread of the VSpace of
 * caller_asid; *server_va = where the pages are in the server. Untrusted:
 * every argument. Errors (nothing changed): ERR_ILLEGAL_OPERATION c is not
 * live or the caller is not in its client VSpace; ERR_DELETE_FIRST c has a
 * lend already; then lend_check's (lend.h; ERR_RANGE: no lend window, or a
 * range larger than its slot). A channel buffer's pages are never lent
 * (their entries carry PTE_SW_DEVICE): ERR_INVALID_ARGUMENT. */
MUST_CHECK enum error channel_lend(struct channel *c, uint64_t caller_asid, uint64_t base,
				   uint64_t bytes, uint64_t *server_va);

/* SERVICE_LEND_RETURN of the lend on s's link `vector`; *bytes = what came
 * back. Untrusted: vector. Errors: ERR_RANGE vector >= 64;
 * ERR_FAILED_LOOKUP no live channel there, or it holds no lend. */
MUST_CHECK enum error channel_lend_return(struct uintr_service *s, uint64_t vector,
					  uint64_t *bytes);

#endif
