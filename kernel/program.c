/* SPDX-License-Identifier: MIT */
/*
 * Loading and judging boot programs (see program.h). The run lists say what
 * each program is expected to do; a program that does something else is a
 * failed test, and the system's exit status says so.
 */
#include "program.h"

#include "abi.h"
#include "barrier.h"
#include "boot_image.h"
#include "console.h"
#include "faulter.h"
#include "kstring.h"
#include "memory.h"
#include "shutdown.h"
#include "tap.h"
#include "trap.h"

/* The end of user space: Sv39 addresses below 2^38 are the lower half. */
#define USER_ADDRESS_LIMIT (UINT64_C(1) << 38)

extern struct pagetable *kernel_root;

static const struct program_run demo_runs[] = {
	{ "hello", "hello ran in user mode", 0, PROGRAM_EXITED, 0 },
};

static const struct program_run test_runs[] = {
	{ "hello", "hello ran in user mode", 0, PROGRAM_EXITED, 0 },
	{ "faulter", "bad load contained", FAULTER_BAD_LOAD, PROGRAM_TRAPPED,
	  CAUSE_LOAD_PAGE_FAULT },
	{ "faulter", "bad store contained", FAULTER_BAD_STORE, PROGRAM_TRAPPED,
	  CAUSE_STORE_PAGE_FAULT },
	{ "faulter", "illegal instruction contained", FAULTER_ILLEGAL_INSTRUCTION, PROGRAM_TRAPPED,
	  CAUSE_ILLEGAL_INSTRUCTION },
	{ "faulter", "unknown syscall contained", FAULTER_UNKNOWN_SYSCALL, PROGRAM_KILLED,
	  KERNEL_FAULT_UNKNOWN_SYSCALL },
	{ "faulter", "bad print pointer contained", FAULTER_BAD_PRINT_POINTER, PROGRAM_KILLED,
	  KERNEL_FAULT_BAD_PRINT_POINTER },
};

/* A run whose expectation is wrong on purpose: ci/qemu-run --expect-failure
 * boots with it to prove that a failed in-system test fails the QEMU run. */
static const struct program_run canary_runs[] = {
	{ "hello", "canary: hello expected to fault (must be reported not ok)", 0, PROGRAM_TRAPPED,
	  CAUSE_ILLEGAL_INSTRUCTION },
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

/* A zeroed page for the running program, from the hart's arena. */
static uint64_t program_page(struct hart *hart)
{
	if (hart->arena_used == HART_ARENA_PAGES)
		return 0;
	if (hart->arena_used == hart->arena_filled) {
		uint64_t page = memory_take_page();
		if (!page)
			return 0;
		hart->arena[hart->arena_filled++] = page;
	} else {
		memory_zero_page(hart->arena[hart->arena_used]);
	}
	return hart->arena[hart->arena_used++];
}

static enum error map_user_page(struct hart *hart, uint64_t va, uint64_t pa, uint64_t permissions)
{
	struct pagetable *tables[PAGETABLE_LEVELS - 1];
	struct pagetable_pool pool = { tables, 0 };
	for (unsigned i = 0; i < PAGETABLE_LEVELS - 1; i++) {
		uint64_t page = program_page(hart);
		if (!page)
			break;
		tables[pool.count++] = physical_to_kernel(page);
	}
	enum error err = pagetable_map(hart->user_root, va, pa, PAGE_SIZE_4K, permissions, &pool);
	/* Tables the map did not use go back to the arena's free end. */
	hart->arena_used -= (unsigned)pool.count;
	return err;
}

/* Build the address space: ELF segments page by page, then the stack.
 * Assumes: image was validated by elf_open. */
static enum error program_load(struct hart *hart, const struct elf_image *image)
{
	uint64_t root = program_page(hart);
	if (!root)
		return ERR_NOT_ENOUGH_MEMORY;
	hart->user_root = physical_to_kernel(root);
	pagetable_share_upper_half(hart->user_root, kernel_root);

	for (uint16_t s = 0; s < elf_load_segment_count(image); s++) {
		struct elf_segment segment;
		enum error err = elf_load_segment(image, s, &segment);
		if (err != ERR_OK)
			return err;
		if (segment.vaddr + segment.memory_size > USER_ADDRESS_LIMIT)
			return ERR_RANGE;
		uint64_t permissions = PTE_USER;
		permissions |= segment.flags & ELF_SEGMENT_READ ? PTE_READ : 0;
		permissions |= segment.flags & ELF_SEGMENT_WRITE ? PTE_WRITE : 0;
		permissions |= segment.flags & ELF_SEGMENT_EXECUTE ? PTE_EXECUTE : 0;
		uint64_t first = segment.vaddr & ~(PAGE_BYTES - 1);
		for (uint64_t va = first; va < segment.vaddr + segment.memory_size;
		     va += PAGE_BYTES) {
			uint64_t page = program_page(hart);
			if (!page)
				return ERR_NOT_ENOUGH_MEMORY;
			/* The part of the file that lands on this page. */
			uint64_t file_start = segment.vaddr,
				 file_end = segment.vaddr + segment.file_size;
			uint64_t from = va > file_start ? va : file_start;
			uint64_t to = va + PAGE_BYTES < file_end ? va + PAGE_BYTES : file_end;
			if (from < to)
				memcpy((uint8_t *)physical_to_kernel(page) + (from - va),
				       image->data + segment.file_offset + (from - file_start),
				       to - from);
			err = map_user_page(hart, va, page, permissions);
			if (err != ERR_OK)
				return err;
		}
	}
	for (uint64_t va = USER_STACK_TOP - USER_STACK_BYTES; va < USER_STACK_TOP;
	     va += PAGE_BYTES) {
		uint64_t page = program_page(hart);
		if (!page)
			return ERR_NOT_ENOUGH_MEMORY;
		enum error err = map_user_page(hart, va, page, PTE_USER | PTE_READ | PTE_WRITE);
		if (err != ERR_OK)
			return err;
	}
	return ERR_OK;
}

static _Noreturn void program_start(struct hart *hart, const struct program_run *run)
{
	struct elf_image image;
	hart->arena_used = 0;
	enum error err = boot_image_program(run->program, &image);
	if (err == ERR_OK)
		err = program_load(hart, &image);
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

	csr_write_satp(SATP_MODE_SV39 | kernel_to_physical(hart->user_root) >> PAGE_SHIFT);
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
	bool expected = kind == run->expect_kind && value == run->expect_value;
	/* Leave the program's address space before its pages are reused. */
	csr_write_satp(hart->kernel_satp);
	sfence_vma_all();

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
	for (;;)
		cpu_wait_for_interrupt();
}
