/* SPDX-License-Identifier: MIT */
/*
 * A channel's large-buffer call (docs/channels.md "Large buffers", core/
 * channel_lend.h): ktest's main thread is the client of a channel made by
 * Register; the server is a thread in an address space of its own running
 * a three-instruction loop that copies one word of its lend window to a
 * page it shares with ktest (so what it sees is read here), and takes a
 * VM fault (to an endpoint ktest holds) when that word is not mapped.
 * Cases: the server reads the lent page in place; another client thread,
 * on another hart when there is one, faults touching the lent range and
 * its touch works after the return; one lend per channel; the server's
 * return brings the pages back and leaves its window empty; bad ranges
 * refused with nothing changed; a server that never returns: Unregister
 * gives the pages back; a client killed while lending: its pages come
 * back, the channel is dead and its untyped holds nothing afterwards.
 */
#include <stdio.h>

#include "channel_system.h"
#include "kestrel_lend.h"
#include "kestrel_uintr.h"
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define PAGE 4096ull
#define WINDOW 0x3100000000ull   /* the server's channel window: 1-page slots */
#define LEND_WIN 0x3200000000ull /* the server's lend window */
#define SLOT (16 * PAGE)         /* bytes per lend slot */
#define CLIENT_VA 0x3300000000ull
#define CHAN_VA 0x3400000000ull /* the channel buffer, ktest's side */
#define CLIENT_PAGES 8u
#define OTHER_CODE_VA 0x10000ull
#define OTHER_DATA_VA 0x20000ull
#define VM_FAULT_LABEL 1
#define PROBE_PRIORITY (MAIN_PRIORITY + 10)
#define MAGIC 0x6c656e646368616eull

/* Machine code of: loop: ld t0, 0(a0); sd t0, 0(a1); j loop */
static const uint32_t copy_loop[] = { 0x00053283, 0x0055b023, 0xff9ff06f };

struct cw {
	cptr_t vspace, svc, table, csvc, ctable, tcb, fep, freply, ch, first;
	volatile uint64_t *seen; /* the server's copy of the word it reads */
	uint64_t sv, cv;
	unsigned hart;
	bool ok;
};

/* Page tables down to level 0 at va in vspace. */
static bool tables_in(cptr_t vspace, uint64_t va)
{
	for (int i = 0; i < 4; i++) {
		enum error err = kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), vspace, va, 0);
		if (err == ERR_DELETE_FIRST)
			return true;
		if (err != ERR_OK)
			return false;
	}
	return false;
}

static volatile uint64_t *client_page(unsigned i)
{
	return (volatile uint64_t *)(uintptr_t)(CLIENT_VA + i * PAGE);
}

/* The server's VSpace, thread (not started), service with both windows;
 * ktest a receiver with a table; CLIENT_PAGES pages at CLIENT_VA, page i
 * holding MAGIC + i; the channel registered. */
