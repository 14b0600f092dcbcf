/* SPDX-License-Identifier: MIT */
/*
 * The system calls and capability invocations as typed C functions
 * (core/abi.h is the ABI; docs/abi.md explains it). Programs never place
 * registers themselves: every call here loads the message registers, the
 * IPC buffer's extra words and cap pointers, and reads the answer back.
 *
 * A cptr is a capability's address in the calling thread's CSpace. The
 * calling thread's IPC buffer is found through a thread-local pointer
 * (kestrel_set_ipc_buffer), which libos sets for the first thread from its
 * start arguments and for threads made with libos/thread.h.
 */
#ifndef LIBOS_KESTREL_H
#define LIBOS_KESTREL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "message.h"

typedef uint64_t cptr_t;

/* A message as the registers carry it: info word, badge, MR0..MR7. */
struct kmsg {
	uint64_t info;
	uint64_t badge;
	uint64_t mr[MSG_REGISTER_WORDS];
};

/*
 * The raw system call with the first `words` MR registers loaded from *m
 * (a compile-time constant at every use, so the tests below fold away): the
 * others are passed as whatever they hold, with no instruction, which is
 * right only where the kernel reads no more than the message's length of
 * them (IPC: docs/abi.md). a0 = cptr, a1 = reply (or argument), a2 = info;
 * returns a0 and updates *m from a1, a2 and all the MR registers.
 */
#define KESTREL_MR_IN(reg, i) /* reg = m->mr[i], or anything if i >= words */                      \
	register uint64_t reg __asm__(#reg);                                                       \
	if ((i) < words)                                                                           \
		reg = m->mr[i];                                                                    \
	else                                                                                       \
		__asm__ volatile("" : "=r"(reg))
static inline enum error kestrel_syscall_words(uint64_t number, uint64_t cptr, uint64_t reply,
					       struct kmsg *m, unsigned words)
{
	register uint64_t a0 __asm__("a0") = cptr;
	register uint64_t a1 __asm__("a1") = reply;
	register uint64_t a2 __asm__("a2") = m->info;
	KESTREL_MR_IN(a3, 0);
	KESTREL_MR_IN(a4, 1);
	KESTREL_MR_IN(a5, 2);
	KESTREL_MR_IN(a6, 3);
	KESTREL_MR_IN(t3, 4);
	KESTREL_MR_IN(t4, 5);
	KESTREL_MR_IN(t5, 6);
	KESTREL_MR_IN(t6, 7);
	register uint64_t a7 __asm__("a7") = number;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
			   "+r"(t3), "+r"(t4), "+r"(t5), "+r"(t6)
			 : "r"(a7)
			 : "memory", "t0", "t1", "t2"); /* Call, ReplyRecv: docs/abi.md */
	m->badge = a1;
	m->info = a2;
	m->mr[0] = a3;
	m->mr[1] = a4;
	m->mr[2] = a5;
	m->mr[3] = a6;
	m->mr[4] = t3;
	m->mr[5] = t4;
	m->mr[6] = t5;
	m->mr[7] = t6;
	return (enum error)a0;
}
#undef KESTREL_MR_IN

/* The raw system call: every MR register loaded from *m (some calls take
 * arguments there whatever the info word says). */
static inline enum error kestrel_syscall(uint64_t number, uint64_t cptr, uint64_t reply,
					 struct kmsg *m)
{
	return kestrel_syscall_words(number, cptr, reply, m, MSG_REGISTER_WORDS);
}

/* A value for a register the kernel does not read in this call (a1 of a
 * send): no instruction. */
static inline uint64_t kestrel_unread(void)
{
	uint64_t value;
	__asm__ volatile("" : "=r"(value));
	return value;
}

/* An IPC (Call, Send, NBSend, ReplyRecv, a reply): the kernel reads MR
 * registers up to the message's length only, so where that length is known
 * when this is compiled only those are loaded (the rest cost nothing). */
static inline enum error kestrel_ipc(uint64_t number, uint64_t cptr, uint64_t reply, struct kmsg *m)
{
	unsigned length = msg_info_length((struct msg_info){ m->info });
	unsigned words = __builtin_constant_p(length) && length < MSG_REGISTER_WORDS
			     ? length
			     : MSG_REGISTER_WORDS;
	return kestrel_syscall_words(number, cptr, reply, m, words);
}

