/* SPDX-License-Identifier: MIT */
/*
 * ci/bench's channel cases in the system (docs/benchmarks.md): the channel
 * protocol over user-mode interrupts (libos/channel_uintr.h) between
 * kbench (the client) and a server thread in another address space (a
 * copy of kbench's image, libos/space.h), under QEMU -icount shift=0.
 *   chan_call_poll         client on hart 0, server on hart 1, both busy:
 *                          one request and its reply, counted per side
 *                          with rdinstret around each side's own protocol
 *                          calls (submit and the wait that finds the
 *                          reply; take and reply). The sides hand over by
 *                          a Call and the server's ReplyRecv on an
 *                          endpoint (not counted, and outside the library:
 *                          neither side ever publishes "sleeping", so no
 *                          doorbell): nothing spins across harts. (A
 *                          Signal/Wait pair on two notifications hung
 *                          after a few hundred rounds in most boots under
 *                          -icount; see docs/benchmarks.md.)
 *                          instructions: both sides;
 *                          kernel_entries: the client's inside its counted
 *                          parts (its hand-over calls subtracted), and the
 *                          server's likewise. Needs two harts.
 *   chan_call_same_hart    both on hart 0 at one priority, the server
 *                          asleep in its wait between requests (poll
 *                          budgets 0): the client's synchronous call
 *                          (channel_uintr_call) sends its ring with its
 *                          sleep in one kernel entry
 *                          (SYS_UINTR_SEND_WAIT), whose claim hands the
 *                          hart to the server; the server's reply and next
 *                          wait (channel_uintr_server_reply_wait) hand it
 *                          back the same way. Everything the hart retires
 *                          per call; each side's kernel entries, and the
 *                          claims the hart took.
 *   chan_call_same_hart_yield  as above, busy instead: the client submits
 *                          and Yields until its reply is there, the server
 *                          takes what is queued, replies and Yields (the
 *                          case's earlier form).
 *   chan_call_wakeup       both on hart 0, the server above the client and
 *                          asleep in the wait (poll budget 0) between
 *                          requests: the client's request rings it (uipi),
 *                          its reply rings the client when that sleeps.
 *                          Per call, all the hart retires; the client's
 *                          and the server's kernel entries.
 *   chan_call_async_batch  as chan_call_same_hart with 32 requests
 *                          submitted before the client Yields and 32
 *                          replies collected after: per request.
 *   chan_call_4k,          a large-buffer call (docs/channels.md "Large
 *   chan_call_1m           buffers") on a channel made by Register: the
 *                          client lends 4 KiB or 1 MiB (kbench.c's
 *                          LEND_CLIENT_VA, 256 pages in one last-level
 *                          table) with CHANNEL_LEND and submits a LARGE
 *                          request; the server (hart 0, one priority,
 *                          busy as chan_call_same_hart's) takes it, reads
 *                          the first and last word in its lend window,
 *                          gives the pages back (SERVICE_LEND_RETURN),
 *                          replies and Yields; the client Yields until its
 *                          reply is there. All the hart retires per call;
 *                          both sides' kernel entries. Run after kbench.c's
 *                          ep_call_lend_* (kbench_chan_lend), whose pages
 *                          they lend.
 * Lines as kbench.c's ("kbench: {json}"); a case that cannot run says
 * "not_measured" and why.
 * Built without CHANNEL_ASSERT, as chanbench's drivers (libos/
 * channel_bench.c) and the release kernel the cases run on: the figures
 * are those of the production path, not of the library's self-checks of
 * its private state (every check of what the peer wrote is kept).
 */
#ifndef NDEBUG
#define NDEBUG
#endif
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "channel_system.h"
#include "channel_uintr.h"
#include "kbench_chan.h"
#include "kestrel_lend.h"
#include "kestrel_uintr.h"
#include "object.h"
#include "process.h"
#include "space.h"
#include "thread.h"

