/* SPDX-License-Identifier: MIT */
/*
 * Running boot programs: each hart runs a list of them, one at a time, each
 * in a fresh Sv39 address space built from its ELF image. A program ends by
 * exit or by a fault; the kernel reports the outcome as a TAP line and
 * starts the hart's next program. A program's address space and
 * capabilities are built by kernel/uspace.c from its hart's untyped block;
 * starting the next program revokes that block, so nothing leaks.
 */
#ifndef KERNEL_PROGRAM_H
#define KERNEL_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "hart.h"

/* Choose the run list from the boot arguments and return how many runs each
 * hart makes: none means the demo (hello on every hart), "tests=faults" adds
 * the fault-containment tests, "tests=canary" is the harness self-test,
 * "bench=channel" the in-system channel benchmark (ci/bench). */
unsigned program_select_runs(const char *bootargs);

/* Start the hart's next program, or finish the hart. Never returns. */
_Noreturn void program_run_next(struct hart *hart);

/* End the running program: `value` goes with `kind` (hart.h); `address`
 * is the faulting address or value the message names. Never returns. */
_Noreturn void program_end(struct hart *hart, enum program_end_kind kind, uint64_t value,
			   uint64_t address);

/* How many harts are still running programs (shutdown comes at zero). */
void program_set_running_harts(unsigned count);
_Noreturn void program_hart_finished(struct hart *hart);
/* A hart that never started: count it out. Assumes the caller's hart is
 * still counted, so this is never the last. */
void program_count_out_hart(void);

#endif