static void set_up(struct cw *w)
{
	*w = (struct cw){ .hart = harts > 1 ? 1 : 0 };
	w->vspace = make(OBJ_PAGE_TABLE, 0);
	w->fep = make(OBJ_ENDPOINT, 0);
	w->freply = make(OBJ_REPLY, 0);
	cptr_t code = make(OBJ_FRAME_4K, 0), data = make(OBJ_FRAME_4K, 0), data_here = slot();
	(void)kestrel_cnode_copy(CN, data_here, DEPTH, CN, data, DEPTH, ABI_RIGHTS_ALL);
	w->seen = map_frame(data_here, RW);
	uint32_t *text = map_frame(code, RW);
	w->svc = make(OBJ_SERVICE, 0);
	w->table = make(OBJ_SENDER_TABLE, 6);
	w->csvc = make(OBJ_SERVICE, 0);
	w->ctable = make(OBJ_SENDER_TABLE, 0);
	w->tcb = make(OBJ_TCB, 0);
	w->ch = make(OBJ_CHANNEL, 0);
	w->first = make(OBJ_FRAME_4K, 0);
	bool ok = w->seen != NULL && text != NULL &&
		  kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, w->vspace) == ERR_OK;
	if (ok) {
		for (unsigned i = 0; i < 3; i++)
			text[i] = copy_loop[i];
		__asm__ volatile("fence.i" ::: "memory");
		ok = kestrel_page_unmap(code) == ERR_OK &&
		     map_in(code, w->vspace, OTHER_CODE_VA, ABI_RIGHT_READ, 0) == ERR_OK &&
		     map_in(data, w->vspace, OTHER_DATA_VA, RW, XN) == ERR_OK;
	}
	ok = ok && tables_in(w->vspace, WINDOW) && tables_in(w->vspace, LEND_WIN) &&
	     tables_in(PROC_CAP_VSPACE, CHAN_VA);
	for (unsigned i = 0; ok && i < CLIENT_PAGES; i++) {
		cptr_t f = make(OBJ_FRAME_4K, 0);
		ok = map_in(f, PROC_CAP_VSPACE, CLIENT_VA + i * PAGE, RW, XN) == ERR_OK;
		if (ok)
			*client_page(i) = MAGIC + i;
	}
	ok = ok && kestrel_tcb_configure(w->tcb, w->fep, CN, 0, w->vspace, 0, 0, 0) == ERR_OK &&
	     kestrel_tcb_set_priority(w->tcb, PROC_CAP_TCB, MAIN_PRIORITY) == ERR_OK &&
	     (w->hart == 0 || kestrel_tcb_set_affinity(w->tcb, w->hart) == ERR_OK) &&
	     kestrel_tcb_uintr_bind_receiver(w->tcb, w->svc, 0, 0, 0) == ERR_OK &&
	     kestrel_tcb_uintr_bind_sender_table(w->tcb, w->table) == ERR_OK &&
	     kestrel_service_configure_channels(w->svc, WINDOW, 1) == ERR_OK &&
	     kestrel_service_configure_lend(w->svc, LEND_WIN, SLOT) == ERR_OK &&
	     kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, w->csvc, 0, 0, 0) == ERR_OK &&
	     kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, w->ctable) == ERR_OK;
	struct kestrel_channel_register a = { 0, ABI_UINTR_ANY_VECTOR, CHAN_VA, w->first, 1 };
	w->ok = ok && kestrel_channel_register(w->ch, w->svc, &a, &w->sv, &w->cv) == ERR_OK;
	if (!w->ok)
		printf("# ktest: lend_chan set-up failed\n");
}

/* Start the server's loop reading `address` in its VSpace. */
static bool serve(struct cw *w, uint64_t address)
{
	uint64_t regs[ABI_REG_COUNT] = { 0 };
	regs[ABI_REG_PC] = OTHER_CODE_VA;
	regs[ABI_REG_A0] = address;
	regs[ABI_REG_A0 + 1] = OTHER_DATA_VA;
	*w->seen = 0;
	return kestrel_tcb_write_registers(w->tcb, true, ABI_REG_COUNT, regs) == ERR_OK;
}

static bool server_saw(struct cw *w, uint64_t value)
{
	for (unsigned i = 0; i < 200000 && *w->seen != value; i++)
		kestrel_yield();
	return *w->seen == value;
}

/* The server's VM fault at `address` (it blocks on its fault endpoint). */
static bool server_faulted_at(struct cw *w, uint64_t address)
{
	struct kmsg m = msg(0, 0);
	for (unsigned i = 0; i < 200000; i++) {
		m = msg(0, 0);
		if (kestrel_nb_recv(w->fep, w->freply, &m) == ERR_OK && info_label(m.info) != 0)
			break;
		kestrel_yield();
	}
	return info_label(m.info) == VM_FAULT_LABEL && m.mr[1] == address;
}

static void toucher(uint64_t address)
{
	shared[3] = *(volatile uint64_t *)(uintptr_t)address;
	shared[2] = 1;
}

