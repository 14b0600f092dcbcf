/* SPDX-License-Identifier: MIT */
/*
 * The IPC fastpath (docs/ipc.md, "The fastpath"): Call and ReplyRecv
 * between two threads of one hart, message in registers, no caps, the
 * other side waiting and allowed to run at once by the scheduler's own
 * rule. Anything else, or any doubt, goes to the slow path (syscall.c).
 */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include <stdbool.h>

#include "hart.h"
#include "tcb.h"

/* Off: every call takes the slow path (boot argument fastpath=off, or
 * SYS_DEBUG_FASTPATH), so one test suite runs against both paths. Read
 * by the second tier; the first tier's gate is each hart's
 * fastpath_calls, which fastpath_set_enabled keeps in step. */
extern bool fastpath_enabled;

/* Turn the fastpath on or off (lock held): fastpath_enabled and every
 * hart's fastpath_calls. A hart reads its own word in trap.S without the
 * lock: one trap there that read it just before a change may still try
 * the first tier, which then runs before the changer's lock hold or
 * right after it (the hart that asked is never that one). */
void fastpath_set_enabled(bool on);

/* The boot hart, once: the word "fastpath=off" in bootargs turns it off.
 * Untrusted: bootargs (a NUL-terminated string, any content). */
void fastpath_configure(const char *bootargs);

/* t, current on hart (lock held, registers saved in its TCB), made an
 * ecall: do it here and run the other thread (never returns), or return
 * having changed nothing. */
void fastpath_try(struct hart *hart, struct tcb *t);

/* The first tier (trap.S jumps here for an ecall with a7 = Call or
 * ReplyRecv, is_reply_recv 0 or 1 from a7; registers saved in the
 * running thread's TCB, lock not held):
 * the same rules as fastpath_try's, for the case that needs no call that
 * returns (one try at the lock, the one-level CNode shape, a remembered
 * satp, an FP switch with nothing to save or load, no fence.i, no
 * user-interrupt state). Does the IPC and runs the other thread, or,
 * having changed nothing and released the lock, jumps back to trap.S's
 * fastpath_refused. Never returns. Untrusted: every user register (read
 * from the TCB, checked by the same rules). */
_Noreturn void fastpath_entry(struct hart *hart, uint64_t is_reply_recv);

#endif
