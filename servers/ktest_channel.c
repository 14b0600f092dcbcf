/* SPDX-License-Identifier: MIT */
/*
 * ktest: channels set up and torn down by the kernel (docs/abi.md
 * "Channels") on whichever user-interrupt backend the machine has. ktest's
 * main thread is the client; a spawned thread in the same address space is
 * the server (its window and the client's buffer are two addresses there,
 * so the main thread reads both). Cases: the window's and Register's
 * errors, the buffer seen at both addresses, rings both ways through the
 * entries Register made, Unregister, 64 channels and a 65th refused, and
 * teardown by deleting the client's thread, the server's thread, the
 * service, the channel, a frame and the frames' untyped, with a reader of
 * the server's slot that must never fault, and a server in an address
 * space of its own.
 */
#include <stdio.h>

#include "channel_system.h"
#include "kestrel_uintr.h"
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define SPIN_LIMIT 2000000u
#define PAGE 4096u
#define WINDOW 0x3000000000ull           /* the server's window: 64 slots */
#define CLIENT_VA (WINDOW + 0x200000ull) /* client buffers, one page apart */
#define SLOT_PAGES 2u
#define MAGIC 0x6368616e6e656c31ull

/* The server thread: started before its receiver is bound (shared[9]
 * says when), then forever: ring entry shared[3] - 1 when asked, gather
 * its pending bits into shared[1] (shared[2] counts the reads that found
 * some). */
static void server_loop(uint64_t unused)
{
	(void)unused;
	while (shared[9] == 0)
		kestrel_yield();
	for (;;) {
		uint64_t ring = shared[3];
		if (ring != 0) {
			uipi_send(ring - 1);
			shared[3] = 0;
		}
		uint64_t bits = uipi_read();
		if (bits != 0) {
			__atomic_fetch_or(&shared[1], bits, __ATOMIC_SEQ_CST);
			shared[2]++;
		}
		kestrel_yield();
	}
}

static bool wait_for_bits(volatile uint64_t *word, uint64_t bits)
{
	for (unsigned i = 0; i < SPIN_LIMIT && (*word & bits) != bits; i++)
		kestrel_yield();
	return (*word & bits) == bits;
}

/* Page tables down to level 0 at va (from the scratch untyped). */
static bool tables_at(uint64_t va)
{
	for (int i = 0; i < 4; i++) {
		enum error err =
		    kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), PROC_CAP_VSPACE, va, 0);
		if (err == ERR_DELETE_FIRST)
			return true;
		if (err != ERR_OK)
			return false;
	}
	return false;
}

struct setup {
	cptr_t service, server_table, client_service, client_table;
	struct thread server;
	enum error err;
};

/* A server thread with its service configured (window at WINDOW), the
 * caller a receiver (handler off: bits wait for READ) with a table of 128
 * entries; `server_hart` is where the server runs. */
static struct setup set_up(unsigned server_hart)
{
	struct setup s = { 0 };
	shared[1] = shared[2] = shared[3] = shared[9] = 0;
	s.service = make(OBJ_SERVICE, 0);
	s.server_table = make(OBJ_SENDER_TABLE, 6);
	s.client_service = make(OBJ_SERVICE, 0);
	s.client_table = make(OBJ_SENDER_TABLE, 7);
	s.server = spawn(server_loop, 0, MAIN_PRIORITY, server_hart, 0);
	s.err = tables_at(WINDOW) && tables_at(CLIENT_VA) ? ERR_OK : ERR_NOT_ENOUGH_MEMORY;
	if (s.err == ERR_OK)
		s.err = kestrel_tcb_uintr_bind_receiver(s.server.tcb, s.service, 0, 0, 0);
	if (s.err == ERR_OK)
		s.err = kestrel_tcb_uintr_bind_sender_table(s.server.tcb, s.server_table);
	if (s.err == ERR_OK)
		s.err = kestrel_service_configure_channels(s.service, WINDOW, SLOT_PAGES);
	if (s.err == ERR_OK)
		s.err = kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, s.client_service, 0, 0, 0);
	if (s.err == ERR_OK)
		s.err = kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, s.client_table);
	shared[9] = 1;
	if (s.err != ERR_OK)
		printf("# ktest: channel set-up failed: %s\n", error_name(s.err));
	return s;
}

static volatile uint64_t *server_slot(uint64_t vector)
{
	return (volatile uint64_t *)(uintptr_t)(WINDOW + vector * SLOT_PAGES * PAGE);
}

