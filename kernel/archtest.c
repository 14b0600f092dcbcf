/* SPDX-License-Identifier: MIT */
/*
 * The arch tests (see archtest.h). They run in the kernel with interrupts
 * masked (sstatus.SIE = 0) and take them through arch_interrupt_poll(), as
 * a kernel wait loop would; only the last one is taken from user mode
 * through the trap path. Waiting spins on the time CSR: these runs are
 * never under -icount (PLATFORM.md).
 */
#include "archtest.h"

#include "arch.h"
#include "barrier.h"
#include "config.h"
#include "console.h"
#include "csr.h"
#include "dtb_riscv.h"
#include "fpu.h"
#include "interrupt.h"
#include "ipi.h"
#include "irq.h"
#include "memory.h"
#include "spinlock.h"
#include "tlb.h"
#include "vspace.h"
#include "tap.h"
#include "timer.h"

#define TIMER_RESULTS 4
#define IRQ_RESULTS 1
#define IPI_RESULTS 2
#define TLB_RESULTS 2               /* one per remote method */
#define TLB_VA UINT64_C(0x40000000) /* a page of the test address space */
#define TLB_ASID 0xffff             /* the last ASID of the last pool: unused */
#define TLB_OLD UINT64_C(0x01d01d01d01d01d0)
#define TLB_NEW UINT64_C(0x0e40e40e40e40e40)
#define TLB_TIMING_ROUNDS 20
#define FPU_RESULTS 1

/* QEMU's goldfish RTC (hw/rtc/goldfish_rtc.c): an alarm is an interrupt
 * source the tests can raise at will, with no input. Times in ns. */
#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c

/* The ns16550a's registers (byte offsets on virt: reg-shift 0). */
#define UART_RBR 0 /* receive buffer (read) */
#define UART_IER 1 /* interrupt enable: bit 0 = received data available */
#define UART_LSR 5 /* line status: bit 0 = data ready */
#define UART_IER_RX 0x01
#define UART_LSR_DR 0x01
#define UART_RX_MAX 128
#define UART_TIMEOUT_US 10000000
#define TIMEOUT_US 2000000 /* generous: TCG harts share two host cores */

static bool selected;
static volatile uint8_t *rtc;
static unsigned rtc_source;
static struct spinlock rtc_turn; /* one hart at a time uses the RTC */

/* The UART receive test: the bytes expected (from "uartrx=..."), what
 * came, and through how many interrupts. */
static const char *uart_expect;
static unsigned uart_expect_length;
static volatile uint8_t *uart;
static unsigned uart_source;
static char uart_received[UART_RX_MAX + 1]; /* NUL-terminated for printing */
static volatile unsigned uart_count, uart_interrupts;
static unsigned uart_tester = CONFIG_MAX_HARTS + 1; /* claimed by the first hart */

/* IPIs and shootdowns: every hart takes part. */
static unsigned hart_total;
static volatile unsigned barrier_arrived, barrier_generation;
static volatile unsigned reschedules[CONFIG_MAX_HARTS];
static volatile bool call_seen[CONFIG_MAX_HARTS][CONFIG_MAX_HARTS]; /* [target][sender] */
static volatile unsigned stalls[CONFIG_MAX_HARTS];
/* The shootdown's address space: TLB_VA maps `old_page` until hart 0
 * points its leaf at `new_page`. */
static uint64_t tlb_root, tlb_old_page, tlb_new_page;
static struct pte *tlb_leaf;
static volatile bool timing_done;

/* Two simulated threads' FP states per hart, and what each "computes". */
struct fpu_world {
	struct arch_fpu_state a, b, pattern_a, pattern_b, seen;
};
static struct fpu_world fpu_worlds[CONFIG_MAX_HARTS];

