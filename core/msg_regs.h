/* SPDX-License-Identifier: MIT */
/*
 * The message registers of a message that arrives (docs/abi.md
 * "Registers"): MR0..MR7 past its length read 0, on the fastpath (trap.S's
 * user_return_ipc zeroes them) as on the slow path (here). Zero rather
 * than the receiver's own values because the fastpath's ReplyRecv does
 * not save its message registers (trap.S): the TCB's copy of them is then
 * stale, and no rule could say what a receiver finds there.
 */
#ifndef CORE_MSG_REGS_H
#define CORE_MSG_REGS_H

#include "message.h"
#include "tcb.h"

/* t's MR registers from `length` on to 0 (none when length reaches past
 * the registers). Unrolled, each store's place a constant: a loop, which
 * looked each one up in port_reg_index's table, cost kbench's
 * ep_call_slowpath (two one-word messages) 150 instructions a round trip,
 * this 30. */
static inline void msg_regs_clear_past(struct tcb *t, unsigned length)
{
#define MSG_REGS_CLEAR(i)                                                                          \
	case i: tcb_set_reg(t, PORT_REG_MR0 + i, 0); __attribute__((fallthrough))
	_Static_assert(MSG_REGISTER_WORDS == 8, "MSG_REGS_CLEAR 0 to 7");
	switch (length) {
		MSG_REGS_CLEAR(0);
		MSG_REGS_CLEAR(1);
		MSG_REGS_CLEAR(2);
		MSG_REGS_CLEAR(3);
		MSG_REGS_CLEAR(4);
		MSG_REGS_CLEAR(5);
		MSG_REGS_CLEAR(6);
		MSG_REGS_CLEAR(7);
	default: break; /* 8 and more: every register word is the message's */
	}
#undef MSG_REGS_CLEAR
}

#endif