static volatile uint64_t *client_buffer(unsigned n)
{
	return (volatile uint64_t *)(uintptr_t)(CLIENT_VA + (uint64_t)n * PAGE);
}

/* `pages` fresh frames in consecutive slots; the first's cptr. */
static cptr_t frames(unsigned pages, cptr_t untyped)
{
	cptr_t first = next_slot_peek();
	claim_slots(pages);
	if (kestrel_untyped_retype(untyped, OBJ_FRAME_4K, 0, CN, 0, 0, first, pages) != ERR_OK)
		printf("# ktest: channel frames failed\n");
	return first;
}

static enum error reg(cptr_t channel, cptr_t service, uint64_t index, uint64_t vector,
		      uint64_t vaddr, cptr_t first, uint64_t pages, uint64_t *sv, uint64_t *cv)
{
	struct kestrel_channel_register a = { index, vector, vaddr, first, pages };
	return kestrel_channel_register(channel, service, &a, sv, cv);
}

static void configure_errors(void)
{
	cptr_t svc = make(OBJ_SERVICE, 0), table = make(OBJ_SENDER_TABLE, 6);
	uint64_t live = 9, dead = 9;
	expect(kestrel_service_configure_channels(svc, WINDOW, 1), ERR_ILLEGAL_OPERATION,
	       "channel: configure a service without a receiver");
	struct thread t = spawn(server_loop, 0, MAIN_PRIORITY, 0, 0);
	enum error err = kestrel_tcb_uintr_bind_receiver(t.tcb, svc, 0, 0, 0);
	if (err == ERR_OK)
		err = kestrel_tcb_uintr_bind_sender_table(t.tcb, table);
	check(err == ERR_OK, "channel: a server thread with a service and a table");
	expect(kestrel_service_configure_channels(svc, WINDOW, 1), ERR_FAILED_LOOKUP,
	       "channel: configure a window without page tables");
	check(tables_at(WINDOW), "channel: page tables over the window");
	expect(kestrel_service_configure_channels(svc, WINDOW, 0), ERR_INVALID_ARGUMENT,
	       "channel: configure slots of 0 pages");
	expect(kestrel_service_configure_channels(svc, WINDOW, ABI_CHANNEL_MAX_PAGES + 1),
	       ERR_INVALID_ARGUMENT, "channel: configure slots of 17 pages");
	expect(kestrel_service_configure_channels(svc, WINDOW + 8, 1), ERR_ALIGNMENT,
	       "channel: configure an unaligned window");
	expect(kestrel_service_configure_channels(svc, 0x3fffffc000ull, 1), ERR_INVALID_ARGUMENT,
	       "channel: configure a window past user space");
	expect(kestrel_service_configure_channels(svc, WINDOW + 0x1f0000, 1), ERR_FAILED_LOOKUP,
	       "channel: configure a window running past its page tables");
	expect(kestrel_invoke(svc, SERVICE_CONFIGURE_CHANNELS, 1, (const uint64_t[]){ WINDOW }, 0,
			      NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "channel: configure without the slot size");
	expect(kestrel_service_configure_channels(svc, WINDOW, 1), ERR_OK,
	       "channel: configure a window");
	expect(kestrel_service_configure_channels(svc, WINDOW, SLOT_PAGES), ERR_OK,
	       "channel: configure again while it has no channels");
	expect(kestrel_service_channels(svc, 1, &live, &dead), ERR_INVALID_ARGUMENT,
	       "channel: release a vector that is not dead");
	expect(kestrel_service_channels(svc, 0, &live, &dead), ERR_OK,
	       "channel: ask a service for its channels");
	check(live == 0 && dead == 0, "channel: a new service has no channels");
	expect(
	    kestrel_invoke(table, SERVICE_CHANNELS, 1, (const uint64_t[]){ 0 }, 0, NULL, NULL, 0),
	    ERR_ILLEGAL_OPERATION, "channel: a service method on a sender table");
	expect(kestrel_invoke(svc, CHANNEL_STATUS, 0, NULL, 0, NULL, NULL, 0),
	       ERR_ILLEGAL_OPERATION, "channel: a channel method on a service");
	reset();
}

static void register_errors(void)
{
	cptr_t ch = make(OBJ_CHANNEL, 0), ep = make(OBJ_ENDPOINT, 0);
	cptr_t first = frames(3, SCRATCH_UNTYPED);
	uint64_t sv = 99, cv = 99;
	struct setup s = set_up(0);
	check(s.err == ERR_OK, "channel: a configured server and a client");
	(void)kestrel_tcb_uintr_unbind_sender_table(PROC_CAP_TCB);
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, first, 1, &sv, &cv), ERR_ILLEGAL_OPERATION,
	       "channel: register by a caller without a sender table");
	(void)kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, s.client_table);
	cptr_t ro = slot();
	(void)kestrel_cnode_copy(CN, ro, DEPTH, CN, first, DEPTH, ABI_RIGHT_READ);
	cptr_t unconfigured = make(OBJ_SERVICE, 0);
	expect(reg(ch, ep, 0, 0, CLIENT_VA, first, 1, &sv, &cv), ERR_INVALID_CAPABILITY,
	       "channel: register with a non-service");
	expect(reg(ch, unconfigured, 0, 0, CLIENT_VA, first, 1, &sv, &cv), ERR_ILLEGAL_OPERATION,
	       "channel: register with a service that has no window");
	expect(reg(ch, s.service, 128, 0, CLIENT_VA, first, 1, &sv, &cv), ERR_RANGE,
	       "channel: register with an index past the caller's table");
	expect(reg(ch, s.service, 0, 65, CLIENT_VA, first, 1, &sv, &cv), ERR_RANGE,
	       "channel: register with vector 65");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, first, 0, &sv, &cv), ERR_RANGE,
	       "channel: register no page");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, first, 3, &sv, &cv), ERR_RANGE,
	       "channel: register more pages than the server's slot");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, NO_SLOT, 1, &sv, &cv), ERR_FAILED_LOOKUP,
	       "channel: register an empty frame slot");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, ep, 1, &sv, &cv), ERR_INVALID_CAPABILITY,
	       "channel: register an endpoint as a frame");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, ro, 1, &sv, &cv), ERR_INVALID_CAPABILITY,
	       "channel: register a read-only frame");
	cptr_t dup = slot();
	(void)slot(); /* dup + 1 */
	(void)kestrel_cnode_copy(CN, dup, DEPTH, CN, first, DEPTH, RW);
	(void)kestrel_cnode_copy(CN, dup + 1, DEPTH, CN, first, DEPTH, RW);
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, dup, 2, &sv, &cv), ERR_INVALID_ARGUMENT,
	       "channel: register one frame twice");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA + 8, first, 1, &sv, &cv), ERR_ALIGNMENT,
	       "channel: register an unaligned buffer address");
	expect(reg(ch, s.service, 0, 0, 0x4000000000ull, first, 1, &sv, &cv), ERR_INVALID_ARGUMENT,
	       "channel: register a buffer outside user space");
	expect(reg(ch, s.service, 0, 0, CLIENT_VA + 0x40000000ull, first, 1, &sv, &cv),
	       ERR_FAILED_LOOKUP, "channel: register where the caller has no page table");
	cptr_t other = frames(1, SCRATCH_UNTYPED);
	(void)kestrel_page_map(other, PROC_CAP_VSPACE, CLIENT_VA + PAGE, RW, XN);
	expect(reg(ch, s.service, 0, 0, CLIENT_VA, first, 2, &sv, &cv), ERR_DELETE_FIRST,
	       "channel: register over a mapped page");
	(void)kestrel_page_unmap(other);
	cptr_t svc2 = make(OBJ_SERVICE, 0);
	struct thread t2 = spawn(server_loop, 0, MAIN_PRIORITY, 0, 0);
	(void)kestrel_tcb_uintr_bind_receiver(t2.tcb, svc2, 0, 0, 0);
	uint64_t used;
	(void)kestrel_sender_table_register(s.client_table, 5, svc2, 0, &used);
	expect(reg(ch, s.service, 5, 1, CLIENT_VA, first, 1, &sv, &cv), ERR_DELETE_FIRST,
	       "channel: register over a client entry in use");
	(void)kestrel_sender_table_register(s.server_table, 9, s.client_service, 3, &used);
	expect(reg(ch, s.service, 0, 3, CLIENT_VA, first, 1, &sv, &cv), ERR_ILLEGAL_OPERATION,
	       "channel: register with a client vector another sender owns");
	expect(kestrel_invoke(ch, CHANNEL_REGISTER, 4, (const uint64_t[]){ 0, 0, CLIENT_VA, first },
			      1, (const cptr_t[]){ s.service }, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "channel: register without the page count");
	expect(kestrel_invoke(ch, CHANNEL_REGISTER, 5,
			      (const uint64_t[]){ 0, 0, CLIENT_VA, first, 1 }, 0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "channel: register without the service cap");
	struct kestrel_channel_status st = { 9, 9, 9, 9 };
	expect(kestrel_channel_status(ch, &st), ERR_OK, "channel: status of a fresh channel");
	check(st.state == ABI_CHANNEL_FREE && st.why == 0, "channel: a fresh channel is free");
	expect(kestrel_channel_unregister(ch), ERR_FAILED_LOOKUP,
	       "channel: unregister a free channel");
	expect(kestrel_invoke(ch, UNTYPED_RETYPE, 0, NULL, 0, NULL, NULL, 0), ERR_ILLEGAL_OPERATION,
	       "channel: a channel has no other invocation");
	/* Nothing of the failures above may have stuck: this one works. */
	expect(reg(ch, s.service, 0, ABI_UINTR_ANY_VECTOR, CLIENT_VA, first, 2, &sv, &cv), ERR_OK,
	       "channel: register after every refusal");
	check(sv == 0 && cv == 0, "channel: the lowest free vectors on both sides");
	expect(reg(ch, s.service, 1, ABI_UINTR_ANY_VECTOR, CLIENT_VA + 4 * PAGE, first + 2, 1, &sv,
		   &cv),
	       ERR_DELETE_FIRST, "channel: register a live channel again");
	cptr_t ch2 = make(OBJ_CHANNEL, 0);
	(void)kestrel_service_configure_channels(s.client_service, WINDOW + 0x100000, 1);
	expect(reg(ch2, s.client_service, 1, ABI_UINTR_ANY_VECTOR, CLIENT_VA + 4 * PAGE, first + 2,
		   1, &sv, &cv),
	       ERR_ILLEGAL_OPERATION, "channel: register with one's own service");
	reset();
}

/* Register, the buffer at both addresses, rings both ways, Unregister. */
static void round_trip(void)
{
	struct setup s = set_up(harts > 1 ? 1 : 0);
	cptr_t ch = make(OBJ_CHANNEL, 0), first = frames(2, SCRATCH_UNTYPED);
	uint64_t sv = 99, cv = 99;
	/* The client initialises the buffer through its own mapping first. */
	volatile uint64_t *pre = map_frame(first, RW);
	if (pre != NULL)
		pre[0] = MAGIC;
	enum error err = reg(ch, s.service, 4, 17, CLIENT_VA, first, 2, &sv, &cv);
	check(s.err == ERR_OK && err == ERR_OK && sv == 0 && cv == 17,
	      "channel: register a two-page channel");
	volatile uint64_t *c = client_buffer(0), *srv = server_slot(sv);
	bool seen = err == ERR_OK && c[0] == MAGIC && srv[0] == MAGIC;
	check(seen, "channel: what the client wrote before Register is at both addresses");
	if (err == ERR_OK) {
		c[512 + 3] = 0x1234;
		srv[7] = 0x5678;
	}
	check(err == ERR_OK && srv[512 + 3] == 0x1234 && c[7] == 0x5678,
	      "channel: both pages are shared both ways");
	check(wait_for_bits(&shared[1], 1ull << sv), "channel: Register rings the server's vector");
	shared[1] = 0;
	uipi_send(4);
	check(wait_for_bits(&shared[1], 1ull << sv), "channel: the client rings the server");
	shared[3] = sv + 1;
	uint64_t got = 0;
	for (unsigned i = 0; i < SPIN_LIMIT && !(got >> cv & 1); i++) {
		got |= uipi_read();
		kestrel_yield();
	}
	check(got == 1ull << cv, "channel: the server rings the client");
	struct kestrel_channel_status st = { 0 };
	(void)kestrel_channel_status(ch, &st);
	check(st.state == ABI_CHANNEL_LIVE && st.server_vector == sv && st.client_vector == cv,
	      "channel: status of a live channel");
	uint64_t live = 0, dead = 9;
	(void)kestrel_service_channels(s.service, 0, &live, &dead);
	check(live == 1ull << sv && dead == 0, "channel: the service lists it live");

	shared[1] = 0;
	expect(kestrel_channel_unregister(ch), ERR_OK, "channel: unregister");
	check(srv[0] == 0 && srv[512 + 3] == 0, "channel: the server's slot reads the dead page");
	check(wait_for_bits(&shared[1], 1ull << sv), "channel: Unregister rings the server");
	(void)kestrel_service_channels(s.service, 0, &live, &dead);
	check(live == 0 && dead == 1ull << sv, "channel: the service lists it dead");
	cptr_t probe = frames(1, SCRATCH_UNTYPED);
	expect(kestrel_page_map(probe, PROC_CAP_VSPACE, CLIENT_VA, RW, XN), ERR_OK,
	       "channel: the client's mapping is gone");
	(void)kestrel_page_unmap(probe);
	uipi_send(4);
	shared[3] = sv + 1;
	let_others_run(50);
	check(uipi_read() == 0 && (shared[1] & ~(1ull << sv)) == 0,
	      "channel: rings to a torn-down peer are silent no-ops");
	(void)kestrel_channel_status(ch, &st);
	check(st.state == ABI_CHANNEL_FREE, "channel: unregistered is free");
	expect(kestrel_channel_unregister(ch), ERR_FAILED_LOOKUP, "channel: unregister twice");
	/* Vector 0 stays taken until the server releases it. */
	err = reg(ch, s.service, 4, 17, CLIENT_VA, first, 1, &sv, &cv);
	check(err == ERR_OK && sv == 1, "channel: a dead vector is not handed out again");
	(void)kestrel_channel_unregister(ch);
	expect(kestrel_service_channels(s.service, 3, &live, &dead), ERR_OK,
	       "channel: the server releases its dead vectors");
	check(live == 0 && dead == 0, "channel: released vectors are free");
	err = reg(ch, s.service, 4, 17, CLIENT_VA, first, 1, &sv, &cv);
	check(err == ERR_OK && sv == 0 && c[0] == MAGIC && server_slot(0)[0] == MAGIC,
	      "channel: register again over the dead page");
	reset();
}

/* The 65th client: every server vector is taken. */
static void late_client(uint64_t channel)
{
	uint64_t sv;
	while (shared[10] == 0)
		kestrel_yield();
	shared[11] = reg(channel, shared[12], 0, ABI_UINTR_ANY_VECTOR, CLIENT_VA + 100 * PAGE,
			 shared[13], 1, &sv, NULL) +
		     1;
}

static void sixty_four(void)
{
	struct setup s = set_up(0);
	enum error err = s.err;
	uint64_t sv, cv, seen = 0;
	for (unsigned i = 0; i < 64 && err == ERR_OK; i++) {
		cptr_t ch = make(OBJ_CHANNEL, 0), f = frames(1, SCRATCH_UNTYPED);
		err = reg(ch, s.service, i, ABI_UINTR_ANY_VECTOR, CLIENT_VA + i * PAGE, f, 1, &sv,
			  &cv);
		if (err == ERR_OK) {
			seen |= 1ull << sv;
			client_buffer(i)[0] = i;
		}
	}
	bool all = err == ERR_OK && seen == ~0ull;
	for (unsigned i = 0; i < 64 && all; i++)
		all = server_slot(i)[0] == i;
	check(all, "channel: 64 channels to one server, each its slot");
	cptr_t late_svc = make(OBJ_SERVICE, 0), late_table = make(OBJ_SENDER_TABLE, 0);
	cptr_t ch = make(OBJ_CHANNEL, 0);
	shared[12] = s.service;
	shared[13] = frames(1, SCRATCH_UNTYPED);
	shared[10] = shared[11] = 0;
	struct thread t = spawn(late_client, ch, MAIN_PRIORITY, 0, 0);
	(void)kestrel_tcb_uintr_bind_receiver(t.tcb, late_svc, 0, 0, 0);
	(void)kestrel_tcb_uintr_bind_sender_table(t.tcb, late_table);
	shared[10] = 1;
	bool done = false;
	for (unsigned i = 0; i < SPIN_LIMIT && !done; i++) {
		done = shared[11] != 0;
		kestrel_yield();
	}
	check(done && shared[11] == ERR_NOT_ENOUGH_MEMORY + 1,
	      "channel: the 65th registration is refused");
	reset();
}

/* Reads the server's slot 0 until it reads the dead page (zero): a fault
 * would suspend it (no handler) and the case would time out. */
static void slot_reader(uint64_t unused)
{
	(void)unused;
	volatile uint64_t *p = server_slot(0);
	shared[6] = 1;
	while (p[0] != 0)
		__asm__ volatile("" ::: "memory");
	shared[7] = 1;
}

static bool channel_is(cptr_t ch, uint64_t state, uint64_t why)
{
	struct kestrel_channel_status st = { 9, 9, 9, 9 };
	return kestrel_channel_status(ch, &st) == ERR_OK && st.state == state && st.why == why;
}

static bool wait_word(volatile uint64_t *w)
{
	for (unsigned i = 0; i < SPIN_LIMIT && *w == 0; i++)
		kestrel_yield();
	return *w != 0;
}

/* The client goes while a reader spins on the server's slot. */
static void client_goes_under_reader(void)
{
	struct setup s = set_up(0);
	cptr_t ch = make(OBJ_CHANNEL, 0), first = frames(1, SCRATCH_UNTYPED);
	uint64_t sv, cv;
	enum error err = reg(ch, s.service, 0, 5, CLIENT_VA, first, 1, &sv, &cv);
	if (err == ERR_OK)
		client_buffer(0)[0] = MAGIC;
	shared[6] = shared[7] = 0;
	(void)spawn(slot_reader, 0, MAIN_PRIORITY, harts > 1 ? 1 : 0, 0);
	bool started = wait_word(&shared[6]);
	/* The client's receiver goes (as when its thread is deleted). */
	enum error unbound = kestrel_tcb_uintr_unbind_receiver(PROC_CAP_TCB);
	check(err == ERR_OK && started && unbound == ERR_OK,
	      "channel: the client's receiver goes while the server reads");
	check(wait_word(&shared[7]), "channel: the server's reader sees the dead page, no fault");
	check(channel_is(ch, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_CLIENT),
	      "channel: dead, the client went");
	uint64_t live = 9, dead = 0;
	(void)kestrel_service_channels(s.service, 0, &live, &dead);
	check(live == 0 && dead == 1, "channel: the server learns it from its service");
	expect(kestrel_channel_unregister(ch), ERR_OK, "channel: unregister a dead channel");
	reset();
}

/* A spawned client thread registers, then is deleted. */
static void client_thread(uint64_t channel)
{
	uint64_t sv, cv;
	while (shared[10] == 0)
		kestrel_yield();
	shared[11] = reg(channel, shared[12], 0, ABI_UINTR_ANY_VECTOR, CLIENT_VA + 8 * PAGE,
			 shared[13], 1, &sv, &cv) +
		     1;
	for (;;)
		kestrel_yield();
}

static void client_thread_deleted(void)
{
	struct setup s = set_up(0);
	cptr_t svc = make(OBJ_SERVICE, 0), table = make(OBJ_SENDER_TABLE, 0);
	cptr_t ch = make(OBJ_CHANNEL, 0);
	shared[12] = s.service;
	shared[13] = frames(1, SCRATCH_UNTYPED);
	shared[10] = shared[11] = 0;
	struct thread t = spawn(client_thread, ch, MAIN_PRIORITY, 0, 0);
	(void)kestrel_tcb_uintr_bind_receiver(t.tcb, svc, 0, 0, 0);
	(void)kestrel_tcb_uintr_bind_sender_table(t.tcb, table);
	shared[10] = 1;
	bool registered = wait_word(&shared[11]) && shared[11] == ERR_OK + 1;
	if (registered)
		client_buffer(8)[0] = 77;
	check(registered && server_slot(0)[0] == 77, "channel: a client thread registers");
	shared[1] = 0;
	expect(kestrel_cnode_delete(CN, t.tcb, DEPTH), ERR_OK, "channel: delete the client thread");
	check(channel_is(ch, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_CLIENT) && server_slot(0)[0] == 0,
	      "channel: its channel is dead, the server's slot the dead page");
	check(wait_for_bits(&shared[1], 1), "channel: the server is rung when its client dies");
	reset();
}

/* The server's thread is deleted mid-use: the client is rung, keeps its
 * buffer, and learns it from the status. */
static void server_thread_deleted(void)
{
	struct setup s = set_up(harts > 1 ? 1 : 0);
	cptr_t ch = make(OBJ_CHANNEL, 0), first = frames(1, SCRATCH_UNTYPED);
	uint64_t sv, cv;
	enum error err = reg(ch, s.service, 0, 9, CLIENT_VA, first, 1, &sv, &cv);
	if (err == ERR_OK)
		client_buffer(0)[0] = MAGIC;
	shared[3] = sv + 1; /* in use: the server rings */
	uint64_t got = 0;
	for (unsigned i = 0; i < SPIN_LIMIT && got == 0; i++) {
		got |= uipi_read();
		kestrel_yield();
	}
	(void)uipi_read();
	expect(kestrel_cnode_delete(CN, s.server.tcb, DEPTH), ERR_OK,
	       "channel: delete the server thread mid-use");
	check(err == ERR_OK && got == 1ull << 9 && uipi_read() == 1ull << 9,
	      "channel: the client is rung when its server dies");
	check(channel_is(ch, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_SERVER),
	      "channel: dead, the server went");
	check(client_buffer(0)[0] == MAGIC && server_slot(0)[0] == 0,
	      "channel: the client keeps its buffer, the server's slot is the dead page");
	uipi_send(0);
	check(uipi_read() == 0, "channel: a ring to the dead server is a silent no-op");
	expect(kestrel_channel_unregister(ch), ERR_OK, "channel: unregister after the server went");
	cptr_t probe = frames(1, SCRATCH_UNTYPED);
	expect(kestrel_page_map(probe, PROC_CAP_VSPACE, CLIENT_VA, RW, XN), ERR_OK,
	       "channel: unregister removes the client's mapping");
	reset();
}

/* The service, the channel, a frame and the frames' untyped go. */
static void caps_go(void)
{
	struct setup s = set_up(0);
	cptr_t ch = make(OBJ_CHANNEL, 0), first = frames(1, SCRATCH_UNTYPED);
	uint64_t sv, cv, live = 0, dead = 0;
	enum error err = reg(ch, s.service, 0, 1, CLIENT_VA, first, 1, &sv, &cv);
	expect(kestrel_cnode_delete(CN, ch, DEPTH), ERR_OK, "channel: delete the channel cap");
	(void)kestrel_service_channels(s.service, 0, &live, &dead);
	check(err == ERR_OK && live == 0 && dead == 1 && server_slot(0)[0] == 0,
	      "channel: a deleted channel is dead at its server");

	ch = make(OBJ_CHANNEL, 0);
	err = reg(ch, s.service, 0, 1, CLIENT_VA, first, 1, &sv, &cv);
	check(err == ERR_OK && sv == 1, "channel: register the same frame again");
	expect(kestrel_cnode_revoke(CN, first, DEPTH), ERR_OK, "channel: revoke its frame");
	check(channel_is(ch, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_FRAMES) && server_slot(1)[0] == 0,
	      "channel: a revoked frame kills the channel");
	cptr_t probe = frames(1, SCRATCH_UNTYPED);
	expect(kestrel_page_map(probe, PROC_CAP_VSPACE, CLIENT_VA, RW, XN), ERR_OK,
	       "channel: ... and removes the client's mapping at once");
	(void)kestrel_page_unmap(probe);
	(void)kestrel_channel_unregister(ch);

	cptr_t ut = make(OBJ_UNTYPED, 16);
	cptr_t more = frames(2, ut);
	err = reg(ch, s.service, 0, 1, CLIENT_VA, more, 2, &sv, &cv);
	expect(kestrel_cnode_revoke(CN, ut, DEPTH), ERR_OK, "channel: revoke the frames' untyped");
	check(err == ERR_OK && channel_is(ch, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_FRAMES) &&
		  server_slot(sv)[0] == 0,
	      "channel: a revoked untyped kills the channel");

	cptr_t ch2 = make(OBJ_CHANNEL, 0);
	err = reg(ch2, s.service, 1, 1, CLIENT_VA + 4 * PAGE, frames(1, SCRATCH_UNTYPED), 1, &sv,
		  &cv);
	expect(kestrel_cnode_delete(CN, s.service, DEPTH), ERR_OK,
	       "channel: delete the service cap");
	check(err == ERR_OK && channel_is(ch2, ABI_CHANNEL_DEAD, ABI_CHANNEL_GONE_SERVER),
	      "channel: a deleted service kills its channels");
	reset();
}

/* Machine code of: loop: ld t0, 0(a0); sd t0, 0(a1); j loop */
static const uint32_t copy_loop[] = { 0x00053283, 0x0055b023, 0xff9ff06f };
#define OTHER_CODE_VA 0x10000ull
#define OTHER_DATA_VA 0x20000ull

/* The server in an address space of its own: a thread that copies word 0
 * of its slot 0 to a page it shares with ktest, for ever. It reads the
 * client's buffer while the channel lives and the dead page after, and a
 * fault would reach `ep`. Then its VSpace goes under a live channel. */
static void other_address_space(void)
{
	const char *names[] = {
		"channel: a server in another address space reads the client's buffer",
		"channel: ... and the dead page once the client unregisters",
		"channel: ... without a fault",
		"channel: the server's VSpace deleted under a live channel, Unregister still works",
	};
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	cptr_t vspace = make(OBJ_PAGE_TABLE, 0);
	cptr_t code = make(OBJ_FRAME_4K, 0), data = make(OBJ_FRAME_4K, 0);
	cptr_t data_here = slot();
	(void)kestrel_cnode_copy(CN, data_here, DEPTH, CN, data, DEPTH, ABI_RIGHTS_ALL);
	volatile uint64_t *seen = map_frame(data_here, RW);
	uint32_t *text = map_frame(code, RW);
	cptr_t svc = make(OBJ_SERVICE, 0), table = make(OBJ_SENDER_TABLE, 6);
	cptr_t csvc = make(OBJ_SERVICE, 0), ctable = make(OBJ_SENDER_TABLE, 0);
	cptr_t tcb = make(OBJ_TCB, 0), ch = make(OBJ_CHANNEL, 0);
	cptr_t first = frames(1, SCRATCH_UNTYPED);
	bool built = seen != NULL && text != NULL &&
		     kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, vspace) == ERR_OK;
	if (built) {
		for (unsigned i = 0; i < 3; i++)
			text[i] = copy_loop[i];
		__asm__ volatile("fence.i" ::: "memory");
		*seen = 1;
		built = kestrel_page_unmap(code) == ERR_OK &&
			map_in(code, vspace, OTHER_CODE_VA, ABI_RIGHT_READ, 0) == ERR_OK &&
			map_in(data, vspace, OTHER_DATA_VA, RW, XN) == ERR_OK;
	}
	/* The window's tables in the server's VSpace; the client's here. */
	for (int i = 0; built && i < 4; i++) {
		enum error err = kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), vspace, WINDOW, 0);
		if (err == ERR_DELETE_FIRST)
			break;
		built = err == ERR_OK;
	}
	built = built && tables_at(CLIENT_VA);
	uint64_t regs[ABI_REG_COUNT] = { 0 };
	regs[ABI_REG_PC] = OTHER_CODE_VA;
	regs[ABI_REG_A0] = WINDOW;
	regs[ABI_REG_A0 + 1] = OTHER_DATA_VA;
	unsigned hart = harts > 1 ? 1 : 0;
	built = built && kestrel_tcb_configure(tcb, ep, CN, 0, vspace, 0, 0, 0) == ERR_OK &&
		kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, MAIN_PRIORITY) == ERR_OK &&
		(hart == 0 || kestrel_tcb_set_affinity(tcb, hart) == ERR_OK) &&
		kestrel_tcb_uintr_bind_receiver(tcb, svc, 0, 0, 0) == ERR_OK &&
		kestrel_tcb_uintr_bind_sender_table(tcb, table) == ERR_OK &&
		kestrel_service_configure_channels(svc, WINDOW, 1) == ERR_OK &&
		kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, csvc, 0, 0, 0) == ERR_OK &&
		kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, ctable) == ERR_OK;
	uint64_t sv = 99, cv;
	built =
	    built && reg(ch, svc, 0, ABI_UINTR_ANY_VECTOR, CLIENT_VA, first, 1, &sv, &cv) == ERR_OK;
	if (built) {
		client_buffer(0)[0] = MAGIC;
		built = kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs) == ERR_OK;
	}
	bool read = false;
	for (unsigned i = 0; built && i < SPIN_LIMIT && !read; i++) {
		read = *seen == MAGIC;
		kestrel_yield();
	}
	check(built && sv == 0 && read, names[0]);
	bool zero = false;
	if (kestrel_channel_unregister(ch) == ERR_OK)
		for (unsigned i = 0; read && i < SPIN_LIMIT && !zero; i++) {
			zero = *seen == 0;
			kestrel_yield();
		}
	check(zero, names[1]);
	struct kmsg m = msg(0, 0);
	bool faulted = kestrel_nb_recv(ep, reply, &m) == ERR_OK && info_label(m.info) != 0;
	check(zero && !faulted, names[2]);
	/* Register again, then the server's VSpace goes first. */
	enum error again = reg(ch, svc, 0, ABI_UINTR_ANY_VECTOR, CLIENT_VA, first, 1, &sv, &cv);
	bool deleted = kestrel_tcb_suspend(tcb) == ERR_OK &&
		       kestrel_cnode_revoke(CN, vspace, DEPTH) == ERR_OK &&
		       kestrel_cnode_delete(CN, vspace, DEPTH) == ERR_OK;
	enum error unreg = kestrel_channel_unregister(ch);
	cptr_t probe = frames(1, SCRATCH_UNTYPED);
	check(again == ERR_OK && sv == 1 && deleted && unreg == ERR_OK &&
		  kestrel_page_map(probe, PROC_CAP_VSPACE, CLIENT_VA, RW, XN) == ERR_OK,
	      names[3]);
	reset();
}

void ktest_channel(void)
{
	configure_errors();
	register_errors();
	round_trip();
	sixty_four();
	client_goes_under_reader();
	client_thread_deleted();
	server_thread_deleted();
	caps_go();
	other_address_space();
}