/* Whether a new thread of ktest can load from address now (*value). */
static bool readable(cptr_t fault_ep, cptr_t fault_reply, uint64_t address, uint64_t *value)
{
	shared[2] = 0;
	struct thread t = spawn(toucher, address, PROBE_PRIORITY, 0, fault_ep);
	if (shared[2] == 1) {
		*value = shared[3];
		return true;
	}
	struct kmsg m = msg(0, 0);
	(void)kestrel_nb_recv(fault_ep, fault_reply, &m);
	(void)kestrel_tcb_suspend(t.tcb);
	return false;
}

/* Lend, the server reads in place, a touch faults, the return. */
static void lend_read_touch_return(void)
{
	struct cw w;
	set_up(&w);
	uint64_t where = 0, bytes = 0;
	enum error err =
	    w.ok ? kestrel_channel_lend(w.ch, CLIENT_VA, 4 * PAGE, &where) : ERR_ILLEGAL_OPERATION;
	bool started = err == ERR_OK && serve(&w, where + 2 * PAGE);
	check(err == ERR_OK && where == LEND_WIN + w.sv * SLOT && started &&
		  server_saw(&w, MAGIC + 2),
	      "lend_chan: the server reads the lent page in its window");
	/* Another thread of the client, on another hart when there is one. */
	cptr_t fep = make(OBJ_ENDPOINT, 0), freply = make(OBJ_REPLY, 0);
	shared[2] = 0;
	(void)spawn(toucher, CLIENT_VA + PAGE, PROBE_PRIORITY, w.hart, fep);
	struct kmsg m = msg(0, 0);
	if (err == ERR_OK)
		(void)kestrel_recv(fep, freply, &m);
	check(err == ERR_OK && info_label(m.info) == VM_FAULT_LABEL &&
		  m.mr[1] == CLIENT_VA + PAGE && shared[2] == 0,
	      "lend_chan: a client thread touching the lent range faults there");
	uint64_t other = 0;
	expect(err == ERR_OK ? kestrel_channel_lend(w.ch, CLIENT_VA + 4 * PAGE, PAGE, &other)
			     : ERR_OK,
	       ERR_DELETE_FIRST, "lend_chan: a second lend on the channel is refused");
	err = err == ERR_OK ? kestrel_service_lend_return(w.svc, w.sv, &bytes) : err;
	check(err == ERR_OK && bytes == 4 * PAGE && *client_page(2) == MAGIC + 2 &&
		  server_faulted_at(&w, where + 2 * PAGE),
	      "lend_chan: the server's return brings the pages back, its window empty");
	struct kmsg resume = msg(0, 0);
	(void)kestrel_reply(freply, &resume);
	for (unsigned i = 0; i < 100000 && shared[2] == 0; i++)
		let_others_run(1);
	check(shared[2] == 1 && shared[3] == MAGIC + 1,
	      "lend_chan: after the return the faulted touch works (restarted)");
	expect(w.ok ? kestrel_service_lend_return(w.svc, w.sv, &bytes) : ERR_OK, ERR_FAILED_LOOKUP,
	       "lend_chan: a second return finds nothing");
	reset();
}

