/* SPDX-License-Identifier: MIT */
/* Creating the root task from untyped memory (see rootboot.h). */
#include "rootboot.h"

#include "abi.h"
#include "asid.h"
#include "boot_image.h"
#include "cnode.h"
#include "console.h"
#include "hart.h"
#include "kstring.h"
#include "mdb.h"
#include "memory.h"
#include "scheduler.h"
#include "thread.h"
#include "untyped.h"
#include "vspace.h"

extern const char boot_image_start[];
extern const char boot_image_end[];
extern struct pagetable *kernel_root;

#define ROOT_PRIORITY 255
#define BOOT_CNODE_SLOTS (UINT64_C(1) << BOOT_CNODE_RADIX)

/* The block the root's own objects come from, and a small CNode the root
 * CNode is made in before it moves into itself. Kernel-held: the root
 * cannot revoke its own foundations. */
static struct cte boot_untyped;
static _Alignas(4 * sizeof(struct cte)) struct cte staging_slots[4];

struct builder {
	struct cap cnode; /* the root's CNode (guarded: a cptr is a slot index) */
	uint64_t next;    /* next free slot */
	struct cte *vspace;
	struct boot_info *info;
};

static struct cte *slot_at(struct builder *b, uint64_t index)
{
	return cnode_slot(b->cnode, index);
}

static void check(enum error err, const char *what)
{
	if (err != ERR_OK)
		panic("creating the root task: %s: %s", what, error_name(err));
}

/* One object from the boot block into slot `index` of the root CNode. */
static struct cte *retype_at(struct builder *b, uint64_t index, enum object_type type,
			     unsigned size_bits)
{
	struct untyped_retype_args args = {
		.type = type,
		.size_bits = size_bits,
		.dest_cnode = { .root = b->cnode, .index = 0, .depth = 0 },
		.node_offset = index,
		.num_objects = 1,
	};
	struct lookup_fault fault;
	check(untyped_retype(&boot_untyped, &args, &fault), "retype");
	return slot_at(b, index);
}

static struct cte *retype_next(struct builder *b, enum object_type type)
{
	if (b->next >= BOOT_CNODE_SLOTS)
		panic("creating the root task: its CNode is full");
	return retype_at(b, b->next++, type, 0);
}

/* Map the frame at va in the root's VSpace, adding missing page tables. */
static void map_frame(struct builder *b, struct cte *frame, uint64_t va, uint64_t rights,
		      uint64_t attributes)
{
	struct lookup_fault fault;
	for (;;) {
		enum error err = vspace_frame_map(frame, b->vspace, va, rights, attributes, &fault);
		if (err != ERR_FAILED_LOOKUP) {
			check(err, "map a frame");
			return;
		}
		struct cte *table = retype_next(b, OBJ_PAGE_TABLE);
		check(vspace_page_table_map(table, b->vspace, va, &fault), "map a page table");
	}
}

/* A fresh frame at va with `length` bytes from `bytes` at `offset`. */
static void load_page(struct builder *b, uint64_t va, const void *bytes, uint64_t offset,
		      uint64_t length, uint64_t rights, uint64_t attributes)
{
	struct cte *frame = retype_next(b, OBJ_FRAME_4K);
	if (length)
		memcpy((uint8_t *)cap_ptr(frame->cap) + offset, bytes, length);
	map_frame(b, frame, va, rights, attributes);
}

static void load_image(struct builder *b, const struct elf_image *image)
{
	for (uint16_t s = 0; s < elf_load_segment_count(image); s++) {
		struct elf_segment seg;
		check(elf_load_segment(image, s, &seg), "an ELF segment");
		if (seg.vaddr >= VSPACE_USER_TOP || seg.memory_size > VSPACE_USER_TOP - seg.vaddr ||
		    !(seg.flags & ELF_SEGMENT_READ))
			panic("creating the root task: a segment it cannot have");
		uint64_t rights =
		    ABI_RIGHT_READ | (seg.flags & ELF_SEGMENT_WRITE ? ABI_RIGHT_WRITE : 0);
		uint64_t attributes = seg.flags & ELF_SEGMENT_EXECUTE ? 0 : ABI_ATTR_EXECUTE_NEVER;
		uint64_t file_end = seg.vaddr + seg.file_size;
		for (uint64_t va = seg.vaddr & ~(PAGE_BYTES - 1); va < seg.vaddr + seg.memory_size;
		     va += PAGE_BYTES) {
			uint64_t from = va > seg.vaddr ? va : seg.vaddr;
			uint64_t to = va + PAGE_BYTES < file_end ? va + PAGE_BYTES : file_end;
			uint64_t length = from < to ? to - from : 0;
			load_page(b, va, image->data + seg.file_offset + (from - seg.vaddr),
				  from - va, length, rights, attributes);
		}
	}
}

