/* SPDX-License-Identifier: MIT */
/*
 * Loading and judging boot programs (see program.h). The run lists say what
 * each program is expected to do; a program that does something else is a
 * failed test, and the system's exit status says so.
 */
#include "program.h"

#include "abi.h"
#include "asid.h"
#include "barrier.h"
#include "boot_image.h"
#include "console.h"
#include "faulter.h"
#include "interrupt.h"
#include "kstring.h"
#include "memory.h"
#include "shutdown.h"
#include "tap.h"
#include "tlb.h"
#include "trap.h"
#include "uspace.h"
#include "vspacetest.h"

static const struct program_run demo_runs[] = {
	{ "hello", "hello ran in user mode", 0, PROGRAM_EXITED, 0, 0 },
};

static const struct program_run test_runs[] = {
	{ "hello", "hello ran in user mode", 0, PROGRAM_EXITED, 0, 0 },
	{ "faulter", "bad load contained", FAULTER_BAD_LOAD, PROGRAM_TRAPPED, CAUSE_LOAD_PAGE_FAULT,
	  0 },
	{ "faulter", "bad store contained", FAULTER_BAD_STORE, PROGRAM_TRAPPED,
	  CAUSE_STORE_PAGE_FAULT, 0 },
	{ "faulter", "illegal instruction contained", FAULTER_ILLEGAL_INSTRUCTION, PROGRAM_TRAPPED,
	  CAUSE_ILLEGAL_INSTRUCTION, 0 },
	{ "faulter", "unknown syscall contained", FAULTER_UNKNOWN_SYSCALL, PROGRAM_KILLED,
	  KERNEL_FAULT_UNKNOWN_SYSCALL, 0 },
	{ "faulter", "bad print pointer contained", FAULTER_BAD_PRINT_POINTER, PROGRAM_KILLED,
	  KERNEL_FAULT_BAD_PRINT_POINTER, 0 },
	{ "vspacetest", "vspace: retype, map, write, read, unmap, then the load faults",
	  VSPACETEST_UNMAP, PROGRAM_TRAPPED, CAUSE_LOAD_PAGE_FAULT, VSPACETEST_ADDRESS },
	{ "vspacetest", "vspace: remap read-only, then the store faults", VSPACETEST_REMAP,
	  PROGRAM_TRAPPED, CAUSE_STORE_PAGE_FAULT, VSPACETEST_ADDRESS + 8 },
};

/* ci/bench: the channel benchmark (with -icount shift=0, on one hart). */
static const struct program_run bench_runs[] = {
	{ "chanbench", "chanbench: the channel benchmark ran", 0, PROGRAM_EXITED, 0, 0 },
};

/* A run whose expectation is wrong on purpose: ci/qemu-run --expect-failure
 * boots with it to prove that a failed in-system test fails the QEMU run. */
static const struct program_run canary_runs[] = {
	{ "hello", "canary: hello expected to fault (must be reported not ok)", 0, PROGRAM_TRAPPED,
	  CAUSE_ILLEGAL_INSTRUCTION, 0 },
};

static const struct program_run *runs = demo_runs;
static unsigned run_count = ARRAY_LENGTH(demo_runs);
static unsigned running_harts;

static bool word_in(const char *text, const char *word)
{
	for (const char *start = text; *start;) {
		const char *end = start;
		while (*end && *end != ' ')
			end++;
		const char *w = word, *t = start;
		while (t < end && *w && *t == *w) {
			t++;
			w++;
		}
		if (t == end && !*w)
			return true;
		start = *end ? end + 1 : end;
	}
	return false;
}

unsigned program_select_runs(const char *bootargs)
{
	if (word_in(bootargs, "tests=faults")) {
		runs = test_runs;
		run_count = ARRAY_LENGTH(test_runs);
	} else if (word_in(bootargs, "tests=canary")) {
		runs = canary_runs;
		run_count = ARRAY_LENGTH(canary_runs);
	} else if (word_in(bootargs, "bench=channel")) {
		runs = bench_runs;
		run_count = ARRAY_LENGTH(bench_runs);
	}
	return run_count;
}

void program_set_running_harts(unsigned count)
{
	running_harts = count;
}

static const char *cause_name(uint64_t cause)
{
	switch (cause) {
	case CAUSE_MISALIGNED_FETCH: return "misaligned fetch";
	case CAUSE_FETCH_ACCESS: return "fetch access fault";
	case CAUSE_ILLEGAL_INSTRUCTION: return "illegal instruction";
	case CAUSE_BREAKPOINT: return "breakpoint";
	case CAUSE_MISALIGNED_LOAD: return "misaligned load";
	case CAUSE_LOAD_ACCESS: return "load access fault";
	case CAUSE_MISALIGNED_STORE: return "misaligned store";
	case CAUSE_STORE_ACCESS: return "store access fault";
	case CAUSE_FETCH_PAGE_FAULT: return "instruction page fault";
	case CAUSE_LOAD_PAGE_FAULT: return "load page fault";
	case CAUSE_STORE_PAGE_FAULT: return "store page fault";
	default: return "unexpected exception";
	}
}

