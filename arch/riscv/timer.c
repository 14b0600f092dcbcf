/* SPDX-License-Identifier: MIT */
/*
 * Per-hart timers (see timer.h). With Sstc the hart writes stimecmp and
 * the interrupt is pending while time >= stimecmp; without it, SBI TIME's
 * set_timer does the same from M-mode. Either way a write of a later
 * deadline clears the pending interrupt, and "disarmed" is the deadline
 * UINT64_MAX. Measured on QEMU 7.2 + OpenSBI 1.1: the DTB lists sstc for
 * every hart and the firmware has set menvcfg.STCE, so stimecmp is
 * writable from S-mode (docs/arch.md).
 */
#include "timer.h"

#include "config.h"
#include "csr.h"
#include "hart.h"
#include "dtb_riscv.h"
#include "sbi.h"

#define MAX_CPUS 64
#define DISARMED UINT64_MAX

struct timer_hart {
	bool sstc;
	uint64_t deadline; /* DISARMED when none */
	uint64_t period;   /* 0: one-shot */
};

static uint64_t frequency;
static void (*tick_handler)(uint64_t now);
static struct timer_hart timers[CONFIG_MAX_HARTS];
/* Hart ids whose cpu node lists Sstc, read once at boot. */
static uint64_t sstc_hart_ids[MAX_CPUS];
static unsigned sstc_hart_count;

static struct timer_hart *self(void)
{
	return &timers[hart_current()->cpu_index];
}

/* Untrusted: the DTB's /cpus and timebase. */
enum error arch_timer_init(const struct dtb *dtb)
{
	struct dtb_cpu cpus[MAX_CPUS];
	size_t count;
	enum error err = dtb_timebase_frequency(dtb, &frequency);

	if (err != ERR_OK)
		return err;
	if (frequency == 0)
		return ERR_INVALID_ARGUMENT;
	err = dtb_cpus(dtb, cpus, MAX_CPUS, &count);
	if (err != ERR_OK)
		return err;
	sstc_hart_count = 0;
	for (size_t i = 0; i < count && i < MAX_CPUS; i++)
		if (dtb_cpu_has_extension(dtb, cpus[i].node, "sstc"))
			sstc_hart_ids[sstc_hart_count++] = cpus[i].hart_id;
	return ERR_OK;
}

static bool listed_with_sstc(uint64_t hart_id)
{
	for (unsigned i = 0; i < sstc_hart_count; i++)
		if (sstc_hart_ids[i] == hart_id)
			return true;
	return false;
}

static void program(struct timer_hart *timer, uint64_t deadline)
{
	timer->deadline = deadline;
	if (timer->sstc)
		csr_write_stimecmp(deadline);
	else
		(void)sbi_set_timer(deadline);
}

static void init_hart(bool sstc)
{
	struct timer_hart *timer = self();

	timer->sstc = sstc;
	timer->period = 0;
	program(timer, DISARMED);
	csr_set_sie(SIE_STIE);
}

void arch_timer_init_hart(void)
{
	init_hart(listed_with_sstc(hart_current()->hart_id));
}

void arch_timer_init_hart_sbi(void)
{
	init_hart(false);
}

bool arch_timer_uses_sstc(void)
{
	return self()->sstc;
}

uint64_t arch_timer_frequency(void)
{
	return frequency;
}

uint64_t arch_timer_now(void)
{
	return cpu_read_time();
}

uint64_t arch_timer_ticks(uint64_t microseconds)
{
	/* Split so that neither product overflows for any realistic rate. */
	uint64_t seconds = microseconds / 1000000, rest = microseconds % 1000000;
	return seconds * frequency + (rest * frequency + 999999) / 1000000;
}

void arch_timer_arm(uint64_t deadline)
{
	struct timer_hart *timer = self();

	timer->period = 0;
	program(timer, deadline);
}

void arch_timer_start_periodic(uint64_t period)
{
	struct timer_hart *timer = self();

	timer->period = period ? period : 1;
	program(timer, arch_timer_now() + timer->period);
}

void arch_timer_disarm(void)
{
	struct timer_hart *timer = self();

	timer->period = 0;
	program(timer, DISARMED);
}

void arch_timer_set_handler(void (*handler)(uint64_t now))
{
	__atomic_store_n(&tick_handler, handler, __ATOMIC_RELEASE);
}

void arch_timer_interrupt(void)
{
	struct timer_hart *timer = self();
	uint64_t now = arch_timer_now();

	if (timer->deadline == DISARMED || now < timer->deadline) {
		/* Stray: seen at -smp 8 under load after a disarm. Rewriting
		 * the deadline clears the pending bit; the kernel hears nothing. */
		program(timer, timer->deadline);
		return;
	}
	if (timer->period) {
		uint64_t next = timer->deadline + timer->period;
		if (next <= now) /* skip the ticks we slept through */
			next = now + timer->period - (now - timer->deadline) % timer->period;
		program(timer, next);
	} else {
		program(timer, DISARMED);
	}
	void (*handler)(uint64_t) = __atomic_load_n(&tick_handler, __ATOMIC_ACQUIRE);
	if (handler)
		handler(now);
}
