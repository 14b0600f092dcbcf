/* SPDX-License-Identifier: MIT */
/*
 * ktest: every register a thread sees after a Call or ReplyRecv, checked
 * one by one, with both sides' registers filled with their own patterns
 * (ktest_regs.S): the woken thread gets result, badge, info and the words
 * below the length from the IPC, 0 in the message registers past it, in
 * t0..t2 no value of another thread's or the kernel's (they are
 * unspecified across Call and ReplyRecv) and everything else of its own
 * (docs/abi.md "Registers"). The same
 * case runs with the fastpath on (its first tier's exit, user_return_ipc)
 * and off; a round also resumes a thread the first tier blocked through
 * the slow path, and reads that blocked thread's registers from its TCB.
 */
#include <stdio.h>

#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define X_A0 10
#define X_A1 11
#define X_A2 12
#define X_A7 17

void ktest_regs_ecall(uint64_t regs[32]);
void ktest_regs_spin(uint64_t regs[32]);

/* The machine register (x1..x31) of MR0..MR7 (docs/abi.md). */
static const unsigned mr_reg[8] = { 13, 14, 15, 16, 28, 29, 30, 31 };
/* ABI_REG_* index -> machine register. */
static unsigned abi_to_x(unsigned i)
{
	static const unsigned fixed[4] = { 0, 1, 2, 3 }; /* pc (none), ra, sp, gp */
	if (i < 4)
		return fixed[i];
	if (i < ABI_REG_A0)
		return i - ABI_REG_S0 < 2 ? 8 + (i - ABI_REG_S0) : 18 + (i - ABI_REG_S0 - 2);
	if (i < ABI_REG_T0)
		return 10 + (i - ABI_REG_A0);
	if (i < ABI_REG_TP)
		return i - ABI_REG_T0 < 3 ? 5 + (i - ABI_REG_T0) : 28 + (i - ABI_REG_T0 - 3);
	return 4;
}

static uint64_t pattern(unsigned side, unsigned x)
{
	return UINT64_C(0x5a5a000000000000) | (uint64_t)side << 24 | (uint64_t)x << 8 | x;
}

static void fill(uint64_t r[32], unsigned side)
{
	for (unsigned x = 0; x < 32; x++)
		r[x] = x == 0 || x == 2 ? 0 : pattern(side, x);
}

static bool is_mr(unsigned x)
{
	return (x >= 13 && x <= 16) || x >= 28;
}

static bool is_mr_below(unsigned x, unsigned length)
{
	for (unsigned i = 0; i < length; i++)
		if (mr_reg[i] == x)
			return true;
	return false;
}

/* t0..t2 (x5..x7) after a Call or ReplyRecv: unspecified, but never a
 * kernel value or another thread's (docs/abi.md "Registers"): here, not a
 * kernel-half address and no pattern but those of `sides` (a bit a side:
 * the thread's own, which it had in its registers at earlier calls). */
static bool is_t0_t2(unsigned x)
{
	return x >= 5 && x <= 7;
}

static bool foreign(uint64_t v, unsigned sides)
{
	bool kernel = (v >> 38) == (UINT64_MAX >> 38); /* Sv39's upper half */
	unsigned side = (v >> 24) & 0xff;
	bool other_pattern = (v >> 48) == 0x5a5a && (side >= 32 || (sides & 1u << side) == 0);
	return kernel || other_pattern;
}

/* Compare what a woken thread saw (seen) with its own registers before
 * its call (own), the sender's (from) and the IPC's a0..a2. Returns the
 * first register that differs, or 0. */
static unsigned first_wrong(const volatile uint64_t *seen, const uint64_t *own, unsigned sides,
			    const uint64_t *from, uint64_t badge, uint64_t info)
{
	unsigned length = info_length(info);
	for (unsigned x = 1; x < 32; x++) {
		uint64_t want = own[x];
		if (x == 2)
			continue; /* sp: the helper's own, not set */
		if (x == X_A0)
			want = ERR_OK;
		else if (x == X_A1)
			want = badge;
		else if (x == X_A2)
			want = info;
		else if (is_mr_below(x, length))
			want = from[x];
		else if (is_mr(x))
			want = 0; /* past the length */
		else if (is_t0_t2(x)) {
			if (foreign(seen[x], sides))
				return x;
			continue;
		}
		if (seen[x] != want)
			return x;
	}
	return 0;
}

static uint64_t server_before[32], client_before[32], reply_regs[32];
static volatile uint64_t server_seen[32], client_seen[32], blocked_view[ABI_REG_COUNT];
static volatile enum error read_err;
static volatile bool slow_reply;

/* The server: a plain receive, a raw ReplyRecv (pattern 2, 2 words) that
 * the raw Call wakes, a read of the blocked caller's registers, a raw
 * ReplyRecv (pattern 3, 3 words; through the slow path when slow_reply),
 * then the reply to the caller's last call. */
/* The server's raw ReplyRecv: every register its side's pattern but the
 * call's own (number, endpoint, reply, info); a copy kept in before. */
