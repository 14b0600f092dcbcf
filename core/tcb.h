/* SPDX-License-Identifier: MIT */
/*
 * Thread control blocks: a thread's registers, its state, its scheduling
 * parameters (priority, maximum controlled priority, hart affinity, time
 * slice) and what links it to IPC (the object it waits on, its reply object,
 * its bound notification, its fault handler, its IPC buffer).
 *
 * The state is an explicit enum; tcb_set_state is the one function that
 * changes it and asserts the transition is in the table of docs/ipc.md.
 * Invariant (tcb_check_invariants, with the scheduler's and the objects'):
 * a thread is in exactly one place: current on one hart, in one ready queue,
 * the pending direct-switch candidate of one hart, in one endpoint or
 * notification queue, held by one reply object, or inactive.
 *
 * Callers: the kernel's TCB invocations and system calls (later issue), the
 * IPC modules, and object.c (object_finalise) when the last TCB cap goes.
 */
#ifndef CORE_TCB_H
#define CORE_TCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asid.h"
#include "compiler.h"
#include "cte.h"
#include "error.h"
#include "lend.h"
#include "message.h"
#include "object.h"
#include "port.h"

#define TCB_REG_WORDS 45   /* the arch layer's register block fits in this */
#define PRIORITY_COUNT 256 /* priorities 0 (lowest) .. 255 */
#define TIME_SLICE_TICKS 5 /* timer ticks a thread runs before its peers get a turn */
#define NO_HART 0xffu

enum thread_state {
	THREAD_INACTIVE = 0,      /* suspended or never started: not schedulable */
	THREAD_RUNNING = 1,       /* runnable: continues after its last system call */
	THREAD_RESTART = 2,       /* runnable: re-executes the instruction at its PC */
	THREAD_BLOCKED_SEND = 3,  /* in an endpoint's queue, to send (or call) */
	THREAD_BLOCKED_RECV = 4,  /* in an endpoint's queue, to receive */
	THREAD_BLOCKED_REPLY = 5, /* called; held by a reply object until answered */
	THREAD_BLOCKED_NTFN = 6,  /* in a notification's queue */
	THREAD_IDLE = 7,          /* a hart's idle thread: runs when nothing else can */
	THREAD_BLOCKED_UINTR = 8, /* waits for a user interrupt or a deadline (uintr_obj.h) */
};
#define THREAD_STATE_COUNT 9

struct endpoint;
struct notification;
struct reply;
struct uintr_service;
struct uintr_sender_table;

