/* SPDX-License-Identifier: MIT */
/*
 * kernel_boot: from OpenSBI's hand-off to the root task running.
 * The order (docs/boot.md): trap vector, console, DTB (memory, reserved
 * ranges, harts, bootargs, test finisher), free memory, the kernel's own
 * page table, per-hart data, the scheduler, the root task (which receives
 * every free byte as untyped), secondary harts through SBI HSM, then every
 * hart runs what the scheduler gives it.
 */
#include "arch.h"
#include "archtest.h"
#include "barrier.h"
#include "config.h"
#include "console.h"
#include "csr.h"
#include "dtb.h"
#include "fastpath.h"
#include "hart.h"
#include "irqcap.h"
#include "kinfo.h"
#include "memory.h"
#include "rootboot.h"
#include "sbi.h"
#include "scheduler.h"
#include "shutdown.h"
#include "tap.h"
#include "thread.h"
#include "timer.h"
#include "vspace.h"
#include "trap.h"
#include "uintr_kernel.h"

#define MAX_MEMORY_RANGES 16
#define MAX_RESERVED_RANGES 32
#define MAX_CPUS 64
/* Sv39's upper half is 256 GiB; its top gigapage holds the info page. */
#define PHYSMAP_LIMIT (UINT64_C(255) << 30)

_Noreturn void kernel_boot(uint64_t boot_hart_id, uint64_t dtb_physical);

extern char __kernel_start[], __kernel_end[];

struct pagetable *kernel_root;
static uint64_t kernel_satp;
unsigned hart_count;
static _Alignas(16) uint8_t kernel_stacks[CONFIG_MAX_HARTS][KERNEL_STACK_BYTES];

static struct pagetable *tables[PAGETABLE_LEVELS - 1];
static struct pagetable_pool table_pool = { tables, 0 };

/* Map one kernel page, refilling the table pool from free memory first. */
static void kernel_map(uint64_t va, uint64_t pa, enum page_size size, uint64_t permissions)
{
	while (table_pool.count < ARRAY_LENGTH(tables)) {
		uint64_t page = memory_take_page();
		if (!page)
			panic("out of memory building the kernel page table");
		tables[table_pool.count++] = physical_to_kernel(page);
	}
	enum error err = pagetable_map(kernel_root, va, pa, size, permissions, &table_pool);
	if (err != ERR_OK && err != ERR_DELETE_FIRST) /* already mapped is fine */
		panic("kernel_map 0x%lx -> 0x%lx: %s", va, pa, error_name(err));
}

/* The physical-memory window: every gigapage holding a memory range. */
static void map_physical_window(const struct dtb_range *memory, size_t count)
{
	uint64_t gigapage = page_size_bytes(PAGE_SIZE_1G);
	for (size_t i = 0; i < count; i++) {
		uint64_t end = memory[i].base + memory[i].size;
		for (uint64_t pa = memory[i].base & ~(gigapage - 1); pa < end; pa += gigapage)
			kernel_map(KERNEL_PHYSMAP_OFFSET + pa, pa, PAGE_SIZE_1G,
				   PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_GLOBAL);
	}
}

/* Map the device gigapage holding `pa` (read/write, never executable). */
static void *map_device(uint64_t pa)
{
	uint64_t gigapage = page_size_bytes(PAGE_SIZE_1G);
	kernel_map(KERNEL_PHYSMAP_OFFSET + (pa & ~(gigapage - 1)), pa & ~(gigapage - 1),
		   PAGE_SIZE_1G, PTE_READ | PTE_WRITE | PTE_GLOBAL);
	return physical_to_kernel(pa);
}

/* arch_init's view: every gigapage of [pa, pa + size), with the live
 * table flushed (the kernel's table is in satp by then). */
static void *map_device_range(uint64_t pa, uint64_t size)
{
	uint64_t gigapage = page_size_bytes(PAGE_SIZE_1G);
	for (uint64_t at = pa & ~(gigapage - 1); at < pa + size; at += gigapage)
		map_device(at);
	sfence_vma_all();
	return physical_to_kernel(pa);
}

