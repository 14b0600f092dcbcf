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
 * the registers). */
static inline void msg_regs_clear_past(struct tcb *t, unsigned length)
{
	for (unsigned i = length; i < MSG_REGISTER_WORDS; i++)
		tcb_set_reg(t, PORT_REG_MR0 + i, 0);
}

#endif