/* Bad ranges and arguments: refused, nothing moved. */
static void refusals(void)
{
	struct cw w;
	set_up(&w);
	uint64_t where = 0, bytes = 0;
	struct {
		uint64_t base, bytes;
		enum error err;
		const char *name;
	} cases[] = {
		{ CLIENT_VA + 8, PAGE, ERR_ALIGNMENT, "lend_chan: an unaligned base is refused" },
		{ CLIENT_VA, PAGE + 8, ERR_ALIGNMENT, "lend_chan: an unaligned size is refused" },
		{ CLIENT_VA, 0, ERR_INVALID_ARGUMENT, "lend_chan: nothing to lend is refused" },
		{ CLIENT_VA + CLIENT_PAGES * PAGE, PAGE, ERR_INVALID_ARGUMENT,
		  "lend_chan: an unmapped page is refused" },
		{ CLIENT_VA + (CLIENT_PAGES - 1) * PAGE, 2 * PAGE, ERR_INVALID_ARGUMENT,
		  "lend_chan: a range running into unmapped pages is refused" },
		{ 0xffffffc000000000ull, PAGE, ERR_INVALID_ARGUMENT,
		  "lend_chan: a kernel address is refused" },
		{ CHAN_VA, PAGE, ERR_INVALID_ARGUMENT,
		  "lend_chan: the channel's own buffer is refused" },
		{ CLIENT_VA, SLOT + PAGE, ERR_RANGE, "lend_chan: more than the server's slot" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(w.ok ? kestrel_channel_lend(w.ch, cases[i].base, cases[i].bytes, &where)
			    : ERR_OK,
		       cases[i].err, cases[i].name);
	expect(w.ok ? kestrel_service_lend_return(w.svc, 64, &bytes) : ERR_OK, ERR_RANGE,
	       "lend_chan: a return on vector 64 is refused");
	expect(w.ok ? kestrel_service_lend_return(w.svc, w.sv + 1, &bytes) : ERR_OK,
	       ERR_FAILED_LOOKUP, "lend_chan: a return where no channel is");
	expect(w.ok ? kestrel_service_configure_lend(w.svc, LEND_WIN, SLOT) : ERR_OK,
	       ERR_DELETE_FIRST, "lend_chan: the lend window cannot move under a channel");
	/* Everything still the client's, and a lend still works. */
	bool mine = true;
	for (unsigned i = 0; i < CLIENT_PAGES; i++)
		mine = mine && *client_page(i) == MAGIC + i;
	enum error err = w.ok ? kestrel_channel_lend(w.ch, CLIENT_VA, CLIENT_PAGES * PAGE, &where)
			      : ERR_ILLEGAL_OPERATION;
	check(mine && err == ERR_OK && serve(&w, where + 7 * PAGE) && server_saw(&w, MAGIC + 7) &&
		  kestrel_service_lend_return(w.svc, w.sv, &bytes) == ERR_OK,
	      "lend_chan: after the refusals the pages are the client's and a lend works");
	cptr_t ch2 = make(OBJ_CHANNEL, 0);
	expect(kestrel_channel_lend(ch2, CLIENT_VA, PAGE, &where), ERR_ILLEGAL_OPERATION,
	       "lend_chan: a lend on an unregistered channel is refused");
	reset();
}

/* The server never returns: the client's Unregister takes the pages back. */
static void server_never_returns(void)
{
	struct cw w;
	set_up(&w);
	uint64_t where = 0, value = 0;
	cptr_t fep = make(OBJ_ENDPOINT, 0), freply = make(OBJ_REPLY, 0);
	enum error err =
	    w.ok ? kestrel_channel_lend(w.ch, CLIENT_VA, 2 * PAGE, &where) : ERR_ILLEGAL_OPERATION;
	bool lent = err == ERR_OK && serve(&w, where) && server_saw(&w, MAGIC) &&
		    !readable(fep, freply, CLIENT_VA, &value);
	struct kestrel_channel_status st = { 0 };
	err = lent ? kestrel_channel_unregister(w.ch) : ERR_ILLEGAL_OPERATION;
	(void)kestrel_channel_status(w.ch, &st);
	check(err == ERR_OK && st.state == ABI_CHANNEL_FREE &&
		  readable(fep, freply, CLIENT_VA + PAGE, &value) && value == MAGIC + 1 &&
		  server_faulted_at(&w, where),
	      "lend_chan: a server that never returns: Unregister gives the pages back");
	reset();
}

/* The client's thread, registering and lending from an untyped of its own. */
static void lending_client(uint64_t untyped)
{
	while (shared[11] == 0)
		kestrel_yield();
	cptr_t base = (cptr_t)shared[10];
	cptr_t svc = base, table = base + 1, ch = base + 2;
	enum error err = kestrel_untyped_retype(untyped, OBJ_SERVICE, 0, CN, 0, 0, svc, 1);
	if (err == ERR_OK)
		err = kestrel_untyped_retype(untyped, OBJ_SENDER_TABLE, 0, CN, 0, 0, table, 1);
	if (err == ERR_OK)
		err = kestrel_untyped_retype(untyped, OBJ_CHANNEL, 0, CN, 0, 0, ch, 1);
	if (err == ERR_OK)
		err = kestrel_tcb_uintr_bind_receiver((cptr_t)shared[11], svc, 0, 0, 0);
	if (err == ERR_OK)
		err = kestrel_tcb_uintr_bind_sender_table((cptr_t)shared[11], table);
	struct kestrel_channel_register a = { 0, ABI_UINTR_ANY_VECTOR, CHAN_VA + PAGE,
					      (cptr_t)shared[12], 1 };
	uint64_t sv = 0, cv = 0, where = 0;
	if (err == ERR_OK)
		err = kestrel_channel_register(ch, (cptr_t)shared[13], &a, &sv, &cv);
	if (err == ERR_OK)
		err = kestrel_channel_lend(ch, CLIENT_VA, 4 * PAGE, &where);
	shared[14] = where;
	shared_err = err;
	shared[15] = 1;
	for (;;)
		kestrel_yield();
}

/* A client killed (its thread and everything it made deleted) while its
 * pages are lent: the pages come back, the server's window empties, and
 * its untyped retypes whole afterwards (nothing kept, nothing leaked). */
static void client_killed(void)
{
	struct cw w;
	set_up(&w);
	cptr_t ut = make(OBJ_UNTYPED, 16);
	cptr_t base = slot();
	(void)slot();
	(void)slot();
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	cptr_t fep = make(OBJ_ENDPOINT, 0), freply = make(OBJ_REPLY, 0);
	shared[10] = base;
	shared[11] = 0;
	shared[12] = frame;
	shared[13] = w.svc;
	shared[15] = 0;
	shared_err = ERR_ILLEGAL_OPERATION;
	/* The killed thread is spawn()'s; its service, table and channel
	 * come from `ut`. It waits to be told its own TCB. */
	struct thread t = { 0 };
	if (w.ok) {
		t = spawn(lending_client, ut, MAIN_PRIORITY, 0, 0);
		shared[11] = t.tcb;
	}
	for (unsigned i = 0; i < 200000 && shared[15] == 0; i++)
		kestrel_yield();
	uint64_t where = shared[14], value = 0;
	bool lent = shared[15] == 1 && shared_err == ERR_OK && serve(&w, where + PAGE) &&
		    server_saw(&w, MAGIC + 1) && !readable(fep, freply, CLIENT_VA + PAGE, &value);
	/* Kill: the thread, then everything retyped from its untyped. */
	bool killed = t.tcb != 0 && kestrel_tcb_suspend(t.tcb) == ERR_OK &&
		      kestrel_cnode_delete(CN, t.tcb, DEPTH) == ERR_OK &&
		      kestrel_cnode_revoke(CN, ut, DEPTH) == ERR_OK;
	check(lent && killed && readable(fep, freply, CLIENT_VA + PAGE, &value) &&
		  value == MAGIC + 1 && server_faulted_at(&w, where + PAGE),
	      "lend_chan: a client killed mid-lend: its pages come back, the window empties");
	cptr_t whole = slot();
	expect(kestrel_untyped_retype(ut, OBJ_UNTYPED, 16, CN, 0, 0, whole, 1), ERR_OK,
	       "lend_chan: ... and its untyped is whole again (nothing leaked)");
	reset();
}

void ktest_lend_chan(void)
{
	lend_read_touch_return();
	refusals();
	server_never_returns();
	client_killed();
}
