/* SPDX-License-Identifier: MIT */
/*
 * ci/bench's kernel cases, run under QEMU -icount shift=0 (rdinstret then
 * counts retired instructions, user and kernel together): per operation,
 * the instructions and this thread's kernel entries (DebugKernelEntries).
 *   null_syscall             DebugHart, the smallest call
 *   yield_alone              Yield with no other thread of its priority
 *   yield_same_priority      Yield to a partner thread of the same priority
 *                            on the same hart (same address space) that
 *                            yields straight back: instructions per Yield
 *                            (the round's two Yields and two switches,
 *                            halved); kernel_entries: the caller's, one
 *                            per its Yield
 *   ep_call_same_hart        Call + the echo server's ReplyRecv, two address
 *                            spaces on one hart: the fastpath; entries are
 *                            the caller's only
 *   ep_call_slowpath         the same with the fastpath turned off
 *                            (SYS_DEBUG_FASTPATH), then back on
 *   notification_signal_wait Signal, then Wait that takes it
 *   ep_call_cross_hart       Call to a server thread on hart 1 (same address
 *                            space) that answers with ReplyRecv; each side
 *                            blocks in the kernel, never spins. Only with a
 *                            second hart (ci/bench boots -smp 2 for it).
 *                            Under -icount rdinstret is QEMU's one virtual
 *                            clock, shared by the harts: instructions are
 *                            both sides' (and the idle loops') together;
 *                            kernel_entries are the caller's, and
 *                            server_kernel_entries the server's.
 *   irq_to_user              a device interrupt to its handler thread
 *                            running: this thread (hart 0, priority 100)
 *                            sets the UART's IER.THRI, which raises its
 *                            transmit-empty interrupt at once; the kernel
 *                            takes it, claims it at the PLIC and signals the
 *                            IRQ handler's notification, on which a thread
 *                            of priority 200 on the same hart waits. From the
 *                            rdinstret before the store (3 user instructions
 *                            before the trap) to the rdinstret that follows
 *                            the handler's Wait; all on one hart, so the
 *                            count is deterministic, but for the rare timer
 *                            tick that lands inside (the mean moves by a
 *                            quarter instruction between runs): the line
 *                            also gives "least", the undisturbed path. The
 *                            handler then clears IER and acks (not
 *                            counted). kernel_entries: this thread's, the
 *                            interrupt's one trap.
 *   ep_call_lend_4k          CallLend of one 4 KiB page + the lending
 *                            server's ReplyRecvWindow (servers/lend_server.S
 *                            in a second address space, this hart, above
 *                            us): the page leaves this VSpace for the
 *                            server's window, the server reads and writes
 *                            its first and last word in place, the reply
 *                            moves it back. Slow path both ways.
 *   ep_call_lend_1m          the same lending 1 MiB (256 leaves of 4 KiB
 *                            in one last-level table on each side)
 *   ep_call_lend_2m_leaf     the same lending a 2 MiB frame: one leaf,
 *                            to a second server thread whose window is a
 *                            level-1 table
 *   uipi_send_to_handler     uipi SEND to the caller's own receiver: the
 *                            handler (a stub that takes the bits with uipi
 *                            READ after clearing USIP) runs and returns
 *                            with uret. On the emulated backend four
 *                            kernel entries (SEND, the USIP clear, READ,
 *                            uret), none taking the kernel lock; on the
 *                            hardware none.
 *   uipi_wake_busy_hart      uipi SEND from hart 0 to a receiver sleeping in
 *                            UintrWait on hart 1 while a thread that
 *                            receives nothing spins there in user mode:
 *                            from the rdinstret before the SEND to the one
 *                            after the receiver's wait returns (both harts'
 *                            clock, as ep_call_cross_hart); the sender then
 *                            blocks on a notification the receiver signals.
 *                            WAKE_ROUNDS rounds (each costs the spinner's
 *                            turn under -icount). On the hardware backend the
 *                            wake-up must not wait for hart 1's next tick
 *                            (docs/uintr.md); kernel_entries: the sender's.
 * Each result is one line "kbench: {json}" for ci/bench, with "fastpath":
 * this thread's IPCs per operation that the fastpath took (DebugFastpath
 * counts per thread: 1 for a round trip on it, the Call; the server's
 * ReplyRecv is the server's; 0 off it); a case this boot cannot measure is a line with
 * "not_measured" and the reason instead.
 */
