/* SPDX-License-Identifier: MIT */
/*
 * seL4's cap faults for the system calls (reference manual, "Capability
 * faults"; docs/abi.md): a blocking Send or Call whose invoked cap, or one
 * of whose extra caps, does not resolve, and a receive (Recv, NBRecv,
 * ReplyRecv, Wait, Poll) on a cap that does not resolve or is not one it
 * can receive on, do not return an error: the thread's fault handler gets
 * a cap fault (core/fault.c) and any answer runs the call again. These are
 * the lookups syscall.c makes on the thread's behalf; each raises the fault
 * itself and tells the caller to stop. Under the big kernel lock.
 */
#ifndef KERNEL_CAPFAULT_H
#define KERNEL_CAPFAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "cte.h"
#include "tcb.h"

/*
 * The slot holding the cap `cptr` names in t's CSpace (all 64 bits), or
 * NULL having raised a cap fault (receive phase when `receive`): the cptr
 * does not resolve, or names an empty slot (seL4's missing capability).
 * Assumes t is in a system call (REG_SYSCALL_PC is its ecall). Untrusted:
 * cptr.
 */
struct cte *capfault_lookup(struct tcb *t, uint64_t cptr, bool receive);

/* The cap `cptr` named is the wrong kind for the call (or lacks the right
 * it needs): seL4's missing-capability cap fault, no bits left. */
void capfault_wrong_cap(struct tcb *t, uint64_t cptr, bool receive);

/*
 * A blocking Send or Call: every extra cap t's IPC buffer names resolves
 * (an empty slot does: what it means is the operation's business), or a
 * cap fault on the first that does not was raised and this returns false.
 */
bool capfault_extra_caps(struct tcb *t);

#endif
