/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data (see hart.h) and the code every hart runs once it is up.
 * trap.S and entry.S read the first fields of struct hart at the offsets in
 * arch/riscv/layout.h; the asserts below keep the two in step.
 */
#include "hart.h"

#include <stddef.h>

#include "arch.h"
#include "archtest.h"
#include "layout.h"
#include "program.h"
#include "tap.h"
#include "trap.h"

_Static_assert(offsetof(struct hart, scratch) == HART_SCRATCH, "layout.h");
_Static_assert(offsetof(struct hart, user_frame) == HART_USER_FRAME, "layout.h");
_Static_assert(offsetof(struct hart, kernel_stack_top) == HART_KERNEL_STACK_TOP, "layout.h");
_Static_assert(offsetof(struct hart, kernel_satp) == HART_KERNEL_SATP, "layout.h");
_Static_assert(offsetof(struct trap_frame, sepc) == FRAME_SEPC, "layout.h");
_Static_assert(sizeof(struct trap_frame) == FRAME_BYTES, "layout.h");

struct hart harts[CONFIG_MAX_HARTS];

_Noreturn void hart_main(struct hart *hart)
{
	csr_write_stvec((uint64_t)(uintptr_t)trap_entry);
	csr_write_sscratch(0);
	tap_result(true, "hart %lu came up (cpu %u)", hart->hart_id, hart->cpu_index);
	arch_init_hart();
	archtest_hart(hart);
	program_run_next(hart);
}
