/* SPDX-License-Identifier: MIT */
/*
 * Hostile input: threads that issue random system calls (random numbers,
 * cptrs, depths, labels, lengths, message-info words, addresses including
 * kernel and unmapped ones, random register contents and IPC buffer words;
 * now and then uipi or uret with random operands)
 * from a seeded generator, on several harts at once, against a sandbox
 * CSpace full of objects (endpoints, notifications, reply objects, TCBs
 * including their own, CNodes, frames, page tables, untyped, the VSpace,
 * the ASID pool). The kernel must neither panic nor hang. Most random
 * cptrs fault (seL4's cap faults): each fuzzer's fault handler thread (on
 * its hart, above it) answers a cap fault by resuming the thread after its
 * system call, and restarts a thread that faulted otherwise; a supervisor
 * (on hart 1, spinning in user mode on the time counter) restarts a thread
 * that blocked. After HOSTILE_CALLS calls in
 * all, a checker confirms the system still works: an IPC round trip, a
 * retype, and that all the untyped memory used comes back (revoke, then
 * retype the whole block as one object).
 *
 * The seed is the program's argument (root task: bootargs "seed=N") and is
 * printed; each thread's calls are a function of the seed, its index and
 * the call count at which the supervisor (re)started it (the interleaving
 * across harts, and so the restart points, are not reproducible).
 * Excluded on purpose: DebugHalt (it stops the machine by design) and
 * DebugPrint of readable memory (it would print binary noise).
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "kestrel.h"
#include "kestrel_uintr.h"
#include "object.h"
#include "process.h"
#include "thread.h"

#define HOSTILE_CALLS 1000000u
#define FUZZERS 3
#define DEPTH 64
#define SANDBOX_RADIX 6
#define SANDBOX_SLOTS (1u << SANDBOX_RADIX)
#define FUZZ_PRIORITY 50
#define SUPERVISOR_PRIORITY 60
#define HANDLER_PRIORITY 70
#define STACK_BYTES 16384
#define CHECK_TICKS 5000 /* 0.5 ms of the 10 MHz time counter */

/* hostile's own slots */
enum {
	S_SCRATCH = 16,                           /* the untyped everything here comes from */
	S_SANDBOX,                                /* the sandbox CNode (unguarded original) */
	S_SANDBOX_G,                              /* guarded: what the fuzzers use as CSpace root */
	S_FAULT_EP,                               /* FUZZERS: one per fuzzer */
	S_FAULT_REPLY = S_FAULT_EP + FUZZERS,     /* FUZZERS */
	S_FAULT_BADGED = S_FAULT_REPLY + FUZZERS, /* FUZZERS badged fault endpoint caps */
	S_TCB = S_FAULT_BADGED + FUZZERS,
	S_IPC_FRAME = S_TCB + FUZZERS,
	S_HANDLER_TCB = S_IPC_FRAME + FUZZERS,     /* each fuzzer's fault handler */
	S_HANDLER_FRAME = S_HANDLER_TCB + FUZZERS, /* and its IPC buffer */
	S_FREE = S_HANDLER_FRAME + FUZZERS,
};

static volatile uint64_t calls[FUZZERS];
static volatile uint64_t restarts, faults, cap_faults;
static uint64_t seed;
static struct ipc_buffer *buffers[FUZZERS];
static _Alignas(16) uint8_t stacks[2 * FUZZERS][STACK_BYTES];
static _Alignas(64) uint8_t tls[2 * FUZZERS][512];
static cptr_t next_free = S_FREE;

static uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* xorshift64*: small, fast, and a sequence per seed. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t interesting(uint64_t *state)
{
	static const uint64_t values[] = {
		0,
		1,
		2,
		63,
		64,
		65,
		4095,
		4096,
		0x10000,
		0x3fffff2000ull,
		0x3fffffffffull,
		0x4000000000ull,
		0xffffffc000000000ull,
		0xffffffc080200000ull,
		UINT64_MAX,
		UINT64_MAX - 4095,
		1ull << 63,
		0x100000000ull,
	};
	return values[next_random(state) % (sizeof(values) / sizeof(values[0]))];
}

