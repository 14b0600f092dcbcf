/* SPDX-License-Identifier: MIT */
/*
 * The root task: the one thread the kernel starts, holding every initial
 * capability (core/abi.h, struct boot_info). It builds the rest of the
 * system from user level: for each program of its run list (chosen by the
 * boot arguments) it carves an untyped block, retypes the program's CNode,
 * TCB, VSpace, IPC buffer, stack and image frames from it, loads the ELF
 * from the boot image (core/elf.c, shared with the kernel), and starts the
 * thread with itself as the fault handler. A program ends by its exit
 * message or by a fault, which the root task prints; it then revokes the
 * block, which deletes everything the program had, and goes on. When the
 * run list is done it halts the machine with the combined result.
 *
 * Test output is TAP: the root task prints the plan (its runs plus the
 * cases the in-system suite announces in ktest.h) and one line per run.
 */
#include <stdio.h>
#include <string.h>

#include "cpio.h"
#include "elf.h"
#include "faulter.h"
#include "fault.h"
#include "kestrel.h"
#include "ktest.h"
#include "object.h"
#include "process.h"
#include "vspacetest.h"

#define DEPTH 64              /* every cptr here is a slot index (guarded CNodes) */
#define PROGRAM_BLOCK_BITS 23 /* each program's objects come from 8 MiB */
/* The root's own pool: the smallest RAM block of at least this size (else
 * the largest). Boot untyped memory is cleared by its first retype, all of
 * it, so a 1 GiB pool would cost seconds of zeroing at every boot. */
#define ROOT_POOL_MIN_BITS 25
#define PROGRAM_SLOTS 256 /* root slots a program's objects occupy */
#define SCRATCH_VADDR 0x3000000000ull
#define PROGRAM_PRIORITY 100
#define ROOT_PRIORITY 255 /* the kernel starts the root task at the top */
#define PROGRAM_MCP 254
#define PAGE 4096u

enum expect_kind { EXPECT_EXIT, EXPECT_FAULT };

struct run {
	const char *program;
	const char *label;
	uint64_t argument;
	enum expect_kind kind;
	uint64_t value;   /* exit status, or fault kind */
	uint64_t address; /* fault address when not 0 */
	unsigned cases;   /* TAP lines the program prints itself */
	unsigned hart;    /* where it runs (an index below the hart count) */
};

static const struct run test_runs[] = {
	{ "hello", "hello ran in its own address space", 0, EXPECT_EXIT, 0, 0, 0, 0 },
	{ "faulter", "bad load contained", FAULTER_BAD_LOAD, EXPECT_FAULT, FAULT_PAGE, 0, 0, 0 },
	{ "faulter", "bad store contained", FAULTER_BAD_STORE, EXPECT_FAULT, FAULT_PAGE, 0, 0, 0 },
	{ "faulter", "illegal instruction contained", FAULTER_ILLEGAL_INSTRUCTION, EXPECT_FAULT,
	  FAULT_ILLEGAL_INSTRUCTION, 0, 0, 0 },
	{ "faulter", "unknown syscall contained", FAULTER_UNKNOWN_SYSCALL, EXPECT_FAULT,
	  FAULT_UNKNOWN_SYSCALL, FAULTER_BOGUS_SYSCALL, 0, 0 },
	{ "faulter", "bad print pointer refused", FAULTER_BAD_PRINT_POINTER, EXPECT_EXIT, 0, 0, 0,
	  0 },
	{ "vspacetest", "vspace: retype, map, write, read, unmap, then the load faults",
	  VSPACETEST_UNMAP, EXPECT_FAULT, FAULT_PAGE, VSPACETEST_ADDRESS, 0, 0 },
	{ "vspacetest", "vspace: remap read-only, then the store faults", VSPACETEST_REMAP,
	  EXPECT_FAULT, FAULT_PAGE, VSPACETEST_ADDRESS + 8, 0, 0 },
	{ "pingpong", "pingpong and echo talk through an endpoint across address spaces", 0,
	  EXPECT_EXIT, 0, 0, 0, 0 },
	{ "ktest", "ktest: the in-system suite finished", 0, EXPECT_EXIT, 0, 0, KTEST_CASES, 0 },
};

static const struct run demo_runs[] = {
	{ "hello", "hello ran in its own address space", 0, EXPECT_EXIT, 0, 0, 0, 0 },
	{ "pingpong", "pingpong and echo talk through an endpoint across address spaces", 0,
	  EXPECT_EXIT, 0, 0, 0, 0 },
	{ "faulter", "a fault is contained and the system goes on", FAULTER_BAD_LOAD, EXPECT_FAULT,
	  FAULT_PAGE, 0, 0, 0 },
	{ "hello", "hello ran again after the fault", 0, EXPECT_EXIT, 0, 0, 0, 0 },
};

