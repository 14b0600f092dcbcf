/* SPDX-License-Identifier: MIT */
/*
 * Fault delivery, the fault message and the handler's answer. See fault.h.
 */
#include "fault.h"

#include "endpoint.h"
#include "message.h"
#include "scheduler.h"

uint64_t fault_unhandled_count;

void fault_raise(struct tcb *t, enum fault_kind kind, uint64_t address, uint64_t pc)
{
	CORE_ASSERT(kind != FAULT_NONE && tcb_is_runnable(t));
	struct cap handler = t->fault_handler.cap;
	if (cap_is_null(handler)) {
		tcb_suspend(t);
		fault_unhandled_count++;
		port_fault_unhandled(t, kind, address, pc);
		return;
	}
	t->fault_kind = (uint8_t)kind;
	t->fault_address = address;
	t->fault_pc = pc;
	endpoint_send_fault(t, (struct endpoint *)cap_ptr(handler), cap_badge(handler));
}

void fault_message(const struct tcb *t, struct tcb *receiver)
{
	tcb_set_reg(receiver, PORT_REG_INFO,
		    msg_info_make(t->fault_kind, FAULT_MESSAGE_LENGTH, 0, 0).word);
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_MR_PC, t->fault_pc);
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_MR_ADDRESS, t->fault_address);
}

void fault_reply(struct tcb *t, const struct tcb *replier)
{
	struct msg_info info = { tcb_get_reg(replier, PORT_REG_INFO) };
	enum fault_kind kind = (enum fault_kind)t->fault_kind;
	t->fault_kind = FAULT_NONE;
	/* seL4's VM-fault reply: any answer restarts the thread as it was (the
	 * handler mapped what was missing); the message is not read. */
	if (kind == FAULT_PAGE) {
		tcb_set_state(t, THREAD_RESTART);
		return;
	}
	if (msg_info_label(info) != 0) {
		tcb_set_state(t, THREAD_INACTIVE);
		return;
	}
	if (msg_info_length(info) >= 1)
		tcb_set_reg(t, PORT_REG_PC, tcb_get_reg(replier, PORT_REG_MR0));
	tcb_set_state(t, THREAD_RESTART);
}
