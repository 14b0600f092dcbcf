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
 *   chan_call_same_hart    both on hart 0 at one priority, busy: the
 *                          client submits and Yields until its reply is
 *                          there, the server takes what is queued, replies
 *                          and Yields: everything the hart retires per
 *                          call, and the client's kernel entries.
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
 */
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
#define DEPTH_CHAN 32u
#define BATCH 32u
#define CASES 5 /* the four above, then the large-buffer calls' server */
#define LEND_CASE 4
#define LEND_DEPTH 4u
#define LEND_CHAN_WIN 0x2001000000ull /* the server's channel window (slot 0) */
#define LEND_WIN 0x2002000000ull      /* the server's lend window (slot 0), 2 MiB aligned */
#define LEND_SLOT (1ull << 20)
#define LEND_BUF_VA 0x2003000000ull /* the channel's buffer in kbench */
#define LEND_CALLS 1000u
#define CALLS 2000u
#define BATCHES 64u
#define PROGRAM_PRIORITY 100
#define STACK_BYTES 16384

enum mode { MODE_YIELD, MODE_SLEEP, MODE_HANDOFF, MODE_LEND };
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
static cptr_t server_tcb[CASES];
static struct channel_uintr_side server_side[CASES], client_side;
static cptr_t handoff_ep, handoff_reply; /* chan_call_poll's hand-over */
static struct channel_uintr_thread client_thread;
static struct channel_client client_state;
static struct channel_doorbell client_mine, client_server;

/* The server's own (its copy of these). */
static struct channel_uintr_thread server_thread;
static struct channel_doorbell server_mine, server_bell;

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

/* The large-buffer server: link 0 at its window slot 0 (Register gave it
 * vector 0, its only sender-table entry); a LARGE request's pages are at
 * LEND_WIN. It answers with the sum of the first and last word. */
static void lend_server_main(struct channel_server *s)
{
	if (channel_server_attach(s, 0, (void *)(uintptr_t)LEND_CHAN_WIN,
				  channel_buffer_size(LEND_DEPTH), 0, &server_bell) != ERR_OK)
		ctrl->errors++;
	ctrl->ready = 1;
	struct channel_message m;
	for (;;) {
		while (channel_server_take(s, &m) == ERR_OK) {
			m.opcode = ERR_OK;
			if (m.flags & CHANNEL_FLAG_LARGE) {
				const volatile uint64_t *w =
				    (const volatile uint64_t *)(uintptr_t)LEND_WIN;
				m.arg[0] = w[0] + w[m.large.length / 8 - 1];
				ctrl->errors +=
				    kestrel_service_lend_return(server_side[LEND_CASE].service, 0,
								NULL) != ERR_OK;
			}
			m.flags = 0;
			m.large = (struct channel_large){ 0, 0 };
			ctrl->errors += channel_server_reply(s, &m) != ERR_OK;
		}
		kestrel_yield();
	}
}

static void echo(struct channel_message *m)
{
	m->opcode = ERR_OK;
	m->arg[0]++;
}

