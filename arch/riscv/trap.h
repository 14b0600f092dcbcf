/* SPDX-License-Identifier: MIT */
/* The entry points of trap.S and entry.S, for C. */
#ifndef ARCH_RISCV_TRAP_H
#define ARCH_RISCV_TRAP_H

struct hart;
struct trap_frame;

/* The trap vector (stvec, direct mode). */
void trap_entry(void);
/* Enter user mode with `frame`'s registers; sscratch becomes `hart`. */
_Noreturn void user_return(struct hart *hart, struct trap_frame *frame);
/* Where SBI HSM starts secondary harts (its physical address is passed). */
void secondary_entry(void);

#endif
