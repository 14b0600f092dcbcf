/* SPDX-License-Identifier: MIT */
/*
 * The fastpath's first tier (fastpath.c's fastpath_entry) as its own object,
 * built without the kernel's link-time optimisation (LTO drops per-file
 * flags), with s1..s11 call-clobbered and the message registers a3..a6,
 * t3..t6 fixed (kernel/meson.build). trap.S jumps here after saving every
 * user register the call needs into the TCB (all but t0..t2, dead across
 * Call and ReplyRecv: docs/abi.md) and keeps nothing in a register but
 * tp, and the tier never returns (fastpath_refused or user_return_ipc),
 * so GCC saves no s register; with the message registers fixed, the
 * sender's words reach the receiver's sret untouched. It runs on the user's sp (trap.S
 * does not load the kernel stack's: the tier keeps nothing on a stack), so
 * a failed CORE_ASSERT's report goes through trap.S's
 * fastpath_entry_assert_failed, which loads it first. ci/check-fastpath-entry
 * checks from the disassembly that the tier calls nothing that returns,
 * names no message register and never names sp. docs/ipc.md "The
 * fastpath's two tiers".
 */
#define port_assert_failed fastpath_entry_assert_failed /* (its declaration too) */
#include "port_regs.h"
#include "tcb.h"

/* core/tcb.c's two accessors, which LTO inlines everywhere else: here a
 * call to them would be a call that returns. The same index (port_regs.h). */
#define tcb_get_reg(t, reg) ((t)->regs[port_reg_index_inline(reg)])
#define tcb_set_reg(t, reg, value) ((void)((t)->regs[port_reg_index_inline(reg)] = (value)))

#define FASTPATH_FIRST_TIER 1
#include "fastpath.c"