#include <stdio.h>

#include "kbench_chan.h"
#include "kestrel.h"
#include "kestrel_lend.h"
#include "kestrel_uintr.h"
#include "lend_server.h"
#include "object.h"
#include "process.h"
#include "thread.h"

#define ITERATIONS 2000u
#define NTFN PROC_CAP_FIRST_FREE
#define SERVER_TCB (NTFN + 1) /* ep_call_cross_hart's objects */
#define SERVER_EP (NTFN + 2)
#define SERVER_REPLY (NTFN + 3)
#define UINTR_SERVICE (NTFN + 10) /* uipi_send_to_handler's objects */
#define UINTR_TABLE (NTFN + 11)
#define SERVER_STACK_BYTES 8192
#define IRQ_NTFN (NTFN + 4) /* irq_to_user's objects */
#define IRQ_HANDLER (NTFN + 5)
#define IRQ_TCB (NTFN + 6)
#define IRQ_TABLES (NTFN + 7) /* up to 3 page tables for the UART's page */
#define YIELD_TCB (NTFN + 12) /* yield_same_priority's partner */
#define WAKE_TCB (NTFN + 13)  /* uipi_wake_busy_hart's objects */
#define WAKE_SERVICE (NTFN + 14)
#define WAKE_NTFN (NTFN + 15)
#define BUSY_TCB (NTFN + 16)
#define WAKE_ROUNDS 20u
#define LEND_FIRST (NTFN + 20)          /* ep_call_lend_*'s objects, from here on */
#define LEND_CLIENT_VA 0x3a00000000ull  /* the lent MiB, 2 MiB aligned */
#define LEND_SCRATCH_VA 0x3b00000000ull /* where the server's code is written */
#define LEND_PAGES 256
#define LEND_HUGE_VA 0x3c40000000ull /* the 2 MiB frame */
#define PROGRAM_PRIORITY 100         /* what servers/root gives every program */
#define UART_VADDR 0x3c00000000ull
#define UART_IER 1
#define UART_IER_THRI 2

static uint64_t server_stack[SERVER_STACK_BYTES / 8];
static uint64_t server_tls[64];
static uint64_t irq_stack[SERVER_STACK_BYTES / 8];
static uint64_t yield_stack[SERVER_STACK_BYTES / 8];
static uint64_t yield_tls[64];
static uint64_t irq_tls[64];
static volatile uint8_t *uart;
static volatile uint64_t irq_start, irq_instructions, irq_count, irq_least = UINT64_MAX;
static uint64_t wake_stack[SERVER_STACK_BYTES / 8], wake_tls[64];
static uint64_t busy_stack[SERVER_STACK_BYTES / 8], busy_tls[64];
static volatile uint64_t wake_sent, wake_instructions, wake_count, busy_count;

/* The smallest handler: clear USIP (kestrel_uintr.h), take the bits (uipi
 * READ into t0), uret. */
__asm__(".text\n"
	".balign 4\n"
	".globl kbench_uintr_entry\n"
	"kbench_uintr_entry:\n"
	"addi sp, sp, -16\n"
	"sd t0, 0(sp)\n" KESTREL_UINTR_CLEAR_USIP ".insn r 0x7b, 6, 1, t0, x0, x0\n"
	"ld t0, 0(sp)\n"
	"addi sp, sp, 16\n" KESTREL_URET);
void kbench_uintr_entry(void);

/* The caller becomes a receiver with that handler, sending to itself
 * through entry 0 of its own table. */
static bool setup_self_send(void)
{
	uint64_t vector;
	return kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_SERVICE, 0, PROC_CAP_CNODE, 0, 0,
				      UINTR_SERVICE, 1) == ERR_OK &&
	       kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_SENDER_TABLE, 0, PROC_CAP_CNODE, 0, 0,
				      UINTR_TABLE, 1) == ERR_OK &&
	       kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, UINTR_SERVICE,
					       (uint64_t)(uintptr_t)kbench_uintr_entry, 0,
					       ABI_UINTR_ENABLE) == ERR_OK &&
	       kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, UINTR_TABLE) == ERR_OK &&
	       kestrel_sender_table_register(UINTR_TABLE, 0, UINTR_SERVICE, 0, &vector) == ERR_OK;
}

