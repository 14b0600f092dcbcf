/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data. Each hart the DTB lists (up to CONFIG_MAX_HARTS) has one
 * struct hart, indexed by its position in the DTB's /cpus ("cpu index"),
 * which is not the hart id: OpenSBI may boot on any hart. In the kernel, tp
 * holds the running hart's struct; trap.S reads the first fields, whose
 * offsets are fixed in arch/riscv/layout.h and checked in hart.c.
 */
#ifndef KERNEL_HART_H
#define KERNEL_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "csr.h"
#include "cap.h"
#include "cte.h"
#include "pagetable.h"

/* A user thread's registers while it is in the kernel. */
struct trap_frame {
	uint64_t registers[32]; /* by register number; [0] unused */
	uint64_t sepc;
};

/* How a program ended; the value that goes with each is in brackets. */
enum program_end_kind {
	PROGRAM_EXITED,  /* called exit [its status] */
	PROGRAM_TRAPPED, /* a hardware exception in user mode [scause] */
	PROGRAM_KILLED,  /* the kernel ended it [enum kernel_fault] */
};

/* Faults the kernel itself detects in a program's system calls. */
enum kernel_fault {
	KERNEL_FAULT_UNKNOWN_SYSCALL = 1,
	KERNEL_FAULT_BAD_PRINT_POINTER = 2,
};

/* A boot program the hart runs, and how the kernel expects it to end. */
struct program_run {
	const char *program; /* its name in the boot image */
	const char *label;   /* what the TAP line calls it */
	uint64_t argument;   /* passed in a0 */
	enum program_end_kind expect_kind;
	uint64_t expect_value;
	uint64_t expect_address; /* when not 0: the faulting address (stval) */
};

struct hart {
	/* Read by trap.S: keep in step with layout.h. */
	uint64_t scratch;
	struct trap_frame *user_frame;
	uint64_t kernel_stack_top;
	uint64_t kernel_satp;

	uint64_t hart_id;
	unsigned cpu_index;
	struct trap_frame frame;     /* the one user thread this hart runs */
	struct pagetable *user_root; /* its address space (a core/vspace.c VSpace) */
	uint64_t asid;               /* and that VSpace's ASID */
	unsigned next_run;           /* index into the run list */
	uint64_t kernel_entries;     /* traps from the running program */
	/* Capabilities behind the program (kernel/uspace.c). */
	struct cte untyped;         /* the hart's block: every object of its programs */
	struct cte pool_untyped;    /* the 4 KiB its ASID pool was made from */
	struct cte pool;            /* its ASID pool: no other hart uses these ASIDs */
	struct cap kernel_cnode;    /* slots for the caps the kernel keeps for the program */
	unsigned kernel_slots_used; /* of kernel_cnode, by the running program */
	struct cte *vspace_slot;    /* the VSpace root's cap, in kernel_cnode */
	struct cap cspace;          /* the program's root CNode, as lookups use it */
};

extern struct hart harts[CONFIG_MAX_HARTS];

static inline struct hart *hart_current(void)
{
	return cpu_read_tp();
}

_Noreturn void hart_main(struct hart *hart);

#endif