struct tcb {
	uint64_t regs[TCB_REG_WORDS]; /* opaque: layout is the arch layer's */
	struct cte cspace_root;       /* a CNode cap, or null: where cap transfer looks */
	struct cte vspace_root;       /* a VSpace root (page-table cap with an ASID), or null */
	struct cte fault_handler;     /* an endpoint cap, or null */
	struct cte ipc_buffer_frame;  /* a copy of the buffer's frame cap, or null */
	uint64_t ipc_buffer_address;  /* the buffer's user address (inside that frame) */
	/* The bytes the IPC fastpath tests of each thread, together in one
	 * aligned word (fast_word: tcb_fast_word_make, the scheduler's
	 * sched_fast_*_ok). Each is the field itself, written where it
	 * always was; fast_spare is never written (tcb_check_invariants). */
	union {
		struct {
			uint8_t state;       /* enum thread_state */
			uint8_t affinity;    /* the hart it runs on */
			uint8_t current_on1; /* 1 + the hart it is current on; 0: none */
			uint8_t queued;      /* in a ready queue (scheduler.c) */
			uint8_t candidate;   /* a hart's direct-switch candidate */
			uint8_t
			    fault_kind; /* enum fault_kind; FAULT_NONE unless a fault is in flight */
			/* The kernel's (core/ only carries it): non-zero when
			 * another hart rewrote the registers (TCB_WriteRegisters)
			 * while this thread was current on a hart it had
			 * stalled, whose pending trap then belongs to the old
			 * registers and is dropped (kernel/trap.c). In the word,
			 * the fastpath's first compare refuses such a trap. */
			uint8_t trap_stale;
			uint8_t fast_spare;
		};
		uint64_t fast_word;
	};
	uint8_t priority;
	uint8_t mcp;        /* highest priority this thread may give */
	uint8_t ticks_used; /* of its time slice */
	struct tcb *sched_prev, *sched_next;
	/* While blocked on an endpoint or notification: that object and links. */
	void *blocked_on;
	struct tcb *ipc_prev, *ipc_next;
	uint64_t ipc_badge;      /* blocked send: the badge of the cap used */
	uint8_t ipc_call;        /* blocked send: it is a call */
	uint8_t ipc_grant;       /* blocked send or receive: the cap used has the grant right */
	uint8_t ipc_grant_reply; /* blocked call: the cap used has grant or grant-reply */
	/* A cap fault's receive phase and lookup failure (fault.h). */
	uint8_t fault_in_receive;
	uint8_t fault_lookup_type;
	uint8_t fault_bits_left;
	uint8_t fault_bits_found;
	uint64_t fault_guard_found;
	uint64_t fault_address;
	uint64_t fault_pc;
	struct reply *reply;        /* receive: reply object to fill; reply wait: its holder */
	struct notification *bound; /* bound notification, or NULL */
	/* User-mode interrupts (core/uintr_obj.h): the service whose receiver
	 * this thread is, and the sender table it sends through, or NULL. */
	struct uintr_service *uintr_service;
	struct uintr_sender_table *uintr_table;
	/* The pages this thread's Call lent to the server (core/lend.h): active
	 * only while it waits for the reply. */
	struct lend lend;
};

_Static_assert(sizeof(struct tcb) <= (1u << TCB_SIZE_BITS), "TCB fits TCB_SIZE_BITS");

/* fast_word's bytes, least significant first (the fields' order above). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
		   offsetof(struct tcb, affinity) == offsetof(struct tcb, fast_word) + 1 &&
		   offsetof(struct tcb, current_on1) == offsetof(struct tcb, fast_word) + 2 &&
		   offsetof(struct tcb, queued) == offsetof(struct tcb, fast_word) + 3 &&
		   offsetof(struct tcb, candidate) == offsetof(struct tcb, fast_word) + 4 &&
		   offsetof(struct tcb, fault_kind) == offsetof(struct tcb, fast_word) + 5 &&
		   offsetof(struct tcb, trap_stale) == offsetof(struct tcb, fast_word) + 6,
	       "fast_word's layout");

/* The fast_word of a thread in `state` with affinity `affinity`, current on
 * `hart` (NO_HART: none), not queued, not a candidate, no fault in flight,
 * no stale trap:
 * a thread's fast_word equals it exactly when all of that holds. */
static inline uint64_t tcb_fast_word_make(enum thread_state state, unsigned affinity, unsigned hart)
{
	uint64_t current_on1 = hart == NO_HART ? 0 : hart + 1u;
	return (uint64_t)state | (uint64_t)(affinity & 0xffu) << 8 | current_on1 << 16;
}
_Static_assert(PORT_REG_COUNT <= TCB_REG_WORDS, "register roles fit the block");

/* A FIFO of threads waiting on an endpoint or a notification. */
struct tcb_queue {
	struct tcb *head, *tail;
};

/* NULL, or what is wrong with q: links, every thread waiting on `object`
 * in state a or b, all in the same state. */
const char *tcb_queue_check(const struct tcb_queue *q, const void *object, enum thread_state a,
			    enum thread_state b);

/* The object t waits on (an endpoint, a notification) went, or its badge
 * was cancelled: t runs its system call again (seL4's restart); a thread
 * that was sending a fault stays stopped, inactive, since nobody will answer
 * it. Assumes t was taken out of the wait. */
void tcb_restart_call(struct tcb *t);

