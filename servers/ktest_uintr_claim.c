/* SPDX-License-Identifier: MIT */
/*
 * ktest: UintrSendWait and its claim of a sleeper (kernel/uintr_sendwait.c,
 * core/uintr_claim.h, docs/uintr.md "The claim of a sleeper"), on
 * whichever backend the machine has. A partner thread sleeps in
 * UintrSendWait; the main thread's UintrSendWait sends to it and sleeps;
 * the partner answers the same way. With the fastpath on, each of those
 * calls hands the hart to the other thread (the hart's DebugUintrClaims
 * count moves) and the kernel READs the woken thread's bits for it; with
 * it off (booted fastpath=off, or turned off here) nothing is claimed and
 * the threads READ themselves: the bits and the order are the same. Each
 * condition the claim needs, failed, takes the general path with the same
 * result: the partner on another hart, not asleep (busy), below a thread
 * ready on the hart, suspended (killed), already woken by a second sender,
 * taking its bits in its handler. And the call's own answers: no
 * receiver, a poll, bits pending. The claims are trap.S's first tier's
 * (kernel/uintr_sendwait_entry.c) when the threads are loaded, and it
 * refuses, as the general path, what the claim refuses.
 */
#include "kestrel_uintr.h"
#include "ktest_support.h"

#define VECTOR_MAIN 7     /* the partner's entry 0 rings the main thread here */
#define VECTOR_PARTNER 11 /* the main thread's entry 0 rings the partner here */
#define VECTOR_SECOND 12  /* entry 1: the partner too, as a second sender */
#define ROUNDS 3
#define TICKS_10MS 100000u /* at QEMU virt's 10 MHz time base */

KESTREL_UINTR_ENTRY(ktest_claim_entry, ktest_claim_handler);
void ktest_claim_entry(void);
void ktest_claim_handler(void);

/* shared[]: 1 partner bits seen, 2 rounds answered, 3 bits the kernel read
 * for the partner (rounds), 4 handler bits, 5 order counter, 6 the ready
 * thread's turn, 7 the partner's first turn, 8 the partner's last error,
 * 9 the busy partner may sleep, 10 the partner's wake-ups. */

void ktest_claim_handler(void)
{
	shared[4] |= uipi_read();
}

/* Of this hart's claims, those UintrSendWait's first tier took
 * (kernel/uintr_sendwait_entry.c: DebugUintrClaims's MR0). */
static uint64_t first_tier_claims(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_UINTR_CLAIMS, 0, 0, &m);
	return m.mr[0];
}

/* The bits a UintrSendWait woke the caller with: what the kernel read, or
 * a READ when it read none. */
static uint64_t bits_of(uint64_t read)
{
	return read != 0 ? read : uipi_read();
}

/* Sleeps, then answers `rounds` wake-ups: each is recorded, then sent
 * back (entry 0) with the next sleep in one call. */
static void partner(uint64_t rounds)
{
	uint64_t woken = 0, read = 0;
	enum error err;
	while (!shared[9])
		kestrel_yield(); /* busy until told (set at once but in not_sleeping) */
	while ((err = kestrel_uintr_send_wait(UINT64_MAX, 0, false, &woken, &read)) ==
	       ERR_ILLEGAL_OPERATION)
		kestrel_yield();
	for (uint64_t r = 0; r < rounds && err == ERR_OK && woken == 1; r++) {
		if (shared[7] == 0)
			shared[7] = ++shared[5];
		shared[10]++;
		shared[3] += read != 0;
		shared[1] |= bits_of(read);
		shared[2]++;
		err = kestrel_uintr_send_wait(UINT64_MAX, 0, true, &woken, &read);
	}
	shared[8] = err;
}

/* A ready thread: takes its turn in the order. */
static void ready_thread(uint64_t unused)
{
	(void)unused;
	shared[6] = ++shared[5];
}

struct pair {
	struct thread partner;
	cptr_t main_svc, partner_svc, main_table, partner_table;
	enum error err;
};

/* The main thread and a partner on `hart` joined both ways (and the main
 * thread's entry 1 to the partner); the partner (handler on when
 * `handler`) is asleep when this returns unless `busy`. */
