/* SPDX-License-Identifier: MIT */
/*
 * The arch tests (see archtest.h): selection, the plan, the state the
 * interrupt handlers share, and the order each hart runs the tests in
 * (kernel/archtest_*.c, one module each). They run in the kernel with
 * interrupts masked (sstatus.SIE = 0) and take them through
 * arch_interrupt_poll(), as a kernel wait loop would; only the last one is
 * taken from user mode through the trap path. Waiting spins on the time
 * CSR: these runs are never under -icount (PLATFORM.md), except with
 * "archtest=spin", which runs the spin-wait tests alone
 * (qemu-arch-spin-icount*: they are about -icount).
 */
#include "archtest.h"

#include "archtest_internal.h"
#include "config.h"
#include "irq.h"
#include "timer.h"

static bool selected, spin_only;
static struct archtest_hart state[CONFIG_MAX_HARTS];
unsigned archtest_hart_total;

bool archtest_word_in(const char *text, const char *word)
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

unsigned archtest_plan(const struct dtb *dtb, const char *bootargs, unsigned hart_count)
{
	selected = archtest_word_in(bootargs, "tests=arch");
	if (!selected)
		return 0;
	archtest_hart_total = hart_count;
	unsigned spin = hart_count >= 2 ? ARCHTEST_SPIN_RESULTS : 0;
	spin_only = archtest_word_in(bootargs, "archtest=spin");
	if (spin_only)
		return spin;
	unsigned extra = archtest_irq_boot(dtb, bootargs);
	archtest_smp_boot();
	extra += archtest_uintr_boot(dtb, bootargs, hart_count);
	return hart_count * (ARCHTEST_TIMER_RESULTS + ARCHTEST_IRQ_RESULTS + ARCHTEST_SMP_RESULTS +
			     ARCHTEST_FPU_RESULTS) +
	       spin + extra;
}

struct archtest_hart *archtest_mine(void)
{
	return &state[hart_current()->cpu_index];
}

void archtest_hart(struct hart *hart)
{
	if (!selected)
		return;
	arch_timer_set_handler(archtest_tick);
	arch_irq_set_handler(archtest_external);
	archtest_spin_hart(hart);
	if (spin_only)
		return;
	archtest_irq_hart(hart);
	archtest_smp_hart(hart);
	archtest_fpu_hart(hart);
	archtest_uintr_hart(hart);
	archtest_timer_hart(hart);
	/* Due at once: taken on the way into hello, in user mode. */
	archtest_timer_user(hart);
}
