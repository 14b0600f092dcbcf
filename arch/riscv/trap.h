/* SPDX-License-Identifier: MIT */
/* The entry points of trap.S and entry.S, for C. */
#ifndef ARCH_RISCV_TRAP_H
#define ARCH_RISCV_TRAP_H

#include <stdint.h>

struct hart;
struct trap_frame;

/* The trap vector (stvec, direct mode). */
void trap_entry(void);
/* Enter user mode with `frame`'s registers; sscratch becomes `hart`. */
_Noreturn void user_return(struct hart *hart, struct trap_frame *frame);
/*
 * The fastpath's first tier's way out (docs/ipc.md "The fastpath's two
 * tiers"), jumped to from fastpath_entry.c with these in a0, a1, a2 and
 * a7, tp the hart: as user_return, but a0..a2 are result, badge and info,
 * not frame's, and the message words below info's length (at most 8) are
 * the ones a3..a6, t3..t6 hold (the sender's: fastpath_entry.c never
 * touches those registers); the others come from frame.
 */
_Noreturn void user_return_ipc(uint64_t result, uint64_t badge, uint64_t info,
			       struct trap_frame *frame);
/* Where SBI HSM starts secondary harts (its physical address is passed). */
void secondary_entry(void);

#endif