static struct pair pair_up(unsigned hart, bool handler, uint64_t rounds, bool busy)
{
	struct pair p = { .main_svc = make(OBJ_SERVICE, 0),
			  .partner_svc = make(OBJ_SERVICE, 0),
			  .main_table = make(OBJ_SENDER_TABLE, 1),
			  .partner_table = make(OBJ_SENDER_TABLE, 0) };
	for (unsigned i = 0; i < 11; i++)
		shared[i] = 0;
	shared[9] = !busy;
	p.partner = spawn(partner, rounds, MAIN_PRIORITY, hart, 0);
	uint64_t v;
	/* Receivers first: an entry names a bound service. */
	p.err = kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, p.main_svc, 0, 0, 0);
	if (p.err == ERR_OK)
		p.err = kestrel_tcb_uintr_bind_receiver(
		    p.partner.tcb, p.partner_svc,
		    handler ? (uint64_t)(uintptr_t)ktest_claim_entry : 0, 0,
		    handler ? ABI_UINTR_ENABLE : 0);
	if (p.err == ERR_OK)
		p.err = kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, p.main_table);
	if (p.err == ERR_OK)
		p.err = kestrel_tcb_uintr_bind_sender_table(p.partner.tcb, p.partner_table);
	if (p.err == ERR_OK)
		p.err = kestrel_sender_table_register(p.main_table, 0, p.partner_svc,
						      VECTOR_PARTNER, &v);
	if (p.err == ERR_OK)
		p.err = kestrel_sender_table_register(p.main_table, 1, p.partner_svc, VECTOR_SECOND,
						      &v);
	if (p.err == ERR_OK)
		p.err =
		    kestrel_sender_table_register(p.partner_table, 0, p.main_svc, VECTOR_MAIN, &v);
	let_others_run(20); /* it goes to sleep (or yields, busy) */
	return p;
}

/* `rounds` calls to the partner: each sends, sleeps and is woken by the
 * answer. True when every answer came with exactly the partner's bit. */
static bool calls(uint64_t rounds)
{
	bool right = true;
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t woken = 0, read = 0;
		enum error err = kestrel_uintr_send_wait(UINT64_MAX, 0, true, &woken, &read);
		right =
		    right && err == ERR_OK && woken == 1 && bits_of(read) == 1ull << VECTOR_MAIN;
	}
	return right;
}

static void taken(void)
{
	uint64_t t;
	bool on = kestrel_debug_fastpath(0, &t);
	struct pair p = pair_up(kestrel_hart(), false, 2 * ROUNDS, false);
	uint64_t d0 = kestrel_uintr_claims(), f0 = first_tier_claims();
	bool right = p.err == ERR_OK && calls(ROUNDS);
	uint64_t d1 = kestrel_uintr_claims(), f1 = first_tier_claims();
	uint64_t read_on = shared[3];
	(void)kestrel_debug_fastpath(1, &t);
	right = right && calls(ROUNDS);
	uint64_t d2 = kestrel_uintr_claims(), f2 = first_tier_claims();
	bool now_on = kestrel_debug_fastpath(on ? 2 : 1, &t);
	right = right && shared[2] == 2 * ROUNDS && shared[1] == 1ull << VECTOR_PARTNER;
	check(right, "uintr claim: send-and-wait calls are answered alike with the claim on and "
		     "off (bits, rounds)");
	if (on)
		check(d1 - d0 >= 2 * ROUNDS - 1 && read_on >= ROUNDS - 1,
		      "uintr claim: on, each send-and-wait hands the hart to the sleeper it woke, "
		      "whose bits the kernel reads (a tick may cost one)");
	else
		check(d1 == d0 && read_on == 0,
		      "uintr claim: with fastpath=off, no send-and-wait claims or reads");
	check(d2 == d1 && f2 == f1 && shared[3] == read_on && now_on == on,
	      "uintr claim: turned off, nothing is claimed; the boot state is back");
	/* Both threads are loaded when they call (each ran in user mode
	 * since its last claim): the first tier has every claim but one a
	 * tick may have sent through the general entry. */
	check(on ? f1 - f0 >= 2 * ROUNDS - 2 && f1 - f0 <= d1 - d0 : f1 == f0,
	      on ? "uintr claim: trap.S's first tier takes the claims (the general entry none but "
		   "a tick's)"
		 : "uintr claim: with fastpath=off, the first tier takes nothing");
	reset();
}

