/* SPDX-License-Identifier: MIT */
/*
 * ktest: the channel protocol (libos/channel*) in the system over
 * user-mode interrupts (libos/channel_uintr.h), on whichever backend the
 * machine has. The server runs in another address space: a copy of
 * ktest's image in a new VSpace (libos/space.h), sharing with ktest only a
 * control page and the channel buffers, mapped at the same addresses in
 * both. Clients are ktest's own threads. Cases: call/reply on the same
 * hart and across harts; an asynchronous batch whose completions the
 * client's user-interrupt handler collects; 64 clients at once (eight
 * threads of eight channels) each checking every reply, and a 65th
 * refused; priorities and round robin; a hostile client scribbling over
 * its buffer and ringing while others are served; a hostile server (silent,
 * malformed replies, a broken index) against a client.
 *
 * Memory: ktest's scratch untyped and, for these cases, a second one
 * (CHAN_UNTYPED, the other half of ktest's untyped), both revoked after
 * each case.
 */
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "channel_uintr.h"
#include "kestrel_uintr.h"
#include "ktest_support.h"
#include "space.h"
#include "thread.h"

#define CN PROC_CAP_CNODE
#define CHAN_UNTYPED 17 /* 1 MiB of PROC_CAP_UNTYPED (ktest.c takes the other) */
#define PAGE 4096u

/* The same addresses in ktest and in the server's space. */
#define CTRL_VA 0x2000000000ull
#define BUF_VA 0x2000200000ull /* channel i at BUF_VA + i * BUF_STRIDE */
#define BUF_STRIDE 0x8000ull   /* up to 8 pages a buffer */
#define SERVER_STATE_VA 0x2000400000ull
#define CLIENT_STATE_VA 0x2000600000ull /* client i at + i * STATE_STRIDE (ktest only) */
#define STATE_STRIDE 0x8000ull
#define WINDOW_VA 0x2000a00000ull

#define MAX_LINKS 65
/* A lost wake-up fails the case instead of hanging it; generous, as the
 * host may stall a vCPU for seconds when it is loaded (no -icount here). */
#define CALL_TIMEOUT_NS 10000000000ull
#define SERVER_STACK_BYTES 16384

enum server_mode { MODE_ECHO, MODE_ORDER, MODE_HOSTILE };

/* The control page, shared by ktest and the server. */
struct control {
	uint64_t mode, links, pages;
	uint32_t priority[MAX_LINKS];
	volatile uint64_t ready, go, stop, done;
	volatile uint64_t served, attach_errors, reply_errors, broken;
	volatile uint64_t order_count;
	volatile uint32_t order[64];
};
_Static_assert(sizeof(struct control) <= PAGE, "one page");

/* The shared page once build() has mapped it; until then (and after a
 * case) a private stand-in, so that a case whose set-up failed reports
 * instead of faulting. The server's copy is made after build(). */
static struct control no_ctrl;
static struct control *ctrl = &no_ctrl;

static void *buffer(unsigned i)
{
	return (void *)(uintptr_t)(BUF_VA + i * BUF_STRIDE);
}

/* ---- The server (runs in the copy of ktest's image) ---- */

static _Alignas(16) uint8_t server_stack[SERVER_STACK_BYTES];
static _Alignas(64) uint8_t server_tls[512];
static struct channel_uintr_thread server_thread;
static struct channel_doorbell server_mine, server_bells[MAX_LINKS];

static void echo(struct channel_message *m)
{
	m->opcode = ERR_OK;
	m->arg[0]++;
	m->flags = 0;
	m->large.address = m->large.length = 0;
}

static void serve_echo(struct channel_server *s)
{
	while (!ctrl->stop) {
		struct channel_message m;
		enum error err = channel_server_wait(s, 20000000, &m);
		if (err != ERR_OK)
			continue;
		echo(&m);
		if (channel_server_reply(s, &m) == ERR_OK)
			ctrl->served++;
		else
			ctrl->reply_errors++;
	}
}

/* Take everything queued once ktest says go, recording the links in
 * the order taken, then answer it all. */