static void add_untyped(struct builder *b, uint64_t base, unsigned bits, bool device)
{
	struct boot_info *info = b->info;
	if (info->untyped_count == BOOT_UNTYPED_MAX || b->next >= BOOT_CNODE_SLOTS) {
		kprintf("# untyped 0x%lx (2^%u) left out: boot info is full\n", base, bits);
		return;
	}
	struct cte *slot = slot_at(b, b->next++);
	cte_set_cap(slot, cap_untyped_new((uintptr_t)physical_to_kernel(base), bits, device));
	mdb_set_flags(slot, true, true);
	info->untyped_list[info->untyped_count++] =
	    (struct boot_untyped){ .paddr = base, .size_bits = (uint8_t)bits, .is_device = device };
}

/* [base, end) as the largest naturally aligned power-of-two blocks. */
static void add_untyped_range(struct builder *b, uint64_t base, uint64_t end, bool device)
{
	while (end - base >= PAGE_BYTES) {
		unsigned bits = PAGE_SHIFT;
		while (bits < UNTYPED_MAX_BITS && !(base & (UINT64_C(1) << bits)) &&
		       base + (UINT64_C(2) << bits) <= end)
			bits++;
		add_untyped(b, base, bits, device);
		base += UINT64_C(1) << bits;
	}
}

static unsigned bits_for(uint64_t bytes)
{
	unsigned bits = PAGE_SHIFT;
	while ((UINT64_C(1) << bits) < bytes)
		bits++;
	return bits;
}

/* Special caps the kernel makes itself (seL4's initial caps). */
static void place(struct builder *b, uint64_t index, struct cap cap)
{
	struct cte *slot = slot_at(b, index);
	cte_set_cap(slot, cap);
	mdb_set_flags(slot, true, true);
}