#define PAGE 4096u
#define CTRL_VA 0x2000000000ull
#define BUF_VA 0x2000100000ull
#define SERVER_STATE_VA 0x2000400000ull
#define WINDOW_VA 0x2000a00000ull
/* Case c's server window in the server's space (one leaf table each). */
#define SERVE_WINDOW(c) (0x2001000000ull + (uint64_t)(c)*0x200000ull)
#define BUF_PAGES ((unsigned)(channel_buffer_size(DEPTH_CHAN) / PAGE))
#define DEPTH_CHAN 32u
#define BATCH 32u
#define CASES 6 /* the four above, the large-buffer calls' server, the Yield call */
#define LEND_CASE 4
#define YIELD_CASE 5
#define LEND_WIN 0x2002000000ull /* its lend window (slot 0): an empty leaf table */
#define LEND_SLOT (1ull << 20)
#define LEND_CALLS 1000u
#define CALLS 2000u
#define BATCHES 64u
#define PROGRAM_PRIORITY 100
#define STACK_BYTES 16384

enum mode { MODE_YIELD, MODE_SLEEP, MODE_HANDOFF, MODE_LEND, MODE_CALL };
#define HANDOFF_CALL 1
#define HANDOFF_TOTALS 2

/* Shared by kbench and the server's copy (same address in both). */
struct control {
	volatile uint64_t mode, ready, go;
	volatile uint64_t server_instructions, server_entries, least;
	volatile uint64_t errors;
};
static struct control *const ctrl = (struct control *)(uintptr_t)CTRL_VA;

/* Slots above ep_call_lend_*'s (kbench.c, from NTFN + 20, about 300). */
static struct space_alloc alloc = { { PROC_CAP_UNTYPED, 0 }, 600, 1020 };
static _Alignas(16) uint8_t server_stack[CASES][STACK_BYTES];
static _Alignas(64) uint8_t server_tls[CASES][512];
static cptr_t server_tcb[CASES], server_service[CASES];
static cptr_t buffer_frames, channel_cap;
static cptr_t handoff_ep, handoff_reply; /* chan_call_poll's hand-over */
static struct channel_uintr_thread client_thread;
static struct channel_client client_state;
static struct channel_uintr_client client_port;

/* The server's own (its copy of these). */
static struct channel_uintr_thread server_thread;
static struct channel_uintr_server server_port;

static uint64_t instret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

static uint64_t entries_of(cptr_t tcb)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, tcb, 0, &m);
	return m.badge;
}

static void say(const char *name, uint64_t instructions, uint64_t entries, uint64_t n)
{
	uint64_t i100 = instructions * 100 / n, e100 = entries * 100 / n;
	printf("kbench: {\"name\": \"%s\", \"instructions\": %lu.%02lu, \"kernel_entries\": "
	       "%lu.%02lu, \"fastpath\": 0.00, \"iterations\": %lu}\n",
	       name, (unsigned long)(i100 / 100), (unsigned long)(i100 % 100),
	       (unsigned long)(e100 / 100), (unsigned long)(e100 % 100), (unsigned long)n);
}

static void say_server(const char *name, uint64_t instructions, uint64_t entries, uint64_t n)
{
	uint64_t e100 = entries * 100 / n;
	printf("kbench: {\"name\": \"%s:server\", \"server_kernel_entries\": %lu.%02lu", name,
	       (unsigned long)(e100 / 100), (unsigned long)(e100 % 100));
	if (instructions) {
		uint64_t i100 = instructions * 100 / n;
		printf(", \"server_instructions\": %lu.%02lu", (unsigned long)(i100 / 100),
		       (unsigned long)(i100 % 100));
	}
	printf("}\n");
}

static void not_measured(const char *name, const char *why)
{
	printf("kbench: {\"name\": \"%s\", \"not_measured\": \"%s\"}\n", name, why);
}

/* ---- The server (in its copy of kbench) ---- */

static void echo(struct channel_message *m)
{
	m->opcode = ERR_OK;
	m->arg[0]++;
}

/* The large-buffer server: the channel is link 0 and, as the service's
 * first, server vector 0, so a LARGE request's pages are at LEND_WIN. It
 * answers with the sum of the range's first and last word. */
static void lend_server(struct channel_server *s)
{
	struct channel_message m;
	for (;;) {
		while (channel_server_take(s, &m) == ERR_OK) {
			m.opcode = ERR_OK;
			if (m.flags & CHANNEL_FLAG_LARGE) {
				const volatile uint64_t *w =
				    (const volatile uint64_t *)(uintptr_t)LEND_WIN;
				m.arg[0] = w[0] + w[m.large.length / 8 - 1];
				ctrl->errors += kestrel_service_lend_return(
						    server_service[LEND_CASE], 0, NULL) != ERR_OK;
			}
			m.flags = 0;
			m.large = (struct channel_large){ 0, 0 };
			ctrl->errors += channel_server_reply(s, &m) != ERR_OK;
		}
		kestrel_yield();
	}
}

