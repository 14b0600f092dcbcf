/* SPDX-License-Identifier: MIT */
/*
 * What the root task (servers/root) gives every program it starts, and what
 * libos relies on: the program's CSpace layout (a CNode of 2^PROC_CNODE_RADIX
 * slots guarded so a cptr is a slot index), its registers at start, and the
 * exit message. docs/abi.md, "Programs".
 */
#ifndef LIBOS_PROCESS_H
#define LIBOS_PROCESS_H

#include "abi.h"

#define PROC_CNODE_RADIX 10
enum proc_slot {
	PROC_CAP_TCB = 1,          /* its own thread */
	PROC_CAP_CNODE = 2,        /* its root CNode */
	PROC_CAP_VSPACE = 3,       /* its VSpace root */
	PROC_CAP_PARENT = 4,       /* a badged endpoint to the root task (exit) */
	PROC_CAP_UNTYPED = 5,      /* memory of its own (PROC_UNTYPED_BITS) */
	PROC_CAP_ASID_POOL = 6,    /* a copy of the root's ASID pool */
	PROC_CAP_IPC_FRAME = 7,    /* the frame of its IPC buffer */
	PROC_CAP_ASID_CONTROL = 8, /* only for the in-system test program */
	PROC_CAP_IRQ_CONTROL = 9,  /* only for the in-system test program and kbench */
	PROC_CAP_RTC_FRAME = 10,   /* the goldfish RTC's registers (test program) */
	PROC_CAP_UART_FRAME = 11,  /* the ns16550a's registers (test program, kbench) */
	PROC_CAP_SERVICE = 12,     /* an endpoint shared with a partner program */
	PROC_CAP_FIRST_FREE = 16,
};
#define PROC_UNTYPED_BITS 22 /* 4 MiB: room for a 2 MiB frame (ktest_lend) */
/* QEMU virt's goldfish RTC (its DTB node rtc@101000, interrupt 11): the
 * device the suite's interrupt cases use. */
#define PROC_RTC_PADDR 0x101000u
#define PROC_RTC_IRQ 11u
/* QEMU virt's ns16550a (serial@10000000, interrupt 10). */
#define PROC_UART_PADDR 0x10000000u
#define PROC_UART_IRQ 10u

/* The boot arguments (NUL-terminated), read-only, in every program. */
#define PROC_ARGS_VADDR 0x0000003fffff6000ull

/* At start: a0 = the argument, a1 = the IPC buffer's address, sp = the
 * stack's top (USER_STACK_TOP), tp = 0. */
#define PROC_IPC_BUFFER_VADDR BOOT_IPC_BUFFER_VADDR

/* A Call on PROC_CAP_PARENT with this label and MR0 = status ends the
 * program. Fault messages use the labels of core/fault.h (1..4). */
#define PROC_EXIT_LABEL 0x100

#endif
