/* SPDX-License-Identifier: MIT */
/*
 * The IPC fastpath (fastpath.h, docs/ipc.md). Each case first checks,
 * with the predicates core/ uses on the slow path (endpoint.h, the
 * scheduler's direct-switch rule), that the slow path would do exactly
 * this and nothing else; only then it acts, and what it does is what
 * endpoint.c and reply.c would do for such a message: a register copy, the
 * queue and reply-object links, the two states, one switch.
 */
#include "fastpath.h"

#include "abi.h"
#include "asid.h"
#include "endpoint.h"
#include "fault.h"
#include "kstring.h"
#include "message.h"
#include "reply.h"
#include "scheduler.h"
#include "space_cache.h"
#include "syscall.h"
#include "thread.h"
#include "thread_run.h"
#include "layout.h"

#ifndef FASTPATH_FIRST_TIER /* fastpath_entry.c: only fastpath_entry */
bool fastpath_enabled = true;

void fastpath_set_enabled(bool on)
{
	fastpath_enabled = on;
	/* Every hart, started or not (a hart not started yet gets its word
	 * from this one: nothing but boot writes it before). */
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++)
		harts[h].fastpath_calls = on ? SYS_REPLY_RECV - SYS_CALL + 1 : 0;
}

void fastpath_configure(const char *bootargs)
{
	static const char off[] = "fastpath=off";
	const unsigned n = sizeof(off) - 1;
	bool on = true;
	for (const char *p = bootargs; *p != '\0'; p++) {
		bool starts = p == bootargs || p[-1] == ' ';
		if (starts && memcmp(p, off, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			on = false;
	}
	fastpath_set_enabled(on);
}
#endif

/* A message the registers carry alone: no extra caps, at most
 * MSG_REGISTER_WORDS words (no fault in flight either: that message is
 * built by fault.c; sched_fast_current_ok_on's word has it), and no
 * caps-unwrapped bits set by the sender (the slow path clears them), so
 * that the word the receiver gets is the sender's word itself
 * (delivered_info). The three fields in one compare: below the label,
 * the low bits hold unwrapped << MSG_UNWRAPPED_SHIFT | count <<
 * MSG_LENGTH_BITS | length, at most MSG_REGISTER_WORDS exactly when the
 * first two are 0 and the length is. */
_Static_assert(MSG_EXTRA_CAPS_SHIFT == MSG_LENGTH_BITS &&
		   MSG_UNWRAPPED_SHIFT == MSG_EXTRA_CAPS_SHIFT + MSG_EXTRA_CAPS_BITS &&
		   MSG_LABEL_SHIFT == MSG_UNWRAPPED_SHIFT + MSG_UNWRAPPED_BITS &&
		   MSG_REGISTER_WORDS < (1u << MSG_LENGTH_BITS),
	       "the length, the extra caps and the unwrapped bits sit below the label, in order");
HOT_INLINE bool in_registers(struct msg_info info)
{
	return info.word << (64 - MSG_LABEL_SHIFT) <= (uint64_t)MSG_REGISTER_WORDS
							  << (64 - MSG_LABEL_SHIFT);
}

/* What the receiver's info word is, for a message in_registers took:
 * the slow path's msg_info_make(label, length, 0, 0), which is the
 * sender's word (no extra caps, no unwrapped bits). */
HOT_INLINE uint64_t delivered_info(struct msg_info info)
{
	CORE_ASSERT(in_registers(info));
	return info.word;
}

/*
 * The first tier's exit: thread_run_quick's answer, and what goes into
 * the woken thread's a0..a2 (user_return_ipc: the first tier writes none
 * of that thread's registers into its TCB).
 */
struct exit_regs {
	uint64_t status, badge, info;
};

/* endpoint_transfer for such a message (no caps, so no grant question).
 * quick: only into x; the words stay in the registers they came in
 * (user_return_ipc). */
HOT_INLINE void transfer(struct tcb *from, struct tcb *to, struct msg_info info, uint64_t badge,
			 bool quick, struct exit_regs *x)
{
	unsigned length = msg_info_length(info);
	if (quick) {
		x->info = delivered_info(info);
		x->badge = badge;
		return;
	}
	/* Words 0..length-1, and 0 past the length (docs/abi.md
	 * "Registers", core/msg_regs.h): each word's place a constant (with
	 * a loop GCC looked each one up in port_reg_index's table). */
#define MOVE_WORD(i)                                                                               \
	tcb_set_reg(to, PORT_REG_MR0 + i, i < length ? tcb_get_reg(from, PORT_REG_MR0 + i) : 0)
	_Static_assert(MSG_REGISTER_WORDS == 8, "MOVE_WORD 0 to 7");
	MOVE_WORD(0);
	MOVE_WORD(1);
	MOVE_WORD(2);
	MOVE_WORD(3);
	MOVE_WORD(4);
	MOVE_WORD(5);
	MOVE_WORD(6);
	MOVE_WORD(7);
#undef MOVE_WORD
	tcb_set_reg(to, PORT_REG_INFO, delivered_info(info));
	tcb_set_reg(to, PORT_REG_BADGE, badge);
	tcb_set_reg(to, PORT_REG_RESULT, ERR_OK);
}

/*
 * The slot cptr names in t's CSpace into *slot, as the slow path's lookup
 * finds it (syscall_lookup: all 64 bits, cnode_resolve_address_bits'
 * rules), done inline for the shape every program has: a root CNode whose
 * guard and radix take all 64 bits, so one guard compare and one index.
 * Any other shape takes the general lookup; quick: returns false instead
 * (for the second tier), having found nothing. The slot may be empty
 * (callers check the cap's type); NULL when nothing resolves. Untrusted:
 * cptr.
 */
HOT_INLINE bool lookup_walk(struct tcb *t, uint64_t cptr, bool quick, struct cte **slot)
{
	struct cap root = t->cspace_root.cap;
	if (cap_type(root) == CAP_CNODE) {
		unsigned radix = cap_cnode_radix(root);
		if (radix + cap_cnode_guard_size(root) == WORD_BITS) {
			*slot = (cptr >> radix) != cap_cnode_guard(root)
				    ? NULL
				    : (struct cte *)cap_ptr(root) +
					  (cptr & ((UINT64_C(1) << radix) - 1));
			return true;
		}
	}
	if (quick)
		return false;
	*slot = syscall_lookup(t, cptr);
	return true;
}

/*
 * Register-block words (kernel/thread.h's, past space_cache.h's): t's
 * remembered lookups, a pair found together: entry i for the cptr in
 * argument register a<i> (0: the endpoint; 1: ReplyRecv's reply), the
 * cptr and what call() and reply_recv() need of the cap lookup_walk found
 * for it (lookup_value0: for entry 0 the endpoint and the answers of its
 * rights tests, and its badge in a word of its own; lookup_value1: for
 * entry 1 the reply object, if entry 0 may receive and t has no bound
 * notification; 0 for another type, an empty slot or none), and one
 * cte_generation for both. The slot and the cap in it depend on caps in
 * slots alone (t's CSpace root and, for other shapes, the CNodes on the
 * way), so both are lookup_walk's answer again while cte_generation
 * (core/cte.h) keeps the value, and so is anything made of the caps; so
 * is t->bound == NULL (a bind or unbind moves it too: reply_recv's rule
 * then needs no test of its own); a fresh TCB's generation 0 never
 * matches (it starts at 1). A miss walks both cptrs again, Call's a1 too
 * (whatever it holds: a walk changes nothing), so that the one generation
 * vouches for both entries.
 */
#define REG_LOOKUP_GEN 38
#define REG_LOOKUP_CPTR(i) (39 + 3 * (i))
#define REG_LOOKUP_VALUE(i) (40 + 3 * (i))
#define REG_LOOKUP_BADGE 41 /* entry 0's */
_Static_assert(REG_LOOKUP_GEN > REG_SPACE_SATP && REG_LOOKUP_VALUE(1) < TCB_REG_WORDS,
	       "the remembered lookups fit the register block after space_cache.h's words");

/* An endpoint's address has its low bits clear: they carry, in entry 0's
 * value, the answers of the rights tests the fastpath makes of the cap
 * (core/endpoint.h's, made when the pair is remembered: the rights are
 * the cap's, so the answers hold while the generation does).
 * LOOKUP_GRANT: the grant right (a receive's ipc_grant, 0 or 1 as it is);
 * LOOKUP_CALL: a Call may go and wait for its reply
 * (endpoint_rights_can_send and endpoint_rights_can_reply). A receive's
 * test is entry 1's: its value is 0 unless entry 0 may receive. */
#define LOOKUP_GRANT UINT64_C(1)
#define LOOKUP_CALL UINT64_C(2)
#define LOOKUP_FLAGS_MASK ((UINT64_C(1) << ENDPOINT_SIZE_BITS) - 1)
_Static_assert((LOOKUP_GRANT | LOOKUP_CALL) <= LOOKUP_FLAGS_MASK,
	       "the flags fit below an endpoint's alignment");

/* Entry 0's value for the cap in slot0: the endpoint and its flags, 0
 * when slot0 is NULL or holds no endpoint cap. */
HOT_INLINE uint64_t lookup_value0(const struct cte *slot0)
{
	if (slot0 == NULL || cap_type(slot0->cap) != CAP_ENDPOINT)
		return 0;
	struct cap cap = slot0->cap;
	uint64_t rights = cap_rights(cap).bits;
	CORE_ASSERT((cap_ptr(cap) & LOOKUP_FLAGS_MASK) == 0); /* retype aligns objects */
	return cap_ptr(cap) | ((rights & CAP_RIGHT_GRANT) != 0 ? LOOKUP_GRANT : 0) |
	       (endpoint_rights_can_send(rights) && endpoint_rights_can_reply(rights) ? LOOKUP_CALL
										      : 0);
}

/* Entry 1's value for t with slot0 and slot1: the reply object when
 * slot1 holds a reply cap, slot0 an endpoint cap that may receive, and t
 * has no bound notification (it may have a signal to deliver: the slow
 * path receives); else 0: ReplyRecv's rules on the two caps and on t made
 * once, while the generation holds. */
HOT_INLINE uint64_t lookup_value1(const struct tcb *t, const struct cte *slot0,
				  const struct cte *slot1)
{
	if (slot1 == NULL || cap_type(slot1->cap) != CAP_REPLY || slot0 == NULL ||
	    !endpoint_cap_can_receive(slot0->cap) || t->bound != NULL)
		return 0;
	return cap_ptr(slot1->cap);
}

/* t's remembered pair is lookup_walk's answer for the cptrs in a0 and
 * (with both) a1, while it holds, else both walked and remembered (that
 * changes no state of the system: a refused fastpath may leave it). False:
 * quick, and the CSpace's shape needs the general lookup. The answers are
 * then in REG_LOOKUP_VALUE(0) (and REG_LOOKUP_BADGE) and
 * REG_LOOKUP_VALUE(1). Untrusted: the cptrs. */
HOT_INLINE bool lookup(struct tcb *t, bool both, bool quick)
{
	uint64_t cptr0 = tcb_get_reg(t, PORT_REG_RESULT);
	/* Expected: a program calls through the same caps again and again. */
	if (__builtin_expect(
		t->regs[REG_LOOKUP_GEN] == cte_generation && t->regs[REG_LOOKUP_CPTR(0)] == cptr0 &&
		    (!both || t->regs[REG_LOOKUP_CPTR(1)] == tcb_get_reg(t, PORT_REG_BADGE)),
		1))
		return true;
	uint64_t cptr1 = tcb_get_reg(t, PORT_REG_BADGE);
	struct cte *slot0, *slot1;
	/* The two walks take one root: both answer, or neither does. */
	if (!lookup_walk(t, cptr0, quick, &slot0) || !lookup_walk(t, cptr1, quick, &slot1))
		return false;
	t->regs[REG_LOOKUP_GEN] = cte_generation;
	t->regs[REG_LOOKUP_CPTR(0)] = cptr0;
	t->regs[REG_LOOKUP_VALUE(0)] = lookup_value0(slot0);
	t->regs[REG_LOOKUP_BADGE] = t->regs[REG_LOOKUP_VALUE(0)] != 0 ? cap_badge(slot0->cap) : 0;
	t->regs[REG_LOOKUP_CPTR(1)] = cptr1;
	t->regs[REG_LOOKUP_VALUE(1)] = lookup_value1(t, slot0, slot1);
	return true;
}

/* space_find; quick: only a remembered answer (the walk and its join are
 * the second tier's). */
HOT_INLINE bool find_space(const struct tcb *t, unsigned h, struct space *s, bool quick)
{
	CORE_ASSERT(t->affinity == h); /* the woken thread's fast word */
	return quick ? space_hit_affine(t, s) : space_find(t, h, s);
}

/* A refusal is the unexpected way (GCC then lays the IPC out straight). */
#define REFUSED(cond) __builtin_expect(!!(cond), 0)

/*
 * Call (a0 endpoint cptr, a2 info). Untrusted: every register. Returns
 * the receiver to run (its satp in *s), or NULL having changed nothing.
 * quick (the first tier): also NULL where the rule's answer needs a call
 * that returns (the general lookup, the VSpace walk), and the exit must
 * be thread_run_quick's (x->status, else NULL; x then also gets what
 * transfer leaves to user_return_ipc).
 */
HOT_INLINE struct tcb *call(struct hart *hart, struct tcb *t, struct space *s, bool quick,
			    struct exit_regs *x)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	if (REFUSED(!sched_fast_current_ok_on(hart->sched, t) || !in_registers(info)))
		return NULL;
	if (REFUSED(!lookup(t, false, quick)))
		return NULL;
	uint64_t value = t->regs[REG_LOOKUP_VALUE(0)], badge = t->regs[REG_LOOKUP_BADGE];
	/* The cap's rights as endpoint_rights_call_waits asks (lookup_value0;
	 * not set for another cap). */
	if (REFUSED((value & LOOKUP_CALL) == 0))
		return NULL;
	struct endpoint *ep = (struct endpoint *)(uintptr_t)(value & ~LOOKUP_FLAGS_MASK);
	/* endpoint_state(ep) == ENDPOINT_RECV: a head, and it receives (all
	 * in the queue are in one state: tcb_queue_check). */
	struct tcb *receiver = ep->queue.head;
	if (REFUSED(receiver == NULL ||
		    !sched_fast_next_ok_on(hart->sched, receiver, THREAD_BLOCKED_RECV)))
		return NULL;
	struct reply *r = receiver->reply;
	/* endpoint_rights_call_waits: its rights half was LOOKUP_CALL. */
	if (REFUSED(r == NULL || !find_space(receiver, hart->cpu_index, s, quick) ||
		    !sched_can_switch_direct_fast_on(hart->sched, receiver)))
		return NULL;
	unsigned h = hart->cpu_index;
	if (REFUSED(quick && (x->status = thread_run_quick(hart, t, receiver)) == 0))
		return NULL;
	/* do_send, then caller_after_delivery, then the switch. */
	tcb_set_reg(t, PORT_REG_RESULT, ERR_OK);
	tcb_queue_remove_known_head(&ep->queue, receiver);
	reply_unbind_receiver_of(r, receiver);
	transfer(t, receiver, info, badge, quick, x);
	/* The receiver runs, t blocks (the switch with t's block: no decision
	 * asked for), one fast-word store each. */
	sched_switch_direct_fast_words_on(hart->sched, h, t, receiver, THREAD_BLOCKED_REPLY,
					  s->join_asid);
	space_remember(receiver, h, s);
	/* reply_push's links; its state change was the switch's. */
	reply_link_caller(r, t, receiver->ipc_grant);
	return receiver;
}

/* ReplyRecv (a0 endpoint cptr, a1 reply cptr, a2 info). Untrusted: every
 * register. Returns the caller to run (its satp in *s), or NULL having
 * changed nothing. quick: as call()'s. */
HOT_INLINE struct tcb *reply_recv(struct hart *hart, struct tcb *t, struct space *s, bool quick,
				  struct exit_regs *x)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	if (REFUSED(!sched_fast_current_ok_on(hart->sched, t) || !in_registers(info)))
		return NULL;
	if (REFUSED(!lookup(t, true, quick)))
		return NULL;
	uint64_t value = t->regs[REG_LOOKUP_VALUE(0)];
	/* NULL unless a reply cap, an endpoint cap that may receive, and no
	 * bound notification (lookup_value1). */
	struct reply *r = (struct reply *)(uintptr_t)t->regs[REG_LOOKUP_VALUE(1)];
	if (REFUSED(r == NULL))
		return NULL;
	CORE_ASSERT(t->bound == NULL && value != 0);
	struct endpoint *ep = (struct endpoint *)(uintptr_t)(value & ~LOOKUP_FLAGS_MASK);
	struct tcb *caller = r->caller;
	/* A sender already waiting would be received at once: slow path
	 * (endpoint_state, with the head kept for the append below). r has no
	 * receiver to stop: it has a caller (reply_check_invariants). */
	struct tcb *head = ep->queue.head;
	if (REFUSED(caller == NULL ||
		    !sched_fast_next_ok_on(hart->sched, caller, THREAD_BLOCKED_REPLY) ||
		    endpoint_state_of_head(head) == ENDPOINT_SEND ||
		    !find_space(caller, hart->cpu_index, s, quick) ||
		    !sched_can_switch_direct_fast_on(hart->sched, caller)))
		return NULL;
	unsigned h = hart->cpu_index;
	if (REFUSED(quick && (x->status = thread_run_quick(hart, t, caller)) == 0))
		return NULL;
	/* reply_invoke, then do_receive's blocking case, then the switch. */
	reply_unlink_caller_of(r, caller); /* it lent nothing: its word's lent byte */
	transfer(t, caller, info, 0, quick, x);
	/* The caller runs, t blocks, as in call(). */
	sched_switch_direct_fast_words_on(hart->sched, h, t, caller, THREAD_BLOCKED_RECV,
					  s->join_asid);
	space_remember(caller, h, s);
	t->ipc_grant = value & LOOKUP_GRANT;   /* 0 or 1 */
	if (__builtin_expect(head == NULL, 1)) /* a server's one thread, most often */
		tcb_queue_append_empty(&ep->queue, t, ep);
	else
		tcb_queue_append(&ep->queue, t, ep);
	reply_bind_receiver(r, t);
	return caller;
}

