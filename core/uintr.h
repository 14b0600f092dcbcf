/* SPDX-License-Identifier: MIT */
/*
 * User-mode interrupts (docs/uintr.md): the state machine both arch
 * backends share. A *receiver* (struct uintr_receiver, one per receiving
 * thread) holds 64 pending bits, the receiver's state (not scheduled,
 * running on a hart, sleeping for user interrupts, being woken) and the
 * thread's user-interrupt registers (utvec, uscratch, uepc, ucause, the
 * enable bits). A *sender table* (struct uintr_sender_table, one per sending
 * thread) has entries naming a receiver and a vector (the pending bit the
 * entry sets). Each vector of a receiver belongs to at most one sender entry,
 * so a receiver has at most 64 senders and a sender entry is told apart by
 * its bit.
 *
 * Concurrency: every function here runs under the kernel lock except
 * uintr_send, uintr_read and uintr_write, which take no lock (DESIGN.md: the
 * send path must not take the big kernel lock). They touch only the atomic
 * words (the entry's receiver pointer, the pending bits, the state word)
 * and a per-hart send sequence; uintr_receiver_unregister and
 * uintr_table_destroy wait out sends in flight (a grace period, bounded
 * because a send runs with interrupts off) before the memory is reused.
 * The race between "receiver goes to sleep" and "sender sets the bit" is
 * closed as the channel's doorbell is: the sender sets the bit then reads
 * the state, the sleeper publishes SLEEPING then reads the bits, all
 * sequentially consistent, so one of them sees the other.
 *
 * States (enum uintr_rx_state), changed only by rx_transition (uintr.c),
 * which asserts the table of docs/uintr.md. Invariants:
 * uintr_check_invariants, uintr_table_check_invariants.
 *
 * Callers: the kernel's trap path (emulated uipi, uret, CSR accesses and
 * delivery on the return to user), its context switch (uintr_switch_in/out),
 * the wait system call, and the object code that creates and destroys
 * receivers and sender tables (kernel issue 17); arch/riscv/uintr.h names
 * the backends' hooks.
 */
#ifndef CORE_UINTR_H
#define CORE_UINTR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "config.h"
#include "error.h"

#define UINTR_VECTORS 64               /* pending bits of a receiver */
#define UINTR_ANY_VECTOR UINTR_VECTORS /* uintr_sender_register: pick the lowest free */
#define UINTR_TABLE_MAX_ENTRIES 512    /* one 4 KiB page of 8-byte hardware UIST entries */
#define UINTR_NO_HART 0xffu
#define UINTR_CAUSE_USI (1ull << 63) /* ucause of a user software interrupt: cause 0, async */
#define UINTR_UTVEC_MODE_MASK 3ull   /* utvec's MODE: 0 direct, 1 vectored, more reserved */

_Static_assert(CONFIG_MAX_HARTS < UINTR_NO_HART, "hart numbers fit the state word's byte");

enum uintr_rx_state {
	UINTR_RX_FREE = 0,     /* not a receiver (zeroed memory, or unregistered) */
	UINTR_RX_IDLE = 1,     /* registered; its thread is not current on any hart */
	UINTR_RX_RUNNING = 2,  /* its thread is current on the hart in the state word */
	UINTR_RX_SLEEPING = 3, /* its thread waits for a user interrupt (or a deadline) */
	UINTR_RX_WAKING = 4,   /* a sender ended the sleep; the kernel has not yet resumed it */
};
#define UINTR_RX_STATE_COUNT 5

struct uintr_receiver;

/* One entry of a sender table: which receiver, which pending bit there. A
 * NULL receiver is an empty entry (never set, or its receiver went). */
struct uintr_sender_entry {
	struct uintr_receiver *_Atomic receiver;
	_Atomic uint32_t vector;
	uint32_t index; /* its own place in its table (uintr_entry_table) */
};

/* A sender table: a header and `size` entries, in one block of caller
 * memory of uintr_table_bytes(size) bytes. */
struct uintr_sender_table {
	uint32_t size; /* entries */
	uint32_t reserved;
	void *owner; /* the sending thread it is bound to (the kernel's TCB), or NULL */
	struct uintr_sender_entry entry[];
};

