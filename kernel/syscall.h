/* SPDX-License-Identifier: MIT */
/*
 * System-call decode (core/abi.h): the registers of the calling thread
 * become one request; the cap it names is looked up in its CSpace and
 * handed to core/ (IPC) or to kernel/invoke.c (object invocations). Every
 * argument is checked before anything changes; a bad one is an error code
 * in a0, never a kernel assertion. Runs under the big kernel lock.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "cnode.h"
#include "message.h"
#include "tcb.h"

/* The current thread t made an ecall (its registers are saved). */
void syscall_handle(struct tcb *t);

/* The slot cptr names in t's CSpace (all 64 bits), or NULL. Untrusted: cptr. */
struct cte *syscall_lookup(struct tcb *t, uint64_t cptr);

/* Message word i of t's message (registers, then its IPC buffer, or 0
 * without one). Assumes i < MSG_MAX_LENGTH. */
uint64_t msg_get(struct tcb *t, unsigned i);
/* Set message word i; false when it has no room (no IPC buffer). */
bool msg_set(struct tcb *t, unsigned i, uint64_t value);

#endif