/* A random word: mostly small (slot indices, sizes, labels), sometimes
 * interesting, sometimes anything. */
static uint64_t word(uint64_t *state)
{
	uint64_t r = next_random(state);
	switch (r % 8) {
	case 0: return next_random(state);
	case 1:
	case 2: return interesting(state);
	default: return (r >> 8) % 80;
	}
}

static uint64_t random_number(uint64_t *state)
{
	uint64_t r = next_random(state) % 100;
	if (r < 2)
		return next_random(state); /* unknown: a fault, and a restart */
	if (r < 4)
		return SYS_DEBUG_PRINT;
	if (r < 6)
		return SYS_DEBUG_HART;
	/* Non-blocking calls most: a blocked thread waits for the supervisor. */
	static const uint8_t ipc[] = {
		SYS_CALL,    SYS_CALL,       SYS_CALL,    SYS_SEND,
		SYS_NB_SEND, SYS_NB_SEND,    SYS_NB_SEND, SYS_RECV,
		SYS_NB_RECV, SYS_NB_RECV,    SYS_NB_RECV, SYS_REPLY_RECV,
		SYS_WAIT,    SYS_POLL,       SYS_POLL,    SYS_UINTR_SEND_WAIT,
		SYS_YIELD,   SYS_UINTR_WAIT,
	};
	return ipc[r % sizeof(ipc)];
}

static void fuzz(uint64_t index)
{
	/* A function of the seed, the thread and where it (re)starts. */
	uint64_t state = seed ^ (0x9e3779b97f4a7c15ull * (index + 1)) ^ (calls[index] << 20);
	if (state == 0)
		state = 1;
	for (unsigned i = 0; i < 16; i++)
		(void)next_random(&state);
	struct ipc_buffer *b = buffers[index];
	for (;;) {
		uint64_t number = random_number(&state);
		uint64_t a0 = word(&state), a1 = word(&state);
		/* Never print readable memory: the program's, or the kernel
		 * info page (UINT64_MAX - 4095 is an interesting value). */
		if (number == SYS_DEBUG_PRINT &&
		    ((a0 < 0x4000000000ull && a0 >= 0x10000) || a0 >= KERNEL_INFO_VADDR))
			a0 = 0xffffffc000000000ull;
		struct kmsg m = { .info = next_random(&state) % 2
					      ? word(&state)
					      : kestrel_info(word(&state) % 40, word(&state) % 130,
							     word(&state) % 4) };
		for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
			m.mr[i] = word(&state);
		for (unsigned i = 0; i < 3; i++)
			b->caps[i] = word(&state);
		b->receive_cnode = word(&state);
		b->receive_index = word(&state);
		b->receive_depth = word(&state);
		for (unsigned i = 8; i < 24; i++)
			b->msg[i] = word(&state);
		calls[index]++;
		/* Now and then a user-interrupt instruction instead (emulated:
		 * the kernel's lock-free trap), with random operands. */
		switch (next_random(&state) % 32) {
		case 0: uipi_send(a0); continue;
		case 1: (void)uipi_read(); continue;
		case 2: uipi_write(a1); continue;
		case 3: __asm__ volatile(KESTREL_URET ::: "memory"); continue;
		default: break;
		}
		(void)kestrel_syscall(number, a0, a1, &m);
	}
}

static void must(enum error err, const char *what)
{
	if (err != ERR_OK) {
		printf("hostile: %s: %s\n", what, error_name(err));
		kestrel_exit(2);
	}
}

static cptr_t make(enum object_type type, unsigned bits)
{
	cptr_t s = next_free++;
	must(kestrel_untyped_retype(S_SCRATCH, type, bits, PROC_CAP_CNODE, 0, 0, s, 1), "retype");
	return s;
}