/* t's wait was cut off by its reply object (deleted, or taken by another
 * receive): it becomes inactive, as seL4 MCS's reply_unlink. Assumes t was
 * taken out of the wait. */
void tcb_stop(struct tcb *t);

/* The TCB a TCB cap names. */
static inline struct tcb *tcb_from_cap(struct cap cap)
{
	return (struct tcb *)cap_ptr(cap);
}

/* A zeroed TCB is a valid thread: inactive, priority 0, MCP 0, hart 0,
 * in no queue, no fault handler, no IPC buffer. */

/* A word of the register block by role. */
uint64_t tcb_get_reg(const struct tcb *t, enum port_reg reg);
void tcb_set_reg(struct tcb *t, enum port_reg reg, uint64_t value);

/*
 * Leave whatever IPC the thread waits in (endpoint or notification queue,
 * reply wait, receive's reply object); its state is left for the caller to
 * set. Assumes t is not idle.
 */
void tcb_cancel_ipc(struct tcb *t);

/* Suspend: cancel IPC, leave the scheduler, become inactive. Any state. */
void tcb_suspend(struct tcb *t);
/*
 * seL4's restart: a stopped thread (inactive, or blocked in IPC) leaves any
 * IPC it waits in and restarts its last instruction (its system call runs
 * again). A runnable or idle thread is left alone.
 */
void tcb_resume(struct tcb *t);

/*
 * Set target's priority / MCP with `authority`'s MCP as the bound (seL4's
 * rule): ERR_RANGE when value > authority's MCP, nothing changed.
 * Untrusted: value (any).
 */
MUST_CHECK enum error tcb_set_priority(struct tcb *authority, struct tcb *target, uint64_t value);
MUST_CHECK enum error tcb_set_mcp(struct tcb *authority, struct tcb *target, uint64_t value);
/* Move to hart `hart`: ERR_ILLEGAL_OPERATION (seL4's answer) unless it is
 * one the scheduler manages. Untrusted: hart. */
MUST_CHECK enum error tcb_set_affinity(struct tcb *target, uint64_t hart);

/*
 * seL4's valid fault handler: the null cap (no handler), or an endpoint cap
 * with the write right and the grant or grant-reply right (so the fault can
 * be answered). ERR_INVALID_CAPABILITY otherwise. Untrusted: cap.
 */
MUST_CHECK enum error tcb_check_fault_handler(struct cap cap);
/*
 * Copy the cap in `src` into the thread's fault-handler slot, replacing any
 * earlier one; `src` NULL or empty clears the handler. Errors as
 * tcb_check_fault_handler, nothing changed. Untrusted: src's cap.
 */
MUST_CHECK enum error tcb_set_fault_handler(struct tcb *t, struct cte *src);

/*
 * The arguments of TCB_SetSpace (and the space part of TCB_Configure). Each
 * slot is one the kernel looked up in the invoker's CSpace; their contents
 * are untrusted.
 */
struct tcb_space_args {
	struct cte *fault;    /* the new fault handler; NULL or empty: none */
	struct cte *cspace;   /* a CNode cap: the new CSpace root */
	uint64_t cspace_data; /* 0, or a guard word (cap_guard_word) for the copy */
	struct cte *vspace;   /* a VSpace root: a page-table cap that holds an ASID */
};

/*
 * TCB_SetSpace on the thread whose cap is in `tcb_slot`: the fault handler,
 * then the CSpace root, then the VSpace root are replaced by copies of the
 * caps in args. Decode first, nothing changed on an error:
 * ERR_INVALID_CAPABILITY tcb_slot holds no TCB cap; ERR_ILLEGAL_OPERATION
 * the CSpace cap (after cspace_data) is not a CNode cap, or the VSpace cap
 * is not a page-table cap that is the root of a live ASID (seL4's answers);
 * ERR_INVALID_CAPABILITY an invalid fault handler.
 * The old caps are deleted with `budget`: the old CSpace root may be the
 * last cap to a CNode, whose deletion is long. ERR_PREEMPTED: the budget ran
 * out, progress is kept in the thread's slot, and the kernel restarts the
 * call (which decodes again: the deletion may have removed caps it named).
 * A new cap is installed only if its source slot and tcb_slot still hold
 * caps to the same objects after the deletion (seL4's rule).
 */