/* A ready thread above the partner: the scheduler runs it first (the
 * general path); the partner's answer may claim the main thread. */
static void lower_priority(void)
{
	uint64_t t;
	bool on = kestrel_debug_fastpath(0, &t);
	struct pair p = pair_up(kestrel_hart(), false, 1, false);
	enum error err = p.err;
	if (err == ERR_OK)
		err = kestrel_tcb_set_priority(p.partner.tcb, PROC_CAP_TCB, MAIN_PRIORITY - 2);
	spawn(ready_thread, 0, MAIN_PRIORITY - 1, kestrel_hart(), 0);
	uint64_t d0 = kestrel_uintr_claims();
	bool right = err == ERR_OK && calls(1);
	uint64_t d1 = kestrel_uintr_claims();
	check(right && shared[6] == 1 && shared[7] == 2 && shared[1] == 1ull << VECTOR_PARTNER,
	      "uintr claim: a ready thread above the woken one runs first (same bits)");
	check(on ? d1 - d0 <= 1 && shared[3] == 0 : d1 == d0,
	      "uintr claim: refused for a sleeper the scheduler would not run next");
	reset();
}

static void other_hart(void)
{
	const char *name = "uintr claim: refused for a sleeper on another hart (same bits)";
	if (harts < 2) {
		skip(name, "needs two harts");
		return;
	}
	struct pair p = pair_up(1, false, 1, false);
	uint64_t d0 = kestrel_uintr_claims(), f0 = first_tier_claims();
	bool right = p.err == ERR_OK && calls(1);
	uint64_t d1 = kestrel_uintr_claims(), f1 = first_tier_claims();
	check(right && d1 == d0 && f1 == f0 && shared[3] == 0 &&
		  shared[1] == 1ull << VECTOR_PARTNER,
	      name);
	reset();
}

/* The partner is busy (Yields, not asleep) when the call comes: the bit
 * waits for its wait, which returns at once; its answer may claim. */
static void not_sleeping(void)
{
	uint64_t t;
	bool on = kestrel_debug_fastpath(0, &t);
	struct pair p = pair_up(kestrel_hart(), false, 1, true);
	shared[9] = 1; /* it may sleep once it runs again: after the call below */
	uint64_t d0 = kestrel_uintr_claims();
	bool right = p.err == ERR_OK && calls(1);
	uint64_t d1 = kestrel_uintr_claims();
	check(right && shared[1] == 1ull << VECTOR_PARTNER && shared[3] == 0 &&
		  (on ? d1 - d0 <= 1 : d1 == d0),
	      "uintr claim: refused for a receiver that is not asleep (same bits, its own READ)");
	reset();
}

/* The partner was suspended (its wait cut): the call sends, sleeps to its
 * deadline and claims nothing; resumed, the partner finds the bit. */
static void killed(void)
{
	struct pair p = pair_up(kestrel_hart(), false, 1, false);
	enum error err = p.err;
	if (err == ERR_OK)
		err = kestrel_tcb_suspend(p.partner.tcb);
	uint64_t d0 = kestrel_uintr_claims(), f0 = first_tier_claims(), woken = 9, read = 9;
	if (err == ERR_OK)
		err = kestrel_uintr_send_wait(uintr_now() + TICKS_10MS, 0, true, &woken, &read);
	uint64_t d1 = kestrel_uintr_claims(), f1 = first_tier_claims();
	bool timed_out = err == ERR_OK && woken == 0 && read == 0 && d1 == d0 && f1 == f0;
	if (err == ERR_OK)
		err = kestrel_tcb_resume(p.partner.tcb);
	let_others_run(20); /* its wait runs again, finds the bit, answers */
	check(timed_out && err == ERR_OK && shared[1] == 1ull << VECTOR_PARTNER &&
		  uipi_read() == 1ull << VECTOR_MAIN,
	      "uintr claim: refused for a suspended receiver: the call times out, the bit waits "
	      "for its restarted wait");
	reset();
}

/* Does a uipi SEND enter the kernel (the emulated backend) or not (the
 * hardware: UINTC takes it, and the kernel sees it at a poll)? */
static bool send_traps(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &m);
	uint64_t before = m.badge;
	for (unsigned i = 0; i < 16; i++)
		uipi_send(7); /* past the table's two entries: nothing sent */
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &m);
	return m.badge - before > 9;
}