static void server_main(uint64_t which)
{
	struct channel_server *s = (struct channel_server *)(uintptr_t)SERVER_STATE_VA;
	channel_uintr_thread_init(&server_thread, NULL, NULL);
	/* kbench registered the channel first: it is attached as link 0. */
	if (channel_uintr_server_init(&server_port, s, &server_thread, server_service[which],
				      SERVE_WINDOW(which), BUF_PAGES) != ERR_OK ||
	    server_port.attached != 1)
		ctrl->errors++;
	ctrl->ready = 1;
	struct channel_message m;
	switch ((enum mode)ctrl->mode) {
	case MODE_LEND: lend_server(s); break;
	case MODE_YIELD:
		for (;;) {
			while (channel_server_take(s, &m) == ERR_OK) {
				echo(&m);
				ctrl->errors += channel_server_reply(s, &m) != ERR_OK;
			}
			kestrel_yield();
		}
	case MODE_SLEEP:
		channel_server_set_poll_budget(s, 0);
		for (;;) {
			if (channel_server_wait(s, CHANNEL_FOREVER, &m) != ERR_OK) {
				ctrl->errors++;
				continue;
			}
			echo(&m);
			ctrl->errors += channel_server_reply(s, &m) != ERR_OK;
		}
	case MODE_CALL:
		/* Each reply's ring goes with the next wait's sleep. */
		channel_server_set_poll_budget(s, 0);
		while (channel_uintr_server_wait(&server_port, CHANNEL_FOREVER, &m) != ERR_OK)
			ctrl->errors++;
		for (;;) {
			echo(&m);
			while (channel_uintr_server_reply_wait(&server_port, &m, CHANNEL_FOREVER,
							       &m) != ERR_OK) {
				ctrl->errors++;
				(void)channel_uintr_server_wait(&server_port, CHANNEL_FOREVER, &m);
			}
		}
	case MODE_HANDOFF: {
		/* kbench Calls after each submit (label HANDOFF_CALL), once
		 * first to find the server waiting and once last for the totals
		 * (HANDOFF_TOTALS); each ReplyRecv is the hand-over back. */
		cptr_t me = server_tcb[which];
		uint64_t counted = 0, least = UINT64_MAX, calls = 0;
		struct kmsg k = { 0 };
		(void)kestrel_recv(handoff_ep, handoff_reply, &k);
		uint64_t e0 = entries_of(me);
		for (;;) {
			uint64_t label = msg_info_label((struct msg_info){ k.info });
			if (label == HANDOFF_CALL) {
				uint64_t t0 = instret();
				enum error err = channel_server_take(s, &m);
				if (err == ERR_OK) {
					echo(&m);
					err = channel_server_reply(s, &m);
				}
				uint64_t t1 = instret();
				ctrl->errors += err != ERR_OK;
				counted += t1 - t0;
				if (t1 - t0 < least)
					least = t1 - t0;
				calls++;
			} else if (label == HANDOFF_TOTALS) {
				/* A ReplyRecv per message since e0, and this
				 * call, are the hand-over's. */
				ctrl->server_entries = entries_of(me) - e0 - (calls + 1) - 1;
				ctrl->server_instructions = counted;
				ctrl->least = least;
			}
			k = (struct kmsg){ .info = kestrel_info(0, 0, 0) };
			(void)kestrel_reply_recv(handoff_ep, handoff_reply, &k);
		}
	}
	}
}

/* ---- Setup ---- */

static bool share(uint64_t va, unsigned pages, cptr_t vspace)
{
	for (unsigned i = 0; i < pages; i++) {
		cptr_t frame = space_object(&alloc, OBJ_FRAME_4K, 0);
		cptr_t copy = frame ? space_copy_cap(&alloc, frame) : 0;
		if (copy == 0 ||
		    space_map(&alloc, frame, PROC_CAP_VSPACE, va + i * PAGE,
			      ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER) != ERR_OK ||
		    space_map(&alloc, copy, vspace, va + i * PAGE, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
			      ABI_ATTR_EXECUTE_NEVER) != ERR_OK)
			return false;
	}
	return true;
}