static void serve_order(struct channel_server *s)
{
	while (!ctrl->go)
		kestrel_yield();
	static struct channel_message taken[64];
	unsigned n = 0;
	while (n < 64 && channel_server_take(s, &taken[n]) == ERR_OK) {
		ctrl->order[n] = channel_handle_link(taken[n].handle);
		n++;
	}
	ctrl->order_count = n;
	for (unsigned i = 0; i < n; i++) {
		echo(&taken[i]);
		if (channel_server_reply(s, &taken[i]) == ERR_OK)
			ctrl->served++;
	}
	serve_echo(s);
}

/* Without the library: link 0 never answers, link 1 answers every request
 * with a reply of a bad length, link 2 publishes an impossible tail. */
static void serve_hostile(void)
{
	uint32_t seen = 0, tail = 0;
	bool broke = false;
	while (!ctrl->stop) {
		struct channel_shared *garbage = buffer(1), *breaker = buffer(2);
		uint32_t mask = garbage->depth - 1; /* formatted by ktest */
		struct channel_entry *req = (void *)((char *)garbage + CHANNEL_HEADER_SIZE);
		struct channel_entry *resp = req + garbage->depth;
		uint32_t t = atomic_load(&garbage->request_tail);
		for (; seen != t; seen++, tail++) {
			uint64_t tag = req[seen & mask].word[0] >> 32;
			resp[tail & mask].word[0] = (uint64_t)ERR_OK | tag << 32;
			resp[tail & mask].word[1] = 9999; /* past CHANNEL_INLINE_MAX */
			atomic_store(&garbage->request_head, seen + 1);
			atomic_store(&garbage->response_tail, tail + 1);
			uipi_send(1);
		}
		if (!broke && atomic_load(&breaker->request_tail) != 0) {
			atomic_store(&breaker->response_tail, 0x40000000u);
			uipi_send(2);
			broke = true;
		}
		uint64_t woken;
		(void)kestrel_uintr_wait(uintr_now() + 10000, &woken); /* 1 ms */
		(void)uipi_read();
	}
}

static void server_main(uint64_t unused)
{
	(void)unused;
	struct channel_server *s = (struct channel_server *)(uintptr_t)SERVER_STATE_VA;
	channel_uintr_thread_init(&server_thread, NULL, NULL);
	server_mine = (struct channel_doorbell){ .thread = &server_thread, .bits = ~0ull };
	channel_server_init(s, &server_mine);
	if (ctrl->mode != MODE_HOSTILE)
		for (unsigned i = 0; i < ctrl->links; i++) {
			server_bells[i].index = i;
			if (channel_server_attach(s, i, buffer(i), ctrl->pages * PAGE,
						  ctrl->priority[i], &server_bells[i]) != ERR_OK)
				ctrl->attach_errors++;
		}
	ctrl->ready = 1;
	switch ((enum server_mode)ctrl->mode) {
	case MODE_ECHO: serve_echo(s); break;
	case MODE_ORDER: serve_order(s); break;
	case MODE_HOSTILE: serve_hostile(); break;
	}
	for (unsigned i = 0; i < ctrl->links && ctrl->mode != MODE_HOSTILE; i++)
		ctrl->broken += channel_server_link_state(s, i) == CHANNEL_BROKEN;
	ctrl->done = 1;
}

/* ---- The world a case builds ---- */

static struct space_alloc alloc;
static struct channel_uintr_side server_side;
static cptr_t server_tcb;
static bool chan_untyped_ok;

/* ktest's slot counter and ours in step (make/spawn use ktest's). */
static void to_ktest(void)
{
	claim_slots((unsigned)(alloc.next - next_slot_peek()));
}
static void from_ktest(void)
{
	alloc.next = next_slot_peek();
}

static void chan_reset(void)
{
	ctrl = &no_ctrl;
	memset(&no_ctrl, 0, sizeof(no_ctrl));
	to_ktest();
	reset();
	(void)kestrel_cnode_revoke(CN, CHAN_UNTYPED, DEPTH);
}

static cptr_t object(enum object_type type, unsigned bits)
{
	cptr_t c = space_object(&alloc, type, bits);
	if (c == 0)
		printf("# ktest: chan: no memory for an object of type %d\n", (int)type);
	return c;
}

