/* SPDX-License-Identifier: MIT */
/*
 * The kernel objects of user-mode interrupts (docs/uintr.md, "Memory" and
 * "The kernel integration"): the service (OBJ_SERVICE), whose memory is a
 * receiver followed by the kernel's sleep bookkeeping, and the sender table
 * (OBJ_SENDER_TABLE), a core/uintr table followed by the hardware backend's
 * UIST page. This module binds them to threads, tears them down when their
 * last cap goes, and runs the wait for a user interrupt: a per-hart list of
 * sleepers with deadlines and a lock-free per-hart list of wake-ups.
 *
 * Everything here runs under the kernel lock except uintr_wake_push, which
 * uintr_send's wake-up hook calls without it.
 *
 * The rule that keeps the lock-free trap path safe: a hart running a thread
 * in user mode has that thread's receiver and table "loaded" (the kernel's
 * per-hart copy of the pointers, and core/uintr's RUNNING state). Before
 * any binding of a thread changes or goes, port_uintr_unload makes the hart
 * it is current on drop what it loaded (a remote stall for another hart,
 * which waits until that hart has left any lock-free trap).
 */
#ifndef CORE_UINTR_OBJ_H
#define CORE_UINTR_OBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "object.h"
#include "tcb.h"
#include "uintr.h"

#define UINTR_PAGE_BYTES 4096u
#define UINTR_DEADLINE_NEVER UINT64_MAX /* the wait's "no deadline" */

_Static_assert((1u << SENDER_TABLE_RADIX_MAX) == UINTR_TABLE_MAX_ENTRIES, "radix bound");

struct channel;

/* A service object: the receiver first, so either pointer is the other. */
struct uintr_service {
	struct uintr_receiver rx;
	uint64_t deadline; /* while its thread sleeps: absolute time base */
	struct uintr_service *sleep_prev, *sleep_next; /* its hart's sleepers */
	struct uintr_service *_Atomic wake_next;       /* in a hart's wake list */
	_Atomic uint32_t wake_queued;                  /* in a wake list (pushed, not drained) */
	uint8_t sleep_hart;                            /* the hart it sleeps on */
	uint8_t in_sleep_list;
	/* Channels (core/channel_obj.h): the window (0 pages: not configured),
	 * which server vectors have a live channel and which a dead one not
	 * yet released, and the channels it serves and those it is client of. */
	uint32_t window_pages;
	uint64_t window_base, window_asid;
	uint64_t channels_live, channels_dead;
	struct channel *served, *clients;
	/* Its lend window (core/channel_lend.h): 64 slots of lend_slot bytes. */
	uint64_t lend_base, lend_slot;
	/* The server's dead page (core/channel_obj.c): what a dead channel's
	 * slot maps, writable, so that the server's own stores there (its
	 * indices, its "sleeping" word, a reply) land in its own memory
	 * instead of faulting. Never mapped anywhere else; never read or
	 * written by the kernel after retype zeroed it. */
	_Alignas(UINTR_PAGE_BYTES) uint8_t dead_page[UINTR_PAGE_BYTES];
};
_Static_assert(sizeof(struct uintr_service) <= (1u << SERVICE_SIZE_BITS),
	       "a service fits SERVICE_SIZE_BITS");

static inline struct uintr_service *uintr_service_of(struct uintr_receiver *r)
{
	return (struct uintr_service *)(void *)r;
}

/* Bytes of the core table part of a sender table of 2^radix entries, rounded
 * up to a page: the UIST page (the hardware backend's) starts there. */
static inline uint64_t sender_table_uist_offset(unsigned radix)
{
	uint64_t bytes = uintr_table_bytes(1u << radix);
	return (bytes + UINTR_PAGE_BYTES - 1) & ~(uint64_t)(UINTR_PAGE_BYTES - 1);
}
/* The UIST page of the table object whose cap is `cap` (kernel address). */
void *sender_table_uist_page(struct cap cap);

/* --- Objects (core/object.c calls these) --------------------------------- */

/* Lay out a fresh sender table of 2^radix entries at base (zeroed memory). */
void sender_table_object_init(uintptr_t base, unsigned radix);
/* The last cap to a service went: its thread (if any) stops being a
 * receiver (its wait, if it sleeps, is cut and restarts: the call then
 * finds no receiver), every sender entry naming it is emptied, sends in
 * flight are waited out, queued wake-ups are dropped. */
void uintr_service_finalise(struct uintr_service *s);
/* The last cap to a sender table went: unbound from its thread, every entry
 * emptied, sends in flight waited out. */
void sender_table_finalise(struct uintr_sender_table *t);
/* A thread is destroyed (tcb_finalise, after tcb_suspend): its receiver is
 * unregistered (the service object stays, FREE) and its table unbound. */