static inline uint64_t kestrel_info(uint64_t label, unsigned length, unsigned extra_caps)
{
	return msg_info_make(label, length, extra_caps, 0).word;
}

/* --- This thread's IPC buffer. --- */
struct ipc_buffer *kestrel_ipc_buffer(void);
void kestrel_set_ipc_buffer(struct ipc_buffer *buffer);

/* --- IPC (endpoints, reply objects, notifications). --- */
static inline enum error kestrel_call(cptr_t ep, struct kmsg *m)
{
	return kestrel_ipc(SYS_CALL, ep, kestrel_unread(), m);
}
static inline enum error kestrel_send(cptr_t ep, struct kmsg *m)
{
	return kestrel_ipc(SYS_SEND, ep, kestrel_unread(), m);
}
static inline enum error kestrel_nb_send(cptr_t ep, struct kmsg *m)
{
	return kestrel_ipc(SYS_NB_SEND, ep, kestrel_unread(), m);
}
/* reply: a reply object's cptr, or 0 for none. */
static inline enum error kestrel_recv(cptr_t ep, cptr_t reply, struct kmsg *m)
{
	return kestrel_syscall(SYS_RECV, ep, reply, m);
}
static inline enum error kestrel_nb_recv(cptr_t ep, cptr_t reply, struct kmsg *m)
{
	return kestrel_syscall(SYS_NB_RECV, ep, reply, m);
}
static inline enum error kestrel_reply_recv(cptr_t ep, cptr_t reply, struct kmsg *m)
{
	return kestrel_ipc(SYS_REPLY_RECV, ep, reply, m);
}
/* Reply through a reply object without receiving (a Send on it). */
static inline enum error kestrel_reply(cptr_t reply, struct kmsg *m)
{
	return kestrel_ipc(SYS_SEND, reply, kestrel_unread(), m);
}
static inline enum error kestrel_signal(cptr_t ntfn)
{
	struct kmsg m = { 0 };
	return kestrel_syscall(SYS_SEND, ntfn, 0, &m);
}
static inline enum error kestrel_wait(cptr_t ntfn, uint64_t *badge)
{
	struct kmsg m = { 0 };
	enum error err = kestrel_syscall(SYS_WAIT, ntfn, 0, &m);
	*badge = m.badge;
	return err;
}
static inline enum error kestrel_poll(cptr_t ntfn, uint64_t *badge)
{
	struct kmsg m = { 0 };
	enum error err = kestrel_syscall(SYS_POLL, ntfn, 0, &m);
	*badge = m.badge;
	return err;
}
static inline void kestrel_yield(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_YIELD, 0, 0, &m);
}

/* --- Debug calls (not capabilities; see docs/abi.md). --- */
static inline enum error kestrel_print(const void *bytes, size_t length)
{
	struct kmsg m = { 0 };
	return kestrel_syscall(SYS_DEBUG_PRINT, (uint64_t)(uintptr_t)bytes, length, &m);
}
_Noreturn void kestrel_halt(bool pass);
/* The hart (scheduler index) the caller runs on. */
unsigned kestrel_hart(void);
/* op 0: ask, 1: turn the kernel's IPC fastpath off, 2: on. Returns whether
 * it is on; *taken = the calling thread's IPCs (its Calls and ReplyRecvs)
 * that the fastpath did so far. */
static inline bool kestrel_debug_fastpath(uint64_t op, uint64_t *taken)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_FASTPATH, op, 0, &m);
	*taken = m.badge;
	return m.info != 0;
}
/* Of the calling thread's fastpath IPCs so far, those its first tier did
 * (kernel/fastpath.c's fastpath_entry, entered from trap.S). */
static inline uint64_t kestrel_debug_fastpath_first_tier(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_FASTPATH, 0, 0, &m);
	return m.mr[0];
}
/* Thread tcb's IPCs that the fastpath did so far (both tiers), and in
 * *first_tier those its first tier did (DebugKernelEntries); 0 when tcb
 * is not a TCB cap. */
static inline uint64_t kestrel_debug_thread_fastpath(cptr_t tcb, uint64_t *first_tier)
{
	struct kmsg m = { 0 };
	if (kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, tcb, 0, &m) != ERR_OK)
		m.mr[0] = m.mr[1] = 0;
	*first_tier = m.mr[1];
	return m.mr[0];
}

/*
 * --- Object invocations. ---
 * The general form: label, `words` message words, `caps` extra caps; up to
 * `out_count` result words go to out (may be NULL). Every typed stub below
 * is this call with the argument order of core/abi.h.
 */
