/* SPDX-License-Identifier: MIT */
/*
 * Timer tests (see archtest.h): one-shots through the DTB's backend and
 * SBI TIME, a periodic tick, and a tick taken in user mode. Interrupts are
 * taken by polling (the kernel keeps SIE clear), the last one by the trap.
 */
#include "archtest_internal.h"

#include "barrier.h"
#include "csr.h"
#include "interrupt.h"
#include "tap.h"
#include "timer.h"

/* Take interrupts by polling until `ticks` reaches `count` or the timeout
 * passes; true if it did. */
static bool poll_for_ticks(unsigned count, uint64_t timeout_us)
{
	uint64_t limit = arch_timer_now() + arch_timer_ticks(timeout_us);
	struct archtest_hart *s = archtest_mine();
	while (s->ticks < count) {
		if (arch_timer_now() > limit)
			return false;
		/* The timer is armed: wfi ends with it (or sooner). */
		cpu_wait_for_interrupt();
		(void)arch_interrupt_poll();
	}
	return true;
}

/* Poll for `us` and return how many ticks came. */
static unsigned ticks_during(uint64_t us)
{
	uint64_t limit = arch_timer_now() + arch_timer_ticks(us);
	unsigned before = archtest_mine()->ticks;
	while (arch_timer_now() < limit)
		(void)arch_interrupt_poll();
	return archtest_mine()->ticks - before;
}

static void one_shot(struct hart *hart, const char *backend)
{
	struct archtest_hart *s = archtest_mine();
	s->ticks = 0;
	uint64_t deadline = arch_timer_now() + arch_timer_ticks(1000);
	arch_timer_arm(deadline);
	bool arrived = poll_for_ticks(1, TIMEOUT_US);
	bool on_time = arrived && s->last_tick >= deadline;
	unsigned extra = ticks_during(3000);
	tap_result(arrived && on_time && extra == 0,
		   "hart %lu: timer one-shot through %s: 1 ms deadline %s, %s, %u more",
		   hart->hart_id, backend, arrived ? "arrived" : "never arrived",
		   on_time ? "not early" : "EARLY", extra);
}

static void periodic(struct hart *hart)
{
	struct archtest_hart *s = archtest_mine();
	s->ticks = 0;
	uint64_t period = arch_timer_ticks(500);
	uint64_t start = arch_timer_now();
	arch_timer_start_periodic(period);
	bool arrived = poll_for_ticks(10, TIMEOUT_US);
	/* Ten deadlines at start + k * period: the tenth is not early. */
	bool on_time = arrived && s->last_tick >= start + 10 * period;
	arch_timer_disarm();
	unsigned extra = ticks_during(2000);
	tap_result(arrived && on_time && extra == 0,
		   "hart %lu: periodic timer: 10 ticks of 500 us %s (%u), %s, %u after stop",
		   hart->hart_id, arrived ? "arrived" : "did not arrive", s->ticks,
		   on_time ? "not early" : "EARLY", extra);
}

static void user_tick(struct archtest_hart *s)
{
	if (s->user_tick_seen)
		return;
	s->user_tick_seen = true;
	/* Only the trap path from user mode gets here: the tests above are done. */
	tap_result((csr_read_sstatus() & SSTATUS_SPP) == 0,
		   "hart %lu: timer interrupt taken from user mode reached the kernel's handler",
		   hart_current()->hart_id);
}

/* One handler for every hart (arch_timer_set_handler is global): what a
 * tick means depends on the hart's own state. */
void archtest_tick(uint64_t now)
{
	struct archtest_hart *s = archtest_mine();
	if (s->in_user_test) {
		user_tick(s);
		return;
	}
	s->ticks++;
	s->last_tick = now;
}

void archtest_timer_hart(struct hart *hart)
{
	one_shot(hart, arch_timer_uses_sstc() ? "Sstc stimecmp" : "SBI TIME (no Sstc in the DTB)");
	arch_timer_init_hart_sbi();
	one_shot(hart, "SBI TIME (forced)");
	arch_timer_init_hart();
	periodic(hart);
}

void archtest_timer_user(struct hart *hart)
{
	(void)hart;
	archtest_mine()->in_user_test = true;
	arch_timer_arm(0);
}