/* Page tables over va in vspace, nothing left mapped there. */
static bool tables_at(cptr_t probe, cptr_t vspace, uint64_t va)
{
	return space_map(&alloc, probe, vspace, va, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
			 ABI_ATTR_EXECUTE_NEVER) == ERR_OK &&
	       kestrel_page_unmap(probe) == ERR_OK;
}

static cptr_t vspace;
static uint64_t regs[CASES][ABI_REG_COUNT];

/* Every case's server thread, service and table; kbench a receiver with a
 * table; the server's space (the copy) with the control page shared and
 * page tables over each case's window; the channel's object and frames
 * (kbench registers it per case: the kernel maps it in both spaces). */
static bool setup(void)
{
	/* kbench's uipi_send_to_handler left this thread a receiver. */
	(void)kestrel_tcb_uintr_unbind_receiver(PROC_CAP_TCB);
	(void)kestrel_tcb_uintr_unbind_sender_table(PROC_CAP_TCB);
	handoff_ep = space_object(&alloc, OBJ_ENDPOINT, 0);
	handoff_reply = space_object(&alloc, OBJ_REPLY, 0);
	cptr_t service = space_object(&alloc, OBJ_SERVICE, 0);
	cptr_t table = space_object(&alloc, OBJ_SENDER_TABLE, 3); /* an entry per case */
	cptr_t probe = space_object(&alloc, OBJ_FRAME_4K, 0);
	if (!handoff_ep || !handoff_reply || !service || !table || !probe ||
	    libos_tls_size() > sizeof(server_tls[0]) ||
	    channel_uintr_bind(PROC_CAP_TCB, service, table, false) != ERR_OK ||
	    !tables_at(probe, PROC_CAP_VSPACE, BUF_VA))
		return false;
	channel_uintr_thread_init(&client_thread, NULL, NULL);
	channel_cap = space_object(&alloc, OBJ_CHANNEL, 0);
	for (unsigned k = 0; k < BUF_PAGES; k++) {
		cptr_t f = space_object(&alloc, OBJ_FRAME_4K, 0);
		if (k == 0)
			buffer_frames = f;
		if (f == 0 || f != buffer_frames + k)
			return false;
	}
	for (unsigned c = 0; c < CASES; c++) {
		server_tcb[c] = space_object(&alloc, OBJ_TCB, 0);
		server_service[c] = space_object(&alloc, OBJ_SERVICE, 0);
		cptr_t server_table = space_object(&alloc, OBJ_SENDER_TABLE, 0);
		if (!server_tcb[c] || !server_service[c] || !server_table ||
		    channel_uintr_bind(server_tcb[c], server_service[c], server_table, false) !=
			ERR_OK)
			return false;
		/* Before the copy: the TLS blocks are set up in kbench's image. */
		libos_thread_registers(regs[c], server_main, c,
				       (uint64_t)(uintptr_t)(server_stack[c] + STACK_BYTES), NULL,
				       server_tls[c], server_tcb[c]);
	}
	if (space_clone(&alloc, WINDOW_VA, &vspace) != ERR_OK || !share(CTRL_VA, 1, vspace) ||
	    space_fresh(&alloc, vspace, SERVER_STATE_VA,
			(sizeof(struct channel_server) + PAGE - 1) / PAGE, NULL) != ERR_OK)
		return false;
	for (unsigned c = 0; c < CASES; c++)
		if (!tables_at(probe, vspace, SERVE_WINDOW(c)) ||
		    kestrel_tcb_configure(server_tcb[c], 0, PROC_CAP_CNODE, 0, vspace, 0, 0, 0) !=
			ERR_OK ||
		    kestrel_service_configure_channels(server_service[c], SERVE_WINDOW(c),
						       BUF_PAGES) != ERR_OK)
			return false;
	/* The large-buffer server's lend window: an empty last-level table
	 * (a client's whole table can move into it: core/lend.c). */
	return tables_at(probe, vspace, LEND_WIN) &&
	       kestrel_service_configure_lend(server_service[LEND_CASE], LEND_WIN, LEND_SLOT) ==
		   ERR_OK;
}