/* A thread of ktest's own with a service and a table of 2^table_bits
 * entries; `tcb` 0: the calling thread. */
static enum error bind_side(cptr_t tcb, unsigned table_bits, bool handler,
			    struct channel_uintr_side *side)
{
	side->service = object(OBJ_SERVICE, 0);
	side->table = object(OBJ_SENDER_TABLE, table_bits);
	if (side->service == 0 || side->table == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	return channel_uintr_bind(tcb ? tcb : PROC_CAP_TCB, side->service, side->table, handler);
}

/* Pages mapped in ktest that the server's space maps too. */
#define MAX_SHARED 200
static struct {
	cptr_t frame;
	uint64_t va;
} shared_pages[MAX_SHARED];
static unsigned shared_count;

static enum error share_pages(uint64_t va, unsigned pages)
{
	for (unsigned i = 0; i < pages; i++) {
		cptr_t frame = object(OBJ_FRAME_4K, 0);
		if (frame == 0 || shared_count == MAX_SHARED)
			return ERR_NOT_ENOUGH_MEMORY;
		enum error err = space_map(&alloc, frame, PROC_CAP_VSPACE, va + i * PAGE, RW, XN);
		if (err != ERR_OK)
			return err;
		shared_pages[shared_count].frame = frame;
		shared_pages[shared_count++].va = va + i * PAGE;
	}
	return ERR_OK;
}

/*
 * The control page, `links` buffers of `pages` pages (mapped in ktest) and
 * the server's thread and objects. The buffers are formatted next (by
 * their clients); serve() then starts the server, which attaches them.
 */
static enum error build(unsigned links, unsigned pages, enum server_mode mode)
{
	from_ktest();
	alloc.untyped[0] = SCRATCH_UNTYPED;
	alloc.untyped[1] = chan_untyped_ok ? CHAN_UNTYPED : 0;
	alloc.end = SCRATCH_END;
	shared_count = 0;
	enum error err = share_pages(CTRL_VA, 1);
	if (err == ERR_OK)
		ctrl = (struct control *)(uintptr_t)CTRL_VA;
	for (unsigned i = 0; err == ERR_OK && i < links; i++)
		err = share_pages(BUF_VA + i * BUF_STRIDE, pages);
	if (err != ERR_OK)
		return err;
	memset(ctrl, 0, sizeof(*ctrl));
	ctrl->mode = mode;
	ctrl->links = links;
	ctrl->pages = pages;
	server_tcb = object(OBJ_TCB, 0);
	if (server_tcb == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	return bind_side(server_tcb, 7, false, &server_side);
}

/* The server's copy of ktest with the shared pages, its thread started on
 * `hart` at ktest's priority; waits until it has attached its links. */
static enum error serve(unsigned hart)
{
	uint64_t regs[ABI_REG_COUNT];
	/* Before the copy: the thread's TLS is initialised in ktest's image. */
	libos_thread_registers(regs, server_main, 0,
			       (uint64_t)(uintptr_t)(server_stack + SERVER_STACK_BYTES), NULL,
			       server_tls, server_tcb);
	cptr_t vspace;
	enum error err = space_clone(&alloc, WINDOW_VA, &vspace);
	for (unsigned i = 0; err == ERR_OK && i < shared_count; i++) {
		cptr_t copy = space_copy_cap(&alloc, shared_pages[i].frame);
		err = copy ? space_map(&alloc, copy, vspace, shared_pages[i].va, RW, XN)
			   : ERR_NOT_ENOUGH_MEMORY;
	}
	if (err == ERR_OK)
		err = space_fresh(&alloc, vspace, SERVER_STATE_VA,
				  (sizeof(struct channel_server) + PAGE - 1) / PAGE, NULL);
	if (err == ERR_OK)
		err = kestrel_tcb_configure(server_tcb, 0, CN, 0, vspace, 0, 0, 0);
	if (err == ERR_OK)
		err = kestrel_tcb_set_priority(server_tcb, PROC_CAP_TCB, MAIN_PRIORITY);
	if (err == ERR_OK && hart != 0)
		err = kestrel_tcb_set_affinity(server_tcb, hart);
	if (err == ERR_OK)
		err = kestrel_tcb_write_registers(server_tcb, true, ABI_REG_COUNT, regs);
	for (uint64_t until = uintr_now() + 50000000; err == ERR_OK && !ctrl->ready;) {
		if (uintr_now() > until)
			err = ERR_FAILED_LOOKUP; /* 5 s: the server never started */
		kestrel_yield();
	}
	if (err != ERR_OK)
		printf("# ktest: chan: the server did not start: %s\n", error_name(err));
	return err;
}

/* Stop the server and wait (5 s at most) until it has left its loop. */
static bool stop_server(void)
{
	ctrl->stop = 1;
	uint64_t until = uintr_now() + 50000000;
	while (!ctrl->done && uintr_now() < until)
		kestrel_yield();
	return ctrl->done != 0;
}

/* ---- Clients (ktest's threads) ---- */

struct end {
	struct channel_client *client;
	struct channel_doorbell mine, server;
};

/* Pages of a client's private state that a channel of `depth` touches:
 * the library writes done[] only below depth (channel_client_init leaves
 * the stash alone), so the rest of the 21 KiB stays unmapped. */
static unsigned state_pages(uint32_t depth)
{
	size_t bytes =
	    offsetof(struct channel_client, done) + depth * sizeof(struct channel_message);
	return (unsigned)((bytes + PAGE - 1) / PAGE);
}

/* Format buffer i as a channel of `depth` and its client state (ktest's
 * memory at CLIENT_STATE_VA); doorbells: `thread` sleeps on `vector`,
 * rings the server through its table's entry `index`. */
static enum error open_end(struct end *e, unsigned i, uint32_t depth, unsigned pages,
			   struct channel_uintr_thread *thread, uint64_t vector, uint64_t index)
{
	uint64_t va = CLIENT_STATE_VA + i * STATE_STRIDE;
	enum error err = space_fresh(&alloc, PROC_CAP_VSPACE, va, state_pages(depth), NULL);
	if (err != ERR_OK)
		return err;
	e->client = (struct channel_client *)(uintptr_t)va;
	e->mine = (struct channel_doorbell){ .thread = thread, .bits = 1ull << vector };
	e->server = (struct channel_doorbell){ .index = index };
	return channel_client_init(e->client, buffer(i), pages * PAGE, depth, &e->mine, &e->server);
}

/* One call with `value`, its reply checked: arg[0] + 1, the rest and the
 * payload echoed. */
static bool call_checked(struct end *e, uint64_t value)
{
	struct channel_message m = { .opcode = 7, .length = 16 };
	m.arg[0] = value;
	m.arg[3] = ~value;
	memcpy(m.payload, &value, 8);
	memcpy(m.payload + 8, &m.arg[3], 8);
	struct channel_message r;
	enum error err = channel_client_call(e->client, &m, CALL_TIMEOUT_NS, &r);
	uint64_t echoed[2];
	memcpy(echoed, r.payload, 16);
	return err == ERR_OK && r.opcode == ERR_OK && r.arg[0] == value + 1 && r.arg[3] == ~value &&
	       r.length == 16 && echoed[0] == value && echoed[1] == ~value;
}

static struct channel_uintr_thread main_thread;

/* The calling thread as a client of `channels` channels 0.. (depth each,
 * `pages` a buffer), its entry i and vector i for channel i. */
static enum error open_main(struct end *ends, unsigned channels, uint32_t depth, unsigned pages,
			    bool handler, channel_uintr_callback callback)
{
	struct channel_uintr_side me;
	channel_uintr_thread_init(&main_thread, callback, NULL);
	enum error err = bind_side(0, 3, handler, &me);
	for (unsigned i = 0; err == ERR_OK && i < channels; i++) {
		struct channel_uintr_link link;
		err = channel_uintr_connect(&server_side, i, &me, i, i, &link);
		if (err == ERR_OK)
			err = open_end(&ends[i], i, depth, pages, &main_thread, link.client_vector,
				       i);
	}
	return err;
}

static void call_reply(unsigned hart, const char *name)
{
	struct end e;
	enum error err = build(1, 1, MODE_ECHO);
	if (err == ERR_OK)
		err = open_main(&e, 1, 4, 1, false, NULL);
	if (err == ERR_OK)
		err = serve(hart);
	/* The first wrong call ends the loop: a server that stopped costs
	 * one timeout, not a hundred. */
	unsigned good = 0;
	for (unsigned i = 0; i < 100 && err == ERR_OK && good == i; i++)
		good += call_checked(&e, i * 3 + 1);
	uint64_t served = ctrl->served, done = ctrl->done, ready = ctrl->ready;
	bool stopped = stop_server();
	if (good != 100)
		printf("# ktest: chan: %u of 100 calls answered right (%s); the server: ready %lu, "
		       "answered %lu, done %lu, stopped %d\n",
		       good, error_name(err), (unsigned long)ready, (unsigned long)served,
		       (unsigned long)done, (int)stopped);
	check(err == ERR_OK && good == 100 && stopped && ctrl->attach_errors == 0, name);
	chan_reset();
}

/* ---- Asynchronous: completions collected by the handler ---- */

#define BATCH 32
static struct end async_end;
static volatile uint64_t async_done, async_bad, async_seen;

/* The client's callback (from its user-interrupt handler, or deferred to
 * channel_uintr_leave): every reply that has landed, checked. */
static void async_collect(struct channel_uintr_thread *self)
{
	(void)self;
	struct channel_message r;
	while (channel_client_poll(async_end.client, &r) == ERR_OK) {
		uint64_t i = r.arg[1];
		if (r.opcode != ERR_OK || i >= BATCH || r.arg[0] != 1000 + i + 1 ||
		    (async_seen & 1ull << i))
			async_bad++;
		else
			async_seen |= 1ull << i;
		async_done++;
	}
}

static void async_batch(void)
{
	unsigned pages = (unsigned)(channel_buffer_size(BATCH) / PAGE);
	async_done = async_bad = async_seen = 0;
	enum error err = build(1, pages, MODE_ECHO);
	if (err == ERR_OK)
		err = open_main(&async_end, 1, BATCH, pages, true, async_collect);
	if (err == ERR_OK)
		err = serve(harts > 1 ? 1 : 0);
	/* "Ring me" for good: every reply is a user interrupt. */
	if (err == ERR_OK)
		atomic_store(&async_end.client->shared->client_sleeping, 1);
	channel_uintr_enter(&main_thread);
	for (unsigned i = 0; i < BATCH && err == ERR_OK; i++) {
		struct channel_message m = { .opcode = 1 };
		m.arg[0] = 1000 + i;
		m.arg[1] = i;
		uint32_t tag;
		err = channel_client_submit(async_end.client, &m, &tag);
	}
	channel_uintr_leave(&main_thread);
	/* The submits returned at once; the handler collects (5 s at most). */
	for (uint64_t until = uintr_now() + 50000000;
	     err == ERR_OK && async_done < BATCH && uintr_now() < until;)
		kestrel_yield();
	bool stopped = stop_server();
	check(err == ERR_OK && async_done == BATCH && async_bad == 0 && async_seen == ~0u &&
		  main_thread.interrupts > 0 && stopped,
	      "chan: an async batch of 32: submit returns at once, the client's handler "
	      "collects every reply");
	chan_reset();
}

/* ---- 64 clients at once ---- */

#define CLIENT_THREADS 8
#define PER_THREAD 8
#define ROUNDS 10
static struct channel_uintr_thread client_threads[CLIENT_THREADS];
static struct end many[CLIENT_THREADS * PER_THREAD];
static volatile uint64_t clients_go, client_good[CLIENT_THREADS], client_done[CLIENT_THREADS];
static volatile uint64_t client_error[CLIENT_THREADS], client_error_at[CLIENT_THREADS];

/* Client thread k: each round a request on each of its channels, then
 * every reply waited for and checked. */
static void client_thread(uint64_t k)
{
	channel_uintr_thread_init(&client_threads[k], NULL, NULL);
	while (!clients_go)
		kestrel_yield();
	unsigned good = 0;
	bool failed = false; /* stop after that round: one timeout, not one a round */
	for (unsigned round = 0; round < ROUNDS && !failed; round++) {
		uint32_t tags[PER_THREAD];
		enum error err[PER_THREAD];
		for (unsigned j = 0; j < PER_THREAD; j++) {
			struct channel_message m = { .opcode = 2 };
			m.arg[0] = k << 32 | j << 16 | round;
			err[j] =
			    channel_client_submit(many[k * PER_THREAD + j].client, &m, &tags[j]);
		}
		for (unsigned j = 0; j < PER_THREAD; j++) {
			struct channel_message r;
			if (err[j] == ERR_OK)
				err[j] = channel_client_wait(many[k * PER_THREAD + j].client,
							     tags[j], CALL_TIMEOUT_NS, &r);
			bool right = err[j] == ERR_OK && r.opcode == ERR_OK &&
				     r.arg[0] == (k << 32 | j << 16 | round) + 1;
			good += right;
			if (!right && client_error[k] == 0) {
				client_error[k] = err[j] != ERR_OK ? err[j] : 100 + r.opcode;
				client_error_at[k] = round << 8 | j;
			}
			failed = failed || !right;
		}
	}
	client_good[k] = good;
	client_done[k] = 1;
}

static void many_clients(void)
{
	clients_go = 0;
	struct thread threads[CLIENT_THREADS];
	for (unsigned k = 0; k < CLIENT_THREADS; k++) {
		client_good[k] = client_done[k] = client_error[k] = 0;
		threads[k] = spawn(client_thread, k, MAIN_PRIORITY, harts > 1 ? k % harts : 0, 0);
	}
	enum error err = build(CLIENT_THREADS * PER_THREAD, 1, MODE_ECHO);
	for (unsigned k = 0; k < CLIENT_THREADS && err == ERR_OK; k++) {
		struct channel_uintr_side side;
		err = bind_side(threads[k].tcb, 3, false, &side);
		for (unsigned j = 0; j < PER_THREAD && err == ERR_OK; j++) {
			unsigned i = k * PER_THREAD + j;
			struct channel_uintr_link link;
			err = channel_uintr_connect(&server_side, i, &side, j, j, &link);
			if (err == ERR_OK)
				err = open_end(&many[i], i, 1, 1, &client_threads[k],
					       link.client_vector, j);
		}
	}
	/* A 65th client (this thread) finds no vector left at the server. */
	struct channel_uintr_side extra;
	struct channel_uintr_link link;
	enum error refused = ERR_OK;
	if (err == ERR_OK)
		err = bind_side(0, 0, false, &extra);
	if (err == ERR_OK)
		refused = channel_uintr_connect(&server_side, 64, &extra, 0, 0, &link);
	if (err == ERR_OK)
		err = serve(harts > 1 ? 1 : 0);
	clients_go = 1;
	bool all = false;
	for (uint64_t until = uintr_now() + 200000000;
	     err == ERR_OK && !all && uintr_now() < until;) {
		all = true;
		for (unsigned k = 0; k < CLIENT_THREADS; k++)
			all = all && client_done[k];
		kestrel_yield();
	}
	unsigned good = 0;
	for (unsigned k = 0; k < CLIENT_THREADS; k++)
		good += (unsigned)client_good[k];
	bool stopped = stop_server();
	if (good != CLIENT_THREADS * PER_THREAD * ROUNDS)
		printf("# ktest: chan: %u of %u replies right (%s)\n", good,
		       CLIENT_THREADS * PER_THREAD * ROUNDS, error_name(err));
	for (unsigned k = 0; k < CLIENT_THREADS; k++)
		if (client_error[k])
			printf("# ktest: chan: client thread %u: %u right, first wrong: round %u "
			       "channel %u, %s\n",
			       k, (unsigned)client_good[k], (unsigned)(client_error_at[k] >> 8),
			       (unsigned)(client_error_at[k] & 255),
			       client_error[k] >= 100 ? "bad reply" : error_name(client_error[k]));
	check(err == ERR_OK && all && stopped && good == CLIENT_THREADS * PER_THREAD * ROUNDS &&
		  ctrl->attach_errors == 0,
	      "chan: 64 clients at once (8 threads x 8 channels), every reply checked");
	expect(refused, ERR_NOT_ENOUGH_MEMORY, "chan: a 65th client is refused (no vector left)");
	chan_reset();
}

/* ---- Priorities and round robin ---- */

static void priorities(void)
{
	static const uint32_t prio[4] = { 1, 1, 1, 5 };
	struct end e[4];
	enum error err = build(4, 1, MODE_ORDER);
	for (unsigned i = 0; i < 4; i++)
		ctrl->priority[i] = prio[i];
	if (err == ERR_OK)
		err = open_main(e, 4, 4, 1, false, NULL);
	if (err == ERR_OK)
		err = serve(0);
	uint32_t tags[4][3];
	for (unsigned n = 0; n < 3 && err == ERR_OK; n++)
		for (unsigned i = 0; i < 4 && err == ERR_OK; i++) {
			struct channel_message m = { .opcode = 3 };
			m.arg[0] = i * 10 + n;
			err = channel_client_submit(e[i].client, &m, &tags[i][n]);
		}
	ctrl->go = 1;
	unsigned good = 0;
	for (unsigned n = 0; n < 3 && err == ERR_OK; n++)
		for (unsigned i = 0; i < 4; i++) {
			struct channel_message r;
			good += channel_client_wait(e[i].client, tags[i][n], CALL_TIMEOUT_NS, &r) ==
				    ERR_OK &&
				r.arg[0] == i * 10 + n + 1;
		}
	bool stopped = stop_server();
	bool first = ctrl->order_count == 12;
	for (unsigned n = 0; n < 3 && first; n++)
		first = ctrl->order[n] == 3;
	check(err == ERR_OK && good == 12 && stopped && first,
	      "chan: the higher priority's requests are taken first");
	/* Priority 1: each window of three turns serves links 0, 1, 2 once. */
	bool rr = ctrl->order_count == 12;
	for (unsigned n = 3; n < 12 && rr; n++) {
		rr = ctrl->order[n] < 3;
		for (unsigned m = n + 1; m < n + 3 && m < 12 && rr; m++)
			rr = ctrl->order[m] != ctrl->order[n];
	}
	if (!first || !rr)
		for (unsigned n = 0; n < ctrl->order_count; n++)
			printf("# ktest: chan: take %u from link %u\n", n,
			       (unsigned)ctrl->order[n]);
	check(rr, "chan: within a priority the links take turns (round robin)");
	chan_reset();
}

/* ---- A hostile client ---- */

#define HOSTILE_SEED 20261205u
static volatile uint64_t hostile_go, hostile_stop, hostile_done, hostile_rounds;

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random words anywhere in its buffer (header and queues), and a ring,
 * until told to stop. */
static void hostile_client(uint64_t seed)
{
	uint64_t x = seed;
	while (!hostile_go)
		kestrel_yield();
	volatile uint64_t *w = buffer(2);
	uint64_t rounds = 0;
	while (!hostile_stop) {
		for (unsigned i = 0; i < 64; i++) {
			uint64_t at = xorshift(&x) % (PAGE / 8);
			w[at] = xorshift(&x);
		}
		uipi_send(0);
		rounds++;
		kestrel_yield();
	}
	hostile_rounds = rounds;
	hostile_done = 1;
}

static void hostile_client_case(void)
{
	struct end e[2], h;
	hostile_go = hostile_stop = hostile_done = hostile_rounds = 0;
	printf("# ktest: chan: hostile client seed %u\n", HOSTILE_SEED);
	struct thread t = spawn(hostile_client, HOSTILE_SEED, MAIN_PRIORITY, harts > 2 ? 2 : 0, 0);
	enum error err = build(3, 1, MODE_ECHO);
	if (err == ERR_OK)
		err = open_main(e, 2, 4, 1, false, NULL);
	struct channel_uintr_side side;
	struct channel_uintr_link link;
	if (err == ERR_OK)
		err = bind_side(t.tcb, 0, false, &side);
	if (err == ERR_OK)
		err = channel_uintr_connect(&server_side, 2, &side, 0, ABI_UINTR_ANY_VECTOR, &link);
	/* Formatted as a client would, then scribbled over. */
	if (err == ERR_OK)
		err = open_end(&h, 2, 4, 1, &main_thread, 63, 0);
	if (err == ERR_OK)
		err = serve(harts > 1 ? 1 : 0);
	hostile_go = 1;
	unsigned good = 0;
	for (unsigned i = 0; i < 100 && err == ERR_OK && good == i; i++)
		good += call_checked(&e[i & 1], i);
	hostile_stop = 1;
	for (uint64_t until = uintr_now() + 50000000; !hostile_done && uintr_now() < until;)
		kestrel_yield();
	bool after = err == ERR_OK && call_checked(&e[0], 77);
	bool stopped = stop_server();
	printf("# ktest: chan: %lu hostile rounds; the server answered %lu, saw %lu links broken\n",
	       (unsigned long)hostile_rounds, (unsigned long)ctrl->served,
	       (unsigned long)ctrl->broken);
	check(err == ERR_OK && good == 100 && hostile_done && after && stopped,
	      "chan: a client writing garbage into its buffer and ringing: the others are served, "
	      "the server goes on");
	chan_reset();
}

/* ---- A hostile server ---- */

static void hostile_server_case(void)
{
	struct end e[3];
	enum error err = build(3, 1, MODE_HOSTILE);
	if (err == ERR_OK)
		err = open_main(e, 3, 2, 1, false, NULL);
	if (err == ERR_OK)
		err = serve(harts > 1 ? 1 : 0);
	struct channel_message m = { .opcode = 4 }, r;
	enum error silent = ERR_OK, cancelled = ERR_OK;
	uint64_t start = uintr_now();
	if (err == ERR_OK) {
		silent = channel_client_call(e[0].client, &m, 20000000, &r); /* 20 ms */
		cancelled = channel_client_cancel(e[0].client, r.tag);
	}
	bool bounded = uintr_now() - start < 20000000; /* well under 2 s */
	check(err == ERR_OK && silent == ERR_FAILED_LOOKUP && cancelled == ERR_OK && bounded &&
		  channel_client_outstanding(e[0].client) == 0,
	      "chan: a silent server: the call times out, cancel gives the slot back");
	enum error malformed = err;
	r.opcode = 0;
	r.length = 1;
	if (err == ERR_OK)
		malformed = channel_client_call(e[1].client, &m, CALL_TIMEOUT_NS, &r);
	check(malformed == ERR_OK && r.opcode == ERR_TRUNCATED_MESSAGE && r.length == 0,
	      "chan: a malformed reply reaches the client as an error status");
	enum error broken = err, after = err;
	if (err == ERR_OK) {
		broken = channel_client_call(e[2].client, &m, CALL_TIMEOUT_NS, &r);
		uint32_t tag;
		after = channel_client_submit(e[2].client, &m, &tag);
	}
	check(broken == ERR_ILLEGAL_OPERATION && after == ERR_ILLEGAL_OPERATION,
	      "chan: a server that breaks an index: the client gets errors, not a hang");
	(void)stop_server();
	chan_reset();
}

void ktest_chan(void)
{
	/* Says where a run that stops here stopped (the cases print nothing
	 * before their results). */
	printf("# ktest: chan: begins\n");
	/* The other half of ktest's untyped, for the cases that need more
	 * than the scratch megabyte (64 clients). */
	chan_untyped_ok = kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_UNTYPED, 20, CN, 0, 0,
						 CHAN_UNTYPED, 1) == ERR_OK;
	call_reply(0, "chan: call/reply with a server in another address space, same hart");
	if (harts < 2)
		skip("chan: call/reply with a server in another address space, across harts",
		     "needs two harts");
	else
		call_reply(1,
			   "chan: call/reply with a server in another address space, across harts");
	async_batch();
	many_clients();
	priorities();
	hostile_client_case();
	hostile_server_case();
}