static uint64_t instret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

static uint64_t entries(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &m);
	return m.badge;
}

static uint64_t fastpath_taken(void)
{
	uint64_t taken;
	(void)kestrel_debug_fastpath(0, &taken);
	return taken;
}

static void report(const char *name, uint64_t instructions, uint64_t kernel_entries,
		   uint64_t fastpath)
{
	/* Whole and hundredths: picolibc's printf here has no floating point. */
	uint64_t i100 = instructions * 100 / ITERATIONS, e100 = kernel_entries * 100 / ITERATIONS;
	uint64_t f100 = fastpath * 100 / ITERATIONS;
	printf("kbench: {\"name\": \"%s\", \"instructions\": %lu.%02lu, \"kernel_entries\": "
	       "%lu.%02lu, \"fastpath\": %lu.%02lu, \"iterations\": %u}\n",
	       name, (unsigned long)(i100 / 100), (unsigned long)(i100 % 100),
	       (unsigned long)(e100 / 100), (unsigned long)(e100 % 100),
	       (unsigned long)(f100 / 100), (unsigned long)(f100 % 100), ITERATIONS);
}

/* A case this boot cannot measure: ci/bench reports it, never drops it. */
static void not_measured(const char *name, const char *why)
{
	printf("kbench: {\"name\": \"%s\", \"not_measured\": \"%s\"}\n", name, why);
}

#define MEASURE(name, ...)                                                                         \
	do {                                                                                       \
		uint64_t f0 = fastpath_taken(), e0 = entries(), i0 = instret();                    \
		for (unsigned n = 0; n < ITERATIONS; n++) {                                        \
			__VA_ARGS__;                                                               \
		}                                                                                  \
		uint64_t i1 = instret(), e1 = entries(), f1 = fastpath_taken();                    \
		/* the second entries() call is one entry of its own */                            \
		report(name, i1 - i0, e1 - e0 - 1, f1 - f0);                                       \
	} while (0)

/* The cross-hart echo server: answers every call with its own message. */
static void echo_server(uint64_t unused)
{
	(void)unused;
	struct kmsg m = { 0 };
	(void)kestrel_recv(SERVER_EP, SERVER_REPLY, &m);
	for (;;)
		(void)kestrel_reply_recv(SERVER_EP, SERVER_REPLY, &m);
}

static uint64_t entries_of(cptr_t tcb)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, tcb, 0, &m);
	return m.badge;
}

/* The server thread on hart 1; false on one hart (the case is left out). */
static bool start_server(void)
{
	static const uint64_t types[] = { OBJ_TCB, OBJ_ENDPOINT, OBJ_REPLY };
	for (unsigned i = 0; i < 3; i++)
		if (kestrel_untyped_retype(PROC_CAP_UNTYPED, types[i], 0, PROC_CAP_CNODE, 0, 0,
					   SERVER_TCB + i, 1) != ERR_OK)
			return false;
	if (libos_tls_size() > sizeof(server_tls) ||
	    kestrel_tcb_configure(SERVER_TCB, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, 0, 0) !=
		ERR_OK ||
	    kestrel_tcb_set_priority(SERVER_TCB, PROC_CAP_TCB, 200) != ERR_OK ||
	    kestrel_tcb_set_affinity(SERVER_TCB, 1) != ERR_OK)
		return false;
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, echo_server, 0,
			       (uint64_t)(uintptr_t)(server_stack + SERVER_STACK_BYTES / 8), NULL,
			       server_tls, SERVER_TCB);
	return kestrel_tcb_write_registers(SERVER_TCB, true, ABI_REG_COUNT, regs) == ERR_OK;
}

/* yield_same_priority's partner: gives the hart straight back. */
static void yield_partner(uint64_t unused)
{
	(void)unused;
	for (;;)
		kestrel_yield();
}

/* The partner, ready at this thread's priority on this hart; false when
 * it cannot be made (the case is then not measured). */