enum error kestrel_invoke(cptr_t cap, uint64_t label, unsigned words, const uint64_t *in,
			  unsigned caps, const cptr_t *cap_args, uint64_t *out, unsigned out_count);

enum error kestrel_untyped_retype(cptr_t untyped, uint64_t type, uint64_t size_bits, cptr_t root,
				  uint64_t node_index, uint64_t node_depth, uint64_t node_offset,
				  uint64_t count);

enum error kestrel_cnode_revoke(cptr_t root, uint64_t index, uint64_t depth);
enum error kestrel_cnode_delete(cptr_t root, uint64_t index, uint64_t depth);
enum error kestrel_cnode_cancel_badged_sends(cptr_t root, uint64_t index, uint64_t depth);
enum error kestrel_cnode_copy(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth,
			      uint64_t rights);
enum error kestrel_cnode_mint(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth,
			      uint64_t rights, uint64_t badge);
enum error kestrel_cnode_move(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth);
enum error kestrel_cnode_mutate(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
				cptr_t src_root, uint64_t src_index, uint64_t src_depth,
				uint64_t badge);
enum error kestrel_cnode_rotate(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
				uint64_t dest_badge, cptr_t pivot_root, uint64_t pivot_index,
				uint64_t pivot_depth, uint64_t pivot_badge, cptr_t src_root,
				uint64_t src_index, uint64_t src_depth);

/* fault_ep: a cptr in the caller's CSpace, 0 for none; buffer_frame 0: none. */
enum error kestrel_tcb_configure(cptr_t tcb, cptr_t fault_ep, cptr_t cspace, uint64_t cspace_data,
				 cptr_t vspace, uint64_t vspace_data, uint64_t buffer,
				 cptr_t buffer_frame);
enum error kestrel_tcb_set_space(cptr_t tcb, cptr_t fault_ep, cptr_t cspace, uint64_t cspace_data,
				 cptr_t vspace, uint64_t vspace_data);
enum error kestrel_tcb_set_priority(cptr_t tcb, cptr_t authority, uint64_t priority);
enum error kestrel_tcb_set_mcp(cptr_t tcb, cptr_t authority, uint64_t mcp);
enum error kestrel_tcb_set_ipc_buffer(cptr_t tcb, uint64_t buffer, cptr_t frame);
enum error kestrel_tcb_set_affinity(cptr_t tcb, uint64_t hart);
enum error kestrel_tcb_suspend(cptr_t tcb);
enum error kestrel_tcb_resume(cptr_t tcb);
enum error kestrel_tcb_bind_notification(cptr_t tcb, cptr_t ntfn);
enum error kestrel_tcb_unbind_notification(cptr_t tcb);
/* regs[] in ABI_REG_* order (core/abi.h); count <= ABI_REG_COUNT. */
enum error kestrel_tcb_read_registers(cptr_t tcb, bool suspend, unsigned count, uint64_t *regs);
enum error kestrel_tcb_write_registers(cptr_t tcb, bool resume, unsigned count,
				       const uint64_t *regs);

enum error kestrel_page_table_map(cptr_t table, cptr_t vspace, uint64_t vaddr, uint64_t attributes);
enum error kestrel_page_table_unmap(cptr_t table);
enum error kestrel_page_map(cptr_t frame, cptr_t vspace, uint64_t vaddr, uint64_t rights,
			    uint64_t attributes);
enum error kestrel_page_unmap(cptr_t frame);
enum error kestrel_page_get_address(cptr_t frame, uint64_t *physical);

enum error kestrel_asid_control_make_pool(cptr_t control, cptr_t untyped, cptr_t root,
					  uint64_t index, uint64_t depth);
enum error kestrel_asid_pool_assign(cptr_t pool, cptr_t vspace);

enum error kestrel_irq_control_get(cptr_t control, uint64_t irq, cptr_t root, uint64_t index,
				   uint64_t depth);
enum error kestrel_irq_handler_ack(cptr_t handler);
enum error kestrel_irq_handler_set_notification(cptr_t handler, cptr_t ntfn);
enum error kestrel_irq_handler_clear(cptr_t handler);

/* --- Programs started by the root task (servers/root). --- */
_Noreturn void kestrel_exit(int status);
/* What the root task passed at start: the program's argument. */
uint64_t kestrel_boot_argument(void);

#endif
