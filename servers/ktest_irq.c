/* SPDX-License-Identifier: MIT */
/* ktest: interrupts to user level: IRQ control issues a handler cap, the
 * handler names a notification, a device interrupt (the goldfish RTC's
 * alarm, through the PLIC) signals it, the handler acks. */
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define RTC_ALARM_LOW 0x08
#define RTC_ALARM_HIGH 0x0c
#define RTC_IRQ_ENABLED 0x10
#define RTC_CLEAR_INTERRUPT 0x1c

static volatile uint32_t *rtc;

static void alarm_in(uint64_t ns)
{
	uint64_t now = rtc[RTC_TIME_LOW / 4];
	now |= (uint64_t)rtc[RTC_TIME_HIGH / 4] << 32;
	rtc[RTC_IRQ_ENABLED / 4] = 1;
	rtc[RTC_ALARM_HIGH / 4] = (uint32_t)((now + ns) >> 32);
	rtc[RTC_ALARM_LOW / 4] = (uint32_t)(now + ns); /* arms it */
}

void ktest_irq(void)
{
	cptr_t handler = slot(), again = slot();
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0), ep = make(OBJ_ENDPOINT, 0);
	cptr_t badged = slot();
	(void)kestrel_cnode_mint(CN, badged, DEPTH, CN, ntfn, DEPTH, ABI_RIGHTS_ALL, 0x800);
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, 0, CN, handler, DEPTH), ERR_RANGE,
	       "IRQ control: interrupt 0 is no source");
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, 100000, CN, handler, DEPTH), ERR_RANGE,
	       "IRQ control: a source beyond the controller's");
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_RTC_IRQ, CN, PROC_CAP_TCB, DEPTH),
	       ERR_DELETE_FIRST, "IRQ control: into an occupied slot");
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_RTC_IRQ, CN, handler, DEPTH),
	       ERR_OK, "IRQ control: a handler cap for the RTC's interrupt");
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_RTC_IRQ, CN, again, DEPTH),
	       ERR_REVOKE_FIRST, "IRQ control: a second handler for the same interrupt");
	expect(kestrel_irq_handler_set_notification(handler, ep), ERR_INVALID_CAPABILITY,
	       "IRQ handler: an endpoint is no notification");
	expect(kestrel_irq_handler_set_notification(handler, badged), ERR_OK,
	       "IRQ handler: set its notification");
	expect(kestrel_irq_handler_ack(handler), ERR_ILLEGAL_OPERATION,
	       "IRQ handler: ack with nothing to ack");
	expect(kestrel_invoke(handler, PAGE_MAP, 0, NULL, 0, NULL, NULL, 0), ERR_ILLEGAL_OPERATION,
	       "IRQ handler: an unknown method");

	rtc = map_frame(PROC_CAP_RTC_FRAME, RW);
	uint64_t badge = 0;
	bool ok = rtc != NULL;
	if (ok) {
		alarm_in(1000000);
		ok = kestrel_wait(ntfn, &badge) == ERR_OK && badge == 0x800;
	}
	check(ok, "a device interrupt reaches the handler's notification");
	if (rtc != NULL)
		rtc[RTC_CLEAR_INTERRUPT / 4] = 1; /* the device's side of the ack */
	expect(kestrel_irq_handler_ack(handler), ERR_OK, "IRQ handler: ack");
	badge = 0;
	if (rtc != NULL) {
		alarm_in(1000000);
		ok = kestrel_wait(ntfn, &badge) == ERR_OK && badge == 0x800;
		rtc[RTC_CLEAR_INTERRUPT / 4] = 1;
	}
	check(ok, "after the ack the interrupt arrives again");
	expect(kestrel_irq_handler_ack(handler), ERR_OK, "IRQ handler: ack again");
	expect(kestrel_irq_handler_clear(handler), ERR_OK, "IRQ handler: clear its notification");

	/* The line goes back to IRQ control with its last handler cap. */
	cptr_t copy = slot();
	(void)kestrel_cnode_copy(CN, copy, DEPTH, CN, handler, DEPTH, ABI_RIGHTS_ALL);
	(void)kestrel_cnode_delete(CN, handler, DEPTH);
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_RTC_IRQ, CN, again, DEPTH),
	       ERR_REVOKE_FIRST, "IRQ control: a copy of the handler keeps the line issued");
	(void)kestrel_cnode_delete(CN, copy, DEPTH);
	expect(kestrel_irq_control_get(PROC_CAP_IRQ_CONTROL, PROC_RTC_IRQ, CN, again, DEPTH),
	       ERR_OK, "IRQ control: the line is issued again once its last handler is deleted");
	ok = kestrel_irq_handler_set_notification(again, badged) == ERR_OK && rtc != NULL;
	if (ok) {
		badge = 0;
		alarm_in(1000000);
		ok = kestrel_wait(ntfn, &badge) == ERR_OK && badge == 0x800;
		rtc[RTC_CLEAR_INTERRUPT / 4] = 1;
		ok = ok && kestrel_irq_handler_ack(again) == ERR_OK;
	}
	check(ok, "the handler issued again receives the interrupt");
	expect(kestrel_page_unmap(PROC_CAP_RTC_FRAME), ERR_OK, "unmap the device frame");
	reset();
}