static bool start_yield_partner(void)
{
	if (libos_tls_size() > sizeof(yield_tls) ||
	    kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_TCB, 0, PROC_CAP_CNODE, 0, 0, YIELD_TCB,
				   1) != ERR_OK ||
	    kestrel_tcb_configure(YIELD_TCB, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, 0, 0) !=
		ERR_OK ||
	    kestrel_tcb_set_priority(YIELD_TCB, PROC_CAP_TCB, PROGRAM_PRIORITY) != ERR_OK ||
	    kestrel_tcb_set_affinity(YIELD_TCB, kestrel_hart()) != ERR_OK)
		return false;
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, yield_partner, 0,
			       (uint64_t)(uintptr_t)(yield_stack + SERVER_STACK_BYTES / 8), NULL,
			       yield_tls, YIELD_TCB);
	return kestrel_tcb_write_registers(YIELD_TCB, true, ABI_REG_COUNT, regs) == ERR_OK;
}

/* irq_to_user's handler: count from the store that raised the interrupt
 * to here, then quiet the UART and ack for the next one. */
static void irq_handler(uint64_t unused)
{
	(void)unused;
	for (;;) {
		uint64_t badge;
		(void)kestrel_wait(IRQ_NTFN, &badge);
		uint64_t now = instret();
		irq_instructions += now - irq_start;
		irq_count++;
		if (now - irq_start < irq_least)
			irq_least = now - irq_start;
		uart[UART_IER] = 0;
		(void)kestrel_irq_handler_ack(IRQ_HANDLER);
	}
}

/* The UART's page mapped at UART_VADDR, its interrupt routed to IRQ_NTFN
 * and irq_handler waiting on it (same hart, higher priority); false when
 * the machine or the root task gives no UART (the case is left out). */
static bool start_irq_handler(void)
{
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_NOTIFICATION, 0, PROC_CAP_CNODE, 0, 0,
				   IRQ_NTFN, 1) != ERR_OK ||
	    kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_TCB, 0, PROC_CAP_CNODE, 0, 0, IRQ_TCB,
				   1) != ERR_OK ||
	    kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_PAGE_TABLE, 0, PROC_CAP_CNODE, 0, 0,
				   IRQ_TABLES, 3) != ERR_OK)
		return false;
	enum error err = ERR_FAILED_LOOKUP;
	for (unsigned level = 0; level < 3 && err == ERR_FAILED_LOOKUP; level++) {
		err = kestrel_page_map(PROC_CAP_UART_FRAME, PROC_CAP_VSPACE, UART_VADDR,
				       ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER);
		if (err == ERR_FAILED_LOOKUP &&
		    kestrel_page_table_map(IRQ_TABLES + level, PROC_CAP_VSPACE, UART_VADDR, 0) !=
			ERR_OK)
			return false;
	}
	if (err != ERR_OK ||
	    kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_UART_IRQ, PROC_CAP_CNODE,
				    IRQ_HANDLER, 64) != ERR_OK ||
	    kestrel_irq_handler_set_notification(IRQ_HANDLER, IRQ_NTFN) != ERR_OK ||
	    kestrel_tcb_configure(IRQ_TCB, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, 0, 0) !=
		ERR_OK ||
	    kestrel_tcb_set_priority(IRQ_TCB, PROC_CAP_TCB, 200) != ERR_OK)
		return false;
	uart = (volatile uint8_t *)(uintptr_t)UART_VADDR;
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, irq_handler, 0,
			       (uint64_t)(uintptr_t)(irq_stack + SERVER_STACK_BYTES / 8), NULL,
			       irq_tls, IRQ_TCB);
	/* It runs at once (higher priority) and waits. */
	return kestrel_tcb_write_registers(IRQ_TCB, true, ABI_REG_COUNT, regs) == ERR_OK;
}

/* uipi_wake_busy_hart's receiver: sleeps until a SEND, takes the bit. */
static void wake_receiver(uint64_t unused)
{
	(void)unused;
	for (;;) {
		uint64_t woken;
		(void)kestrel_uintr_wait(UINT64_MAX, &woken);
		uint64_t now = instret();
		(void)uipi_read();
		wake_instructions += now - wake_sent;
		wake_count++;
		(void)kestrel_signal(WAKE_NTFN);
	}
}

/* Its neighbour on hart 1: never enters the kernel by itself. */
static void busy_spinner(uint64_t unused)
{
	(void)unused;
	for (;;)
		busy_count++;
}

