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
 * tiers"): as user_return, but a0..a2 are result, badge and info, not the
 * frame's, and the message words below info's length (at most 8) come
 * from the sender's frame, the others from frame (the receiver's own).
 */
_Noreturn void user_return_ipc(uint64_t result, uint64_t badge, uint64_t info, struct hart *hart,
			       struct trap_frame *frame, const struct trap_frame *sender);
/* Where SBI HSM starts secondary harts (its physical address is passed). */
void secondary_entry(void);

#endif
