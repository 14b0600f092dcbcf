/* SPDX-License-Identifier: MIT */
/*
 * ktest: seL4's remote stall for TCB invocations on a thread that another
 * hart is running (kernel/thread.c, thread_stall). A spinner on hart 1
 * counts in s11 and stores each count: read registers give its live s11
 * (between the counts seen just before and just after the read), written
 * registers are what it goes on with, and once Suspend returns it runs
 * nowhere (its count stops, and its saved s11 is its last one).
 */
#include "ktest_support.h"

#define S11 (ABI_REG_S0 + 11)
#define BIG (UINT64_C(1) << 40)

static void spinner(uint64_t unused)
{
	(void)unused;
	register uint64_t count __asm__("s11") = 0;
	for (;;) {
		count++;
		__asm__ volatile("" : "+r"(count));
		shared[0] = count;
	}
}

/* Busy for a while in user mode (no system call). */
static void spin_here(void)
{
	for (volatile unsigned i = 0; i < 200000; i++)
		;
}

/* Wait (yielding) until the spinner's count reaches `at_least`. */
static bool counted_past(uint64_t at_least)
{
	for (unsigned i = 0; i < 1000 && shared[0] < at_least; i++)
		spin_here();
	return shared[0] >= at_least;
}

void ktest_stall(void)
{
	const char *why = "needs two harts";
	if (harts < 2) {
		skip("read the registers of a thread running on another hart: live ones", why);
		skip(
		    "write the registers of a thread running on another hart: it goes on with them",
		    why);
		skip("suspend a thread running on another hart: it stops before Suspend returns",
		     why);
		skip("its saved registers are its last ones", why);
		return;
	}
	shared[0] = 0;
	struct thread t = spawn(spinner, 0, MAIN_PRIORITY, 1, 0);
	(void)counted_past(1000);
	/* Long enough for the spinner to have taken timer ticks (which save
	 * its registers) well before the read. */
	spin_here();
	uint64_t regs[ABI_REG_COUNT];
	uint64_t before = shared[0];
	enum error err = kestrel_tcb_read_registers(t.tcb, false, ABI_REG_COUNT, regs);
	uint64_t after = shared[0];
	check(err == ERR_OK && regs[S11] >= before && regs[S11] <= after + 1,
	      "read the registers of a thread running on another hart: live ones");

	regs[S11] = BIG;
	err = kestrel_tcb_write_registers(t.tcb, false, ABI_REG_COUNT, regs);
	check(err == ERR_OK && counted_past(BIG + 1000),
	      "write the registers of a thread running on another hart: it goes on with them");

	err = kestrel_tcb_suspend(t.tcb);
	uint64_t stopped = shared[0];
	spin_here();
	check(err == ERR_OK && shared[0] == stopped,
	      "suspend a thread running on another hart: it stops before Suspend returns");
	err = kestrel_tcb_read_registers(t.tcb, false, ABI_REG_COUNT, regs);
	check(err == ERR_OK && (regs[S11] == stopped || regs[S11] == stopped + 1),
	      "its saved registers are its last ones");
	reset();
}
