/* SPDX-License-Identifier: MIT */
/*
 * The arch tests (see archtest.h). They run in the kernel with interrupts
 * masked (sstatus.SIE = 0) and take them through arch_interrupt_poll(), as
 * a kernel wait loop would; only the last one is taken from user mode
 * through the trap path. Waiting spins on the time CSR: these runs are
 * never under -icount (PLATFORM.md).
 */
#include "archtest.h"

#include "barrier.h"
#include "config.h"
#include "console.h"
#include "csr.h"
#include "interrupt.h"
#include "tap.h"
#include "timer.h"

#define TIMER_RESULTS 4
#define TIMEOUT_US 2000000 /* generous: TCG harts share two host cores */

static bool selected;

struct hart_state {
	volatile bool in_user_test; /* the next tick comes from user mode */
	volatile unsigned ticks;
	volatile uint64_t last_tick;
	volatile bool user_tick_seen;
};
static struct hart_state state[CONFIG_MAX_HARTS];

static bool word_in(const char *text, const char *word)
{
	for (const char *start = text; *start;) {
		const char *end = start;
		while (*end && *end != ' ')
			end++;
		const char *w = word, *t = start;
		while (t < end && *w && *t == *w) {
			t++;
			w++;
		}
		if (t == end && !*w)
			return true;
		start = *end ? end + 1 : end;
	}
	return false;
}

unsigned archtest_plan(const char *bootargs, unsigned hart_count)
{
	selected = word_in(bootargs, "tests=arch");
	return selected ? hart_count * TIMER_RESULTS : 0;
}

static struct hart_state *mine(void)
{
	return &state[hart_current()->cpu_index];
}

static void user_tick(struct hart_state *s);

/* One handler for every hart (arch_timer_set_handler is global): what a
 * tick means depends on the hart's own state. */
static void tick(uint64_t now)
{
	struct hart_state *s = mine();
	if (s->in_user_test) {
		user_tick(s);
		return;
	}
	s->ticks++;
	s->last_tick = now;
}

/* Take interrupts by polling until `ticks` reaches `count` or the timeout
 * passes; true if it did. */
static bool poll_for_ticks(unsigned count, uint64_t timeout_us)
{
	uint64_t limit = arch_timer_now() + arch_timer_ticks(timeout_us);
	struct hart_state *s = mine();
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
	unsigned before = mine()->ticks;
	while (arch_timer_now() < limit)
		(void)arch_interrupt_poll();
	return mine()->ticks - before;
}

static void one_shot(struct hart *hart, const char *backend)
{
	struct hart_state *s = mine();
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
	struct hart_state *s = mine();
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

static void user_tick(struct hart_state *s)
{
	if (s->user_tick_seen)
		return;
	s->user_tick_seen = true;
	/* Only the trap path from user mode gets here: the tests above are done. */
	tap_result((csr_read_sstatus() & SSTATUS_SPP) == 0,
		   "hart %lu: timer interrupt taken from user mode reached the kernel's handler",
		   hart_current()->hart_id);
}

void archtest_hart(struct hart *hart)
{
	if (!selected)
		return;
	arch_timer_set_handler(tick);
	one_shot(hart, arch_timer_uses_sstc() ? "Sstc stimecmp" : "SBI TIME (no Sstc in the DTB)");
	arch_timer_init_hart_sbi();
	one_shot(hart, "SBI TIME (forced)");
	arch_timer_init_hart();
	periodic(hart);

	/* Due at once: taken on the way into hello, in user mode. */
	mine()->in_user_test = true;
	arch_timer_arm(0);
}