/* tests=arch: the kernel tests arch/riscv itself and prints the plan; a
 * program on each hart takes that hart's last timer tick in user mode. */
static struct run arch_runs[8];

/* The seed comes from the boot arguments (seed=N), see main. */
static struct run hostile_runs[] = {
	{ "hostile", "hostile: 1,000,000 random system calls on 3 harts, then the system works", 0,
	  EXPECT_EXIT, 0, 0, 0, 0 },
};

static const struct run bench_runs[] = {
	{ "chanbench", "chanbench: the channel benchmark ran", 0, EXPECT_EXIT, 0, 0, 0, 0 },
	{ "kbench", "kbench: the kernel benchmark ran", 0, EXPECT_EXIT, 0, 0, 0, 0 },
};

/* A wrong expectation on purpose: ci/qemu-run --expect-failure proves that
 * a failed in-system test fails the QEMU run. */
static const struct run canary_runs[] = {
	{ "hello", "canary: hello expected to fault (must be reported not ok)", 0, EXPECT_FAULT,
	  FAULT_ILLEGAL_INSTRUCTION, 0, 0, 0 },
};

static const struct boot_info *bi;
static cptr_t next_slot; /* the root's own allocations (never freed) */
static cptr_t pool;      /* the untyped the root takes its memory from */
static cptr_t endpoint;  /* programs' exit and fault messages arrive here */
static cptr_t reply;     /* the reply object the root receives with */
static cptr_t scratch_frame_slot;
static cptr_t service; /* the endpoint programs and partners share */

static unsigned failures;

static void die(const char *what, enum error err)
{
	printf("Bail out! root: %s: %s\n", what, error_name(err));
	kestrel_halt(false);
}

static void must(enum error err, const char *what)
{
	if (err != ERR_OK)
		die(what, err);
}

static cptr_t alloc_slot(void)
{
	if (next_slot >= bi->empty.end)
		die("out of slots", ERR_NOT_ENOUGH_MEMORY);
	return next_slot++;
}

/* One object from `untyped` into root slot `slot`. */
static enum error retype(cptr_t untyped, enum object_type type, unsigned bits, cptr_t slot)
{
	return kestrel_untyped_retype(untyped, type, bits, BOOT_CAP_CNODE, 0, 0, slot, 1);
}

static cptr_t make(enum object_type type, unsigned bits)
{
	cptr_t slot = alloc_slot();
	must(retype(pool, type, bits, slot), "retype from the pool");
	return slot;
}

/*
 * A frame cap for the device page at `paddr`, from the device untyped that
 * holds it: untyped objects fill the space below it first (retype places
 * objects at the untyped's watermark, each aligned to its size). Once per
 * boot; NO slot (0) when no device untyped holds it.
 */
static cptr_t device_frame(uint64_t paddr)
{
	for (unsigned i = 0; i < bi->untyped_count; i++) {
		const struct boot_untyped *u = &bi->untyped_list[i];
		uint64_t end = u->paddr + (UINT64_C(1) << u->size_bits);
		if (!u->is_device || paddr < u->paddr || paddr >= end)
			continue;
		cptr_t untyped = bi->untyped.start + i;
		/* Frames are carved in ascending order: start at the watermark. */
		static uint64_t watermark[BOOT_UNTYPED_MAX];
		uint64_t at = watermark[i] ? watermark[i] : u->paddr;
		if (paddr < at)
			return 0;
		for (; at < paddr;) {
			unsigned bits = 12;
			while (!(at & (UINT64_C(1) << bits)) && at + (UINT64_C(2) << bits) <= paddr)
				bits++;
			must(retype(untyped, OBJ_UNTYPED, bits, alloc_slot()), "device padding");
			at += UINT64_C(1) << bits;
		}
		cptr_t frame = alloc_slot();
		must(retype(untyped, OBJ_FRAME_4K, 0, frame), "a device frame");
		watermark[i] = paddr + PAGE;
		return frame;
	}
	return 0;
}

/* Map a frame, making page tables (from `untyped`, into slots from *next)
 * until the walk reaches the frame's level. */