/* The table an entry belongs to (a backend that mirrors entries, given a
 * receiver's sender[] back-links, finds the table and index this way). */
static inline struct uintr_sender_table *uintr_entry_table(struct uintr_sender_entry *e)
{
	return (struct uintr_sender_table *)(void *)((char *)(e - e->index) -
						     offsetof(struct uintr_sender_table, entry));
}

/* The thread's user-interrupt registers as the emulated backend keeps them
 * (the hardware backend keeps them in the CSRs and saves them in the same
 * fields on a switch). */
struct uintr_regs {
	uint64_t utvec;    /* handler: base | MODE (0 or 1) */
	uint64_t uscratch; /* the handler's word (the C handler, by the libc convention) */
	uint64_t uepc;     /* where the interrupted code resumes */
	uint64_t ucause;   /* UINTR_CAUSE_USI after a delivery */
	uint8_t enabled;   /* uie.USIE: the receiver takes user interrupts */
	uint8_t uie;       /* ustatus.UIE: not inside the handler */
	uint8_t upie;      /* ustatus.UPIE: UIE before the handler was entered */
	uint8_t reserved[5];
};

struct uintr_receiver {
	_Atomic uint64_t pending; /* bit v: vector v was sent and not yet read */
	_Atomic uint64_t status;  /* enum uintr_rx_state | hart << 8 (0 unless RUNNING) */
	void *owner;              /* the receiving thread (the kernel's TCB); opaque here */
	uint32_t backend_slot;    /* the backend's (hardware: the UINTC slot); opaque here */
	uint8_t current_on1;      /* 1 + the hart its thread is current on; 0: none */
	uint8_t senders;          /* entries in sender[] */
	uint8_t reserved[2];
	struct uintr_sender_entry *sender[UINTR_VECTORS]; /* which entry owns each vector */
	struct uintr_regs regs;
};

/* The kernel object holding a receiver (the service, OBJ_SERVICE) must be at
 * least this big: 1 KiB (docs/uintr.md, "Memory"). */
_Static_assert(sizeof(struct uintr_receiver) <= 1024, "a receiver fits a 1 KiB object");
_Static_assert(sizeof(struct uintr_sender_entry) == 16, "entries are 16 bytes");

/* What a send did after setting the bit. */
enum uintr_send_action {
	UINTR_SEND_NONE = 0, /* the receiver runs on the sender's hart: it sees the bit on return */
	UINTR_SEND_IPI = 1,  /* it runs on another hart: port_uintr_ipi was called */
	UINTR_SEND_WOKEN = 2,   /* it slept for user interrupts: port_uintr_wake was called */
	UINTR_SEND_PENDING = 3, /* it is not scheduled (or being woken): the bit waits */
};

struct uintr_send_result {
	enum error err; /* ERR_OK, or why nothing was sent (see uintr_send) */
	enum uintr_send_action action;
	unsigned hart; /* UINTR_SEND_IPI: the hart interrupted */
};

enum uintr_wait_result {
	UINTR_WAIT_BLOCK = 0, /* nothing pending: the thread is SLEEPING and must block */
	UINTR_WAIT_READY = 1, /* bits are pending: the thread stays RUNNING and returns */
};

/* --- Receivers (under the kernel lock) --------------------------------- */

/* Bytes a receiver takes (the kernel object holding one). */
#define UINTR_RECEIVER_BYTES sizeof(struct uintr_receiver)

/*
 * Make r (FREE: zeroed memory or unregistered) a receiver owned by thread
 * `owner`: IDLE, nothing pending, no senders, user interrupts disabled,
 * ustatus.UIE set, no handler. ERR_ILLEGAL_OPERATION when r is a receiver
 * already. Assumes owner != NULL.
 */
MUST_CHECK enum error uintr_receiver_register(struct uintr_receiver *r, void *owner);
/*
 * r goes (its thread exits, its object is deleted): every sender entry that
 * names it becomes empty (those senders get ERR_FAILED_LOOKUP from then
 * on), sends in flight are waited out, and r is FREE, so its memory may be
 * reused. Returns the state it had: from SLEEPING or WAKING, the caller
 * ends its thread's wait and drops any wake-up it has queued for r
 * (port_uintr_wake). Assumes r is a receiver whose thread is not current.
 */