/* Objects for the fuzzers to play with, in sandbox slots 1... */
static void fill_sandbox(void)
{
	unsigned next = 1;
#define PUT(src, rights)                                                                           \
	must(kestrel_cnode_copy(S_SANDBOX, next++, SANDBOX_RADIX, PROC_CAP_CNODE, src, DEPTH,      \
				rights),                                                           \
	     "fill the sandbox")
#define MOVE(src)                                                                                  \
	must(kestrel_cnode_move(S_SANDBOX, next++, SANDBOX_RADIX, PROC_CAP_CNODE, src, DEPTH),     \
	     "fill the sandbox")
	PUT(S_SANDBOX_G, ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 4; i++)
		PUT(make(OBJ_ENDPOINT, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 3; i++)
		PUT(make(OBJ_NOTIFICATION, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 3; i++)
		PUT(make(OBJ_REPLY, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < FUZZERS; i++)
		PUT(S_TCB + i, ABI_RIGHTS_ALL);
	PUT(make(OBJ_TCB, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 3; i++)
		PUT(make(OBJ_FRAME_4K, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 3; i++)
		MOVE(make(OBJ_PAGE_TABLE, 0)); /* an unmapped table cannot be copied */
	PUT(make(OBJ_UNTYPED, 16), ABI_RIGHTS_ALL);
	PUT(make(OBJ_CNODE, 2), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 2; i++)
		PUT(make(OBJ_SERVICE, 0), ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 2; i++)
		PUT(make(OBJ_SENDER_TABLE, 2), ABI_RIGHTS_ALL);
	PUT(PROC_CAP_VSPACE, ABI_RIGHTS_ALL);
	PUT(PROC_CAP_ASID_POOL, ABI_RIGHTS_ALL);
	for (unsigned i = 0; i < 2; i++)
		PUT(make(OBJ_CHANNEL, 0), ABI_RIGHTS_ALL);
#undef PUT
#undef MOVE
	/* badged copies of the first endpoint and notification */
	must(kestrel_cnode_mint(S_SANDBOX, next++, SANDBOX_RADIX, S_SANDBOX, 2, SANDBOX_RADIX,
				ABI_RIGHTS_ALL, 0x11),
	     "badge");
	must(kestrel_cnode_mint(S_SANDBOX, next++, SANDBOX_RADIX, S_SANDBOX, 6, SANDBOX_RADIX,
				ABI_RIGHTS_ALL, 0x22),
	     "badge");
}

/* Fuzzer i's hart: one other than the supervisor's (1). */
static unsigned fuzzer_hart(unsigned i)
{
	unsigned hart = 1 + (i % 3 == 0 ? 1 : i % 3 + 1);
	return hart >= 4 ? 0 : hart;
}

/* (Re)start fuzzer i from the top: fresh registers, its sandbox CSpace,
 * its hart. */
static void start(unsigned i)
{
	cptr_t tcb = S_TCB + i;
	(void)kestrel_tcb_suspend(tcb);
	unsigned hart = fuzzer_hart(i);
	must(kestrel_tcb_configure(tcb, S_FAULT_BADGED + i, S_SANDBOX_G, 0, PROC_CAP_VSPACE, 0,
				   (uint64_t)(uintptr_t)buffers[i], S_IPC_FRAME + i),
	     "configure a fuzzer");
	must(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, FUZZ_PRIORITY), "priority");
	must(kestrel_tcb_set_mcp(tcb, PROC_CAP_TCB, FUZZ_PRIORITY), "mcp");
	must(kestrel_tcb_set_affinity(tcb, hart), "affinity");
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, fuzz, i, (uint64_t)(uintptr_t)(stacks[i] + STACK_BYTES),
			       buffers[i], tls[i], 0);
	must(kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs), "start a fuzzer");
}

static void map(cptr_t frame, uint64_t va);

/* Fuzzer `index`'s fault handler, on its hart (so a fault and its answer
 * are two switches on one hart, no IPI): a cap fault (most random cptrs)
 * resumes the thread after its system call (seL4's way: write the PC,
 * then answer); any other fault starts it again from the top. */
static void answer_faults(uint64_t index)
{
	cptr_t ep = S_FAULT_EP + index, reply = S_FAULT_REPLY + index;
	struct kmsg m = { 0 };
	enum error err = kestrel_recv(ep, reply, &m);
	for (;;) {
		unsigned i = (unsigned)m.badge - 1;
		bool ours = err == ERR_OK && m.badge >= 1 && m.badge <= FUZZERS;
		bool cap = ours && msg_info_label((struct msg_info){ m.info }) == FAULT_CAP;
		if (cap) {
			cap_faults++;
			uint64_t pc = m.mr[0] + 4;
			must(kestrel_tcb_write_registers(S_TCB + i, false, 1, &pc), "skip a call");
		} else if (ours) {
			faults++;
			start(i);
		}
		m = (struct kmsg){ 0 };
		err = cap ? kestrel_reply_recv(ep, reply, &m) : kestrel_recv(ep, reply, &m);
	}
}

/* Fuzzer i's fault handler thread, on the fuzzer's hart, above it. */
static void start_handler(unsigned i)
{
	cptr_t tcb = S_HANDLER_TCB + i;
	uint64_t va = 0x3e00000000ull + (FUZZERS + i) * 0x200000ull;
	map(S_HANDLER_FRAME + i, va);
	must(kestrel_tcb_configure(tcb, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, va,
				   S_HANDLER_FRAME + i),
	     "configure a fault handler");
	must(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, HANDLER_PRIORITY), "priority");
	must(kestrel_tcb_set_affinity(tcb, fuzzer_hart(i)), "affinity");
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, answer_faults, i,
			       (uint64_t)(uintptr_t)(stacks[FUZZERS + i] + STACK_BYTES),
			       (struct ipc_buffer *)(uintptr_t)va, tls[FUZZERS + i], tcb);
	must(kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs), "start the handler");
}