/* One IPC by t on hart (lock held): the other thread to run, having done
 * it, or NULL having changed nothing. */
HOT_INLINE struct tcb *ipc(struct hart *hart, struct tcb *t, struct space *s, bool quick,
			   struct exit_regs *x)
{
	uint64_t number = t->regs[17]; /* a7 */
	if (number == SYS_CALL)
		return call(hart, t, s, quick, x);
	if (number == SYS_REPLY_RECV)
		return reply_recv(hart, t, s, quick, x);
	return NULL;
}

/* t blocked inside its ecall: a restart runs it again (syscall.c). */
HOT_INLINE void step_past_ecall(struct tcb *t)
{
	t->regs[REG_SYSCALL_PC] = t->regs[REG_PC];
	t->regs[REG_PC] += 4;
}

#ifndef FASTPATH_FIRST_TIER /* the second tier: fastpath.c's own */
void fastpath_try(struct hart *hart, struct tcb *t)
{
	if (!fastpath_enabled)
		return;
	struct space space;
	struct exit_regs unused;
	struct tcb *next = ipc(hart, t, &space, false, &unused);
	if (next == NULL)
		return;
	step_past_ecall(t);
	thread_words(t)->second_tier_ipcs++;
	thread_run_direct(hart, t, next, space.satp);
}
#else