/* Case c's channel (kbench's table entry c, vector c) and its server
 * thread, started on `hart` at `priority` in `mode`. */
static bool start(unsigned c, enum mode mode, unsigned hart, unsigned priority,
		  uint32_t client_polls)
{
	/* Registered (formatted anew) per case, through kbench's entry c. */
	struct channel_uintr_open open = { .channel = channel_cap,
					   .service = server_service[c],
					   .vspace = PROC_CAP_VSPACE,
					   .first_frame = buffer_frames,
					   .pages = BUF_PAGES,
					   .buffer = (void *)(uintptr_t)BUF_VA,
					   .depth = DEPTH_CHAN,
					   .index = c,
					   .vector = c };
	if (channel_uintr_register(&client_port, &client_state, &client_thread, &open) != ERR_OK)
		return false;
	channel_client_set_poll_budget(&client_state, client_polls);
	memset(ctrl, 0, sizeof(*ctrl));
	ctrl->mode = mode;
	if (kestrel_tcb_set_priority(server_tcb[c], PROC_CAP_TCB, priority) != ERR_OK ||
	    kestrel_tcb_set_affinity(server_tcb[c], hart) != ERR_OK ||
	    kestrel_tcb_write_registers(server_tcb[c], true, ABI_REG_COUNT, regs[c]) != ERR_OK)
		return false;
	if (hart != kestrel_hart()) {
		/* Never spin for another hart under -icount: block, in a
		 * Call that the server answers once it waits. */
		struct kmsg k = { .info = kestrel_info(0, 0, 0) };
		(void)kestrel_call(handoff_ep, &k);
	}
	for (unsigned i = 0; i < 100000 && !ctrl->ready; i++)
		kestrel_yield();
	return ctrl->ready != 0 && ctrl->errors == 0;
}

static void stop(unsigned c)
{
	(void)kestrel_tcb_suspend(server_tcb[c]);
	(void)channel_uintr_unregister(&client_port);
}

/* One message for every request: zeroing a whole channel_message (328
 * bytes) per call would be picolibc's byte-at-a-time memset, 1,300
 * instructions, measured in place of the protocol; only the words that
 * change are written per call. */
static struct channel_message message = { .opcode = 1, .length = 8 };

static struct channel_message *request(uint64_t n)
{
	message.arg[0] = n;
	memcpy(message.payload, &n, 8);
	return &message;
}

/* ---- The cases ---- */

static void chan_call_poll(unsigned harts)
{
	const char *name = "chan_call_poll";
	if (harts < 2) {
		not_measured(name, "needs a second hart (boot with -smp 2 or more)");
		return;
	}
	if (!start(0, MODE_HANDOFF, 1, PROGRAM_PRIORITY, 0)) {
		not_measured(name, "could not be set up");
		return;
	}
	uint64_t counted = 0, least = UINT64_MAX, errors = 0;
	uint64_t e0 = entries_of(PROC_CAP_TCB);
	for (uint64_t n = 0; n < CALLS; n++) {
		struct channel_message *m = request(n), r;
		uint32_t tag;
		uint64_t t0 = instret();
		enum error err = channel_client_submit(&client_state, m, &tag);
		uint64_t t1 = instret();
		struct kmsg k = { .info = kestrel_info(HANDOFF_CALL, 0, 0) };
		(void)kestrel_call(handoff_ep, &k); /* the server's turn */
		uint64_t t2 = instret();
		if (err == ERR_OK)
			err = channel_client_wait(&client_state, tag, 0, &r);
		uint64_t t3 = instret();
		errors += err != ERR_OK || r.arg[0] != n + 1;
		counted += (t1 - t0) + (t3 - t2);
		if ((t1 - t0) + (t3 - t2) < least)
			least = (t1 - t0) + (t3 - t2);
	}
	/* Its Call per request, and this call, are the hand-over's. */
	uint64_t entries = entries_of(PROC_CAP_TCB) - e0 - CALLS - 1;
	struct kmsg k = { .info = kestrel_info(HANDOFF_TOTALS, 0, 0) };
	(void)kestrel_call(handoff_ep, &k); /* the server's totals */
	if (errors || ctrl->errors) {
		not_measured(name, "a call failed");
		stop(0);
		return;
	}
	say(name, counted + ctrl->server_instructions, entries, CALLS);
	say_server(name, ctrl->server_instructions, ctrl->server_entries, CALLS);
	printf("kbench: {\"name\": \"%s:sides\", \"client_instructions\": %lu, "
	       "\"client_least\": %lu, \"server_least\": %lu}\n",
	       name, (unsigned long)(counted / CALLS), (unsigned long)least,
	       (unsigned long)ctrl->least);
	stop(0);
}