static bool start_thread(cptr_t tcb, uint64_t priority, void (*fn)(uint64_t), uint64_t *stack,
			 uint64_t *tls, size_t tls_bytes)
{
	if (libos_tls_size() > tls_bytes ||
	    kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_TCB, 0, PROC_CAP_CNODE, 0, 0, tcb, 1) !=
		ERR_OK ||
	    kestrel_tcb_configure(tcb, 0, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE, 0, 0, 0) != ERR_OK ||
	    kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, priority) != ERR_OK ||
	    kestrel_tcb_set_affinity(tcb, 1) != ERR_OK)
		return false;
	if (tcb == WAKE_TCB &&
	    (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_SERVICE, 0, PROC_CAP_CNODE, 0, 0,
				    WAKE_SERVICE, 1) != ERR_OK ||
	     kestrel_tcb_uintr_bind_receiver(WAKE_TCB, WAKE_SERVICE, 0, 0, 0) != ERR_OK ||
	     kestrel_sender_table_unregister(UINTR_TABLE, 0) != ERR_OK ||
	     kestrel_sender_table_register(UINTR_TABLE, 0, WAKE_SERVICE, 1, NULL) != ERR_OK))
		return false;
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, fn, 0, (uint64_t)(uintptr_t)(stack + SERVER_STACK_BYTES / 8),
			       NULL, tls, tcb);
	return kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs) == ERR_OK;
}

/* uipi_wake_busy_hart (after uipi_send_to_handler, whose table's one entry
 * it points at its receiver instead):
 * the receiver on hart 1 at priority 200 sleeps first, then the spinner
 * (100) takes hart 1; each round wakes the receiver with a SEND. */
static void wake_busy_hart(void)
{
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_NOTIFICATION, 0, PROC_CAP_CNODE, 0, 0,
				   WAKE_NTFN, 1) != ERR_OK ||
	    !start_thread(WAKE_TCB, 200, wake_receiver, wake_stack, wake_tls, sizeof(wake_tls)) ||
	    !start_thread(BUSY_TCB, PROGRAM_PRIORITY, busy_spinner, busy_stack, busy_tls,
			  sizeof(busy_tls))) {
		not_measured("uipi_wake_busy_hart", "no second hart or no user interrupts");
		return;
	}
	uint64_t e0 = entries();
	for (unsigned n = 0; n < WAKE_ROUNDS; n++) {
		uint64_t badge;
		wake_sent = instret();
		uipi_send(0);
		(void)kestrel_wait(WAKE_NTFN, &badge);
	}
	uint64_t e1 = entries();
	(void)kestrel_tcb_suspend(BUSY_TCB);
	(void)kestrel_tcb_suspend(WAKE_TCB);
	uint64_t i100 = wake_instructions * 100 / WAKE_ROUNDS;
	uint64_t e100 = (e1 - e0 - 1) * 100 / WAKE_ROUNDS;
	if (wake_count != WAKE_ROUNDS)
		printf("kbench: {\"name\": \"uipi_wake_busy_hart\", \"not_measured\": \"%lu of %u "
		       "wake-ups\"}\n",
		       (unsigned long)wake_count, WAKE_ROUNDS);
	else
		printf("kbench: {\"name\": \"uipi_wake_busy_hart\", \"instructions\": %lu.%02lu, "
		       "\"kernel_entries\": %lu.%02lu, \"fastpath\": 0.00, \"iterations\": %u}\n",
		       (unsigned long)(i100 / 100), (unsigned long)(i100 % 100),
		       (unsigned long)(e100 / 100), (unsigned long)(e100 % 100), WAKE_ROUNDS);
}

static cptr_t lend_next = LEND_FIRST;
static cptr_t lend_vspace; /* the lending servers' address space */

/* One object in the next free slot (0 when the retype fails). */
static cptr_t lend_make(enum object_type type, unsigned bits)
{
	cptr_t s = lend_next++;
	return kestrel_untyped_retype(PROC_CAP_UNTYPED, type, bits, PROC_CAP_CNODE, 0, 0, s, 1) ==
		       ERR_OK
		   ? s
		   : 0;
}

