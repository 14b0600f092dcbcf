/* SPDX-License-Identifier: MIT */
/*
 * Interrupt-controller tests (see archtest.h): the goldfish RTC's alarm
 * through the PLIC on every hart (claim, the gateway holding a claimed
 * source, completion), and the UART's receive interrupt with bytes
 * ci/qemu-run --serial-input sends.
 */
#include "archtest_internal.h"

#include "arch.h"
#include "barrier.h"
#include "config.h"
#include "console.h"
#include "dtb_riscv.h"
#include "interrupt.h"
#include "irq.h"
#include "spinlock.h"
#include "tap.h"
#include "timer.h"

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

unsigned archtest_irq_boot(const struct dtb *dtb, const char *bootargs)
{
	find_rtc(dtb);
	uart_expect = word_value(bootargs, "uartrx=", &uart_expect_length);
	if (uart_expect_length > UART_RX_MAX)
		uart_expect_length = UART_RX_MAX;
	if (uart_expect)
		find_uart(dtb);
	return uart_expect ? 1 : 0;
}

void archtest_external(unsigned source)
{
	struct archtest_hart *s = archtest_mine();
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
	while (archtest_mine()->external < count && arch_timer_now() < limit)
		(void)arch_interrupt_poll();
	return archtest_mine()->external >= count;
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
	struct archtest_hart *s = archtest_mine();
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

void archtest_irq_hart(struct hart *hart)
{
	plic_test(hart);
	uart_test(hart);
}