struct hart_state {
	volatile bool in_user_test; /* the next tick comes from user mode */
	volatile unsigned ticks;
	volatile uint64_t last_tick;
	volatile bool user_tick_seen;
	volatile unsigned external; /* sources claimed on this hart */
	volatile unsigned last_source;
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

/* The goldfish RTC and its PLIC source, if the DTB has both. Untrusted:
 * the DTB. */
static void find_rtc(const struct dtb *dtb)
{
	struct dtb_node node;
	struct dtb_range range;
	struct dtb_irq irq;
	if (!arch_irq_available() ||
	    dtb_find_compatible(dtb, NULL, "google,goldfish-rtc", &node) != ERR_OK ||
	    dtb_reg(dtb, node, 0, &range) != ERR_OK || range.size < 0x20 ||
	    dtb_interrupt(dtb, node, 0, &irq) != ERR_OK || irq.cells != 1 || irq.spec[0] == 0 ||
	    irq.spec[0] > arch_irq_sources())
		return;
	rtc = arch_map_device(range.base, range.size);
	rtc_source = irq.spec[0];
}

/* The value of word "key=value" in text, or NULL; its length in *length. */
static const char *word_value(const char *text, const char *key, unsigned *length)
{
	for (const char *start = text; *start;) {
		const char *k = key, *t = start;
		while (*k && *t == *k) {
			k++;
			t++;
		}
		if (!*k) {
			const char *end = t;
			while (*end && *end != ' ')
				end++;
			*length = (unsigned)(end - t);
			return t;
		}
		while (*start && *start != ' ')
			start++;
		while (*start == ' ')
			start++;
	}
	return NULL;
}

static uint64_t zeroed_page(void)
{
	uint64_t page = memory_take_page();
	if (!page)
		panic("archtest: out of memory");
	return page;
}

/* A root with the kernel's half and one 4 KiB page at TLB_VA. */
static void build_tlb_space(void)
{
	struct pagetable *tables[2] = { physical_to_kernel(zeroed_page()),
					physical_to_kernel(zeroed_page()) };
	struct pagetable_pool pool = { tables, 2 };
	tlb_root = zeroed_page();
	tlb_old_page = zeroed_page();
	tlb_new_page = zeroed_page();
	*(uint64_t *)physical_to_kernel(tlb_old_page) = TLB_OLD;
	*(uint64_t *)physical_to_kernel(tlb_new_page) = TLB_NEW;
	struct pagetable *root = physical_to_kernel(tlb_root);
	pagetable_share_upper_half(root, vspace_kernel_root());
	if (pagetable_map(root, TLB_VA, tlb_old_page, PAGE_SIZE_4K, PTE_READ | PTE_WRITE, &pool) !=
	    ERR_OK)
		panic("archtest: cannot map the shootdown page");
	struct pagetable *table = root;
	for (unsigned level = 2; level > 0; level--)
		table = physical_to_kernel(
		    pte_physical_address(table->entry[pagetable_index(TLB_VA, level)]));
	tlb_leaf = &table->entry[pagetable_index(TLB_VA, 0)];
}

/* The console UART and its PLIC source. Untrusted: the DTB. */
static void find_uart(const struct dtb *dtb)
{
	struct dtb_node node;
	struct dtb_range range;
	struct dtb_irq irq;
	if (!arch_irq_available() || dtb_find_compatible(dtb, NULL, "ns16550a", &node) != ERR_OK ||
	    dtb_reg(dtb, node, 0, &range) != ERR_OK || range.size < 8 ||
	    dtb_interrupt(dtb, node, 0, &irq) != ERR_OK || irq.cells != 1 || irq.spec[0] == 0 ||
	    irq.spec[0] > arch_irq_sources())
		return;
	uart = arch_map_device(range.base, range.size);
	uart_source = irq.spec[0];
}

unsigned archtest_plan(const struct dtb *dtb, const char *bootargs, unsigned hart_count)
{
	selected = word_in(bootargs, "tests=arch");
	if (!selected)
		return 0;
	find_rtc(dtb);
	uart_expect = word_value(bootargs, "uartrx=", &uart_expect_length);
	if (uart_expect_length > UART_RX_MAX)
		uart_expect_length = UART_RX_MAX;
	if (uart_expect)
		find_uart(dtb);
	hart_total = hart_count;
	build_tlb_space();
	return hart_count *
		   (TIMER_RESULTS + IRQ_RESULTS + IPI_RESULTS + TLB_RESULTS + FPU_RESULTS) +
	       (uart_expect ? 1 : 0);
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

static void external(unsigned source)
{
	struct hart_state *s = mine();
	s->last_source = source;
	s->external++;
	/* The device's side of the ack, as a user-level driver would do it;
	 * the PLIC's completion is left to the test. */
	if (rtc && source == rtc_source)
		mmio_write32(rtc + RTC_CLEAR_INTERRUPT, 1);
	if (uart && source == uart_source) {
		/* Drain the FIFO (which clears the device's request), then ack
		 * at once: this is the whole driver. */
		uart_interrupts++;
		while (mmio_read8(uart + UART_LSR) & UART_LSR_DR) {
			char c = (char)mmio_read8(uart + UART_RBR);
			if (uart_count < UART_RX_MAX)
				uart_received[uart_count++] = c;
		}
		(void)arch_irq_complete(source);
	}
}

/* Bytes fed to QEMU's serial input (ci/qemu-run --serial-input) arrive
 * through the receive interrupt: the first hart here takes them. */
static void uart_test(struct hart *hart)
{
	unsigned none = CONFIG_MAX_HARTS + 1;
	if (!uart_expect || !__atomic_compare_exchange_n(&uart_tester, &none, hart->cpu_index,
							 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	if (!uart) {
		tap_result(false, "hart %lu: UART receive: no ns16550a on a PLIC in the DTB",
			   hart->hart_id);
		return;
	}
	bool set = arch_irq_set_priority(uart_source, 1) == ERR_OK &&
		   arch_irq_enable(uart_source, hart->cpu_index) == ERR_OK;
	mmio_write8(uart + UART_IER, UART_IER_RX);
	/* ci/qemu-run --serial-input sends its file when it reads this line:
	 * bytes sent earlier would meet the firmware's UART set-up (OpenSBI
	 * enables the FIFOs, which QEMU's 16550 answers by emptying them). */
	kprintf("# hart %lu: UART: ready for serial input\n", hart->hart_id);
	uint64_t limit = arch_timer_now() + arch_timer_ticks(UART_TIMEOUT_US);
	while (uart_count < uart_expect_length && arch_timer_now() < limit)
		(void)arch_interrupt_poll();
	mmio_write8(uart + UART_IER, 0);
	(void)arch_irq_disable(uart_source, hart->cpu_index);
	bool same = uart_count == uart_expect_length;
	for (unsigned i = 0; same && i < uart_count; i++)
		same = uart_received[i] == uart_expect[i];
	tap_result(set && same && uart_interrupts > 0,
		   "hart %lu: UART receive: %u of %u expected bytes (\"%s\") arrived through PLIC "
		   "source %u in %u interrupts%s",
		   hart->hart_id, uart_count, uart_expect_length, uart_received, uart_source,
		   uart_interrupts, same ? "" : ", NOT the bytes sent");
}

static void rtc_alarm_in(uint64_t ns)
{
	uint64_t now = mmio_read32(rtc + RTC_TIME_LOW);
	now |= (uint64_t)mmio_read32(rtc + RTC_TIME_HIGH) << 32;
	mmio_write32(rtc + RTC_IRQ_ENABLED, 1);
	mmio_write32(rtc + RTC_ALARM_HIGH, (uint32_t)((now + ns) >> 32));
	mmio_write32(rtc + RTC_ALARM_LOW, (uint32_t)(now + ns)); /* arms it */
}

/* Poll for `us` or until this hart has claimed `count` sources. */
static bool poll_for_external(unsigned count, uint64_t us)
{
	uint64_t limit = arch_timer_now() + arch_timer_ticks(us);
	while (mine()->external < count && arch_timer_now() < limit)
		(void)arch_interrupt_poll();
	return mine()->external >= count;
}

/* The RTC's alarm through the PLIC to this hart's S context: claimed, held
 * by the gateway while claimed (a second alarm waits), delivered again
 * after completion. */
static void plic_test(struct hart *hart)
{
	if (!arch_irq_available()) {
		tap_result(true,
			   "hart %lu: no PLIC (%s): the kernel runs without user-level interrupts",
			   hart->hart_id, arch_irq_controller_name());
		return;
	}
	if (!rtc) {
		tap_result(false, "hart %lu: PLIC test: no goldfish RTC in the DTB", hart->hart_id);
		return;
	}
	struct hart_state *s = mine();
	spinlock_acquire(&rtc_turn);
	s->external = 0;
	bool set = arch_irq_set_priority(rtc_source, 1) == ERR_OK &&
		   arch_irq_enable(rtc_source, hart->cpu_index) == ERR_OK;
	rtc_alarm_in(1000000);
	bool first = set && poll_for_external(1, TIMEOUT_US) && s->last_source == rtc_source;
	rtc_alarm_in(1000000);
	bool held = first && !poll_for_external(2, 5000);
	bool completed = arch_irq_complete(rtc_source) == ERR_OK;
	bool again = held && completed && poll_for_external(2, TIMEOUT_US);
	bool twice = arch_irq_complete(rtc_source) == ERR_OK &&
		     arch_irq_complete(rtc_source) == ERR_ILLEGAL_OPERATION;
	(void)arch_irq_disable(rtc_source, hart->cpu_index);
	spinlock_release(&rtc_turn);
	tap_result(first && held && again && twice,
		   "hart %lu: PLIC: RTC alarm (source %u) claimed here %s, %s while claimed, "
		   "%s after completion, %s",
		   hart->hart_id, rtc_source, first ? "once" : "NOT", held ? "held" : "NOT held",
		   again ? "delivered again" : "NOT delivered",
		   twice ? "completed once" : "BAD completion");
}

/* Every hart waits here for all; IPIs aimed at it are served meanwhile. */
static void barrier(void)
{
	unsigned generation = __atomic_load_n(&barrier_generation, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&barrier_arrived, 1, __ATOMIC_ACQ_REL) == hart_total) {
		barrier_arrived = 0;
		__atomic_store_n(&barrier_generation, generation + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&barrier_generation, __ATOMIC_ACQUIRE) == generation)
		(void)arch_ipi_poll();
}

static void count_reschedule(void)
{
	reschedules[hart_current()->cpu_index]++;
}

static void count_stall(void)
{
	stalls[hart_current()->cpu_index]++;
}

static void mark_call(void *sender)
{
	call_seen[hart_current()->cpu_index][(uintptr_t)sender] = true;
}

/* Every hart of the test: the set core/ would name for an address space
 * that has run everywhere. */
static uint64_t all_harts(void)
{
	return (UINT64_C(1) << hart_total) - 1;
}

static uint64_t all_but(unsigned me)
{
	return ((UINT64_C(1) << hart_total) - 1) & ~(UINT64_C(1) << me);
}

/* Reschedules from every other hart arrive (as software interrupts taken
 * by arch_interrupt_poll); a call-function runs on every other hart before
 * the call returns; a stall is acknowledged. */
static void ipi_test(struct hart *hart)
{
	unsigned me = hart->cpu_index, others = hart_total - 1, arrived = 0;
	/* Reschedule requests to one hart coalesce (one pending bit), so each
	 * sender has a round of its own. */
	for (unsigned sender = 0; sender < hart_total; sender++) {
		unsigned before = reschedules[me]; /* the IPI may come while in barrier() */
		barrier();
		if (sender == me) {
			for (unsigned cpu = 0; cpu < hart_total; cpu++)
				if (cpu != me)
					arch_ipi_reschedule(cpu);
		} else {
			uint64_t limit = arch_timer_now() + arch_timer_ticks(TIMEOUT_US);
			while (reschedules[me] == before && arch_timer_now() < limit)
				(void)arch_interrupt_poll();
			arrived += reschedules[me] != before;
		}
	}
	tap_result(arrived == others,
		   "hart %lu: IPI: a reschedule from each of the %u other harts arrived (%u)",
		   hart->hart_id, others, arrived);
	barrier();

	arch_ipi_call(all_but(me), mark_call, (void *)(uintptr_t)me);
	unsigned ran = 0;
	for (unsigned cpu = 0; cpu < hart_total; cpu++)
		ran += cpu != me && call_seen[cpu][me];
	unsigned next = (me + 1) % hart_total, stalled = stalls[next];
	if (next != me)
		arch_ipi_stall(next);
	bool stall_ok = next == me || stalls[next] > stalled;
	tap_result(ran == others && stall_ok,
		   "hart %lu: IPI: call-function ran on %u of %u other harts before returning; "
		   "remote stall %s",
		   hart->hart_id, ran, others, stall_ok ? "acknowledged" : "NOT acknowledged");
	barrier();
}

static uint64_t read_tlb_page(void)
{
	return *(volatile uint64_t *)TLB_VA;
}

/* Every hart runs the test address space and reads the old page (its TLB
 * now holds it); hart 0 repoints the leaf and flushes that one page with
 * `method`; every hart must then read the new page. */
static void tlb_test(struct hart *hart, enum arch_tlb_method method, const char *name)
{
	unsigned me = hart->cpu_index;
	if (me == 0) {
		*tlb_leaf =
		    pte_new_leaf(tlb_old_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		arch_tlb_set_method(method);
		arch_tlb_flush_asid(TLB_ASID, all_harts()); /* forget the last round */
	}
	barrier();
	arch_vspace_activate(tlb_root, TLB_ASID);
	uint64_t before = read_tlb_page();
	barrier();
	if (me == 0) {
		*tlb_leaf =
		    pte_new_leaf(tlb_new_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		arch_tlb_flush_page(TLB_ASID, TLB_VA, all_harts());
	}
	barrier();
	uint64_t after = read_tlb_page();
	barrier();
	/* The cost of one page's shootdown on every hart while the others
	 * idle in wfi, as idle harts do (spinning ones are paced by the host's
	 * scheduler instead: 2 host cores for up to 8 vCPU threads). */
	if (me == 0) {
		uint64_t start = arch_timer_now();
		for (unsigned i = 0; i < TLB_TIMING_ROUNDS; i++)
			arch_tlb_flush_page(TLB_ASID, TLB_VA, all_harts());
		uint64_t ticks = arch_timer_now() - start;
		kprintf("# TLB shootdown by %s of one page on %u harts: %lu us each (mean of %u)\n",
			name, hart_total,
			ticks * 1000000 / arch_timer_frequency() / TLB_TIMING_ROUNDS,
			TLB_TIMING_ROUNDS);
		__atomic_store_n(&timing_done, true, __ATOMIC_RELEASE);
		for (unsigned cpu = 1; cpu < hart_total; cpu++)
			arch_ipi_reschedule(cpu); /* wake them */
	} else {
		while (!__atomic_load_n(&timing_done, __ATOMIC_ACQUIRE)) {
			cpu_wait_for_interrupt();
			(void)arch_ipi_poll();
		}
	}
	barrier();
	timing_done = false;
	barrier();
	csr_write_satp(hart->kernel_satp);
	sfence_vma_all();
	tap_result(before == TLB_OLD && after == TLB_NEW,
		   "hart %lu: TLB shootdown by %s: read the old page, then the new one after hart "
		   "0's flush (%s, %s)",
		   hart->hart_id, name, before == TLB_OLD ? "old ok" : "OLD WRONG",
		   after == TLB_NEW ? "new ok" : "STALE");
}

static void fill_pattern(struct arch_fpu_state *state, uint64_t base, uint64_t fcsr)
{
	for (unsigned i = 0; i < 32; i++)
		state->f[i] = base + i * UINT64_C(0x0101010101);
	state->fcsr = fcsr;
}

/* Whether the live registers equal `want` (zero when NULL). */
static bool registers_are(struct fpu_world *w, const struct arch_fpu_state *want)
{
	arch_fpu_save(&w->seen);
	for (unsigned i = 0; i < 32; i++)
		if (w->seen.f[i] != (want ? want->f[i] : 0))
			return false;
	return w->seen.fcsr == (want ? want->fcsr : 0);
}

static uint64_t fs(void)
{
	return csr_read_sstatus() & SSTATUS_FS_MASK;
}

/* Two threads A and B switch on this hart as the kernel's context switch
 * will switch them (arch_fpu_switch), "computing" by loading patterns. */
static void fpu_test(struct hart *hart)
{
	struct fpu_world *w = &fpu_worlds[hart->cpu_index];
	fill_pattern(&w->pattern_a, UINT64_C(0xa1a1000000000000) + hart->cpu_index, 0x61);
	fill_pattern(&w->pattern_b, UINT64_C(0xb2b2000000000000) + hart->cpu_index, 0x8a);
	arch_fpu_init_state(&w->a);
	arch_fpu_init_state(&w->b);
	struct arch_fpu_stats start = arch_fpu_stats(hart->cpu_index);

	arch_fpu_switch(hart->cpu_index, NULL, &w->a);
	bool fresh_zero = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	arch_fpu_restore(&w->pattern_a); /* A computes */
	bool dirty = fs() == SSTATUS_FS_DIRTY;
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b);
	bool no_leak = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	arch_fpu_restore(&w->pattern_b); /* B computes */
	uint64_t i0 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->b, &w->a); /* save B, restore A */
	uint64_t i1 = cpu_read_instret();
	bool a_back = fs() == SSTATUS_FS_CLEAN && registers_are(w, &w->pattern_a);
	uint64_t saves = arch_fpu_stats(hart->cpu_index).saves;
	uint64_t i2 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b); /* A is clean: restore B only */
	uint64_t i3 = cpu_read_instret();
	bool lazy = arch_fpu_stats(hart->cpu_index).saves == saves;
	bool b_back = registers_are(w, &w->pattern_b);
	uint64_t i4 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->b, &w->b); /* B again, registers still B's */
	uint64_t i5 = cpu_read_instret();
	bool cached = fs() == SSTATUS_FS_CLEAN && registers_are(w, &w->pattern_b);
	arch_fpu_switch(hart->cpu_index, &w->b, NULL);
	bool off = fs() == 0;
	/* Two threads that never use FP: after one zeroing, nothing to do. */
	arch_fpu_init_state(&w->a);
	arch_fpu_init_state(&w->b);
	arch_fpu_switch(hart->cpu_index, NULL, &w->a);
	uint64_t i6 = cpu_read_instret();
	arch_fpu_switch(hart->cpu_index, &w->a, &w->b);
	uint64_t i7 = cpu_read_instret();
	bool quiet = fs() == SSTATUS_FS_INITIAL && registers_are(w, NULL);
	struct arch_fpu_stats end = arch_fpu_stats(hart->cpu_index);
	arch_fpu_switch(hart->cpu_index, &w->b, NULL);
	kprintf("# hart %lu: arch_fpu_switch retired %lu instructions saving and restoring, %lu "
		"restoring only, %lu when the registers were already the thread's, %lu between "
		"two threads without FP (rdinstret: instructions only under -icount)\n",
		hart->hart_id, i1 - i0, i3 - i2, i5 - i4, i7 - i6);
	tap_result(
	    fresh_zero && dirty && no_leak && a_back && lazy && b_back && cached && off && quiet,
	    "hart %lu: FP: fresh thread sees zeros (%s), writes dirty FS (%s), f0-f31+fcsr "
	    "of 2 threads survive each other (%s, %s), clean not saved (%s), "
	    "no restore when still loaded (%s), non-FP threads switch free (%s); %lu saves, %lu "
	    "restores",
	    hart->hart_id, fresh_zero && no_leak ? "yes" : "NO", dirty ? "yes" : "NO",
	    a_back ? "A ok" : "A LOST", b_back ? "B ok" : "B LOST", lazy ? "yes" : "NO",
	    cached ? "yes" : "NO", quiet ? "yes" : "NO", end.saves - start.saves,
	    end.restores - start.restores);
}

void archtest_hart(struct hart *hart)
{
	if (!selected)
		return;
	arch_timer_set_handler(tick);
	arch_irq_set_handler(external);
	arch_ipi_set_reschedule_handler(count_reschedule);
	arch_ipi_set_stall_handler(count_stall);
	plic_test(hart);
	uart_test(hart);
	ipi_test(hart);
	tlb_test(hart, ARCH_TLB_SBI_RFENCE, "SBI RFENCE");
	tlb_test(hart, ARCH_TLB_IPI, "IPI + sfence.vma");
	arch_tlb_set_method(ARCH_TLB_SBI_RFENCE);
	fpu_test(hart);
	one_shot(hart, arch_timer_uses_sstc() ? "Sstc stimecmp" : "SBI TIME (no Sstc in the DTB)");
	arch_timer_init_hart_sbi();
	one_shot(hart, "SBI TIME (forced)");
	arch_timer_init_hart();
	periodic(hart);

	/* Due at once: taken on the way into hello, in user mode. */
	mine()->in_user_test = true;
	arch_timer_arm(0);
}
