/* SPDX-License-Identifier: MIT */
/*
 * Lending pages with a Call (docs/ipc.md "Lending pages with a Call"): a
 * server in a second address space (lend_server.h) reads and writes lent
 * pages in place; the reply gives them back; another thread of the client
 * touching them meanwhile takes a VM fault; a server or client killed
 * mid-request leaves nothing mapped where it must not be; bad arguments
 * change nothing.
 */
#include <stdio.h>
#include <string.h>

#include "kestrel_lend.h"
#include "ktest_support.h"
#include "lend_server.h"

#define CN PROC_CAP_CNODE
#define SERVER_PRIORITY (MAIN_PRIORITY + 50)
#define CLIENT_PRIORITY (MAIN_PRIORITY + 20)
#define PROBE_PRIORITY (MAIN_PRIORITY + 10)
#define CLIENT_VA 0x200000000ull    /* 4 KiB pages the cases lend */
#define CLIENT_2M_VA 0x240000000ull /* the 2 MiB frame */
#define VM_FAULT_LABEL 1
#define PAGE_BYTES 4096ull
#define WORDS (PAGE_BYTES / 8)

static cptr_t make_object(enum object_type type, unsigned bits)
{
	return make(type, bits);
}

static void *map_here(cptr_t frame)
{
	return map_frame(frame, RW);
}

/* `n` new 4 KiB frames mapped read-write at va.. in ktest's VSpace. */
static uint64_t *map_pages(uint64_t va, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		cptr_t frame = make(OBJ_FRAME_4K, 0);
		uint64_t at = va + i * PAGE_BYTES;
		enum error err = ERR_FAILED_LOOKUP;
		for (int level = 0; level < 3 && err == ERR_FAILED_LOOKUP; level++) {
			err = kestrel_page_map(frame, PROC_CAP_VSPACE, at, RW, XN);
			if (err == ERR_FAILED_LOOKUP)
				(void)kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0),
							     PROC_CAP_VSPACE, at, 0);
		}
		if (err != ERR_OK)
			return NULL;
	}
	return (uint64_t *)(uintptr_t)va;
}

struct world {
	cptr_t ep4k, ep2m, reply4k, reply2m, hold, vspace, server4k, server2m, fault_ep,
	    fault_reply;
	bool ok;
};

static struct world build(void)
{
	struct world w = { 0 };
	w.ep4k = make(OBJ_ENDPOINT, 0);
	w.ep2m = make(OBJ_ENDPOINT, 0);
	w.reply4k = make(OBJ_REPLY, 0);
	w.reply2m = make(OBJ_REPLY, 0);
	w.hold = make(OBJ_NOTIFICATION, 0);
	w.fault_ep = make(OBJ_ENDPOINT, 0);
	w.fault_reply = make(OBJ_REPLY, 0);
	enum error err = lend_server_space(make_object, map_here, &w.vspace);
	if (err == ERR_OK)
		err =
		    lend_server_start(make_object, w.vspace, w.ep4k, w.reply4k, w.hold,
				      LEND_WINDOW_4K, SERVER_PRIORITY, 0, w.fault_ep, &w.server4k);
	if (err == ERR_OK)
		err =
		    lend_server_start(make_object, w.vspace, w.ep2m, w.reply2m, w.hold,
				      LEND_WINDOW_2M, SERVER_PRIORITY, 0, w.fault_ep, &w.server2m);
	if (err != ERR_OK)
		printf("# ktest_lend: building the server failed: %s\n", error_name(err));
	w.ok = err == ERR_OK;
	return w;
}

/* CallLend asking the server to add `add` to the first and last word. */
static enum error lend(cptr_t ep, uint64_t base, uint64_t bytes, uint64_t add, bool hold,
		       struct kmsg *m)
{
	*m = msg(0, 2);
	m->mr[0] = add;
	m->mr[1] = hold;
	return kestrel_call_lend(ep, m, base, bytes);
}

/* Lend, check what the server read and that its writes came back. */
static void lend_and_check(cptr_t ep, uint64_t *base, uint64_t bytes, const char *read_name,
			   const char *back_name)
{
	uint64_t words = bytes / 8;
	base[0] = 0x1111;
	base[words - 1] = 0x2222;
	struct kmsg m;
	enum error err = lend(ep, (uint64_t)(uintptr_t)base, bytes, 5, false, &m);
	report(err == ERR_OK && m.mr[0] == bytes && m.mr[1] == 0x1111 && m.mr[2] == 0x2222,
	       read_name, error_name(err));
	check(base[0] == 0x1116 && base[words - 1] == 0x2227, back_name);
}

/* A thread of the client lending `arg` (one page), held by the server. */
static void held_client(uint64_t base)
{
	struct kmsg m;
	shared_err = lend(shared_ep, base, PAGE_BYTES, 1, true, &m);
	shared[1] = m.mr[1];
	shared[0] = 1;
}

/* A thread of the client loading from `address` (its handler: fault_ep). */
static void toucher(uint64_t address)
{
	shared[3] = *(volatile uint64_t *)(uintptr_t)address;
	shared[2] = 1;
}