/* Submit `count` requests, then Yield until every reply is there. */
static enum error round_trip(uint64_t first, unsigned count)
{
	uint32_t tags[BATCH];
	enum error err = ERR_OK;
	for (unsigned i = 0; i < count && err == ERR_OK; i++)
		err = channel_client_submit(&client_state, request(first + i), &tags[i]);
	for (unsigned i = 0; i < count && err == ERR_OK; i++) {
		struct channel_message r;
		while ((err = channel_client_wait(&client_state, tags[i], 0, &r)) ==
		       ERR_FAILED_LOOKUP)
			kestrel_yield();
		if (err == ERR_OK && r.arg[0] != first + i + 1)
			err = ERR_INVALID_ARGUMENT;
	}
	return err;
}

static void yield_case(unsigned c, const char *name, unsigned per_round, unsigned rounds)
{
	if (!start(c, MODE_YIELD, kestrel_hart(), PROGRAM_PRIORITY, 0)) {
		not_measured(name, "could not be set up");
		return;
	}
	enum error err = ERR_OK;
	uint64_t s0 = entries_of(server_tcb[c]), e0 = entries_of(PROC_CAP_TCB), i0 = instret();
	for (unsigned n = 0; n < rounds && err == ERR_OK; n++)
		err = round_trip((uint64_t)n * per_round, per_round);
	uint64_t i1 = instret(), e1 = entries_of(PROC_CAP_TCB), s1 = entries_of(server_tcb[c]);
	if (err != ERR_OK || ctrl->errors) {
		not_measured(name, "a call failed");
	} else {
		say(name, i1 - i0, e1 - e0 - 1, (uint64_t)rounds * per_round);
		say_server(name, 0, s1 - s0, (uint64_t)rounds * per_round);
	}
	stop(c);
}

/* Of this hart's claims, those UintrSendWait's first tier took
 * (DebugUintrClaims's MR0: kernel/uintr_sendwait_entry.c). */
static uint64_t first_tier_claims(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_UINTR_CLAIMS, 0, 0, &m);
	return m.mr[0];
}

static void chan_call_same_hart(void)
{
	const char *name = "chan_call_same_hart";
	if (!start(1, MODE_CALL, kestrel_hart(), PROGRAM_PRIORITY, 0)) {
		not_measured(name, "could not be set up");
		return;
	}
	enum error err = ERR_OK;
	uint64_t c0 = kestrel_uintr_claims(), f0 = first_tier_claims();
	uint64_t s0 = entries_of(server_tcb[1]), e0 = entries_of(PROC_CAP_TCB), i0 = instret();
	for (unsigned n = 0; n < CALLS && err == ERR_OK; n++) {
		struct channel_message r;
		err = channel_uintr_call(&client_port, request(n), CHANNEL_FOREVER, &r);
		if (err == ERR_OK && r.arg[0] != n + 1)
			err = ERR_INVALID_ARGUMENT;
	}
	uint64_t i1 = instret(), e1 = entries_of(PROC_CAP_TCB), s1 = entries_of(server_tcb[1]);
	uint64_t c1 = kestrel_uintr_claims(), f1 = first_tier_claims();
	if (err != ERR_OK || ctrl->errors) {
		not_measured(name, "a call failed");
	} else {
		say(name, i1 - i0, e1 - e0 - 1, CALLS);
		say_server(name, 0, s1 - s0, CALLS);
		printf("kbench: {\"name\": \"%s:claims\", \"claims\": %lu, \"first_tier\": %lu}\n",
		       name, (unsigned long)(c1 - c0), (unsigned long)(f1 - f0));
	}
	stop(1);
}