void root_task_create(unsigned boot_hart, const char *bootargs, const struct dtb_range *memory,
		      size_t memory_count)
{
	struct elf_image image;
	check(boot_image_program("root", &image), "the boot image's root program");
	uint64_t cpio_bytes = (uint64_t)(boot_image_end - boot_image_start);
	uint64_t image_bytes = 0;
	for (uint16_t s = 0; s < elf_load_segment_count(&image); s++) {
		struct elf_segment seg;
		check(elf_load_segment(&image, s, &seg), "an ELF segment");
		image_bytes += seg.memory_size + 2 * PAGE_BYTES;
	}
	/* The CNode first (the largest, aligned), then pages and tables. */
	uint64_t need = BOOT_CNODE_SLOTS * sizeof(struct cte) + image_bytes + cpio_bytes +
			USER_STACK_BYTES + 64 * PAGE_BYTES;
	unsigned bits = bits_for(need);
	uint64_t block = memory_take_block(bits);
	if (!block)
		panic("no memory for the root task (2^%u bytes)", bits);
	cte_set_cap(&boot_untyped,
		    cap_untyped_new((uintptr_t)physical_to_kernel(block), bits, false));
	mdb_set_flags(&boot_untyped, true, true);
	vspace_set_kernel_root(kernel_root);

	/* The root CNode, made in the staging CNode, then moved into itself. */
	struct builder b = { .cnode = cap_cnode_new((uintptr_t)staging_slots, 2, 0, 0) };
	retype_at(&b, 0, OBJ_CNODE, BOOT_CNODE_RADIX);
	struct cap guarded = cap_update_data(staging_slots[0].cap, true,
					     cap_guard_word(WORD_BITS - BOOT_CNODE_RADIX, 0));
	b.cnode = guarded;
	cte_move(guarded, &staging_slots[0], slot_at(&b, BOOT_CAP_CNODE));
	b.next = BOOT_CAP_FIRST_FREE;

	struct cte *tcb_slot = retype_at(&b, BOOT_CAP_TCB, OBJ_TCB, 0);
	b.vspace = retype_at(&b, BOOT_CAP_VSPACE, OBJ_PAGE_TABLE, 0);
	place(&b, BOOT_CAP_IRQ_CONTROL, cap_irq_control_new());
	place(&b, BOOT_CAP_ASID_CONTROL, cap_asid_control_new());
	struct cte *pool_untyped = retype_at(&b, b.next++, OBJ_UNTYPED, ASID_POOL_SIZE_BITS);
	check(asid_control_make_pool(slot_at(&b, BOOT_CAP_ASID_CONTROL), pool_untyped,
				     slot_at(&b, BOOT_CAP_ASID_POOL)),
	      "the ASID pool");
	check(asid_pool_assign(slot_at(&b, BOOT_CAP_ASID_POOL), b.vspace), "the root's ASID");

	struct cte *ipc = retype_at(&b, BOOT_CAP_IPC_BUFFER, OBJ_FRAME_4K, 0);
	struct cte *info_frame = retype_at(&b, BOOT_CAP_BOOT_INFO, OBJ_FRAME_4K, 0);
	b.info = (struct boot_info *)cap_ptr(info_frame->cap);
	map_frame(&b, ipc, BOOT_IPC_BUFFER_VADDR, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
		  ABI_ATTR_EXECUTE_NEVER);
	map_frame(&b, info_frame, BOOT_INFO_VADDR, ABI_RIGHT_READ, ABI_ATTR_EXECUTE_NEVER);

	struct boot_info *info = b.info;
	info->image.start = b.next;
	load_image(&b, &image);
	for (uint64_t va = USER_STACK_TOP - USER_STACK_BYTES; va < USER_STACK_TOP; va += PAGE_BYTES)
		load_page(&b, va, NULL, 0, 0, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
			  ABI_ATTR_EXECUTE_NEVER);
	info->image.end = b.next;
	info->boot_image.start = b.next;
	for (uint64_t offset = 0; offset < cpio_bytes; offset += PAGE_BYTES) {
		uint64_t length =
		    cpio_bytes - offset < PAGE_BYTES ? cpio_bytes - offset : PAGE_BYTES;
		load_page(&b, BOOT_IMAGE_VADDR + offset, boot_image_start + offset, 0, length,
			  ABI_RIGHT_READ, ABI_ATTR_EXECUTE_NEVER);
	}
	info->boot_image.end = b.next;
	info->boot_image_vaddr = BOOT_IMAGE_VADDR;
	info->boot_image_size = cpio_bytes;

	/* Every free byte left, then the device space below the first RAM. */
	info->untyped.start = b.next;
	for (size_t i = 0; i < free_memory.count; i++)
		add_untyped_range(&b, free_memory.ranges[i].base,
				  free_memory.ranges[i].base + free_memory.ranges[i].size, false);
	free_memory.count = 0; /* the kernel has no heap from here on */
	uint64_t ram_start = memory[0].base;
	for (size_t i = 1; i < memory_count; i++)
		if (memory[i].size && memory[i].base < ram_start)
			ram_start = memory[i].base;
	add_untyped_range(&b, 0, ram_start, true);
	info->untyped.end = b.next;
	info->empty.start = b.next;
	info->empty.end = BOOT_CNODE_SLOTS;

	info->magic = BOOT_INFO_MAGIC;
	info->hart_count = sched_hart_count();
	info->cnode_radix = BOOT_CNODE_RADIX;
	info->ipc_buffer = BOOT_IPC_BUFFER_VADDR;
	for (size_t i = 0; i + 1 < BOOT_ARGS_MAX && bootargs[i]; i++)
		info->bootargs[i] = bootargs[i];

	struct tcb *root = tcb_from_cap(tcb_slot->cap);
	arch_fpu_init_state(thread_fpu(root));
	struct tcb_space_args space = {
		.cspace = slot_at(&b, BOOT_CAP_CNODE),
		.vspace = b.vspace,
	};
	struct work_budget budget = { .left = CTE_WORK_PER_CALL };
	check(tcb_configure(tcb_slot, &space, ipc, BOOT_IPC_BUFFER_VADDR, &budget),
	      "the root's CSpace, VSpace and IPC buffer");
	root->priority = ROOT_PRIORITY;
	root->mcp = ROOT_PRIORITY;
	root->regs[REG_PC] = image.entry;
	root->regs[2] = USER_STACK_TOP;         /* sp */
	root->regs[10] = BOOT_INFO_VADDR;       /* a0 */
	root->regs[11] = BOOT_IPC_BUFFER_VADDR; /* a1 */
	kprintf("# root task: %lu slots used, %lu untyped caps, boot block 2^%u\n", b.next,
		info->untyped_count, bits);
	sched_start(boot_hart, root);
}
