/* SPDX-License-Identifier: MIT */
/*
 * Trap dispatch: from user mode (system calls and faults) and from the
 * kernel (always a bug for now: the kernel enables no interrupts yet).
 * Entered from arch/riscv/trap.S on the hart's kernel stack.
 */
#include "abi.h"
#include "console.h"
#include "csr.h"
#include "hart.h"
#include "interrupt.h"
#include "program.h"
#include "trap.h"
#include "usermem.h"
#include "uspace.h"

_Noreturn void trap_from_user(struct hart *hart);
_Noreturn void trap_from_kernel(struct trap_frame *frame);

static void print_piece(const char *bytes, uint64_t length)
{
	console_write(bytes, length);
}

/* print(a0 = address, a1 = length). Untrusted: both come from the user. */
static uint64_t syscall_print(struct hart *hart, struct uslice text)
{
	if (text.length > SYSCALL_PRINT_MAX)
		return ERR_RANGE;
	if (!uslice_readable(hart->user_root, text))
		program_end(hart, PROGRAM_KILLED, KERNEL_FAULT_BAD_PRINT_POINTER, text.address);
	uslice_for_each_piece(hart->user_root, text, print_piece);
	return ERR_OK;
}

static void syscall_dispatch(struct hart *hart, struct trap_frame *frame)
{
	uint64_t *r = frame->registers;
	uint64_t number = r[17]; /* a7 */
	switch (number) {
	case SYSCALL_PRINT: r[10] = syscall_print(hart, (struct uslice){ r[10], r[11] }); return;
	case SYSCALL_EXIT: program_end(hart, PROGRAM_EXITED, r[10], 0);
	case SYSCALL_INVOKE: r[10] = uspace_invoke(hart, r); return;
	default: program_end(hart, PROGRAM_KILLED, KERNEL_FAULT_UNKNOWN_SYSCALL, number);
	}
}

_Noreturn void trap_from_user(struct hart *hart)
{
	uint64_t cause = csr_read_scause();
	struct trap_frame *frame = hart->user_frame;
	hart->kernel_entries++;
	if (cause & CAUSE_INTERRUPT) {
		if (!arch_interrupt(cause))
			panic("hart %lu: unexpected interrupt %lx from user mode", hart->hart_id,
			      cause);
		user_return(hart, frame);
	}
	if (cause == CAUSE_USER_ECALL) {
		syscall_dispatch(hart, frame);
		frame->sepc += 4; /* the call returns: resume after the ecall */
	} else {
		program_end(hart, PROGRAM_TRAPPED, cause, csr_read_stval());
	}
	user_return(hart, frame);
}

_Noreturn void trap_from_kernel(struct trap_frame *frame)
{
	panic("trap in the kernel: scause 0x%lx sepc 0x%lx stval 0x%lx ra 0x%lx", csr_read_scause(),
	      frame->sepc, csr_read_stval(), frame->registers[1]);
}