static void reply_recv_regs(uint64_t r[32], unsigned side, uint64_t info, uint64_t before[32])
{
	fill(r, side);
	r[X_A7] = SYS_REPLY_RECV;
	r[X_A0] = shared_ep;
	r[X_A1] = shared_reply;
	r[X_A2] = info;
	for (unsigned x = 0; x < 32; x++)
		before[x] = r[x];
}

static void regs_server(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	if (kestrel_recv(shared_ep, shared_reply, &m) != ERR_OK)
		return;
	uint64_t r[32];
	reply_recv_regs(r, 2, kestrel_info(5, 2, 0), server_before);
	ktest_regs_ecall(r);
	for (unsigned x = 0; x < 32; x++)
		server_seen[x] = r[x];
	uint64_t view[ABI_REG_COUNT];
	read_err = kestrel_tcb_read_registers(PROC_CAP_TCB, false, ABI_REG_COUNT, view);
	for (unsigned i = 0; i < ABI_REG_COUNT; i++)
		blocked_view[i] = view[i];
	uint64_t taken;
	bool on = kestrel_debug_fastpath(0, &taken);
	if (slow_reply && on)
		(void)kestrel_debug_fastpath(1, &taken);
	reply_recv_regs(r, 3, kestrel_info(11, 3, 0), reply_regs);
	ktest_regs_ecall(r);
	if (slow_reply && on)
		(void)kestrel_debug_fastpath(2, &taken);
	m = msg(0, 0);
	shared_err = kestrel_reply(shared_reply, &m);
}

/* One case of a round; wrong: the first register that differs, or 0. */
static void regs_report(bool pass, const char *round, const char *what, unsigned wrong)
{
	char name[128], detail[32] = "";
	snprintf(name, sizeof(name), "%s: %s", round, what);
	if (wrong != 0)
		snprintf(detail, sizeof(detail), "x%u differs", wrong);
	report(pass, name, detail);
}

static void regs_round(bool slow)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared_err = ERR_RANGE;
	read_err = ERR_RANGE;
	slow_reply = slow;
	uint64_t taken;
	bool on = kestrel_debug_fastpath(0, &taken);
	spawn(regs_server, 0, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	struct kmsg m = msg(1, 0);
	(void)kestrel_call(shared_ep, &m); /* answered by the server's raw ReplyRecv */
	uint64_t r[32];
	fill(r, 1);
	r[X_A7] = SYS_CALL;
	r[X_A0] = shared_ep;
	r[X_A1] = pattern(1, X_A1);
	r[X_A2] = kestrel_info(9, 3, 0);
	for (unsigned x = 0; x < 32; x++)
		client_before[x] = r[x];
	uint64_t first0 = kestrel_debug_fastpath_first_tier();
	ktest_regs_ecall(r);
	uint64_t first1 = kestrel_debug_fastpath_first_tier();
	for (unsigned x = 0; x < 32; x++)
		client_seen[x] = r[x];
	m = msg(1, 0);
	(void)kestrel_call(shared_ep, &m); /* the server's last reply */
	let_others_run(1);

	const char *round = slow ? "slow reply" : "plain";
	unsigned x = first_wrong(server_seen, server_before, 1u << 2, client_before, 0,
				 kestrel_info(9, 3, 0));
	regs_report(x == 0, round,
		    "the receiver of a Call sees its own registers and the message's", x);
	x = first_wrong(client_seen, client_before, 1u << 1, reply_regs, 0, kestrel_info(11, 3, 0));
	regs_report(x == 0, round,
		    "the caller woken by a ReplyRecv sees its own registers and the reply's", x);
	/* ReadRegisters of the caller blocked in its Call: what it called
	 * with (a0 is the call's result by then; pc and sp are not patterns). */
	unsigned wrong = 0;
	for (unsigned i = 1; i < ABI_REG_COUNT && read_err == ERR_OK; i++) {
		unsigned rx = abi_to_x(i);
		bool bad = is_t0_t2(rx) ? foreign(blocked_view[i], 1u << 1)
					: blocked_view[i] != client_before[rx];
		if (rx != 2 && rx != X_A0 && bad && wrong == 0)
			wrong = rx;
	}
	regs_report(read_err == ERR_OK && wrong == 0, round,
		    "a caller blocked in its Call reads back as it called", wrong);
	if (on) /* the Call at least (a tick may cost the ReplyRecv) */
		regs_report(first1 - first0 >= 1, round,
			    "the fastpath's first tier took the patterned IPCs", 0);
	else
		regs_report(first1 == first0, round,
			    "with fastpath=off, its first tier takes no patterned IPC", 0);
	regs_report(shared_err == ERR_OK, round,
		    "the patterned server ended its loop without errors", 0);
	reset();
}

/*
 * A ReplyRecv run again. The fastpath's entry saves no message register of
 * a ReplyRecv (docs/abi.md "Registers"), so the TCB of a server blocked in
 * one holds older words there (pattern 4 of its raw Recv, or the 8-word
 * call it got). Suspended and resumed, the server runs its ReplyRecv again
 * from the ecall with those: its reply object has no caller by then, so
 * that call must reply to nobody (its words unread) and then receive the
 * next call as any receive does: the call's word, 0 past it, and its own
 * registers.
 */