static const char *kernel_fault_name(uint64_t fault)
{
	switch (fault) {
	case KERNEL_FAULT_UNKNOWN_SYSCALL: return "unknown syscall";
	case KERNEL_FAULT_BAD_PRINT_POINTER: return "bad pointer passed to print";
	default: return "unknown kernel fault";
	}
}

static _Noreturn void program_start(struct hart *hart, const struct program_run *run)
{
	struct elf_image image;
	enum error err = boot_image_program(run->program, &image);
	if (err == ERR_OK)
		err = uspace_load(hart, &image);
	if (err != ERR_OK) {
		tap_result(false, "hart %lu: %s: could not load %s: %s", hart->hart_id, run->label,
			   run->program, error_name(err));
		program_run_next(hart);
	}

	hart->frame = (struct trap_frame){ .sepc = image.entry };
	hart->frame.registers[2] = USER_STACK_TOP; /* sp */
	hart->frame.registers[10] = run->argument; /* a0 */
	hart->frame.registers[11] = hart->hart_id; /* a1 */
	hart->user_frame = &hart->frame;
	hart->kernel_entries = 0;

	/* Join the ASID's hart set before satp holds it (core/asid.h); only
	 * this hart touches its own ASIDs, so the core lock is not needed. */
	asid_activate(hart->asid, hart->cpu_index);
	arch_vspace_activate(kernel_to_physical(hart->user_root), hart->asid);
	sfence_vma_all();
	fence_i(); /* the image was written as data; this hart now runs it */
	csr_clear_sstatus(SSTATUS_SPP | SSTATUS_FS_MASK);
	csr_set_sstatus(SSTATUS_SPIE | SSTATUS_FS_INITIAL);
	user_return(hart, &hart->frame);
}

_Noreturn void program_run_next(struct hart *hart)
{
	if (hart->next_run < run_count)
		program_start(hart, &runs[hart->next_run++]);
	program_hart_finished(hart);
}

_Noreturn void program_end(struct hart *hart, enum program_end_kind kind, uint64_t value,
			   uint64_t address)
{
	const struct program_run *run = &runs[hart->next_run - 1];
	uint64_t pc = hart->frame.sepc;
	bool expected = kind == run->expect_kind && value == run->expect_value &&
			(run->expect_address == 0 || address == run->expect_address);
	/* Leave the program's address space before its pages are reused. */
	csr_write_satp(hart->kernel_satp);
	sfence_vma_all();
	/* Benchmarks read this (ci/bench): every entry, the ending one too. */
	kprintf("# hart %lu: %s entered the kernel %lu times\n", hart->hart_id, run->program,
		hart->kernel_entries);

	switch (kind) {
	case PROGRAM_EXITED:
		tap_result(expected, "hart %lu: %s (exit status %ld)", hart->hart_id, run->label,
			   (long)value);
		break;
	case PROGRAM_TRAPPED:
		if (value == CAUSE_ILLEGAL_INSTRUCTION) {
			/* stval holds the instruction's bits, not an address */
			kprintf("hart %lu: %s ended: illegal instruction 0x%lx at address 0x%lx\n",
				hart->hart_id, run->program, address, pc);
			address = pc;
		} else {
			kprintf("hart %lu: %s ended: %s at address 0x%lx (pc 0x%lx)\n",
				hart->hart_id, run->program, cause_name(value), address, pc);
		}
		tap_result(expected, "hart %lu: %s (%s at 0x%lx)", hart->hart_id, run->label,
			   cause_name(value), address);
		break;
	case PROGRAM_KILLED:
		kprintf("hart %lu: %s ended: %s 0x%lx (pc 0x%lx)\n", hart->hart_id, run->program,
			kernel_fault_name(value), address, pc);
		tap_result(expected, "hart %lu: %s (%s 0x%lx)", hart->hart_id, run->label,
			   kernel_fault_name(value), address);
		break;
	}
	program_run_next(hart);
}

void program_count_out_hart(void)
{
	__atomic_sub_fetch(&running_harts, 1, __ATOMIC_ACQ_REL);
}

_Noreturn void program_hart_finished(struct hart *hart)
{
	if (__atomic_sub_fetch(&running_harts, 1, __ATOMIC_ACQ_REL) == 0) {
		unsigned failures = tap_failures();
		tap_result(failures == 0, "all harts finished their programs (%u failed)",
			   failures);
		kprintf("# hart %lu: shutting down: %s\n", hart->hart_id,
			failures == 0 ? "pass" : "FAIL");
		system_shutdown(failures == 0);
	}
	for (;;) {
		cpu_wait_for_interrupt();
		(void)arch_interrupt_poll(); /* else a pending one keeps wfi from sleeping */
	}
}