/* Whether a new thread (fault handler fault_ep) can load from address now;
 * the value in *value. Runs on this hart, above us, so it is done at once. */
static bool readable(struct world *w, uint64_t address, uint64_t *value)
{
	shared[2] = 0;
	struct thread t = spawn(toucher, address, PROBE_PRIORITY, 0, w->fault_ep);
	if (shared[2] == 1) {
		*value = shared[3];
		return true;
	}
	struct kmsg m = msg(0, 0);
	(void)kestrel_nb_recv(w->fault_ep, w->fault_reply, &m);
	(void)kestrel_tcb_suspend(t.tcb);
	return false;
}

static void touch_while_lent(struct world *w, uint64_t *page)
{
	page[0] = 40;
	shared[0] = 0;
	shared[2] = 0;
	shared_ep = w->ep4k;
	/* Above us on our hart: it runs at once, lends, and the server holds
	 * the page on `hold` until we signal. */
	(void)spawn(held_client, (uint64_t)(uintptr_t)page, CLIENT_PRIORITY, 0, 0);
	unsigned hart = harts > 1 ? 1 : 0;
	(void)spawn(toucher, (uint64_t)(uintptr_t)page, PROBE_PRIORITY, hart, w->fault_ep);
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(w->fault_ep, w->fault_reply, &m);
	check(info_label(m.info) == VM_FAULT_LABEL && m.mr[1] == (uint64_t)(uintptr_t)page &&
		  shared[0] == 0 && shared[2] == 0,
	      "another thread of the client, on another hart, touching a lent page faults there");
	(void)kestrel_signal(w->hold);
	check(shared[0] == 1 && shared_err == ERR_OK && shared[1] == 40 && page[0] == 41,
	      "the held request completes: the server read the page, the client has it back");
	struct kmsg resume = msg(0, 0);
	(void)kestrel_reply(w->fault_reply, &resume);
	for (unsigned i = 0; i < 100000 && shared[2] == 0; i++)
		let_others_run(1);
	check(shared[2] == 1 && shared[3] == 41, "after the reply the touch works (restarted)");
}

static void server_killed(struct world *w, uint64_t *page)
{
	page[0] = 70;
	shared[0] = 0;
	shared_ep = w->ep4k;
	(void)spawn(held_client, (uint64_t)(uintptr_t)page, CLIENT_PRIORITY, 0, 0);
	bool held = shared[0] == 0;
	/* The server goes (its thread, then its reply object) with the page. */
	enum error err = kestrel_cnode_delete(CN, w->server4k, DEPTH);
	if (err == ERR_OK)
		err = kestrel_cnode_delete(CN, w->reply4k, DEPTH);
	uint64_t value = 0;
	bool back = readable(w, (uint64_t)(uintptr_t)page, &value);
	let_others_run(10);
	report(held && err == ERR_OK && back && value == 70 && shared[0] == 0,
	       "server killed mid-request: the page is back, unchanged; the client stays stopped",
	       error_name(err));
}

static void client_killed(struct world *w, uint64_t *page)
{
	page[0] = 90;
	shared[0] = 0;
	shared_ep = w->ep2m; /* the other server: this one still runs */
	(void)kestrel_cnode_delete(CN, w->server2m, DEPTH);
	cptr_t server;
	enum error err =
	    lend_server_start(make_object, w->vspace, w->ep2m, w->reply2m, w->hold, LEND_WINDOW_4K,
			      SERVER_PRIORITY, 0, w->fault_ep, &server);
	struct thread client = spawn(held_client, (uint64_t)(uintptr_t)page, CLIENT_PRIORITY, 0, 0);
	if (err == ERR_OK)
		err = kestrel_cnode_delete(CN, client.tcb, DEPTH);
	uint64_t value = 0;
	bool back = readable(w, (uint64_t)(uintptr_t)page, &value);
	/* The server, let go, reads its window: nothing is there. */
	(void)kestrel_signal(w->hold);
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(w->fault_ep, w->fault_reply, &m);
	report(err == ERR_OK && back && value == 90 && info_label(m.info) == VM_FAULT_LABEL &&
		   m.mr[1] == LEND_WINDOW_4K,
	       "client killed mid-request: its page is back, the server's window is empty",
	       error_name(err));
	(void)kestrel_cnode_delete(CN, server, DEPTH);
}

/* A thread of ktest itself receiving on shared_ep: a server in the
 * caller's own VSpace. */
static void same_space_server(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	uint64_t lent;
	(void)kestrel_recv_window(shared_ep, shared_reply, &m, 0x300000000ull, PAGE_BYTES, &lent);
}

