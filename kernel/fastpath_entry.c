/* SPDX-License-Identifier: MIT */
/*
 * The fastpath's first tier (fastpath.c's fastpath_entry) as its own object:
 * built without the kernel's link-time optimisation and with s1..s11
 * call-clobbered (kernel/meson.build), so GCC saves none of them in its
 * prologue. That is sound because trap.S, its only caller, has saved the
 * user's registers into the TCB before the call and keeps nothing in them
 * across it, and the tier calls nothing that returns but what is compiled
 * with the normal convention (which preserves them anyway); ci/check-fastpath
 * checks from the disassembly that it calls nothing else. docs/ipc.md "The
 * fastpath's two tiers".
 */
#include "port_regs.h"
#include "tcb.h"

/* core/tcb.c's two accessors, which LTO inlines everywhere else: here a
 * call to them would be a call that returns. The same index (port_regs.h). */
#define tcb_get_reg(t, reg) ((t)->regs[port_reg_index_inline(reg)])
#define tcb_set_reg(t, reg, value) ((void)((t)->regs[port_reg_index_inline(reg)] = (value)))

#define FASTPATH_FIRST_TIER 1
#include "fastpath.c"
