/* SPDX-License-Identifier: MIT */
/* ktest: threads on other harts: affinity, migration, cross-hart IPC and
 * signals. With one hart these cases are skipped (same count). */
#include <stdio.h>

#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define ROUNDS 200

static void where_am_i(uint64_t slot_index)
{
	shared[slot_index] = kestrel_hart() + 1;
}

static void echo_server(uint64_t rounds)
{
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(shared_ep, shared_reply, &m);
	for (uint64_t i = 1; err == ERR_OK && i < rounds; i++) {
		m.mr[0] += 1;
		err = kestrel_reply_recv(shared_ep, shared_reply, &m);
	}
	m.mr[0] += 1;
	(void)kestrel_reply(shared_reply, &m);
	shared[13] = kestrel_hart() + 1;
}

static void signaller(uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		(void)kestrel_signal(shared_ntfn);
	shared[14] = kestrel_hart() + 1;
}

static void migrant(uint64_t tcb)
{
	shared[4] = kestrel_hart() + 1;
	(void)kestrel_tcb_set_affinity(tcb, 0);
	shared[5] = kestrel_hart() + 1;
}

void ktest_smp(void)
{
	const char *why = "needs two harts";
	if (harts < 2) {
		skip("a thread with affinity 1 runs on hart 1", why);
		skip("cross-hart call and reply", why);
		skip("the server ran on the other hart", why);
		skip("signals from another hart wake a waiter", why);
		skip("a thread moves itself to another hart", why);
		skip("threads on every hart", why);
		return;
	}
	shared[2] = 0;
	spawn(where_am_i, 2, MAIN_PRIORITY, 1, 0);
	for (unsigned i = 0; i < 100000 && shared[2] == 0; i++)
		kestrel_yield();
	check(shared[2] == 2, "a thread with affinity 1 runs on hart 1");
	reset();

	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared[13] = 0;
	spawn(echo_server, ROUNDS, MAIN_PRIORITY, 1, 0);
	uint64_t value = 0;
	bool ok = true;
	for (unsigned i = 0; i < ROUNDS && ok; i++) {
		struct kmsg m = msg(0, 1);
		m.mr[0] = value;
		ok = kestrel_call(shared_ep, &m) == ERR_OK && m.mr[0] == value + 1;
		value = m.mr[0];
	}
	check(ok, "cross-hart call and reply");
	for (unsigned i = 0; i < 100000 && shared[13] == 0; i++)
		kestrel_yield();
	check(shared[13] == 2, "the server ran on the other hart");
	reset();

	shared_ntfn = make(OBJ_NOTIFICATION, 0);
	shared[14] = 0;
	spawn(signaller, 50, MAIN_PRIORITY, 1, 0);
	/* One blocking wait (the signals may coalesce into one), then wait
	 * for the signaller to finish. */
	uint64_t badge = 0;
	enum error err = kestrel_wait(shared_ntfn, &badge);
	for (unsigned i = 0; i < 100000 && shared[14] == 0; i++)
		kestrel_yield();
	check(err == ERR_OK && shared[14] == 2, "signals from another hart wake a waiter");
	reset();

	shared[4] = shared[5] = 0;
	/* spawn makes the TCB first: its cptr is the next free slot. */
	spawn(migrant, next_slot_peek(), MAIN_PRIORITY, 1, 0);
	for (unsigned i = 0; i < 100000 && shared[5] == 0; i++)
		kestrel_yield();
	check(shared[4] == 2 && shared[5] == 1, "a thread moves itself to another hart");
	reset();

	for (unsigned h = 0; h < harts && h < 8; h++) {
		shared[h] = 0;
		spawn(where_am_i, h, MAIN_PRIORITY, h, 0);
	}
	bool all = false;
	for (unsigned i = 0; i < 100000 && !all; i++) {
		all = true;
		for (unsigned h = 0; h < harts && h < 8; h++)
			all = all && shared[h] == h + 1;
		kestrel_yield();
	}
	check(all, "threads on every hart");
	reset();
}

static void spin_forever(uint64_t index)
{
	for (;;)
		shared[index]++;
}

/* Threads running on other harts are destroyed under them (revoke of the
 * untyped they came from): the kernel stalls those harts, and they go on
 * with other work. */