static enum error map_with_tables(cptr_t frame, cptr_t vspace, uint64_t vaddr, uint64_t rights,
				  uint64_t attributes, cptr_t untyped, cptr_t *next, cptr_t end)
{
	for (int tables = 0; tables < 3; tables++) {
		enum error err = kestrel_page_map(frame, vspace, vaddr, rights, attributes);
		if (err != ERR_FAILED_LOOKUP)
			return err;
		if (*next >= end)
			return ERR_NOT_ENOUGH_MEMORY;
		cptr_t table = (*next)++;
		err = retype(untyped, OBJ_PAGE_TABLE, 0, table);
		if (err == ERR_OK)
			err = kestrel_page_table_map(table, vspace, vaddr, 0);
		if (err != ERR_OK)
			return err;
	}
	return ERR_FAILED_LOOKUP;
}

/* The root's own window for filling a program's frames. */
static void *scratch_map(cptr_t frame)
{
	must(map_with_tables(frame, BOOT_CAP_VSPACE, SCRATCH_VADDR,
			     ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER, pool,
			     &next_slot, bi->empty.end),
	     "map the scratch window");
	return (void *)(uintptr_t)SCRATCH_VADDR;
}

/* A program: its block of memory and the root slots its objects use. */
struct program {
	cptr_t block; /* untyped: revoking it deletes the whole program */
	cptr_t base;  /* first of PROGRAM_SLOTS root slots */
	cptr_t next;
	cptr_t tcb, cnode, vspace, ipc_frame;
	uint64_t badge;
};

/* A program that serves another (started first, on the same hart, both
 * with PROC_CAP_SERVICE): pingpong and kbench talk to echo. */
static struct program partner_program;

static const char *partner_of(const char *program)
{
	if (strcmp(program, "pingpong") == 0 || strcmp(program, "kbench") == 0)
		return "echo";
	return NULL;
}

static enum error program_object(struct program *p, enum object_type type, unsigned bits,
				 cptr_t *slot)
{
	if (p->next >= p->base + PROGRAM_SLOTS)
		return ERR_NOT_ENOUGH_MEMORY;
	*slot = p->next++;
	return retype(p->block, type, bits, *slot);
}

/* A page of the program at va: a fresh frame, filled through the scratch
 * window, then mapped into the program. */
static enum error program_page(struct program *p, uint64_t va, const uint8_t *bytes,
			       uint64_t offset, uint64_t length, uint64_t rights,
			       uint64_t attributes, cptr_t *frame_out)
{
	cptr_t frame;
	enum error err = program_object(p, OBJ_FRAME_4K, 0, &frame);
	if (err != ERR_OK)
		return err;
	if (length) {
		uint8_t *window = scratch_map(frame);
		memcpy(window + offset, bytes, length);
		must(kestrel_page_unmap(frame), "unmap the scratch window");
	}
	if (frame_out)
		*frame_out = frame;
	return map_with_tables(frame, p->vspace, va, rights, attributes, p->block, &p->next,
			       p->base + PROGRAM_SLOTS);
}

static enum error load_elf(struct program *p, const struct elf_image *image)
{
	for (uint16_t s = 0; s < elf_load_segment_count(image); s++) {
		struct elf_segment seg;
		enum error err = elf_load_segment(image, s, &seg);
		if (err != ERR_OK)
			return err;
		if (!(seg.flags & ELF_SEGMENT_READ))
			return ERR_INVALID_ARGUMENT;
		uint64_t rights =
		    ABI_RIGHT_READ | (seg.flags & ELF_SEGMENT_WRITE ? ABI_RIGHT_WRITE : 0);
		uint64_t attributes = seg.flags & ELF_SEGMENT_EXECUTE ? 0 : ABI_ATTR_EXECUTE_NEVER;
		uint64_t file_end = seg.vaddr + seg.file_size;
		for (uint64_t va = seg.vaddr & ~(uint64_t)(PAGE - 1);
		     va < seg.vaddr + seg.memory_size; va += PAGE) {
			uint64_t from = va > seg.vaddr ? va : seg.vaddr;
			uint64_t to = va + PAGE < file_end ? va + PAGE : file_end;
			uint64_t length = from < to ? to - from : 0;
			err =
			    program_page(p, va, image->data + seg.file_offset + (from - seg.vaddr),
					 from - va, length, rights, attributes, NULL);
			if (err != ERR_OK)
				return err;
		}
	}
	return ERR_OK;
}

/* Copy (or, with move, move) root slot `from` into the program's slot. */
static enum error give(struct program *p, unsigned to, cptr_t from, bool move)
{
	if (move)
		return kestrel_cnode_move(p->cnode, to, DEPTH, BOOT_CAP_CNODE, from, DEPTH);
	return kestrel_cnode_copy(p->cnode, to, DEPTH, BOOT_CAP_CNODE, from, DEPTH, ABI_RIGHTS_ALL);
}

