/* SPDX-License-Identifier: MIT */
/* ktest: the UART's receive interrupt reaches a notification at user
 * level; the bytes ci/qemu-run sends (--serial-input) are read by this
 * "driver" and compared with the boot argument uartrx=. Without that
 * argument (no input is sent) the case is skipped. */
#include <stdio.h>
#include <string.h>

#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define UART_RBR 0
#define UART_IER 1
#define UART_LSR 5
#define UART_LSR_DR 1
#define RX_MAX 128
#define DEADLINE_TICKS 50000000 /* 5 s of the 10 MHz time counter */

static uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

void ktest_uart(void)
{
	const char *name = "UART receive interrupts bring the bytes sent to a user-level driver";
	const char *args = (const char *)(uintptr_t)PROC_ARGS_VADDR;
	const char *expect_at = strstr(args, "uartrx=");
	if (expect_at == NULL) {
		skip(name, "no uartrx= boot argument (no serial input)");
		return;
	}
	expect_at += 7;
	size_t expect_length = strcspn(expect_at, " ");
	cptr_t handler = slot(), ntfn = make(OBJ_NOTIFICATION, 0), badged = slot();
	/* A badge, so that a signal is told from nothing by the poll. */
	(void)kestrel_cnode_mint(CN, badged, DEPTH, CN, ntfn, DEPTH, ABI_RIGHTS_ALL, 1);
	volatile uint8_t *uart = map_frame(PROC_CAP_UART_FRAME, RW);
	bool set = uart != NULL &&
		   kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_UART_IRQ, CN, handler,
					   DEPTH) == ERR_OK &&
		   kestrel_irq_handler_set_notification(handler, badged) == ERR_OK;
	char received[RX_MAX + 1];
	size_t count = 0;
	unsigned interrupts = 0;
	if (set) {
		uart[UART_IER] = 1; /* interrupt when a byte is there */
		printf("# ktest: ready for serial input\n");
		uint64_t deadline = rdtime() + DEADLINE_TICKS;
		while (count < expect_length && rdtime() < deadline) {
			uint64_t badge = 0;
			if (kestrel_poll(ntfn, &badge) != ERR_OK || badge == 0)
				continue;
			interrupts++;
			while ((uart[UART_LSR] & UART_LSR_DR) && count < RX_MAX)
				received[count++] = (char)uart[UART_RBR];
			(void)kestrel_irq_handler_ack(handler);
		}
		uart[UART_IER] = 0;
	}
	received[count] = 0;
	bool same = count == expect_length && memcmp(received, expect_at, count) == 0;
	char detail[96];
	snprintf(detail, sizeof(detail), "%zu of %zu bytes in %u interrupts", count, expect_length,
		 interrupts);
	report(set && same && interrupts > 0, name, same ? "" : detail);
	(void)kestrel_irq_handler_clear(handler);
	(void)kestrel_page_unmap(PROC_CAP_UART_FRAME);
	reset();
}