static void chan_call_wakeup(void)
{
	const char *name = "chan_call_wakeup";
	/* The server above kbench: a ring that wakes it runs it at once. */
	if (!start(3, MODE_SLEEP, kestrel_hart(), PROGRAM_PRIORITY + 1, 0)) {
		not_measured(name, "could not be set up");
		return;
	}
	enum error err = ERR_OK;
	uint64_t s0 = entries_of(server_tcb[3]), e0 = entries_of(PROC_CAP_TCB), i0 = instret();
	for (unsigned n = 0; n < CALLS && err == ERR_OK; n++) {
		struct channel_message r;
		err = channel_client_call(&client_state, request(n), CHANNEL_FOREVER, &r);
		if (err == ERR_OK && r.arg[0] != n + 1)
			err = ERR_INVALID_ARGUMENT;
	}
	uint64_t i1 = instret(), e1 = entries_of(PROC_CAP_TCB), s1 = entries_of(server_tcb[3]);
	if (err != ERR_OK || ctrl->errors) {
		not_measured(name, "a call failed");
	} else {
		say(name, i1 - i0, e1 - e0 - 1, CALLS);
		say_server(name, 0, s1 - s0, CALLS);
	}
	stop(3);
}

/* ---- The large-buffer calls ---- */

static bool lend_ready;

/* LEND_CALLS large-buffer calls of `bytes` from va; the server answers
 * the sum of the range's first and last word, `want`. */
static void lend_case(const char *name, uint64_t va, uint64_t bytes, uint64_t want)
{
	static struct channel_message m = { .opcode = 1, .flags = CHANNEL_FLAG_LARGE };
	m.large = (struct channel_large){ va, bytes };
	enum error err = ERR_OK;
	uint64_t s0 = entries_of(server_tcb[LEND_CASE]), e0 = entries_of(PROC_CAP_TCB);
	uint64_t i0 = instret();
	for (unsigned n = 0; n < LEND_CALLS && err == ERR_OK; n++) {
		uint32_t tag;
		struct channel_message r;
		err = kestrel_channel_lend(channel_cap, va, bytes, NULL);
		if (err == ERR_OK)
			err = channel_client_submit(&client_state, &m, &tag);
		if (err == ERR_OK)
			while ((err = channel_client_wait(&client_state, tag, 0, &r)) ==
			       ERR_FAILED_LOOKUP)
				kestrel_yield();
		if (err == ERR_OK && (r.opcode != ERR_OK || r.arg[0] != want))
			err = ERR_INVALID_ARGUMENT;
	}
	uint64_t i1 = instret(), e1 = entries_of(PROC_CAP_TCB);
	uint64_t s1 = entries_of(server_tcb[LEND_CASE]);
	if (err != ERR_OK || ctrl->errors) {
		not_measured(name, "a call failed");
		return;
	}
	say(name, i1 - i0, e1 - e0 - 1, LEND_CALLS);
	say_server(name, 0, s1 - s0, LEND_CALLS);
}

void kbench_chan_lend(uint64_t va)
{
	if (!lend_ready || !start(LEND_CASE, MODE_LEND, kestrel_hart(), PROGRAM_PRIORITY, 0)) {
		not_measured("chan_call_4k", "could not be set up");
		not_measured("chan_call_1m", "could not be set up");
		return;
	}
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)va;
	p[0] = 1;
	p[PAGE / 8 - 1] = 2;
	p[LEND_SLOT / 8 - 1] = 2;
	lend_case("chan_call_4k", va, PAGE, 3);
	lend_case("chan_call_1m", va, LEND_SLOT, 3);
	stop(LEND_CASE);
}

void kbench_chan(void)
{
	const volatile struct kernel_info *k =
	    (const volatile struct kernel_info *)(uintptr_t)KERNEL_INFO_VADDR;
	if (!setup()) {
		not_measured("chan_call_poll", "the channel could not be set up");
		not_measured("chan_call_same_hart", "the channel could not be set up");
		not_measured("chan_call_wakeup", "the channel could not be set up");
		not_measured("chan_call_async_batch", "the channel could not be set up");
		return;
	}
	chan_call_poll((unsigned)k->hart_count);
	chan_call_same_hart();
	yield_case(YIELD_CASE, "chan_call_same_hart_yield", 1, CALLS);
	chan_call_wakeup();
	yield_case(2, "chan_call_async_batch", BATCH, BATCHES);
	lend_ready = true;
}