static enum error build(struct program *p, const struct run *run, const struct elf_image *image)
{
	cptr_t raw_cnode, untyped, parent;
	enum error err = program_object(p, OBJ_CNODE, PROC_CNODE_RADIX, &raw_cnode);
	if (err == ERR_OK)
		err = program_object(p, OBJ_TCB, 0, &p->tcb);
	if (err == ERR_OK)
		err = program_object(p, OBJ_PAGE_TABLE, 0, &p->vspace);
	if (err == ERR_OK)
		err = kestrel_asid_pool_assign(BOOT_CAP_ASID_POOL, p->vspace);
	if (err != ERR_OK)
		return err;
	/* The CNode with a guard over the bits its radix leaves: cptr = index. */
	p->cnode = p->next++;
	err = kestrel_cnode_mint(BOOT_CAP_CNODE, p->cnode, DEPTH, BOOT_CAP_CNODE, raw_cnode, DEPTH,
				 ABI_RIGHTS_ALL, 64 - PROC_CNODE_RADIX);
	if (err == ERR_OK)
		err = load_elf(p, image);
	for (uint64_t va = USER_STACK_TOP - USER_STACK_BYTES; err == ERR_OK && va < USER_STACK_TOP;
	     va += PAGE)
		err = program_page(p, va, NULL, 0, 0, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
				   ABI_ATTR_EXECUTE_NEVER, NULL);
	if (err == ERR_OK)
		err = program_page(p, PROC_IPC_BUFFER_VADDR, NULL, 0, 0,
				   ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER,
				   &p->ipc_frame);
	if (err == ERR_OK)
		err = program_page(p, PROC_ARGS_VADDR, (const uint8_t *)bi->bootargs, 0,
				   sizeof(bi->bootargs), ABI_RIGHT_READ, ABI_ATTR_EXECUTE_NEVER,
				   NULL);
	if (err == ERR_OK)
		err = program_object(p, OBJ_UNTYPED, PROC_UNTYPED_BITS, &untyped);
	if (err != ERR_OK)
		return err;
	/* Its fault handler and exit channel: the root's endpoint, badged. */
	parent = p->next++;
	err = kestrel_cnode_mint(BOOT_CAP_CNODE, parent, DEPTH, BOOT_CAP_CNODE, endpoint, DEPTH,
				 ABI_RIGHT_WRITE | ABI_RIGHT_GRANT_REPLY, p->badge);
	if (err == ERR_OK)
		err = kestrel_tcb_configure(p->tcb, parent, p->cnode, 0, p->vspace, 0,
					    PROC_IPC_BUFFER_VADDR, p->ipc_frame);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_TCB, p->tcb, false);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_CNODE, p->cnode, false);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_VSPACE, p->vspace, false);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_PARENT, parent, true);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_UNTYPED, untyped, true);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_ASID_POOL, BOOT_CAP_ASID_POOL, false);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_IPC_FRAME, p->ipc_frame, false);
	if (err == ERR_OK)
		err = give(p, PROC_CAP_SERVICE, service, false);
	if (err == ERR_OK && run->cases > 0) /* the suite tests ASID and IRQ control */
		err = give(p, PROC_CAP_ASID_CONTROL, BOOT_CAP_ASID_CONTROL, true);
	/* ...and kbench's irq_to_user raises the UART's interrupt itself. */
	bool uart = run->cases > 0 || strcmp(run->program, "kbench") == 0;
	if (err == ERR_OK && uart)
		err = give(p, PROC_CAP_IRQ_CONTROL, BOOT_CAP_IRQ_CONTROL, true);
	if (err == ERR_OK && run->cases > 0)
		err = give(p, PROC_CAP_RTC_FRAME, device_frame(PROC_RTC_PADDR), true);
	if (err == ERR_OK && uart)
		err = give(p, PROC_CAP_UART_FRAME, device_frame(PROC_UART_PADDR), true);
	if (err == ERR_OK)
		err = kestrel_tcb_set_mcp(p->tcb, BOOT_CAP_TCB, PROGRAM_MCP);
	if (err == ERR_OK)
		err = kestrel_tcb_set_priority(p->tcb, BOOT_CAP_TCB, PROGRAM_PRIORITY);
	if (err == ERR_OK && run->hart != 0)
		err = kestrel_tcb_set_affinity(p->tcb, run->hart);
	if (err != ERR_OK)
		return err;
	uint64_t regs[ABI_REG_COUNT] = { 0 };
	regs[ABI_REG_PC] = image->entry;
	regs[ABI_REG_SP] = USER_STACK_TOP;
	/* The suite is told the hart count (its SMP cases depend on it). */
	regs[ABI_REG_A0] = run->cases > 0 ? bi->hart_count : run->argument;
	regs[ABI_REG_A0 + 1] = PROC_IPC_BUFFER_VADDR;
	return kestrel_tcb_write_registers(p->tcb, true, ABI_REG_COUNT, regs);
}

