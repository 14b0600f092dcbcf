/* SPDX-License-Identifier: MIT */
/*
 * Where each core/ register role lives in a TCB's register block, inline
 * (port.c's port_reg_index, and the fastpath's first tier, which is built
 * without link-time optimisation and must not call it: fastpath_entry.c).
 */
#ifndef ARCH_RISCV_PORT_REGS_H
#define ARCH_RISCV_PORT_REGS_H

#include "port.h"

/*
 * The register block of a TCB is struct trap_frame's layout: x1..x31 at
 * their numbers, sepc at 32. IPC roles (docs/ipc.md): a0 result, a1 badge,
 * a2 message info, MR0..MR3 in a3..a6, MR4..MR7 in t3..t6; a7 keeps the
 * system-call number on entry.
 */
static inline unsigned port_reg_index_inline(enum port_reg reg)
{
	static const unsigned char reg_index[PORT_REG_COUNT] = {
		[PORT_REG_RESULT] = 10,  [PORT_REG_BADGE] = 11,   [PORT_REG_INFO] = 12,
		[PORT_REG_MR0] = 13,     [PORT_REG_MR0 + 1] = 14, [PORT_REG_MR0 + 2] = 15,
		[PORT_REG_MR0 + 3] = 16, [PORT_REG_MR0 + 4] = 28, [PORT_REG_MR0 + 5] = 29,
		[PORT_REG_MR0 + 6] = 30, [PORT_REG_MR0 + 7] = 31, [PORT_REG_PC] = 32,
	};
	return reg_index[reg];
}

#endif