MUST_CHECK enum error tcb_set_space(struct cte *tcb_slot, const struct tcb_space_args *args,
				    struct work_budget *budget);
/*
 * TCB_Configure: tcb_set_space, then the IPC buffer (tcb_set_ipc_buffer's
 * arguments and errors). Every argument is checked before anything changes;
 * ERR_PREEMPTED as tcb_set_space.
 */
MUST_CHECK enum error tcb_configure(struct cte *tcb_slot, const struct tcb_space_args *args,
				    struct cte *buffer_frame, uint64_t buffer_address,
				    struct work_budget *budget);
/*
 * TCB_SetIPCBuffer: the thread's IPC buffer is at user address `address`,
 * inside the frame whose cap is in `frame`; a copy of that cap goes into the
 * thread, so the buffer lives as long as the copy (revoking the frame's cap
 * takes the buffer away). `frame` NULL clears the buffer. Untrusted: the
 * cap in `frame`, address. Errors, nothing changed: ERR_INVALID_CAPABILITY
 * unless a frame cap of normal memory with read and write rights;
 * ERR_ALIGNMENT unless address is aligned to the buffer's 1 KiB.
 */
MUST_CHECK enum error tcb_set_ipc_buffer(struct tcb *t, struct cte *frame, uint64_t address);
/* The kernel address of the thread's IPC buffer, or NULL when it has none
 * (never set, cleared, or its frame cap was deleted or revoked since). */
struct ipc_buffer *tcb_ipc_buffer(const struct tcb *t);

/*
 * The last cap to the TCB went: suspend, unbind, drop the fault handler, the
 * VSpace root and the IPC buffer. The
 * CSpace root is left for the deletion to carry on with (tcb_remainder):
 * it may be the last cap to a CNode, whose deletion is long and preemptible.
 */
void tcb_finalise(struct tcb *t);
/* After tcb_finalise: a slot of the dead TCB still holding a cap, or NULL. */
struct cte *tcb_remainder(struct tcb *t);

/* NULL, or what is wrong with t's own fields and links. */
const char *tcb_check_invariants(const struct tcb *t);

/* --- Inline: the IPC paths (kernel/fastpath.c) read these on every call. --- */

HOT_INLINE enum thread_state tcb_state(const struct tcb *t)
{
	return (enum thread_state)t->state;
}

/* RUNNING or RESTART. */
HOT_INLINE bool tcb_is_runnable(const struct tcb *t)
{
	return t->state == THREAD_RUNNING || t->state == THREAD_RESTART;
}

/* The hart t is current on, or NO_HART (a zeroed TCB is current nowhere). */
HOT_INLINE unsigned tcb_current_hart(const struct tcb *t)
{
	return t->current_on1 == 0 ? NO_HART : t->current_on1 - 1u;
}

/* A live VSpace root: a page-table cap whose ASID names this very table. */
HOT_INLINE bool tcb_is_vspace_root(struct cap cap)
{
	return cap_type(cap) == CAP_PAGE_TABLE && cap_is_mapped(cap) &&
	       (uintptr_t)asid_lookup(cap_mapped_asid(cap)) == cap_ptr(cap);
}

/* The ASID of the thread's VSpace root, or ASID_INVALID (0) when it has no
 * live one (never set, deleted, or its ASID was invalidated since). */
HOT_INLINE uint64_t tcb_vspace_asid(const struct tcb *t)
{
	struct cap cap = t->vspace_root.cap;
	return tcb_is_vspace_root(cap) ? cap_mapped_asid(cap) : ASID_INVALID;
}

/* The scheduler's: t is now current on `hart` (or on none), whose flushes
 * of t's address space then include that hart (asid_activate). */