static const char *fault_name(uint64_t kind)
{
	switch (kind) {
	case FAULT_PAGE: return "page fault";
	case FAULT_ILLEGAL_INSTRUCTION: return "illegal instruction";
	case FAULT_UNKNOWN_SYSCALL: return "unknown system call";
	case FAULT_MISALIGNED: return "misaligned access";
	case FAULT_CAP: return "cap fault";
	default: return "unknown fault";
	}
}

static void tap(bool ok, const char *label, const char *detail)
{
	if (!ok)
		failures++;
	printf("%s - %s (%s)\n", ok ? "ok" : "not ok", label, detail);
}

static void background_ended(const struct kmsg *m);

/* Run one program to its end and judge it; everything it had is revoked. */
static void run_one(struct program *p, const struct run *run, uint64_t badge)
{
	char detail[96];
	struct cpio_entry entry;
	struct elf_image image;
	enum error err = cpio_find((const void *)(uintptr_t)bi->boot_image_vaddr,
				   bi->boot_image_size, run->program, &entry);
	if (err == ERR_OK)
		err = elf_open(&image, entry.data, entry.size, ELF_MACHINE_RISCV, PAGE);
	p->next = p->base;
	p->badge = badge;
	const char *partner = partner_of(run->program);
	if (err == ERR_OK && partner != NULL) {
		struct cpio_entry partner_entry;
		struct elf_image partner_image;
		struct run partner_run = { partner, partner, 0, EXPECT_EXIT, 0, 0, 0, run->hart };
		err = cpio_find((const void *)(uintptr_t)bi->boot_image_vaddr, bi->boot_image_size,
				partner, &partner_entry);
		if (err == ERR_OK)
			err = elf_open(&partner_image, partner_entry.data, partner_entry.size,
				       ELF_MACHINE_RISCV, PAGE);
		partner_program.next = partner_program.base;
		partner_program.badge = badge | UINT64_C(1) << 32;
		if (err == ERR_OK)
			err = build(&partner_program, &partner_run, &partner_image);
	}
	if (err == ERR_OK)
		err = build(p, run, &image);
	if (err != ERR_OK) {
		snprintf(detail, sizeof(detail), "could not start %s: %s", run->program,
			 error_name(err));
		tap(false, run->label, detail);
	} else {
		struct kmsg m;
		do {
			m = (struct kmsg){ 0 };
			err = kestrel_recv(endpoint, reply, &m);
			if (err == ERR_OK && m.badge != badge)
				background_ended(&m); /* the prompt's, if any */
		} while (err == ERR_OK && m.badge != badge);
		uint64_t label = msg_info_label((struct msg_info){ m.info });
		bool ok;
		if (err != ERR_OK) {
			snprintf(detail, sizeof(detail), "receive failed: %s", error_name(err));
			ok = false;
		} else if (label == PROC_EXIT_LABEL) {
			/* ci/bench reads this: every entry, the exit's too. */
			struct kmsg e = { 0 };
			if (kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, p->tcb, 0, &e) == ERR_OK)
				printf("# hart %u: %s entered the kernel %lu times\n", run->hart,
				       run->program, (unsigned long)e.badge);
			snprintf(detail, sizeof(detail), "exit status %ld", (long)m.mr[0]);
			ok = run->kind == EXPECT_EXIT && m.mr[0] == run->value;
		} else {
			/* A fault message: MR0 the PC, MR1 the address. */
			printf("root: %s faulted: %s at 0x%lx (pc 0x%lx); cleaned up\n",
			       run->program, fault_name(label), (unsigned long)m.mr[1],
			       (unsigned long)m.mr[0]);
			snprintf(detail, sizeof(detail), "%s at 0x%lx", fault_name(label),
				 (unsigned long)m.mr[1]);
			ok = run->kind == EXPECT_FAULT && label == run->value &&
			     (run->address == 0 || m.mr[1] == run->address);
		}
		tap(ok, run->label, detail);
	}
	/* Everything the program had descends from its block. */
	must(kestrel_cnode_revoke(BOOT_CAP_CNODE, p->block, DEPTH), "revoke a program");
	if (partner != NULL)
		must(kestrel_cnode_revoke(BOOT_CAP_CNODE, partner_program.block, DEPTH),
		     "revoke a partner");
}

/* --- The interactive prompt (ci/demo on a terminal). --- */

#define UART_VADDR 0x3100000000ull
#define UART_RBR 0
#define UART_IER 1
#define UART_LSR 5