enum uintr_rx_state uintr_receiver_unregister(struct uintr_receiver *r);

enum uintr_rx_state uintr_receiver_state(const struct uintr_receiver *r);
/* The same, by a relaxed load: for a caller under the kernel lock whose
 * decision a sender cannot race (senders change only a SLEEPING word, to
 * WAKING) or is re-validated by a compare-and-swap on the exact word
 * (docs/uintr.md, "The claim of a sleeper": memory orders). */
enum uintr_rx_state uintr_receiver_state_relaxed(const struct uintr_receiver *r);
/* The hart in RUNNING's state word, or UINTR_NO_HART. */
unsigned uintr_receiver_hart(const struct uintr_receiver *r);
/* The receiver current on hart, or NULL (what the hardware backend
 * activates there). Assumes hart < CONFIG_MAX_HARTS. */
struct uintr_receiver *uintr_running_on(unsigned hart);

/* --- Sender tables (under the kernel lock) ----------------------------- */

/* Bytes of a table of `entries` entries (1..UINTR_TABLE_MAX_ENTRIES). */
static inline size_t uintr_table_bytes(uint32_t entries)
{
	return sizeof(struct uintr_sender_table) + entries * sizeof(struct uintr_sender_entry);
}
/* Lay out an empty table of `entries` entries in `memory` (of
 * uintr_table_bytes(entries) bytes). ERR_RANGE unless 1..512 entries. */
MUST_CHECK enum error uintr_table_init(void *memory, uint64_t entries);
/*
 * Entry `index` of t now sends `vector` (0..63, or UINTR_ANY_VECTOR for the
 * lowest free one) to r; the vector used is stored in *vector_out. Errors,
 * nothing changed: ERR_RANGE index >= t->size or vector > UINTR_ANY_VECTOR;
 * ERR_DELETE_FIRST the entry is in use; ERR_ILLEGAL_OPERATION r is not a
 * receiver, or `vector` belongs to another sender already;
 * ERR_NOT_ENOUGH_MEMORY UINTR_ANY_VECTOR and all 64 are taken (the 65th
 * sender). Untrusted: index, vector.
 */
MUST_CHECK enum error uintr_sender_register(struct uintr_sender_table *t, uint64_t index,
					    struct uintr_receiver *r, uint64_t vector,
					    unsigned *vector_out);
/*
 * Entry `index` becomes empty and its vector free at the receiver. The
 * receiver keeps its pending bits (a bit set before, or by a send already
 * in flight, stays valid and is read as usual). ERR_RANGE index >= size;
 * ERR_FAILED_LOOKUP the entry is empty. Untrusted: index.
 */
MUST_CHECK enum error uintr_sender_unregister(struct uintr_sender_table *t, uint64_t index);
/* t goes (its thread exits, its object is deleted): every entry is
 * unregistered and sends in flight through t are waited out; its memory
 * may then be reused. */
void uintr_table_destroy(struct uintr_sender_table *t);

/* --- The lock-free paths ----------------------------------------------- */

/*
 * uipi SEND: entry `index` of t, from hart `hart` (the calling hart, <
 * CONFIG_MAX_HARTS). Sets the entry's bit at its receiver atomically, then by
 * the receiver's state: nothing more, port_uintr_ipi, port_uintr_wake, or
 * nothing (see enum uintr_send_action). Takes no lock; runs with
 * interrupts off, concurrently with anything here. Errors, nothing sent:
 * ERR_RANGE index >= t->size; ERR_FAILED_LOOKUP the entry is empty (never
 * set, unregistered, or its receiver went). Untrusted: index.
 */
struct uintr_send_result uintr_send(struct uintr_sender_table *t, uint64_t index, unsigned hart);
/*
 * Bits that reached r other than through a sender entry (the hardware
 * backend found them in r's UINTC slot while r sleeps): ORed into pending,
 * then the same action as uintr_send's by r's state (a SLEEPING receiver is
 * woken through port_uintr_wake). No bits: nothing. Takes no lock. Assumes
 * r is a receiver and `hart` the calling hart.
 */
