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

void fault_raise_cap(struct tcb *t, uint64_t cptr, bool receive, struct lookup_fault lookup,
		     uint64_t pc)
{
	CORE_ASSERT(lookup.type != LOOKUP_FAULT_NONE);
	t->fault_in_receive = receive;
	t->fault_lookup_type = (uint8_t)lookup.type;
	t->fault_bits_left = (uint8_t)lookup.bits_left;
	t->fault_bits_found = (uint8_t)lookup.bits_found;
	t->fault_guard_found = lookup.guard_found;
	fault_raise(t, FAULT_CAP, cptr, pc);
}

/* The lookup-failure words of a cap fault from MR3 on; returns the length. */
static unsigned cap_fault_words(const struct tcb *t, struct tcb *receiver)
{
	enum lookup_fault_type type = (enum lookup_fault_type)t->fault_lookup_type;
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_IN_RECEIVE, t->fault_in_receive);
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_LOOKUP_TYPE, type);
	switch (type) {
	case LOOKUP_FAULT_NONE:
	case LOOKUP_FAULT_INVALID_ROOT: return FAULT_CAP_MR_LOOKUP_TYPE + 1;
	case LOOKUP_FAULT_MISSING_CAPABILITY:
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_BITS_LEFT, t->fault_bits_left);
		return FAULT_CAP_MR_BITS_LEFT + 1;
	case LOOKUP_FAULT_DEPTH_MISMATCH:
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_BITS_LEFT, t->fault_bits_left);
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_BITS_FOUND, t->fault_bits_found);
		return FAULT_CAP_MR_BITS_FOUND + 1;
	case LOOKUP_FAULT_GUARD_MISMATCH:
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_BITS_LEFT, t->fault_bits_left);
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_GUARD_FOUND,
			    t->fault_guard_found);
		tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_CAP_MR_GUARD_SIZE, t->fault_bits_found);
		return FAULT_CAP_MR_GUARD_SIZE + 1;
	}
	return FAULT_CAP_MR_LOOKUP_TYPE + 1;
}

void fault_message(const struct tcb *t, struct tcb *receiver)
{
	_Static_assert(FAULT_CAP_MAX_LENGTH <= MSG_REGISTER_WORDS, "fault messages are registers");
	unsigned length = FAULT_MESSAGE_LENGTH;
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_MR_PC, t->fault_pc);
	tcb_set_reg(receiver, PORT_REG_MR0 + FAULT_MR_ADDRESS, t->fault_address);
	if (t->fault_kind == FAULT_CAP)
		length = cap_fault_words(t, receiver);
	tcb_set_reg(receiver, PORT_REG_INFO, msg_info_make(t->fault_kind, length, 0, 0).word);
}

void fault_reply(struct tcb *t, const struct tcb *replier)
{
	struct msg_info info = { tcb_get_reg(replier, PORT_REG_INFO) };
	enum fault_kind kind = (enum fault_kind)t->fault_kind;
	t->fault_kind = FAULT_NONE;
	/* seL4's VM-fault and cap-fault reply: any answer restarts the thread
	 * as it was (the handler mapped what was missing, or changed the
	 * registers or the CSpace); the message is not read. */
	if (kind == FAULT_PAGE || kind == FAULT_CAP) {
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