/* Map frame at va of this VSpace, with the tables it needs. */
static bool lend_map_at(cptr_t frame, uint64_t va)
{
	enum error err = ERR_FAILED_LOOKUP;
	for (unsigned level = 0; level < 3 && err == ERR_FAILED_LOOKUP; level++) {
		err = kestrel_page_map(frame, PROC_CAP_VSPACE, va, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
				       ABI_ATTR_EXECUTE_NEVER);
		cptr_t table = err == ERR_FAILED_LOOKUP ? lend_make(OBJ_PAGE_TABLE, 0) : 0;
		if (err == ERR_FAILED_LOOKUP &&
		    (table == 0 || kestrel_page_table_map(table, PROC_CAP_VSPACE, va, 0) != ERR_OK))
			return false;
	}
	return err == ERR_OK;
}

static void *lend_map(cptr_t frame)
{
	return lend_map_at(frame, LEND_SCRATCH_VA) ? (void *)(uintptr_t)LEND_SCRATCH_VA : NULL;
}

/* The lending server (this hart, priority 200, waiting) and the client's
 * LEND_PAGES pages at LEND_CLIENT_VA; the server's endpoint, or 0. */
static cptr_t start_lend_server(void)
{
	cptr_t ep = lend_make(OBJ_ENDPOINT, 0), reply = lend_make(OBJ_REPLY, 0);
	cptr_t tcb;
	if (ep == 0 || reply == 0 ||
	    lend_server_space(lend_make, lend_map, &lend_vspace) != ERR_OK ||
	    lend_server_start(lend_make, lend_vspace, ep, reply, NTFN, LEND_WINDOW_4K, 200,
			      kestrel_hart(), 0, &tcb) != ERR_OK)
		return 0;
	for (unsigned i = 0; i < LEND_PAGES; i++) {
		cptr_t frame = lend_make(OBJ_FRAME_4K, 0);
		if (frame == 0 || !lend_map_at(frame, LEND_CLIENT_VA + i * 4096ull))
			return 0;
	}
	return ep;
}

/* A second lending server (window: a level-1 table) and a 2 MiB frame at
 * LEND_HUGE_VA; its endpoint, or 0. */
static cptr_t start_huge_server(void)
{
	cptr_t ep = lend_make(OBJ_ENDPOINT, 0), reply = lend_make(OBJ_REPLY, 0);
	cptr_t table = lend_make(OBJ_PAGE_TABLE, 0), tcb;
	/* Everything small first: the frame takes the untyped's last 2 MiB. */
	if (ep == 0 || reply == 0 || table == 0 ||
	    lend_server_start(lend_make, lend_vspace, ep, reply, NTFN, LEND_WINDOW_2M, 200,
			      kestrel_hart(), 0, &tcb) != ERR_OK ||
	    kestrel_page_table_map(table, PROC_CAP_VSPACE, LEND_HUGE_VA, 0) != ERR_OK)
		return 0;
	cptr_t frame = lend_make(OBJ_FRAME_2M, 0);
	if (frame == 0 ||
	    kestrel_page_map(frame, PROC_CAP_VSPACE, LEND_HUGE_VA, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
			     ABI_ATTR_EXECUTE_NEVER) != ERR_OK)
		return 0;
	return ep;
}

