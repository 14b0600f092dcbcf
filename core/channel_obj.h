/* SPDX-License-Identifier: MIT */
/*
 * The channel object (OBJ_CHANNEL): a client's buffer frames mapped into
 * its own and a server's address space, and a user-interrupt doorbell each
 * way (docs/abi.md "Channels", docs/decisions.md "Channels: set-up and
 * teardown").
 *
 * A server configures its service (its receiver) with a window: 64 slots of
 * `slot` pages in the VSpace of the service's receiver thread. A client
 * registers a channel object with the service: the kernel picks the server
 * vector i (lowest free), maps the client's frames at the client's address
 * and at base + i * slot, registers the client's table entry -> (server, i)
 * and the server's entry i -> (client, client vector), and rings i.
 *
 * Lifetimes without a heap or a callback list per frame:
 *  - the channel keeps a copy of each frame cap (`frame[]`, marked "held"
 *    with the channel's address, cap_frame_set_holder), so the memory lives
 *    while the channel maps it, and revoking a frame (or its untyped)
 *    reaches channel_frame_gone before the memory can be reused;
 *  - a service lists its channels as server and as client; releasing a
 *    receiver (unbind, thread or service deleted) tears them down first
 *    (channel_receiver_gone), so a channel never points at a dead service;
 *  - sender tables are not pointed at for lifetime: an entry is the
 *    channel's while the receiver's back-link (rx->sender[v]) still names
 *    it, which core/uintr keeps true when a table goes;
 *  - the mappings are the channel's own (no mapping record): a PTE is
 *    removed or replaced only while it still names the frame (VSpace
 *    looked up by ASID each time).
 * The server's side of a torn-down channel is not unmapped but replaced,
 * one PTE store per page, by the server's own dead page (the last page of
 * its service object, zeroed at retype, mapped read-write there and
 * nowhere else): a server reading its slot while the client goes reads no
 * header, never freed memory, and a server writing it (the protocol
 * library stores its indices, its sleeping word and replies into the
 * slot) writes its own page, never faults and reaches nobody. Before the
 * window moves or the service stops being a receiver, every PTE of the
 * window that maps that page gets the kernel's dead page instead: a
 * read-only page of zeros that is never freed and never written.
 *
 * Everything runs under the kernel lock; every entry point checks all of
 * its arguments before it changes anything.
 */
#ifndef CORE_CHANNEL_OBJ_H
#define CORE_CHANNEL_OBJ_H

#include <stdint.h>

#include "abi.h"
#include "cte.h"
#include "error.h"
#include "lend.h"
#include "object.h"
#include "tcb.h"
#include "uintr_obj.h"

#define CHANNEL_MAX_PAGES ABI_CHANNEL_MAX_PAGES
#define CHANNEL_WINDOW_SLOTS 64u /* one per server vector */

enum channel_state {
	CHANNEL_FREE = ABI_CHANNEL_FREE, /* zeroed memory, or unregistered */
	CHANNEL_LIVE = ABI_CHANNEL_LIVE,
	CHANNEL_DEAD = ABI_CHANNEL_DEAD, /* torn down from elsewhere; frames may still be held */
};

struct channel {
	uint8_t state;         /* enum channel_state */
	uint8_t why;           /* ABI_CHANNEL_GONE_* while DEAD */
	uint8_t server_vector; /* i: the server's vector, its entry, its window slot */
	uint8_t client_vector;
	uint8_t pages;         /* frames held (DEAD: some may be gone after a revoke) */
	uint8_t client_mapped; /* the client's mapping is there (a dead channel's may be) */
	uint8_t reserved[2];
	uint32_t client_index; /* the client's sender-table entry */
	uint32_t reserved2;
	struct uintr_service *server, *client;     /* NULL once that side went */
	struct channel *server_prev, *server_next; /* server->served list */
	struct channel *client_prev, *client_next; /* client->clients list */
	struct uintr_sender_table *client_table, *server_table;
	uint64_t client_asid, client_vaddr;
	uint64_t server_asid, server_vaddr;
	struct cte frame[CHANNEL_MAX_PAGES]; /* held copies of the buffer's frame caps */
	struct lend lend; /* the client's pages lent to the server (channel_lend.h) */
};
_Static_assert(sizeof(struct channel) <= (1u << CHANNEL_SIZE_BITS), "a channel fits its object");

/* The physical address of the dead page (zeros, never written). */
uint64_t channel_dead_page(void);

/*
 * SERVICE_CONFIGURE_CHANNELS: the window of service s at `base`, `slot`
 * pages per server vector, in the VSpace of s's receiver thread. Untrusted:
 * base, slot. Errors (nothing changed): ERR_ILLEGAL_OPERATION s has no
 * receiver, or its thread no valid VSpace; ERR_DELETE_FIRST s has live or
 * dead channels; ERR_INVALID_ARGUMENT slot not 1..CHANNEL_MAX_PAGES, or the
 * window is not user space; ERR_ALIGNMENT base not page-aligned;
 * ERR_FAILED_LOOKUP a page of the window has no level-0 table.
 */
MUST_CHECK enum error channel_configure(struct uintr_service *s, uint64_t base, uint64_t slot);

/* SERVICE_CHANNELS: release the dead vectors in `release`, then report
 * the live and dead masks. ERR_INVALID_ARGUMENT: a bit of `release` is not
 * dead (nothing released). Untrusted: release. */
MUST_CHECK enum error channel_service_masks(struct uintr_service *s, uint64_t release,
					    uint64_t *live, uint64_t *dead);

/* CHANNEL_REGISTER's arguments, the caps looked up by the kernel. */
struct channel_register_args {
	struct tcb *client;        /* the caller: receiver, sender table, VSpace */
	uint64_t index;            /* its sender-table entry */
	uint64_t vector;           /* its vector, 0..63 or ABI_UINTR_ANY_VECTOR */
	uint64_t vaddr;            /* where the buffer goes in its VSpace */
	uint64_t pages;            /* frames named */
	struct cte *const *frames; /* `pages` slots (looked up; may hold anything) */
};

/*
 * CHANNEL_REGISTER of the free channel c with service s (docs/abi.md has
 * the errors). On success: *server_vector, *client_vector set, c LIVE,
 * the server's vector rung (from sched_this_hart()). Untrusted: every field
 * of a, s's state. Assumes a->frames has a->pages slots when a->pages is
 * in range (checked first).
 */
MUST_CHECK enum error channel_register(struct channel *c, struct uintr_service *s,
				       const struct channel_register_args *a,
				       unsigned *server_vector, unsigned *client_vector);

/* CHANNEL_UNREGISTER: a live channel is torn down, a dead one cleared; c is
 * FREE after. ERR_FAILED_LOOKUP: c is free. */
MUST_CHECK enum error channel_unregister(struct channel *c);

/* --- Teardown from elsewhere (object.c, uintr_obj.c) -------------------- */

/* The last cap to channel c went (object_finalise). */
void channel_finalise(struct channel *c);
/* A held frame copy (cap_frame_holder != 0) is being deleted. */
void channel_frame_gone(struct cap frame);
/* s stops being a receiver: its channels as server and as client die. */
void channel_receiver_gone(struct uintr_service *s);

/* NULL, or what is wrong with c and its service links. */
const char *channel_check_invariants(const struct channel *c);

#endif