static void server_main(uint64_t which)
{
	struct channel_server *s = (struct channel_server *)(uintptr_t)SERVER_STATE_VA;
	channel_uintr_thread_init(&server_thread, NULL, NULL);
	server_mine = (struct channel_doorbell){ .thread = &server_thread, .bits = ~0ull };
	server_bell = (struct channel_doorbell){ .index = 0 };
	channel_server_init(s, &server_mine);
	if (ctrl->mode == MODE_LEND) {
		lend_server_main(s);
		return;
	}
	if (channel_server_attach(s, 0, (void *)(uintptr_t)BUF_VA, channel_buffer_size(DEPTH_CHAN),
				  0, &server_bell) != ERR_OK)
		ctrl->errors++;
	ctrl->ready = 1;
	struct channel_message m;
	switch ((enum mode)ctrl->mode) {
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
	case MODE_LEND: break;
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

static cptr_t vspace;
static uint64_t regs[CASES][ABI_REG_COUNT];

/* Every case's server thread, service and table; kbench a receiver with a
 * table; the server's space (the copy) with the control page and the
 * buffer shared. */
static bool setup(void)
{
	/* kbench's uipi_send_to_handler left this thread a receiver. */
	(void)kestrel_tcb_uintr_unbind_receiver(PROC_CAP_TCB);
	(void)kestrel_tcb_uintr_unbind_sender_table(PROC_CAP_TCB);
	handoff_ep = space_object(&alloc, OBJ_ENDPOINT, 0);
	handoff_reply = space_object(&alloc, OBJ_REPLY, 0);
	client_side.service = space_object(&alloc, OBJ_SERVICE, 0);
	client_side.table = space_object(&alloc, OBJ_SENDER_TABLE, 2);
	if (!handoff_ep || !handoff_reply || !client_side.service || !client_side.table ||
	    libos_tls_size() > sizeof(server_tls[0]) ||
	    channel_uintr_bind(PROC_CAP_TCB, client_side.service, client_side.table, false) !=
		ERR_OK)
		return false;
	channel_uintr_thread_init(&client_thread, NULL, NULL);
	for (unsigned c = 0; c < CASES; c++) {
		server_tcb[c] = space_object(&alloc, OBJ_TCB, 0);
		server_side[c].service = space_object(&alloc, OBJ_SERVICE, 0);
		server_side[c].table = space_object(&alloc, OBJ_SENDER_TABLE, 0);
		if (!server_tcb[c] || !server_side[c].service || !server_side[c].table ||
		    channel_uintr_bind(server_tcb[c], server_side[c].service, server_side[c].table,
				       false) != ERR_OK)
			return false;
		/* Before the copy: the TLS blocks are set up in kbench's image. */
		libos_thread_registers(regs[c], server_main, c,
				       (uint64_t)(uintptr_t)(server_stack[c] + STACK_BYTES), NULL,
				       server_tls[c], server_tcb[c]);
	}
	return space_clone(&alloc, WINDOW_VA, &vspace) == ERR_OK && share(CTRL_VA, 1, vspace) &&
	       share(BUF_VA, (unsigned)(channel_buffer_size(DEPTH_CHAN) / PAGE), vspace) &&
	       space_fresh(&alloc, vspace, SERVER_STATE_VA,
			   (sizeof(struct channel_server) + PAGE - 1) / PAGE, NULL) == ERR_OK;
}

/* Case c's channel (kbench's table entry c, vector c) and its server
 * thread, started on `hart` at `priority` in `mode`. */
static bool start(unsigned c, enum mode mode, unsigned hart, unsigned priority,
		  uint32_t client_polls)
{
	struct channel_uintr_link link;
	if (channel_uintr_connect(&server_side[c], 0, &client_side, c, c, &link) != ERR_OK)
		return false;
	client_mine = (struct channel_doorbell){ .thread = &client_thread,
						 .bits = 1ull << link.client_vector };
	client_server = (struct channel_doorbell){ .index = c };
	if (channel_client_init(&client_state, (void *)(uintptr_t)BUF_VA,
				channel_buffer_size(DEPTH_CHAN), DEPTH_CHAN, &client_mine,
				&client_server) != ERR_OK)
		return false;
	channel_client_set_poll_budget(&client_state, client_polls);
	memset(ctrl, 0, sizeof(*ctrl));
	ctrl->mode = mode;
	if (kestrel_tcb_configure(server_tcb[c], 0, PROC_CAP_CNODE, 0, vspace, 0, 0, 0) != ERR_OK ||
	    kestrel_tcb_set_priority(server_tcb[c], PROC_CAP_TCB, priority) != ERR_OK ||
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
	(void)channel_uintr_disconnect(&server_side[c], 0, &client_side, c);
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

static cptr_t lend_channel, lend_frame;
static bool lend_ready;

/* While the untyped has room (kbench.c's 2 MiB frame takes the rest
 * later): the channel object, its buffer frame, and page tables where
 * Register and the lends need them. */
static bool lend_prepare(void)
{
	cptr_t service = server_side[LEND_CASE].service;
	lend_channel = space_object(&alloc, OBJ_CHANNEL, 0);
	lend_frame = space_object(&alloc, OBJ_FRAME_4K, 0);
	const uint64_t rw = ABI_RIGHT_READ | ABI_RIGHT_WRITE, xn = ABI_ATTR_EXECUTE_NEVER;
	struct {
		cptr_t vspace;
		uint64_t va;
	} beside[2] = {
		{ PROC_CAP_VSPACE, LEND_BUF_VA + PAGE },
		{ vspace, LEND_CHAN_WIN + 64 * PAGE },
	};
	bool ok = lend_channel != 0 && lend_frame != 0;
	for (unsigned i = 0; ok && i < 2; i++) {
		cptr_t f = space_object(&alloc, OBJ_FRAME_4K, 0);
		ok = f != 0 &&
		     space_map(&alloc, f, beside[i].vspace, beside[i].va, rw, xn) == ERR_OK;
	}
	/* The lend window: page tables down to an empty last-level table (a
	 * client's whole table can move into an empty one: core/lend.c). */
	enum error err = ERR_OK;
	for (unsigned i = 0; ok && i < 3 && err == ERR_OK; i++) {
		cptr_t t = space_object(&alloc, OBJ_PAGE_TABLE, 0);
		err =
		    t != 0 ? kestrel_page_table_map(t, vspace, LEND_WIN, 0) : ERR_NOT_ENOUGH_MEMORY;
	}
	ok = ok && err == ERR_DELETE_FIRST;
	/* The windows are checked in the VSpace of the service's receiver. */
	return ok &&
	       kestrel_tcb_configure(server_tcb[LEND_CASE], 0, PROC_CAP_CNODE, 0, vspace, 0, 0,
				     0) == ERR_OK &&
	       kestrel_service_configure_channels(service, LEND_CHAN_WIN, 1) == ERR_OK &&
	       kestrel_service_configure_lend(service, LEND_WIN, LEND_SLOT) == ERR_OK;
}

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
		err = kestrel_channel_lend(lend_channel, va, bytes, NULL);
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
	struct kestrel_channel_register a = { 0, ABI_UINTR_ANY_VECTOR, LEND_BUF_VA, lend_frame, 1 };
	uint64_t sv = 99, cv = 0;
	bool ok = lend_ready &&
		  kestrel_channel_register(lend_channel, server_side[LEND_CASE].service, &a, &sv,
					   &cv) == ERR_OK &&
		  sv == 0;
	client_mine = (struct channel_doorbell){ .thread = &client_thread, .bits = 1ull << cv };
	client_server = (struct channel_doorbell){ .index = 0 };
	ok = ok && channel_client_init(&client_state, (void *)(uintptr_t)LEND_BUF_VA,
				       channel_buffer_size(LEND_DEPTH), LEND_DEPTH, &client_mine,
				       &client_server) == ERR_OK;
	if (ok) {
		channel_client_set_poll_budget(&client_state, 0);
		memset(ctrl, 0, sizeof(*ctrl));
		ctrl->mode = MODE_LEND;
		cptr_t t = server_tcb[LEND_CASE];
		ok = kestrel_tcb_set_priority(t, PROC_CAP_TCB, PROGRAM_PRIORITY) == ERR_OK &&
		     kestrel_tcb_set_affinity(t, kestrel_hart()) == ERR_OK &&
		     kestrel_tcb_write_registers(t, true, ABI_REG_COUNT, regs[LEND_CASE]) == ERR_OK;
		for (unsigned i = 0; ok && i < 100000 && !ctrl->ready; i++)
			kestrel_yield();
		ok = ok && ctrl->ready && ctrl->errors == 0;
	}
	if (!ok) {
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
	(void)kestrel_tcb_suspend(server_tcb[LEND_CASE]);
	(void)kestrel_channel_unregister(lend_channel);
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
	yield_case(1, "chan_call_same_hart", 1, CALLS);
	chan_call_wakeup();
	yield_case(2, "chan_call_async_batch", BATCH, BATCHES);
	lend_ready = lend_prepare();
}