HOT_INLINE void tcb_set_current_hart(struct tcb *t, unsigned hart)
{
	t->current_on1 = hart == NO_HART ? 0 : (uint8_t)(hart + 1);
	if (hart != NO_HART)
		asid_activate(tcb_vspace_asid(t), hart);
}

/* tcb_set_current_hart(t, hart) for a hart, when the caller has just found
 * asid == tcb_vspace_asid(t) under the same lock hold (the fastpath), or
 * knows hart is already in its flush set (asid ASID_INVALID: no join). */
HOT_INLINE void tcb_set_current_hart_asid(struct tcb *t, unsigned hart, uint64_t asid)
{
	CORE_ASSERT(hart != NO_HART);
	t->current_on1 = (uint8_t)(hart + 1);
	asid_activate(asid, hart);
}

/* The transition table (docs/ipc.md): [from] has bit `to` set when the
 * change is legal. */
extern const unsigned thread_legal_transitions[THREAD_STATE_COUNT];

/* Is `from` -> `to` in the transition table (docs/ipc.md)? */
HOT_INLINE bool thread_state_transition_ok(enum thread_state from, enum thread_state to)
{
	return from < THREAD_STATE_COUNT && to < THREAD_STATE_COUNT &&
	       (thread_legal_transitions[from] >> to & 1u);
}

/* tcb_set_state's call into the scheduler: t, current on a hart, stopped
 * being runnable (sched_reschedule). */
void tcb_stopped_current(struct tcb *t);

/* The one state change: asserts the transition is legal, and tells the
 * scheduler when a current thread stops being runnable. */
HOT_INLINE void tcb_set_state(struct tcb *t, enum thread_state to)
{
	CORE_ASSERT(thread_state_transition_ok(tcb_state(t), to));
	t->state = (uint8_t)to;
	if (tcb_current_hart(t) != NO_HART && !tcb_is_runnable(t) && to != THREAD_IDLE)
		tcb_stopped_current(t);
}

/* tcb_set_state for a thread current on no hart (so no scheduler call:
 * the fastpath's blocked thread, after its switch). */
HOT_INLINE void tcb_set_state_not_current(struct tcb *t, enum thread_state to)
{
	CORE_ASSERT(thread_state_transition_ok(tcb_state(t), to) && tcb_current_hart(t) == NO_HART);
	t->state = (uint8_t)to;
}

/* --- Inline: the IPC fastpath's steps (kernel/fastpath.c). --- */

/* Append t (not in any queue) and note it waits on `object`. */
HOT_INLINE void tcb_queue_append(struct tcb_queue *q, struct tcb *t, void *object)
{
	t->blocked_on = object;
	t->ipc_next = NULL;
	t->ipc_prev = q->tail;
	if (q->tail != NULL)
		q->tail->ipc_next = t;
	else
		q->head = t;
	q->tail = t;
}

/* Remove q's head (q not empty) and return it: tcb_queue_remove for the
 * head, whose ipc_prev is NULL already (tcb_queue_check's links). */
HOT_INLINE struct tcb *tcb_queue_remove_head(struct tcb_queue *q)
{
	struct tcb *t = q->head, *next = t->ipc_next;
	q->head = next;
	if (next != NULL)
		next->ipc_prev = NULL;
	else
		q->tail = NULL;
	t->ipc_next = NULL;
	t->blocked_on = NULL;
	return t;
}

/* Remove t (in q). */
HOT_INLINE void tcb_queue_remove(struct tcb_queue *q, struct tcb *t)
{
	if (t->ipc_prev != NULL)
		t->ipc_prev->ipc_next = t->ipc_next;
	else
		q->head = t->ipc_next;
	if (t->ipc_next != NULL)
		t->ipc_next->ipc_prev = t->ipc_prev;
	else
		q->tail = t->ipc_prev;
	t->ipc_prev = t->ipc_next = NULL;
	t->blocked_on = NULL;
}

#endif