static cptr_t echo_ep, echo_reply;

static void echo(uint64_t unused)
{
	(void)unused;
	struct kmsg m = { 0 };
	if (kestrel_recv(echo_ep, echo_reply, &m) != ERR_OK)
		return;
	m.mr[0]++;
	(void)kestrel_reply(echo_reply, &m);
}

/* Map `frame` at va in hostile's VSpace, with tables as needed. */
static void map(cptr_t frame, uint64_t va)
{
	enum error err = ERR_FAILED_LOOKUP;
	for (int level = 0; level < 3 && err == ERR_FAILED_LOOKUP; level++) {
		err = kestrel_page_map(frame, PROC_CAP_VSPACE, va, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
				       ABI_ATTR_EXECUTE_NEVER);
		if (err == ERR_FAILED_LOOKUP)
			must(
			    kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), PROC_CAP_VSPACE, va, 0),
			    "a table");
	}
	must(err, "map a frame");
}

/* After the storm: IPC, retype and the memory all come back. */
static bool checker(void)
{
	must(kestrel_tcb_set_affinity(PROC_CAP_TCB, 0), "back to hart 0");
	echo_ep = make(OBJ_ENDPOINT, 0);
	echo_reply = make(OBJ_REPLY, 0);
	cptr_t tcb = make(OBJ_TCB, 0);
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	uint64_t va = 0x3d00000000ull;
	map(frame, va);
	must(kestrel_tcb_configure(tcb, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, va, frame),
	     "configure the echo thread");
	must(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, SUPERVISOR_PRIORITY + 1), "priority");
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, echo, 0, (uint64_t)(uintptr_t)(stacks[0] + STACK_BYTES),
			       (struct ipc_buffer *)(uintptr_t)va, tls[0], tcb);
	must(kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs), "start the echo thread");
	struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { 41 } };
	bool ipc = kestrel_call(echo_ep, &m) == ERR_OK && m.mr[0] == 42;
	bool retype = kestrel_untyped_retype(S_SCRATCH, OBJ_NOTIFICATION, 0, PROC_CAP_CNODE, 0, 0,
					     next_free++, 1) == ERR_OK;
	bool revoke = kestrel_cnode_revoke(PROC_CAP_CNODE, S_SCRATCH, DEPTH) == ERR_OK;
	bool whole = kestrel_untyped_retype(S_SCRATCH, OBJ_UNTYPED, 20, PROC_CAP_CNODE, 0, 0,
					    next_free++, 1) == ERR_OK;
	printf("# hostile: IPC round trip %s, retype %s, revoke %s, all memory back %s\n",
	       ipc ? "ok" : "FAILED", retype ? "ok" : "FAILED", revoke ? "ok" : "FAILED",
	       whole ? "ok" : "FAILED");
	return ipc && retype && revoke && whole;
}