static uint64_t restart_before[32], recv_before[32];
static volatile uint64_t restart_seen[32], recv_seen[32];

static void restart_server(uint64_t unused)
{
	(void)unused;
	uint64_t r[32];
	fill(r, 4);
	r[X_A7] = SYS_RECV;
	r[X_A0] = shared_ep;
	r[X_A1] = shared_reply;
	r[X_A2] = 0;
	for (unsigned x = 0; x < 32; x++)
		recv_before[x] = r[x];
	ktest_regs_ecall(r); /* the client's 8-word call */
	for (unsigned x = 0; x < 32; x++)
		recv_seen[x] = r[x];
	reply_recv_regs(r, 2, kestrel_info(5, 2, 0), restart_before);
	ktest_regs_ecall(r); /* suspended and resumed in here, then the 1-word call */
	for (unsigned x = 0; x < 32; x++)
		restart_seen[x] = r[x];
	struct kmsg m = msg(0, 0);
	shared_err = kestrel_reply(shared_reply, &m);
}

static void restart_round(void)
{
	shared_ep = make(OBJ_ENDPOINT, 0);
	shared_reply = make(OBJ_REPLY, 0);
	shared_err = ERR_RANGE;
	struct thread server = spawn(restart_server, 0, MAIN_PRIORITY + 1, kestrel_hart(), 0);
	struct kmsg m = msg(1, MSG_REGISTER_WORDS);
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		m.mr[i] = pattern(5, mr_reg[i]);
	enum error first = kestrel_call(shared_ep, &m);
	/* The server's Recv keeps t0..t2 (only Call and ReplyRecv may lose
	 * them): the fast exit loads them from its block. */
	uint64_t sent[32] = { 0 };
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		sent[mr_reg[i]] = pattern(5, mr_reg[i]);
	unsigned x = first_wrong(recv_seen, recv_before, 1u << 4, sent, 0,
				 kestrel_info(1, MSG_REGISTER_WORDS, 0));
	for (unsigned t = 5; t <= 7 && x == 0; t++)
		if (recv_seen[t] != recv_before[t])
			x = t;
	regs_report(x == 0, "restart",
		    "a Recv woken by an 8-word Call sees the words and keeps t0..t2 and the rest",
		    x);
	unsigned wrong = first == ERR_OK && info_length(m.info) == 2 ? 0 : 1;
	for (unsigned i = 0; i < MSG_REGISTER_WORDS && wrong == 0; i++)
		if (m.mr[i] != (i < 2 ? pattern(2, mr_reg[i]) : 0))
			wrong = mr_reg[i];
	regs_report(wrong == 0, "restart", "a reply's message registers past its length read 0",
		    wrong);
	/* The server now waits in its ReplyRecv's receive. */
	enum error stop = kestrel_tcb_suspend(server.tcb);
	enum error go = kestrel_tcb_resume(server.tcb);
	uint64_t from[32] = { 0 };
	from[mr_reg[0]] = 0x77;
	m = msg(9, 1);
	m.mr[0] = 0x77;
	enum error second = kestrel_call(shared_ep, &m);
	let_others_run(1);
	x = first_wrong(restart_seen, restart_before, 1u << 2 | 1u << 4, from, 0,
			kestrel_info(9, 1, 0));
	regs_report(stop == ERR_OK && go == ERR_OK && x == 0, "restart",
		    "a ReplyRecv run again after suspend and resume receives the next call as any "
		    "receive",
		    x);
	regs_report(second == ERR_OK && shared_err == ERR_OK, "restart",
		    "the resumed server answered the next call", 0);
	reset();
}

/*
 * A trap that is no fastpath saves every register: this thread, every
 * register patterned, waits on a word in t6 that a thread of its own
 * priority on its hart sets, so it was preempted by the timer in the
 * middle (trap.S's entry saves the registers every way needs first, then
 * the rest for any trap the fastpath does not take).
 */
static volatile uint64_t spin_word;

static void set_spin_word(uint64_t unused)
{
	(void)unused;
	spin_word = 1;
}

static void preempt_round(void)
{
	spin_word = 0;
	(void)spawn(set_spin_word, 0, MAIN_PRIORITY, kestrel_hart(), 0);
	uint64_t r[32], before[32];
	fill(r, 6);
	r[30] = 0;
	r[31] = (uint64_t)(uintptr_t)&spin_word;
	for (unsigned x = 0; x < 32; x++)
		before[x] = r[x];
	ktest_regs_spin(r);
	unsigned wrong = 0;
	for (unsigned x = 1; x < 32 && wrong == 0; x++)
		if (x != 2 && r[x] != (x == 30 ? 1 : before[x]))
			wrong = x;
	regs_report(wrong == 0, "preempted",
		    "a thread preempted by the timer keeps every register, t0..t2 and the "
		    "message registers included",
		    wrong);
	reset();
}

void ktest_regs(void)
{
	regs_round(false);
	regs_round(true);
	restart_round();
	preempt_round();
}