#define CONSOLE_BADGE (UINT64_C(1) << 40) /* no program's badge has this bit */
#define BACKGROUND 3                      /* programs the prompt runs at once */

static volatile uint8_t *uart;
static cptr_t uart_irq, uart_ntfn;

/* A program the prompt started and that has not ended yet. */
struct background {
	struct program p;
	bool running;
	char name[64];
	unsigned hart;
};
static struct background background[BACKGROUND];

/* The UART's receive interrupt through an IRQ handler cap and a badged
 * notification: the same path any user-level driver takes. */
static bool console_open(void)
{
	cptr_t frame = device_frame(PROC_UART_PADDR);
	if (frame == 0)
		return false;
	uart_irq = alloc_slot();
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	uart_ntfn = alloc_slot();
	must(kestrel_cnode_mint(BOOT_CAP_CNODE, uart_ntfn, DEPTH, BOOT_CAP_CNODE, ntfn, DEPTH,
				ABI_RIGHTS_ALL, CONSOLE_BADGE),
	     "badge the console's notification");
	/* Bound to the root: its receive on the programs' endpoint ends with
	 * either a program's message or the console's signal. */
	must(kestrel_tcb_bind_notification(BOOT_CAP_TCB, ntfn), "bind the console");
	if (map_with_tables(frame, BOOT_CAP_VSPACE, UART_VADDR, ABI_RIGHT_READ | ABI_RIGHT_WRITE,
			    ABI_ATTR_EXECUTE_NEVER, pool, &next_slot, bi->empty.end) != ERR_OK ||
	    kestrel_irq_control_get(BOOT_CAP_IRQ_CONTROL, PROC_UART_IRQ, BOOT_CAP_CNODE, uart_irq,
				    DEPTH) != ERR_OK ||
	    kestrel_irq_handler_set_notification(uart_irq, uart_ntfn) != ERR_OK)
		return false;
	uart = (volatile uint8_t *)(uintptr_t)UART_VADDR;
	uart[UART_IER] = 1;
	return true;
}

/* The bytes the UART has: echoed, backspace edits; true when `line` holds
 * a whole line (then *n starts again). */
static bool console_take(char *line, size_t size, size_t *n)
{
	bool done = false;
	while (!done && (uart[UART_LSR] & 1)) {
		char c = (char)uart[UART_RBR];
		if (c == '\r' || c == '\n') {
			line[*n] = 0;
			*n = 0;
			(void)kestrel_print("\n", 1);
			done = true;
		} else if ((c == 8 || c == 127) && *n > 0) {
			--*n;
			(void)kestrel_print("\b \b", 3);
		} else if (c >= ' ' && *n + 1 < size) {
			line[(*n)++] = c;
			(void)kestrel_print(&c, 1);
		}
	}
	/* A line came first: the bytes left are the next call's, and the
	 * interrupt stays claimed until then. Else the UART was empty when
	 * looked at: ack (a byte that came since raised the line again while
	 * claimed, so the PLIC delivers it after the ack; looking again
	 * instead could see it and skip the ack, and never be woken again). */
	if (!done)
		(void)kestrel_irq_handler_ack(uart_irq);
	return done;
}

/* A background program's exit or fault: say so and take it down. */
static void background_ended(const struct kmsg *m)
{
	for (unsigned i = 0; i < BACKGROUND; i++) {
		struct background *b = &background[i];
		if (!b->running || b->p.badge != m->badge)
			continue;
		uint64_t label = msg_info_label((struct msg_info){ m->info });
		if (label == PROC_EXIT_LABEL)
			printf("\n  [%u] %s exited with status %ld\n", i + 1, b->name,
			       (long)m->mr[0]);
		else
			printf("\n  [%u] %s faulted: %s at 0x%lx\n", i + 1, b->name,
			       fault_name(label), (unsigned long)m->mr[1]);
		must(kestrel_cnode_revoke(BOOT_CAP_CNODE, b->p.block, DEPTH), "revoke a program");
		b->running = false;
	}
}

/* The next line typed; programs that end meanwhile are reported. */
static void console_read_line(char *line, size_t size)
{
	size_t n = 0;
	if (console_take(line, size, &n))
		return;
	for (;;) {
		struct kmsg m = { 0 };
		if (kestrel_recv(endpoint, reply, &m) != ERR_OK)
			continue;
		if (m.badge == CONSOLE_BADGE) {
			if (console_take(line, size, &n))
				return;
		} else {
			background_ended(&m);
		}
	}
}

/* run NAME in the background on hart (slot % harts); false when every
 * slot is busy or it could not start. */