int main(void)
{
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_NOTIFICATION, 0, PROC_CAP_CNODE, 0, 0,
				   NTFN, 1) != ERR_OK)
		return 1;
	MEASURE("null_syscall", (void)kestrel_hart());
	MEASURE("yield_alone", kestrel_yield());
	if (start_yield_partner()) {
		uint64_t e0 = entries(), i0 = instret();
		for (unsigned n = 0; n < ITERATIONS; n++)
			kestrel_yield();
		uint64_t i1 = instret(), e1 = entries();
		report("yield_same_priority", (i1 - i0) / 2, e1 - e0 - 1, 0);
		(void)kestrel_tcb_suspend(YIELD_TCB);
	} else
		not_measured("yield_same_priority", "no partner thread");
	MEASURE("ep_call_same_hart", {
		struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { n } };
		(void)kestrel_call(PROC_CAP_SERVICE, &m);
	});
	uint64_t unused;
	(void)kestrel_debug_fastpath(1, &unused);
	MEASURE("ep_call_slowpath", {
		struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { n } };
		(void)kestrel_call(PROC_CAP_SERVICE, &m);
	});
	(void)kestrel_debug_fastpath(2, &unused);
	MEASURE("notification_signal_wait", {
		uint64_t badge;
		(void)kestrel_signal(NTFN);
		(void)kestrel_wait(NTFN, &badge);
	});
	if (start_irq_handler()) {
		uint64_t e0 = entries();
		for (unsigned n = 0; n < ITERATIONS; n++) {
			irq_start = instret();
			uart[UART_IER] = UART_IER_THRI; /* the interrupt is taken here */
		}
		uint64_t e1 = entries();
		if (irq_count == ITERATIONS) {
			report("irq_to_user", irq_instructions, e1 - e0 - 1, 0);
			printf("kbench: {\"name\": \"irq_to_user:least\", \"least\": %lu}\n",
			       (unsigned long)irq_least);
		} else
			printf("kbench: {\"name\": \"irq_to_user\", \"not_measured\": "
			       "\"%lu of %u "
			       "interrupts arrived\"}\n",
			       (unsigned long)irq_count, ITERATIONS);
		(void)kestrel_tcb_suspend(IRQ_TCB);
	} else
		not_measured("irq_to_user", "no UART or its IRQ could not be set up");
	bool sender = setup_self_send();
	if (sender)
		MEASURE("uipi_send_to_handler", uipi_send(0));
	else
		not_measured("uipi_send_to_handler", "could not be set up");
	if (start_server()) {
		struct kmsg m = { .info = kestrel_info(0, 1, 0) };
		(void)kestrel_call(SERVER_EP, &m); /* the server is waiting from now on */
		uint64_t s0 = entries_of(SERVER_TCB);
		MEASURE("ep_call_cross_hart", {
			struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { n } };
			(void)kestrel_call(SERVER_EP, &m);
		});
		uint64_t s = entries_of(SERVER_TCB) - s0;
		uint64_t s100 = s * 100 / ITERATIONS;
		printf("kbench: {\"name\": \"ep_call_cross_hart:server\", "
		       "\"server_kernel_entries\": "
		       "%lu.%02lu}\n",
		       (unsigned long)(s100 / 100), (unsigned long)(s100 % 100));
		(void)kestrel_tcb_suspend(SERVER_TCB);
	} else
		not_measured("ep_call_cross_hart", "no second hart (boot with -smp 2 or more)");
	if (sender)
		wake_busy_hart();
	else
		not_measured("uipi_wake_busy_hart", "no sender table");
	kbench_chan();
	/* Last: the 2 MiB frame takes what is left of the untyped. */
	cptr_t lend_ep = start_lend_server();
	struct kmsg probe = { .info = kestrel_info(0, 2, 0) };
	if (lend_ep != 0 &&
	    kestrel_call_lend(lend_ep, &probe, LEND_CLIENT_VA, 1u << 20) == ERR_OK &&
	    probe.mr[0] == 1u << 20) {
		MEASURE("ep_call_lend_4k", {
			struct kmsg m = { .info = kestrel_info(0, 2, 0), .mr = { n } };
			(void)kestrel_call_lend(lend_ep, &m, LEND_CLIENT_VA, 4096);
		});
		MEASURE("ep_call_lend_1m", {
			struct kmsg m = { .info = kestrel_info(0, 2, 0), .mr = { n } };
			(void)kestrel_call_lend(lend_ep, &m, LEND_CLIENT_VA, 1u << 20);
		});
		cptr_t huge_ep = start_huge_server();
		if (huge_ep != 0)
			MEASURE("ep_call_lend_2m_leaf", {
				struct kmsg m = { .info = kestrel_info(0, 2, 0), .mr = { n } };
				(void)kestrel_call_lend(huge_ep, &m, LEND_HUGE_VA, 2u << 20);
			});
		else
			not_measured("ep_call_lend_2m_leaf", "no 2 MiB frame or server");
		kbench_chan_lend(LEND_CLIENT_VA); /* chan_call_4k, chan_call_1m */
	} else {
		not_measured("ep_call_lend_4k", "the lending server could not be set up");
		not_measured("ep_call_lend_1m", "the lending server could not be set up");
		not_measured("chan_call_4k", "no pages to lend");
		not_measured("chan_call_1m", "no pages to lend");
	}
	return 0;
}