int main(void)
{
	seed = kestrel_boot_argument();
	printf("# hostile: seed %lu, %u random system calls from %u threads\n", (unsigned long)seed,
	       HOSTILE_CALLS, FUZZERS);
	must(kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_UNTYPED, 20, PROC_CAP_CNODE, 0, 0,
				    S_SCRATCH, 1),
	     "scratch untyped");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_CNODE, SANDBOX_RADIX, PROC_CAP_CNODE, 0, 0,
				    S_SANDBOX, 1),
	     "sandbox");
	must(kestrel_cnode_mint(PROC_CAP_CNODE, S_SANDBOX_G, DEPTH, PROC_CAP_CNODE, S_SANDBOX,
				DEPTH, ABI_RIGHTS_ALL, 64 - SANDBOX_RADIX),
	     "guard the sandbox");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, S_FAULT_EP,
				    FUZZERS),
	     "fault endpoint");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_REPLY, 0, PROC_CAP_CNODE, 0, 0, S_FAULT_REPLY,
				    FUZZERS),
	     "fault reply");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_TCB, 0, PROC_CAP_CNODE, 0, 0, S_TCB, FUZZERS),
	     "fuzzer TCBs");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_FRAME_4K, 0, PROC_CAP_CNODE, 0, 0, S_IPC_FRAME,
				    FUZZERS),
	     "fuzzer IPC buffers");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_TCB, 0, PROC_CAP_CNODE, 0, 0, S_HANDLER_TCB,
				    FUZZERS),
	     "fault handler TCBs");
	must(kestrel_untyped_retype(S_SCRATCH, OBJ_FRAME_4K, 0, PROC_CAP_CNODE, 0, 0,
				    S_HANDLER_FRAME, FUZZERS),
	     "fault handler IPC buffers");
	for (unsigned i = 0; i < FUZZERS; i++) {
		must(kestrel_cnode_mint(PROC_CAP_CNODE, S_FAULT_BADGED + i, DEPTH, PROC_CAP_CNODE,
					S_FAULT_EP + i, DEPTH, ABI_RIGHTS_ALL, i + 1),
		     "badge a fault endpoint");
		uint64_t va = 0x3e00000000ull + i * 0x200000ull;
		map(S_IPC_FRAME + i, va);
		buffers[i] = (struct ipc_buffer *)(uintptr_t)va;
	}
	fill_sandbox();
	/* The supervisor has a hart to itself (fuzzers use the others). */
	must(kestrel_tcb_set_priority(PROC_CAP_TCB, PROC_CAP_TCB, SUPERVISOR_PRIORITY), "priority");
	must(kestrel_tcb_set_affinity(PROC_CAP_TCB, 1), "supervisor hart");
	for (unsigned i = 0; i < FUZZERS; i++) {
		start_handler(i);
		start(i);
	}

	uint64_t last[FUZZERS] = { 0 }, total = 0, reported = 0;
	while (total < HOSTILE_CALLS) {
		uint64_t until = rdtime() + CHECK_TICKS;
		while (rdtime() < until)
			;
		total = 0;
		for (unsigned i = 0; i < FUZZERS; i++) {
			uint64_t now = calls[i];
			if (now == last[i]) { /* blocked or stopped: start again */
				restarts++;
				start(i);
			}
			last[i] = now;
			total += now;
		}
		if (total - reported >= 200000) {
			printf("# hostile: %lu calls, %lu cap faults, %lu other faults, %lu "
			       "restarts\n",
			       (unsigned long)total, (unsigned long)cap_faults,
			       (unsigned long)faults, (unsigned long)restarts);
			reported = total;
		}
	}
	for (unsigned i = 0; i < FUZZERS; i++) {
		(void)kestrel_tcb_suspend(S_HANDLER_TCB + i);
		(void)kestrel_tcb_suspend(S_TCB + i);
	}
	printf("# hostile: %lu calls done (%lu cap faults, %lu other faults, %lu restarts); "
	       "checking the system\n",
	       (unsigned long)total, (unsigned long)cap_faults, (unsigned long)faults,
	       (unsigned long)restarts);

	return checker() ? 0 : 1;
}
