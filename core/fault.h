/* SPDX-License-Identifier: MIT */
/*
 * Fault IPC. A thread that faults is blocked and its fault goes, as a call,
 * to the endpoint in its fault-handler slot: label = the fault kind,
 * MR0 = the faulting instruction's address, MR1 = the address the fault is
 * about (the bad address, or the instruction bits / syscall number the arch
 * layer reports). A cap fault (seL4's: a system call named a cap that does
 * not resolve, or a receive named the wrong kind of cap) has seL4's longer
 * message: MR1 the cptr, MR2 1 in a receive phase, then the lookup failure
 * (type, and the words that type has). The handler answers through the
 * reply object. A page fault is seL4's VM fault, and a cap fault seL4's
 * cap fault: any answer restarts the thread unchanged (a cap fault's
 * system call runs again). For
 * the others, label 0 restarts the thread (MR0, when the reply has one word
 * or more, becomes its new PC; the handler may also change registers
 * through the TCB first); any other label leaves it suspended. A thread without a fault handler is
 * suspended, counted (fault_unhandled_count) and reported through
 * port_fault_unhandled. The kernel never stops for a user fault.
 */
#ifndef CORE_FAULT_H
#define CORE_FAULT_H

#include <stdint.h>

#include "cnode.h"
#include "tcb.h"

/* ABI: fault message labels. */
enum fault_kind {
	FAULT_NONE = 0,
	FAULT_PAGE = 1,                /* address: the address that missed */
	FAULT_ILLEGAL_INSTRUCTION = 2, /* address: the instruction bits */
	FAULT_UNKNOWN_SYSCALL = 3,     /* address: the system-call number */
	FAULT_MISALIGNED = 4,          /* address: the misaligned address */
	FAULT_CAP = 5,                 /* address: the cptr; message below */
};
#define FAULT_KIND_COUNT 6
#define FAULT_MESSAGE_LENGTH 2 /* every kind but FAULT_CAP */
#define FAULT_MR_PC 0
#define FAULT_MR_ADDRESS 1
/* A cap fault's message, at seL4's offsets (seL4_CapFault_*): its length
 * is 4 + the words its lookup failure type has (none for an invalid root,
 * bits left for a missing capability, and bits found for a depth mismatch,
 * guard found and guard size for a guard mismatch). */
#define FAULT_CAP_MR_IN_RECEIVE 2
#define FAULT_CAP_MR_LOOKUP_TYPE 3 /* enum lookup_fault_type */
#define FAULT_CAP_MR_BITS_LEFT 4
#define FAULT_CAP_MR_BITS_FOUND 5  /* depth mismatch: the level's bits */
#define FAULT_CAP_MR_GUARD_FOUND 5 /* guard mismatch: the CNode's guard */
#define FAULT_CAP_MR_GUARD_SIZE 6  /* guard mismatch: its size */
#define FAULT_CAP_MAX_LENGTH 7

extern uint64_t fault_unhandled_count;

/* The current (runnable, not idle) thread t faulted at pc. */
void fault_raise(struct tcb *t, enum fault_kind kind, uint64_t address, uint64_t pc);
/* The current thread t's system call at pc named `cptr`, which failed as
 * `lookup` says (in a receive phase when `receive`): a cap fault. */
void fault_raise_cap(struct tcb *t, uint64_t cptr, bool receive, struct lookup_fault lookup,
		     uint64_t pc);
/* Write t's fault message into receiver's registers (not badge/result). */
void fault_message(const struct tcb *t, struct tcb *receiver);
/* The handler `replier` answered t's fault: restart or stay suspended. */
void fault_reply(struct tcb *t, const struct tcb *replier);

#endif
