/* SPDX-License-Identifier: MIT */
/* ktest: floating-point registers are each thread's own: two threads on
 * one hart hold different values in fs0/fs1 and call each other; every
 * switch between them must keep each one's values (arch_fpu_switch). */
#include "ktest_support.h"

#define ROUNDS 50

static void set_fp(uint64_t a, uint64_t b)
{
	__asm__ volatile("fmv.d.x fs0, %0\n\tfmv.d.x fs1, %1" : : "r"(a), "r"(b) : "fs0", "fs1");
}

static bool fp_is(uint64_t a, uint64_t b)
{
	uint64_t x, y;
	__asm__ volatile("fmv.x.d %0, fs0\n\tfmv.x.d %1, fs1" : "=r"(x), "=r"(y));
	return x == a && y == b;
}

static void fp_server(uint64_t unused)
{
	(void)unused;
	set_fp(0x1111111111111111ull, 0x2222222222222222ull);
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(shared_ep, shared_reply, &m);
	bool same = true;
	for (unsigned i = 0; i < ROUNDS && err == ERR_OK; i++) {
		same = same && fp_is(0x1111111111111111ull, 0x2222222222222222ull);
		m = msg(0, 0);
		err = i + 1 < ROUNDS ? kestrel_reply_recv(shared_ep, shared_reply, &m)
				     : kestrel_reply(shared_reply, &m);
	}
	shared[15] = same && err == ERR_OK ? 1 : 2;
}

/* A server that never used FP before this case: each round it finds the
 * values it wrote last round, writes new ones and answers with
 * ReplyRecv, its FP registers Dirty. */
static void fp_dirty_server(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	enum error err = kestrel_recv(shared_ep, shared_reply, &m);
	bool same = true;
	for (unsigned i = 0; i < ROUNDS && err == ERR_OK; i++) {
		same = same && (i == 0 || fp_is(0x5555555555555500ull + i - 1, 0x66ull + i - 1));
		set_fp(0x5555555555555500ull + i, 0x66ull + i);
		m = msg(0, 0);
		err = i + 1 < ROUNDS ? kestrel_reply_recv(shared_ep, shared_reply, &m)
				     : kestrel_reply(shared_reply, &m);
	}
	shared[15] = same && err == ERR_OK ? 1 : 2;
}

/* A caller that never uses FP: it must see zeroed FP registers after
 * every call (reading them leaves sstatus.FS as it was). */
static void fp_free_caller(uint64_t unused)
{
	(void)unused;
	bool zero = true;
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct kmsg m = msg(0, 0);
		zero = zero && kestrel_call(shared_ep, &m) == ERR_OK && fp_is(0, 0);
	}
	shared[14] = zero ? 1 : 2;
}

/* The first tier's FP test (arch_fpu_switch_none): a ReplyRecv from a
 * thread whose FP registers are Dirty must not hand them to its caller
 * (both never used FP before, so both want the zeroed registers, and the
 * keys alone would match) nor lose them. Both threads are new, at a
 * priority above this one: they run to the end before it goes on. */
static void ktest_fp_dirty_reply(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared[14] = shared[15] = 0;
	spawn(fp_dirty_server, 0, MAIN_PRIORITY + 1, 0, 0);
	spawn(fp_free_caller, 0, MAIN_PRIORITY + 1, 0, 0);
	let_others_run(2);
	check(shared[14] == 1, "a caller that never used FP sees zeroed FP registers after "
			       "50 replies from a server whose FP registers were Dirty");
	check(shared[15] == 1, "that server finds its FP values again in each round");
	reset();
}

void ktest_fp(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared[15] = 0;
	cptr_t server = spawn(fp_server, 0, MAIN_PRIORITY + 1, 0, 0).tcb;
	set_fp(0x3333333333333333ull, 0x4444444444444444ull);
	/* Both threads' IPCs (DebugFastpath counts per thread). */
	uint64_t mine0, its0, mine1, its1;
	bool on = kestrel_debug_fastpath(0, &mine0);
	uint64_t all0 = mine0 + kestrel_debug_thread_fastpath(server, &its0);
	uint64_t first0 = kestrel_debug_fastpath_first_tier() + its0;
	bool same = true;
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct kmsg m = msg(0, 0);
		same = same && kestrel_call(shared_ep, &m) == ERR_OK &&
		       fp_is(0x3333333333333333ull, 0x4444444444444444ull);
	}
	(void)kestrel_debug_fastpath(0, &mine1);
	uint64_t all1 = mine1 + kestrel_debug_thread_fastpath(server, &its1);
	uint64_t first = kestrel_debug_fastpath_first_tier() + its1 - first0;
	check(same, "a caller's FP registers survive 50 calls to an FP-using server");
	check(shared[15] == 1, "the server's FP registers survive the caller's");
	/* Every switch here loads the other thread's FP registers: the first
	 * tier refuses that (arch_fpu_switch_quick), the second does the IPC
	 * (its 50 calls and 49 reply-receives, a tick may cost a few). The
	 * values above are the check that the answers are the same. */
	if (on)
		check(first == 0 && all1 - all0 >= 90,
		      "with FP registers to load, the fastpath's second tier does the IPCs");
	else
		check(first == 0 && all1 == all0, "with fastpath=off, neither tier does an IPC");
	reset();
	ktest_fp_dirty_reply();
}