struct uintr_send_result uintr_post(struct uintr_receiver *r, uint64_t bits, unsigned hart);
/* uipi READ: the pending bits, cleared (read-and-clear, as UINTC's). */
uint64_t uintr_read(struct uintr_receiver *r);
/* uipi WRITE: OR `bits` back into pending (the handler returns bits it did
 * not handle). Untrusted: bits (any). */
void uintr_write(struct uintr_receiver *r, uint64_t bits);

/* --- The receiver's thread (under the kernel lock, on its hart) --------- */

/* r's thread becomes current on hart `hart` (r IDLE), or stops being
 * current there (r RUNNING on that hart becomes IDLE; SLEEPING and WAKING
 * stay). */
void uintr_switch_in(struct uintr_receiver *r, unsigned hart);
void uintr_switch_out(struct uintr_receiver *r);

/* The wait system call by r's thread (RUNNING): see enum uintr_wait_result. */
enum uintr_wait_result uintr_wait_begin(struct uintr_receiver *r);
/* The wait ends without a wake-up being processed (deadline, or the thread
 * is stopped): r (SLEEPING or WAKING, not current) becomes IDLE. Returns
 * true when a sender had ended the sleep (WAKING). */
bool uintr_wait_cancel(struct uintr_receiver *r);
/* The kernel handles a wake-up port_uintr_wake asked for: true when r was
 * WAKING (now IDLE: make its thread runnable), false when its wait had
 * already ended (nothing to do; its thread may even run again). Assumes r is
 * a receiver, and not current when WAKING: the kernel blocks the sleeper and
 * switches it out in the same locked step as uintr_wait_begin. */
bool uintr_wake_complete(struct uintr_receiver *r);

/* The lean direct switch (core/uintr_claim.h): r (SLEEPING, its thread
 * current nowhere) is claimed by a send from hart `hart`, which has no
 * receiver current, and becomes RUNNING and current there, as a wake-up
 * followed by uintr_switch_in would leave it. False, nothing changed, when
 * a sender claimed the sleep first (WAKING: its queued wake-up ends it).
 * Assumes r is a receiver, hart < CONFIG_MAX_HARTS. */
bool uintr_claim_sleeper(struct uintr_receiver *r, unsigned hart);

/* Emulated CSR writes. utvec: ERR_INVALID_ARGUMENT for a reserved MODE (2,
 * 3), nothing changed. Untrusted: utvec, uscratch (user addresses are
 * only ever loaded into the user pc). */
MUST_CHECK enum error uintr_set_handler(struct uintr_receiver *r, uint64_t utvec,
					uint64_t uscratch);
void uintr_set_enabled(struct uintr_receiver *r, bool enabled);
const struct uintr_regs *uintr_regs(const struct uintr_receiver *r);

/*
 * Delivery on the return to user mode (the emulated backend; the hardware's
 * sret does the same): when user interrupts are enabled, ustatus.UIE is set
 * and bits are pending, uepc = *pc, ucause = UINTR_CAUSE_USI, UPIE = 1,
 * UIE = 0, *pc = utvec's base, and true is returned. The pending bits stay
 * (the handler reads and clears them: uintr_read); a handler that leaves
 * bits is entered again at its uret, as on the hardware. Assumes r RUNNING
 * on the calling hart.
 */
bool uintr_deliver(struct uintr_receiver *r, uint64_t *pc);
/* uret: UIE = UPIE, UPIE = 1, *pc = uepc; then delivery again when bits are
 * still pending (the hardware chains the same way). Returns uintr_deliver's
 * answer for that second step. Assumes r RUNNING on the calling hart. */
bool uintr_uret(struct uintr_receiver *r, uint64_t *pc);

/* --- Checks ------------------------------------------------------------ */

/* Is `from` -> `to` in the table of docs/uintr.md? */
bool uintr_transition_ok(enum uintr_rx_state from, enum uintr_rx_state to);
/* NULL, or what is wrong with r (state word, hart map, sender back-links,
 * registers). Under the kernel lock, with no send in flight. */
const char *uintr_check_invariants(const struct uintr_receiver *r);
/* NULL, or what is wrong with t (count, each entry's link to its receiver). */
const char *uintr_table_check_invariants(const struct uintr_sender_table *t);
/* Forget every hart's running receiver (host tests start each case clean). */
void uintr_reset_harts(void);

#endif