static bool background_start(const char *name)
{
	for (unsigned i = 0; i < BACKGROUND; i++) {
		struct background *b = &background[i];
		if (b->running)
			continue;
		struct cpio_entry entry;
		struct elf_image image;
		enum error err = cpio_find((const void *)(uintptr_t)bi->boot_image_vaddr,
					   bi->boot_image_size, name, &entry);
		if (err == ERR_OK)
			err = elf_open(&image, entry.data, entry.size, ELF_MACHINE_RISCV, PAGE);
		b->hart = (i + 1) % (unsigned)bi->hart_count;
		struct run r = { name, name, 0, EXPECT_EXIT, 0, 0, 0, b->hart };
		b->p.next = b->p.base;
		b->p.badge = 1000 + i;
		if (err == ERR_OK)
			err = build(&b->p, &r, &image);
		if (err != ERR_OK) {
			printf("  could not start %s: %s\n", name, error_name(err));
			must(kestrel_cnode_revoke(BOOT_CAP_CNODE, b->p.block, DEPTH), "revoke");
			return false;
		}
		snprintf(b->name, sizeof(b->name), "%s", name);
		b->running = true;
		printf("  [%u] %s started on hart %u\n", i + 1, name, b->hart);
		return true;
	}
	printf("  %u programs run already: kill one first\n", BACKGROUND);
	return false;
}

/* The kernel entries of the thread whose TCB cap is in `tcb`: that it
 * runs, in the kernel's own words. */
static unsigned long entries_of(cptr_t tcb)
{
	struct kmsg e = { 0 };
	return kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, tcb, 0, &e) == ERR_OK
		   ? (unsigned long)e.badge
		   : 0;
}

/* What runs: the root and the programs started here, with the priority
 * and hart each was given and the kernel entries it has made so far. */
static void list_threads(void)
{
	printf("  %-4s %-12s %-9s %-5s %s\n", "", "thread", "priority", "hart", "kernel entries");
	printf("  %-4s %-12s %-9u %-5u %lu\n", "", "root", ROOT_PRIORITY, kestrel_hart(),
	       entries_of(BOOT_CAP_TCB));
	for (unsigned i = 0; i < BACKGROUND; i++)
		if (background[i].running)
			printf("  [%u]  %-12s %-9u %-5u %lu\n", i + 1, background[i].name,
			       PROGRAM_PRIORITY, background[i].hart,
			       entries_of(background[i].p.tcb));
}

static void list_programs(void)
{
	size_t offset = 0;
	struct cpio_entry entry;
	while (cpio_next((const void *)(uintptr_t)bi->boot_image_vaddr, bi->boot_image_size,
			 &offset, &entry) == ERR_OK)
		printf("  %-12s %6zu bytes\n", entry.name, entry.size);
}

static void prompt(struct program *p)
{
	if (!console_open()) {
		printf("root: no UART interrupt here: no prompt\n");
		return;
	}
	for (unsigned i = 0; i < BACKGROUND; i++) {
		background[i].p.block = make(OBJ_UNTYPED, PROGRAM_BLOCK_BITS);
		background[i].p.base = next_slot;
		next_slot += PROGRAM_SLOTS;
	}
	/* ci/qemu-run sends its --serial-input after this line. */
	printf("\nKestrel: commands are ls, run NAME, bg NAME, threads, kill N, quit "
	       "(ready for serial input)\n");
	for (uint64_t badge = 100;; badge++) {
		char line[64];
		printf("kestrel> ");
		fflush(stdout);
		console_read_line(line, sizeof(line));
		if (strcmp(line, "ls") == 0) {
			list_programs();
		} else if (strncmp(line, "run ", 4) == 0) {
			struct run r = { line + 4, line + 4, 0, EXPECT_EXIT, 0, 0, 0, 0 };
			run_one(p, &r, badge);
		} else if (strncmp(line, "bg ", 3) == 0) {
			(void)background_start(line + 3);
		} else if (strcmp(line, "threads") == 0) {
			list_threads();
		} else if (strncmp(line, "kill ", 5) == 0) {
			unsigned i = (unsigned)(line[5] - '1');
			if (line[5] != 0 && line[6] == 0 && i < BACKGROUND &&
			    background[i].running) {
				must(kestrel_cnode_revoke(BOOT_CAP_CNODE, background[i].p.block,
							  DEPTH),
				     "kill a program");
				background[i].running = false;
				printf("  [%u] %s killed\n", i + 1, background[i].name);
			} else {
				printf("  no program [%s]\n", line + 5);
			}
		} else if (strcmp(line, "quit") == 0) {
			kestrel_halt(failures == 0);
		} else if (line[0]) {
			printf("  ls | run NAME | bg NAME | threads | kill N | quit\n");
		}
	}
}