void uintr_thread_finalise(struct tcb *t);

/* --- Bindings (invocations; every argument checked, nothing changed on error) */

/*
 * Make thread t the receiver of service s with handler (utvec, uscratch),
 * user interrupts enabled when `enable`. Errors: ERR_DELETE_FIRST t is a
 * receiver already; ERR_ILLEGAL_OPERATION s is another thread's receiver;
 * ERR_INVALID_ARGUMENT utvec's MODE is reserved (2, 3). Untrusted: utvec,
 * uscratch, enable (bit 0 only). The backend's receiver_created hook runs
 * after this; when it fails the kernel calls uintr_unbind_receiver.
 */
MUST_CHECK enum error uintr_bind_receiver(struct tcb *t, struct uintr_service *s, uint64_t utvec,
					  uint64_t uscratch, uint64_t enable);
/* t stops being a receiver (its service goes back to FREE; senders to it
 * get ERR_FAILED_LOOKUP). ERR_FAILED_LOOKUP when t is none. */
MUST_CHECK enum error uintr_unbind_receiver(struct tcb *t);
/* t sends through table `table` (NULL: through none). Errors:
 * ERR_ILLEGAL_OPERATION the table is bound to another thread. */
MUST_CHECK enum error uintr_bind_table(struct tcb *t, struct uintr_sender_table *table);

/* --- The wait for a user interrupt --------------------------------------- */

enum uintr_sleep_result {
	UINTR_SLEEP_READY = 0,   /* bits are pending: return at once */
	UINTR_SLEEP_TIMEOUT = 1, /* nothing pending and the deadline has passed (or 0: poll) */
	UINTR_SLEEP_BLOCKED = 2, /* t is BLOCKED_UINTR, SLEEPING in hart's list */
};
/*
 * The wait system call of t, current and loaded (RUNNING) on `hart`, at
 * time `now`: deadline 0 polls, UINTR_DEADLINE_NEVER waits for ever, any
 * other absolute time base value is when the wait gives up. On BLOCKED the
 * caller unloads t from the hart (port_uintr_unload) in the same locked
 * step. When it ends, t's PORT_REG_BADGE holds 1 (a user interrupt is
 * pending) or 0 (the deadline passed) and PORT_REG_RESULT ERR_OK.
 * Assumes t is a receiver. Untrusted: deadline.
 */
enum uintr_sleep_result uintr_sleep(struct tcb *t, uint64_t deadline, uint64_t now, unsigned hart);
/* uintr_sleep's two halves, for the claim of a sleeper (core/uintr_claim.c),
 * which blocks t after it switched away from it: publish the sleep (t's
 * receiver SLEEPING, unless bits are pending: READY, t RUNNING as before),
 * then, after BLOCK, block t (BLOCKED_UINTR, in hart's sleep list);
 * `current`: t is still current (the scheduler is told, tcb_set_state). */
enum uintr_wait_result uintr_sleep_begin(struct tcb *t, uint64_t deadline, unsigned hart);
void uintr_sleep_block(struct tcb *t, unsigned hart, bool current);
/* Every sleeper of `hart` whose deadline is <= now wakes with 0. */
void uintr_expire(unsigned hart, uint64_t now);
/* Does hart have sleepers (a load: the kernel asks on every decision)? */
bool uintr_has_sleepers(unsigned hart);
/* The earliest deadline of hart's sleepers, or UINTR_DEADLINE_NEVER. */
uint64_t uintr_next_deadline(unsigned hart);
/* tcb_cancel_ipc of a BLOCKED_UINTR thread: the wait ends, nothing more. */
void uintr_wait_abort(struct tcb *t);
/*
 * port_uintr_wake's body, lock-free (a sender, interrupts off): queue r on
 * the wake list of the hart it sleeps on. Returns that hart, or
 * UINTR_NO_HART when r was queued already (the queued entry serves this
 * wake-up too: the drain reads the state afterwards).
 */
unsigned uintr_wake_push(struct uintr_receiver *r);
/* Under the lock: end the sleep of every receiver queued on hart's list
 * whose wake-up is still due (uintr_wake_complete). */
void uintr_wake_drain(unsigned hart);
/* Is anything queued on hart's wake list (a lock-free peek)? */
bool uintr_wake_pending(unsigned hart);

/* The lean direct switch's half here (core/uintr_claim.c): s's sleep
 * ended by a claim (uintr_claim_sleeper) ends as a drained wake-up's does
 * (out of its hart's sleep list, the wait answers 1, its thread RUNNING)
 * but is not handed to the scheduler: the caller makes it current. */
void uintr_sleeper_claimed(struct uintr_service *s);

/* NULL, or what is wrong with the sleep lists and bindings of t. */
const char *uintr_thread_check_invariants(const struct tcb *t);

#endif
