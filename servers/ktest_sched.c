/* SPDX-License-Identifier: MIT */
/* ktest: scheduling: time slices among equal priorities (the timer
 * preempts a thread that never enters the kernel), and a thread made
 * runnable at a higher priority runs at once. */
#include "ktest_support.h"

#define SPIN_MICROSECONDS 200000

static uint64_t now_us(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t / 10; /* QEMU virt's timebase: 10 MHz */
}

/* Spin without entering the kernel: only the timer can take the CPU away. */
static void spin_for(uint64_t microseconds)
{
	uint64_t until = now_us() + microseconds;
	while (now_us() < until)
		;
}

static void spinner(uint64_t index)
{
	for (;;)
		shared[index]++;
}

static void signal_then_mark(uint64_t unused)
{
	(void)unused;
	(void)kestrel_signal(shared_ntfn);
	shared[3] = 1; /* must come after the waiter (higher priority) ran */
}

void ktest_sched(void)
{
	shared[0] = shared[1] = 0;
	struct thread a = spawn(spinner, 0, MAIN_PRIORITY, 0, 0);
	spin_for(SPIN_MICROSECONDS);
	check(shared[0] > 0, "a thread that never enters the kernel does not starve its peer");
	struct thread b = spawn(spinner, 1, MAIN_PRIORITY, 0, 0);
	uint64_t a0 = shared[0];
	spin_for(SPIN_MICROSECONDS);
	check(shared[0] > a0 && shared[1] > 0, "three spinning threads of one priority take turns");
	(void)kestrel_tcb_suspend(a.tcb);
	(void)kestrel_tcb_suspend(b.tcb);
	reset();

	shared_ntfn = make(OBJ_NOTIFICATION, 0);
	shared[3] = 0;
	spawn(signal_then_mark, 0, MAIN_PRIORITY - 1, 0, 0);
	uint64_t badge;
	enum error err = kestrel_wait(shared_ntfn, &badge);
	check(err == ERR_OK && shared[3] == 0,
	      "a signal to a higher-priority waiter switches to it at once");
	reset();
}