static bool word_in(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *s = text; *s;) {
		if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == 0))
			return true;
		s = strchr(s, ' ');
		if (s == NULL)
			break;
		s++;
	}
	return false;
}

/* seed=N from the boot arguments (decimal), or a fixed default. */
static uint64_t seed_argument(const char *args)
{
	const char *p = strstr(args, "seed=");
	if (p == NULL)
		return 20261204;
	uint64_t seed = 0;
	for (p += 5; *p >= '0' && *p <= '9'; p++)
		seed = seed * 10 + (uint64_t)(*p - '0');
	return seed;
}

int main(void)
{
	bi = (const struct boot_info *)(uintptr_t)kestrel_boot_argument();
	if (bi->magic != BOOT_INFO_MAGIC)
		die("no boot info", ERR_INVALID_ARGUMENT);
	next_slot = bi->empty.start;
	unsigned largest = 0, chosen = 0;
	for (unsigned i = 0; i < bi->untyped_count; i++) {
		const struct boot_untyped *u = &bi->untyped_list[i];
		if (!u->is_device && u->size_bits > largest)
			largest = u->size_bits;
	}
	unsigned want = largest < ROOT_POOL_MIN_BITS ? largest : ROOT_POOL_MIN_BITS;
	for (unsigned i = 0; i < bi->untyped_count; i++) {
		const struct boot_untyped *u = &bi->untyped_list[i];
		if (!u->is_device && u->size_bits >= want &&
		    (chosen == 0 || u->size_bits < chosen)) {
			chosen = u->size_bits;
			pool = bi->untyped.start + i;
		}
	}
	printf("# root: %lu harts, %lu untyped caps (largest 2^%u, pool 2^%u), slots %lu..%lu "
	       "free, bootargs \"%s\"\n",
	       (unsigned long)bi->hart_count, (unsigned long)bi->untyped_count, largest, chosen,
	       (unsigned long)bi->empty.start, (unsigned long)bi->empty.end, bi->bootargs);
	endpoint = make(OBJ_ENDPOINT, 0);
	reply = make(OBJ_REPLY, 0);
	scratch_frame_slot = 0;

	const struct run *runs = demo_runs;
	size_t count = sizeof(demo_runs) / sizeof(demo_runs[0]);
	if (word_in(bi->bootargs, "tests=faults")) {
		runs = test_runs;
		count = sizeof(test_runs) / sizeof(test_runs[0]);
	} else if (word_in(bi->bootargs, "tests=canary")) {
		runs = canary_runs;
		count = sizeof(canary_runs) / sizeof(canary_runs[0]);
	} else if (word_in(bi->bootargs, "tests=arch")) {
		count = bi->hart_count < 8 ? bi->hart_count : 8;
		for (unsigned h = 0; h < count; h++)
			arch_runs[h] =
			    (struct run){ "hello", "hello ran on its hart after the arch tests",
					  0,       EXPECT_EXIT,
					  0,       0,
					  0,       h };
		runs = arch_runs;
	} else if (word_in(bi->bootargs, "tests=hostile")) {
		hostile_runs[0].argument = seed_argument(bi->bootargs);
		runs = hostile_runs;
		count = sizeof(hostile_runs) / sizeof(hostile_runs[0]);
	} else if (word_in(bi->bootargs, "bench=kernel")) {
		runs = bench_runs + 1; /* kbench alone (with its echo partner) */
		count = 1;
	} else if (word_in(bi->bootargs, "bench=channel")) {
		runs = bench_runs;
		count = sizeof(bench_runs) / sizeof(bench_runs[0]);
	}
	unsigned plan = 0;
	for (size_t i = 0; i < count; i++)
		plan += 1 + runs[i].cases;
	if (!word_in(bi->bootargs, "tests=arch"))
		printf("TAP version 13\n1..%u\n", plan);

	service = make(OBJ_ENDPOINT, 0);
	struct program p = { .block = make(OBJ_UNTYPED, PROGRAM_BLOCK_BITS) };
	p.base = next_slot;
	next_slot += PROGRAM_SLOTS;
	partner_program.block = make(OBJ_UNTYPED, PROGRAM_BLOCK_BITS);
	partner_program.base = next_slot;
	next_slot += PROGRAM_SLOTS;
	for (size_t i = 0; i < count; i++)
		run_one(&p, &runs[i], i + 1);
	printf("# root: %zu programs done, %u failed: %s\n", count, failures,
	       failures ? "FAIL" : "pass");
	if (word_in(bi->bootargs, "interactive"))
		prompt(&p);
	kestrel_halt(failures == 0);
}
