/* SPDX-License-Identifier: MIT */
/*
 * Fault IPC. A thread that faults is blocked and its fault goes, as a call,
 * to the endpoint in its fault-handler slot: label = the fault kind,
 * MR0 = the faulting instruction's address, MR1 = the address the fault is
 * about (the bad address, or the instruction bits / syscall number the arch
 * layer reports). The handler answers through the reply object. A page
 * fault is seL4's VM fault: any answer restarts the thread unchanged. For
 * the others, label 0 restarts the thread (MR0, when the reply has one word
 * or more, becomes its new PC; the handler may also change registers
 * through the TCB first); any other label leaves it suspended. A thread without a fault handler is
 * suspended, counted (fault_unhandled_count) and reported through
 * port_fault_unhandled. The kernel never stops for a user fault.
 */
#ifndef CORE_FAULT_H
#define CORE_FAULT_H

#include <stdint.h>

#include "tcb.h"

/* ABI: fault message labels. */
enum fault_kind {
	FAULT_NONE = 0,
	FAULT_PAGE = 1,                /* address: the address that missed */
	FAULT_ILLEGAL_INSTRUCTION = 2, /* address: the instruction bits */
	FAULT_UNKNOWN_SYSCALL = 3,     /* address: the system-call number */
	FAULT_MISALIGNED = 4,          /* address: the misaligned address */
};
#define FAULT_KIND_COUNT 5
#define FAULT_MESSAGE_LENGTH 2
#define FAULT_MR_PC 0
#define FAULT_MR_ADDRESS 1

extern uint64_t fault_unhandled_count;

/* The current (runnable, not idle) thread t faulted at pc. */
void fault_raise(struct tcb *t, enum fault_kind kind, uint64_t address, uint64_t pc);
/* Write t's fault message into receiver's registers (not badge/result). */
void fault_message(const struct tcb *t, struct tcb *receiver);
/* The handler `replier` answered t's fault: restart or stay suspended. */
void fault_reply(struct tcb *t, const struct tcb *replier);

#endif