static void read_memory(const struct dtb *dtb, uint64_t dtb_physical, struct dtb_range *memory,
			size_t *memory_count)
{
	size_t count;
	if (dtb_memory_ranges(dtb, memory, MAX_MEMORY_RANGES, &count) != ERR_OK || count == 0)
		panic("the DTB describes no memory");
	if (count > MAX_MEMORY_RANGES) {
		kprintf("# using the first %u of %zu memory ranges\n", MAX_MEMORY_RANGES, count);
		count = MAX_MEMORY_RANGES;
	}
	for (size_t i = 0; i < count; i++) {
		if (memory[i].base >= PHYSMAP_LIMIT) {
			kprintf("# memory at 0x%lx is beyond the physical window: ignored\n",
				memory[i].base);
			memory[i].size = 0;
			continue;
		}
		if (memory[i].size > PHYSMAP_LIMIT - memory[i].base)
			memory[i].size = PHYSMAP_LIMIT - memory[i].base;
		if (range_set_add(&free_memory, memory[i].base, memory[i].size) != ERR_OK)
			panic("too many memory ranges");
		kprintf("# memory 0x%lx..0x%lx\n", memory[i].base, memory[i].base + memory[i].size);
	}
	*memory_count = count;

	struct dtb_range reserved[MAX_RESERVED_RANGES];
	size_t reserved_count;
	if (dtb_reserved_ranges(dtb, reserved, MAX_RESERVED_RANGES, &reserved_count) != ERR_OK)
		panic("malformed reserved memory in the DTB");
	if (reserved_count > MAX_RESERVED_RANGES)
		panic("more than %u reserved ranges", MAX_RESERVED_RANGES);
	for (size_t i = 0; i < reserved_count; i++) {
		kprintf("# reserved 0x%lx..0x%lx\n", reserved[i].base,
			reserved[i].base + reserved[i].size);
		if (range_set_remove(&free_memory, reserved[i].base, reserved[i].size) != ERR_OK)
			panic("cannot exclude reserved memory");
	}
	uint64_t kernel_pa = kernel_to_physical(__kernel_start);
	if (range_set_remove(&free_memory, kernel_pa, (uint64_t)(__kernel_end - __kernel_start)) ||
	    range_set_remove(&free_memory, dtb_physical, dtb->size))
		panic("cannot exclude the kernel image and the DTB");
	/* The firmware lives below the kernel's load address (OpenSBI fw_jump);
	 * it also reserves itself in the DTB, but do not rely on that alone. */
	if (range_set_remove(&free_memory, memory[0].base, kernel_pa - memory[0].base))
		panic("cannot exclude the firmware");
}

/* Per-hart data for every enabled cpu the DTB lists; returns the boot
 * hart's cpu index. */
static unsigned read_harts(const struct dtb *dtb, uint64_t boot_hart_id)
{
	struct dtb_cpu cpus[MAX_CPUS];
	size_t count;
	if (dtb_cpus(dtb, cpus, MAX_CPUS, &count) != ERR_OK)
		panic("malformed /cpus in the DTB");
	if (count > MAX_CPUS)
		count = MAX_CPUS;
	unsigned boot_index = CONFIG_MAX_HARTS;
	for (size_t i = 0; i < count; i++) {
		if (!cpus[i].enabled)
			continue;
		if (hart_count == CONFIG_MAX_HARTS) {
			kprintf("# hart %lu ignored: CONFIG_MAX_HARTS is %u\n", cpus[i].hart_id,
				CONFIG_MAX_HARTS);
			continue;
		}
		struct hart *hart = &harts[hart_count];
		hart->hart_id = cpus[i].hart_id;
		hart->cpu_index = hart_count;
		hart->kernel_stack_top =
		    (uint64_t)(uintptr_t)(kernel_stacks[hart_count] + KERNEL_STACK_BYTES);
		hart->kernel_satp = kernel_satp;
		hart->uintr_loaded = &kuintr_loaded[hart_count];
		arch_fpu_harts[hart_count].key = &hart->fpu_key;
		hart->sched = &sched_harts[hart_count];
		if (cpus[i].hart_id == boot_hart_id)
			boot_index = hart_count;
		hart_count++;
	}
	if (boot_index == CONFIG_MAX_HARTS)
		panic("the boot hart %lu is not among the DTB's usable cpus", boot_hart_id);
	return boot_index;
}