static void bad_arguments(struct world *w, uint64_t *page)
{
	uint64_t base = (uint64_t)(uintptr_t)page;
	struct kmsg m;
	page[0] = 7;
	expect(lend(w->ep4k, base + 8, PAGE_BYTES, 1, false, &m), ERR_ALIGNMENT,
	       "CallLend of an unaligned base: alignment error");
	expect(lend(w->ep4k, base, 0, 1, false, &m), ERR_INVALID_ARGUMENT,
	       "CallLend of nothing: invalid argument");
	expect(lend(w->ep4k, CLIENT_VA + 0x10000000, PAGE_BYTES, 1, false, &m),
	       ERR_INVALID_ARGUMENT, "CallLend of an unmapped page: invalid argument");
	expect(lend(w->ep4k, base, 2 * PAGE_BYTES, 1, false, &m), ERR_INVALID_ARGUMENT,
	       "CallLend of a range running into unmapped pages: invalid argument");
	expect(lend(w->ep4k, 0xffffffc000000000ull, PAGE_BYTES, 1, false, &m), ERR_INVALID_ARGUMENT,
	       "CallLend of kernel memory: invalid argument");
	expect(lend(w->ep4k, base, LEND_WINDOW_BYTES + PAGE_BYTES, 1, false, &m), ERR_RANGE,
	       "CallLend of more than the window: range error");
	cptr_t uart = slot();
	(void)kestrel_cnode_copy(CN, uart, DEPTH, CN, PROC_CAP_UART_FRAME, DEPTH, ABI_RIGHTS_ALL);
	void *device = map_frame(uart, RW);
	expect(device == NULL
		   ? ERR_FAILED_LOOKUP
		   : lend(w->ep4k, (uint64_t)(uintptr_t)device, PAGE_BYTES, 1, false, &m),
	       ERR_INVALID_ARGUMENT, "CallLend of device memory: invalid argument");
	cptr_t idle = make(OBJ_ENDPOINT, 0);
	expect(lend(idle, base, PAGE_BYTES, 1, false, &m), ERR_ILLEGAL_OPERATION,
	       "CallLend with no server waiting: illegal operation");
	cptr_t read_only = slot();
	(void)kestrel_cnode_copy(CN, read_only, DEPTH, CN, w->ep4k, DEPTH, ABI_RIGHT_READ);
	expect(lend(read_only, base, PAGE_BYTES, 1, false, &m), ERR_INVALID_CAPABILITY,
	       "CallLend on an endpoint cap without write: invalid capability");
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	struct thread own = spawn(same_space_server, 0, PROBE_PRIORITY, 0, 0);
	expect(lend(shared_ep, base, PAGE_BYTES, 1, false, &m), ERR_INVALID_ARGUMENT,
	       "CallLend to a server in the caller's own VSpace: invalid argument");
	(void)kestrel_tcb_suspend(own.tcb);
	/* Nothing changed: the page is ours, the server still serves it. */
	bool mine = page[0] == 7;
	enum error err = lend(w->ep4k, base, PAGE_BYTES, 1, false, &m);
	report(mine && err == ERR_OK && m.mr[1] == 7 && page[0] == 8,
	       "after every refusal the page is the client's and the server serves it",
	       error_name(err));
}

void ktest_lend(void)
{
	struct world w = build();
	let_others_run(1); /* the servers wait to receive */
	uint64_t *page = w.ok ? map_pages(CLIENT_VA, 1) : NULL;
	uint64_t *span = w.ok ? map_pages(CLIENT_VA + 0x3ff000, 3) : NULL; /* across 2 tables */
	cptr_t big = slot();
	uint64_t *huge = NULL;
	if (w.ok &&
	    kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_FRAME_2M, 0, CN, 0, 0, big, 1) == ERR_OK) {
		enum error err = ERR_FAILED_LOOKUP;
		for (int level = 0; level < 2 && err == ERR_FAILED_LOOKUP; level++) {
			err = kestrel_page_map(big, PROC_CAP_VSPACE, CLIENT_2M_VA, RW, XN);
			if (err == ERR_FAILED_LOOKUP)
				(void)kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0),
							     PROC_CAP_VSPACE, CLIENT_2M_VA, 0);
		}
		huge = err == ERR_OK ? (uint64_t *)(uintptr_t)CLIENT_2M_VA : NULL;
	}
	bool ready = page != NULL && span != NULL && huge != NULL;
	if (!ready)
		printf("# ktest_lend: could not build the client's pages\n");
	static uint64_t dummy[WORDS * 3];
	if (!ready)
		page = span = huge = dummy; /* the cases then fail, not crash */
	lend_and_check(w.ep4k, page, PAGE_BYTES,
		       "CallLend of one page: the server reads it in place",
		       "the reply gives the page back with the server's writes");
	lend_and_check(w.ep2m, huge, 0x200000,
		       "CallLend of 512 pages as one 2 MiB leaf: read in place",
		       "the reply gives the 2 MiB leaf back with the server's writes");
	lend_and_check(w.ep4k, span, 3 * PAGE_BYTES,
		       "CallLend of an unaligned range across two tables: read in place",
		       "the reply gives the unaligned range back with the server's writes");
	struct kmsg m = msg(0, 2);
	m.mr[0] = 1;
	m.mr[1] = 0;
	enum error err = kestrel_call(w.ep4k, &m);
	report(err == ERR_OK && m.mr[0] == 0,
	       "a plain Call to a window-naming server lends nothing", error_name(err));
	touch_while_lent(&w, page);
	bad_arguments(&w, page);
	server_killed(&w, page);
	client_killed(&w, span);
	(void)kestrel_cnode_delete(CN, big, DEPTH);
	reset();
}