_Static_assert(FRAME_SYSCALL_PC == REG_SYSCALL_PC * 8 && FRAME_SEPC == REG_PC * 8,
	       "trap.S steps past the tier's ecall (layout.h)");
_Static_assert(TRAP_SYS_CALL == SYS_CALL && TRAP_SYS_REPLY_RECV == SYS_REPLY_RECV &&
		   TRAP_SYS_REPLY_RECV == TRAP_SYS_CALL + 1 &&
		   TRAP_CAUSE_USER_ECALL == CAUSE_USER_ECALL,
	       "trap.S's numbers (layout.h)");

/* The first tier did nothing: on to trap_from_user (trap.S's
 * fastpath_entry_refused, which undoes the entry's step), with a jump,
 * so that fastpath_entry never returns and GCC keeps nothing for a return. */
HOT_INLINE _Noreturn void refuse(void)
{
	__asm__ volatile("j fastpath_entry_refused" : : : "memory");
	__builtin_unreachable();
}

/* Jumped to only by trap.S, which has saved every user register in the
 * TCB and keeps nothing in any register but tp (fastpath_entry.c). */
_Noreturn void fastpath_entry(struct hart *hart, uint64_t is_reply_recv)
{
	/* (Enabled: trap.S came here by this hart's fastpath_calls.) */
	/* Taken at the first try, or left to trap_from_user, which waits.
	 * Its address from the hart: one load where auipc and addi took two. */
	struct spinlock *lock = hart->kernel_lock;
	if (!spinlock_try_acquire(lock))
		refuse();
	/* Not NULL: it ran in user mode (thread_run set it; only the idle
	 * loop clears it, in the kernel). */
	struct tcb *t = hart->running;
	CORE_ASSERT(t != NULL);
	struct space space;
	struct exit_regs x;
	/* trap_from_user's test of a trap it handles (t is the hart's current
	 * thread, its trap not stale, runnable) is call()'s and reply_recv()'s
	 * first compare: t's fast word has current_on1 for this hart, which
	 * only the hart's current thread names (tcb_check_invariants), and
	 * trap_stale 0. */
	struct tcb *next =
	    is_reply_recv ? reply_recv(hart, t, &space, true, &x) : call(hart, t, &space, true, &x);
	if (next == NULL) {
		spinlock_release(lock);
		refuse();
	}
	/* t's kernel entry and its IPC by this tier, one count (thread.h:
	 * DebugKernelEntries adds it; sched_enter's hart is set by each lock
	 * holder before it asks for it: nothing on this path does). */
	thread_words(t)->first_tier_ipcs++;
	/* (step_past_ecall: trap.S did it before it came here.) */
	next->regs[REG_SYSCALL_PC] = 0; /* thread_run_direct's */
	thread_run_prepare_locked(hart, t, next, space.satp, x.status);
	spinlock_release_memory(lock); /* the quick exit's hold touched no device */
	_Static_assert(TRAP_MSG_REGISTER_WORDS == MSG_REGISTER_WORDS &&
			   TRAP_MSG_LENGTH_MASK == (1u << MSG_LENGTH_BITS) - 1,
		       "user_return_ipc's message (layout.h)");
	/* user_return_ipc's arguments (trap.h), and a jump rather than a
	 * call: with no call at all, GCC keeps ra and needs no stack frame. */
	register uint64_t a0 __asm__("a0") = ERR_OK;
	register uint64_t a1 __asm__("a1") = x.badge;
	register uint64_t a2 __asm__("a2") = x.info;
	register uint64_t *a7 __asm__("a7") = next->regs;
	__asm__ volatile("j user_return_ipc" : : "r"(a0), "r"(a1), "r"(a2), "r"(a7) : "memory");
	__builtin_unreachable();
}
#endif