static struct dtb open_device_tree(uint64_t dtb_physical)
{
	if (dtb_physical >= (uint64_t)BOOT_PHYSMAP_GIGAPAGES << 30)
		panic("DTB at 0x%lx is beyond the boot mapping", dtb_physical);
	const void *blob = physical_to_kernel(dtb_physical);
	uint64_t mapped = ((uint64_t)BOOT_PHYSMAP_GIGAPAGES << 30) - dtb_physical;
	uint32_t size;
	struct dtb dtb;
	enum error err = dtb_peek_size(blob, mapped, &size);
	if (err == ERR_OK)
		err = dtb_open(&dtb, blob, size);
	if (err != ERR_OK)
		panic("the DTB at 0x%lx is malformed: %s", dtb_physical, error_name(err));
	return dtb;
}

_Noreturn void kernel_boot(uint64_t boot_hart_id, uint64_t dtb_physical)
{
	csr_write_stvec((uint64_t)(uintptr_t)trap_entry);
	kprintf("\nKestrel: booting on hart %lu, DTB at 0x%lx\n", boot_hart_id, dtb_physical);

	struct dtb dtb = open_device_tree(dtb_physical);
	struct dtb_range memory[MAX_MEMORY_RANGES];
	size_t memory_count;
	read_memory(&dtb, dtb_physical, memory, &memory_count);

	const char *bootargs;
	if (dtb_bootargs(&dtb, &bootargs) != ERR_OK)
		bootargs = "";

	/* The kernel's own table: the physical window and the test finisher. */
	uint64_t root = memory_take_page();
	if (!root)
		panic("no memory for the kernel page table");
	kernel_root = physical_to_kernel(root);
	map_physical_window(memory, memory_count);
	/* The info page, user-readable in the half every VSpace copies. */
	kernel_map(KERNEL_INFO_VADDR, kernel_to_physical(&kernel_info_page), PAGE_SIZE_4K,
		   PTE_READ | PTE_USER | PTE_GLOBAL);
	struct dtb_node finisher;
	struct dtb_range finisher_reg;
	bool have_finisher = dtb_find_compatible(&dtb, NULL, "sifive,test0", &finisher) == ERR_OK &&
			     dtb_reg(&dtb, finisher, 0, &finisher_reg) == ERR_OK;
	if (have_finisher)
		map_device(finisher_reg.base);
	kernel_satp = SATP_MODE_SV39 | root >> PAGE_SHIFT;
	csr_write_satp(kernel_satp);
	sfence_vma_all();
	if (have_finisher)
		shutdown_set_test_device(physical_to_kernel(finisher_reg.base));

	unsigned boot_index = read_harts(&dtb, boot_hart_id);
	/* From here on the boot hart is a hart like the others (tp = its
	 * struct hart): building the root task flushes through arch/riscv. */
	cpu_write_tp(&harts[boot_index]);
	vspace_set_kernel_root(kernel_root); /* every VSpace copies its upper half */
	arch_init(&dtb, map_device_range);
	/* tests=arch: the kernel's own tests of arch/riscv print TAP (and own
	 * the timer), and the root task adds one line per hart (a program on
	 * each, where that hart's last timer test takes its tick). */
	fastpath_configure(bootargs);
	unsigned arch_results = archtest_plan(&dtb, bootargs, hart_count);
	if (arch_results)
		tap_plan(arch_results + hart_count);
	thread_init(hart_count, arch_results == 0);
	kinfo_init(hart_count, arch_timer_frequency());
	if (arch_results == 0)
		irqcap_init(); /* the arch tests own the PLIC's handler */
	root_task_create(boot_index, bootargs, memory, memory_count);
	kprintf("# boot: Sv39 on, %u harts, bootargs \"%s\"\n", hart_count, bootargs);

	for (unsigned i = 0; i < hart_count; i++) {
		if (i == boot_index)
			continue;
		struct sbiret ret =
		    sbi_hart_start(harts[i].hart_id, kernel_to_physical((void *)secondary_entry),
				   kernel_to_physical(&harts[i]));
		if (ret.error != SBI_SUCCESS)
			panic("hart %lu did not start (SBI HSM error %ld)", harts[i].hart_id,
			      ret.error);
	}
	struct hart *self = &harts[boot_index];
	cpu_write_tp(self);
	hart_main(self);
}