void ktest_smp_teardown(void)
{
	const char *why = "needs two harts";
	if (harts < 2) {
		skip("revoke an untyped whose threads run on other harts", why);
		skip("those harts run new threads afterwards", why);
		return;
	}
	for (unsigned h = 1; h < harts && h < 8; h++) {
		shared[h] = 0;
		spawn(spin_forever, h, MAIN_PRIORITY, h, 0);
	}
	bool running = false;
	for (unsigned i = 0; i < 100000 && !running; i++) {
		running = true;
		for (unsigned h = 1; h < harts && h < 8; h++)
			running = running && shared[h] > 0;
		kestrel_yield();
	}
	expect(running ? kestrel_cnode_revoke(PROC_CAP_CNODE, SCRATCH_UNTYPED, DEPTH)
		       : ERR_ILLEGAL_OPERATION,
	       ERR_OK, "revoke an untyped whose threads run on other harts");
	reset();
	for (unsigned h = 1; h < harts && h < 8; h++) {
		shared[h] = 0;
		spawn(where_am_i, h, MAIN_PRIORITY, h, 0);
	}
	bool all = false;
	for (unsigned i = 0; i < 100000 && !all; i++) {
		all = true;
		for (unsigned h = 1; h < harts && h < 8; h++)
			all = all && shared[h] == h + 1;
		kestrel_yield();
	}
	check(all, "those harts run new threads afterwards");
	reset();
}

/* Machine code of: loop: ld t0, 0(a0); addi t0, t0, 1; sd t0, 0(a0); j loop */
static const uint32_t counting_loop[] = { 0x00053283, 0x00128293, 0x00553023, 0xff5ff06f };
#define OTHER_CODE_VA 0x10000ull
#define OTHER_DATA_VA 0x20000ull

static uint64_t read_time(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* Threads of another address space run on every other hart; the VSpace
 * is revoked and deleted under them: they must stop (and fault), the
 * kernel must not let them walk its freed tables. */
void ktest_smp_vspace(void)
{
	const char *why = "needs two harts";
	if (harts < 2) {
		skip("threads of a second address space run on other harts", why);
		skip("deleting that VSpace under them stops them", why);
		skip("each of them reports a fault", why);
		return;
	}
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	cptr_t vspace = make(OBJ_PAGE_TABLE, 0);
	cptr_t code = make(OBJ_FRAME_4K, 0), data = make(OBJ_FRAME_4K, 0);
	cptr_t data_here = slot();
	(void)kestrel_cnode_copy(CN, data_here, DEPTH, CN, data, DEPTH, ABI_RIGHTS_ALL);
	volatile uint64_t *counters = map_frame(data_here, RW);
	uint32_t *text = map_frame(code, RW);
	bool built = counters != NULL && text != NULL &&
		     kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, vspace) == ERR_OK;
	if (built) {
		for (unsigned i = 0; i < 4; i++)
			text[i] = counting_loop[i];
		__asm__ volatile("fence.i" ::: "memory");
		built = kestrel_page_unmap(code) == ERR_OK &&
			map_in(code, vspace, OTHER_CODE_VA, ABI_RIGHT_READ, 0) == ERR_OK &&
			map_in(data, vspace, OTHER_DATA_VA, RW, XN) == ERR_OK;
	}
	unsigned others = 0;
	for (unsigned h = 1; built && h < harts && h < 8; h++) {
		cptr_t tcb = make(OBJ_TCB, 0);
		uint64_t regs[ABI_REG_COUNT] = { 0 };
		regs[ABI_REG_PC] = OTHER_CODE_VA;
		regs[ABI_REG_A0] = OTHER_DATA_VA + 8 * h;
		counters[h] = 0;
		built = kestrel_tcb_configure(tcb, ep, CN, 0, vspace, 0, 0, 0) == ERR_OK &&
			kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, MAIN_PRIORITY) == ERR_OK &&
			kestrel_tcb_set_affinity(tcb, h) == ERR_OK &&
			kestrel_tcb_write_registers(tcb, true, ABI_REG_COUNT, regs) == ERR_OK;
		others++;
	}
	/* Up to 5 s of the 10 MHz time counter: other vCPUs may start late. */
	bool running = false;
	uint64_t start = read_time();
	while (built && !running && read_time() - start < 50000000) {
		running = true;
		for (unsigned h = 1; h <= others; h++)
			running = running && counters[h] > 0;
	}
	check(built && running, "threads of a second address space run on other harts");
	bool deleted = kestrel_cnode_revoke(CN, vspace, DEPTH) == ERR_OK &&
		       kestrel_cnode_delete(CN, vspace, DEPTH) == ERR_OK;
	uint64_t before[8];
	for (unsigned h = 1; h <= others; h++)
		before[h] = counters[h];
	let_others_run(1000);
	bool stopped = true;
	for (unsigned h = 1; h <= others; h++)
		stopped = stopped && counters[h] == before[h];
	check(deleted && stopped, "deleting that VSpace under them stops them");
	unsigned faults = 0;
	for (unsigned i = 0; i < 200000 && faults < others; i++) {
		struct kmsg m = msg(0, 0);
		if (kestrel_nb_recv(ep, reply, &m) == ERR_OK && info_label(m.info) == 1)
			faults++;
	}
	check(faults == others, "each of them reports a fault");
	reset();
}