/* A second sender came first: the main thread's uipi SEND through entry 1
 * woke the partner (on the emulated backend: the kernel saw it), so the
 * call's send through entry 0 finds it awake and claims nothing; the
 * partner's one wake-up has both bits. On the hardware the kernel has not
 * seen that SEND (UINTC holds it) and may claim: the bits are the same. */
static void second_sender(void)
{
	struct pair p = pair_up(kestrel_hart(), false, 1, false);
	bool traps = send_traps();
	uint64_t d0 = kestrel_uintr_claims();
	uipi_send(1);
	bool right = p.err == ERR_OK && calls(1);
	uint64_t d1 = kestrel_uintr_claims();
	check(right && shared[10] == 1 &&
		  shared[1] == (1ull << VECTOR_PARTNER | 1ull << VECTOR_SECOND) &&
		  (traps ? shared[3] == 0 && d1 - d0 <= 1 : true),
	      "uintr claim: refused for a receiver a second sender woke first (both bits, one "
	      "wake-up)");
	reset();
}

static void handler_takes(void)
{
	uint64_t t;
	bool on = kestrel_debug_fastpath(0, &t);
	struct pair p = pair_up(kestrel_hart(), true, 1, false);
	uint64_t d0 = kestrel_uintr_claims();
	bool right = p.err == ERR_OK && calls(1);
	uint64_t d1 = kestrel_uintr_claims();
	check(right && shared[4] == 1ull << VECTOR_PARTNER && shared[1] == 0 && shared[3] == 0 &&
		  (on ? d1 - d0 >= 1 : d1 == d0),
	      "uintr claim: a claimed thread that takes user interrupts gets its bits in its "
	      "handler, not read by the kernel");
	reset();
}

/* A sleeper woken by the send of a caller that is no receiver. */
static void plain_sleeper(uint64_t unused)
{
	(void)unused;
	uint64_t woken = 0;
	while (kestrel_uintr_wait(UINT64_MAX, &woken) == ERR_ILLEGAL_OPERATION)
		kestrel_yield();
	shared[1] = uipi_read();
}

static void answers(void)
{
	cptr_t svc = make(OBJ_SERVICE, 0), table = make(OBJ_SENDER_TABLE, 0);
	cptr_t other = make(OBJ_SERVICE, 0);
	shared[1] = 0;
	struct thread s = spawn(plain_sleeper, 0, MAIN_PRIORITY, kestrel_hart(), 0);
	uint64_t v, woken = 9, read = 9;
	enum error err = kestrel_tcb_uintr_bind_receiver(s.tcb, other, 0, 0, 0);
	if (err == ERR_OK)
		err = kestrel_tcb_uintr_bind_sender_table(PROC_CAP_TCB, table);
	if (err == ERR_OK)
		err = kestrel_sender_table_register(table, 0, other, 3, &v);
	let_others_run(20);
	enum error no_rx = kestrel_uintr_send_wait(UINT64_MAX, 0, true, &woken, &read);
	let_others_run(20);
	check(err == ERR_OK && no_rx == ERR_ILLEGAL_OPERATION && read == 0 &&
		  shared[1] == 1ull << 3,
	      "uintr claim: no receiver: the send is made, the wait refused");
	if (err == ERR_OK)
		err = kestrel_tcb_uintr_bind_receiver(PROC_CAP_TCB, svc, 0, 0, 0);
	woken = read = 9;
	enum error poll = kestrel_uintr_send_wait(0, 5, true, &woken, &read);
	check(err == ERR_OK && poll == ERR_OK && woken == 0 && read == 0,
	      "uintr claim: deadline 0 polls; a bad index sends nothing");
	uipi_write(1ull << 9);
	enum error ready = kestrel_uintr_send_wait(UINT64_MAX, 0, false, &woken, &read);
	check(ready == ERR_OK && woken == 1 && bits_of(read) == 1ull << 9 && uipi_read() == 0,
	      "uintr claim: bits pending: the call returns at once with them");
	reset();
}

void ktest_uintr_claim(void)
{
	taken();
	lower_priority();
	other_hart();
	not_sleeping();
	killed();
	second_sender();
	handler_takes();
	answers();
}
