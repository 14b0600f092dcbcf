/* SPDX-License-Identifier: MIT */
/* ktest: fault IPC: page fault, illegal instruction, unknown system call
 * and misaligned access reach the handler; a reply resumes or kills. */
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define FAULT_VADDR 0x3800000000ull /* nothing is mapped here at first */

static void bad_load(uint64_t address)
{
	shared[10] = *(volatile uint64_t *)(uintptr_t)address;
	shared[11] = 1;
}

static void illegal(uint64_t unused)
{
	(void)unused;
	__asm__ volatile("csrr t0, sstatus" : : : "t0");
	shared[11] = 2;
}

static void bad_syscall(uint64_t unused)
{
	(void)unused;
	struct kmsg m = msg(0, 0);
	(void)kestrel_syscall(0x5151, 0, 0, &m);
	shared[11] = 3;
}

static void misaligned(uint64_t unused)
{
	(void)unused;
	uint64_t word;
	/* An AMO must be aligned, even where loads need not be. */
	__asm__ volatile("amoadd.d %0, zero, (%1)"
			 : "=r"(word)
			 : "r"((uintptr_t)&shared[0] + 1)
			 : "memory");
	shared[11] = 4;
}

/* Receive the fault of a thread that has `handler` (badged 0x99). */
static struct kmsg receive_fault(cptr_t ep, cptr_t reply)
{
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(ep, reply, &m);
	return m;
}

static void page_fault_resume_and_kill(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	cptr_t handler = slot();
	(void)kestrel_cnode_mint(CN, handler, DEPTH, CN, ep, DEPTH, ABI_RIGHTS_ALL, 0x99);
	shared[11] = 0;
	struct thread t = spawn(bad_load, FAULT_VADDR, MAIN_PRIORITY + 1, 0, handler);
	struct kmsg m = receive_fault(ep, reply);
	check(info_label(m.info) == 1 && m.mr[1] == FAULT_VADDR && m.badge == 0x99,
	      "a page fault reaches the handler: kind, address, badge");
	uint64_t pc;
	check(kestrel_tcb_read_registers(t.tcb, false, 1, &pc) == ERR_OK && pc == m.mr[0],
	      "the fault message's PC is the thread's");
	/* Map a page there, write the answer, resume the thread. */
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	enum error err = ERR_FAILED_LOOKUP;
	for (int i = 0; i < 3 && err == ERR_FAILED_LOOKUP; i++) {
		err = kestrel_page_map(frame, PROC_CAP_VSPACE, FAULT_VADDR, RW, XN);
		if (err == ERR_FAILED_LOOKUP)
			(void)kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), PROC_CAP_VSPACE,
						     FAULT_VADDR, 0);
	}
	*(volatile uint64_t *)(uintptr_t)FAULT_VADDR = 0xfeed;
	m = msg(0, 0);
	expect(kestrel_reply(reply, &m), ERR_OK, "reply with label 0 to the fault");
	let_others_run(3);
	check(shared[11] == 1 && shared[10] == 0xfeed, "the thread resumed and loaded the value");
	expect(kestrel_page_unmap(frame), ERR_OK, "unmap the page again");

	shared[11] = 0;
	t = spawn(bad_load, FAULT_VADDR, MAIN_PRIORITY + 1, 0, handler);
	m = receive_fault(ep, reply);
	m = msg(1, 0);
	(void)kestrel_reply(reply, &m);
	let_others_run(3);
	check(shared[11] == 0, "a reply with another label leaves the thread stopped");
	uint64_t regs[1];
	check(kestrel_tcb_read_registers(t.tcb, false, 1, regs) == ERR_OK,
	      "the stopped thread can still be inspected");
	reset();
}

static void other_faults(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	shared[11] = 0;
	spawn(illegal, 0, MAIN_PRIORITY + 1, 0, ep);
	struct kmsg m = receive_fault(ep, reply);
	check(info_label(m.info) == 2 && m.mr[1] == 0x100022f3,
	      "an illegal instruction reaches the handler with its bits");
	m = msg(1, 0);
	(void)kestrel_reply(reply, &m);

	spawn(bad_syscall, 0, MAIN_PRIORITY + 1, 0, ep);
	m = receive_fault(ep, reply);
	check(info_label(m.info) == 3 && m.mr[1] == 0x5151,
	      "an unknown system call reaches the handler with its number");
	m = msg(0, 0);
	(void)kestrel_reply(reply, &m);
	let_others_run(3);
	check(shared[11] == 3, "resumed after an unknown system call, it goes on after the ecall");

	spawn(misaligned, 0, MAIN_PRIORITY + 1, 0, ep);
	m = receive_fault(ep, reply);
	check(info_label(m.info) == 4 || info_label(m.info) == 1,
	      "a misaligned atomic reaches the handler");
	m = msg(1, 0);
	(void)kestrel_reply(reply, &m);

	/* No handler: the thread is suspended and the system goes on. */
	shared[11] = 0;
	spawn(bad_load, FAULT_VADDR, MAIN_PRIORITY + 1, 0, 0);
	let_others_run(2);
	check(shared[11] == 0, "a fault without a handler stops only that thread");
	reset();
}

static void resume_at_new_pc(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	shared[11] = 0;
	struct thread t = spawn(bad_load, FAULT_VADDR, MAIN_PRIORITY + 1, 0, ep);
	struct kmsg m = receive_fault(ep, reply);
	/* Skip the faulting load (4 bytes, or 2 if compressed): seL4's VM
	 * fault reply carries no registers, so the handler writes the PC. */
	uint64_t pc = m.mr[0];
	uint16_t first = *(volatile uint16_t *)(uintptr_t)pc;
	uint64_t new_pc = pc + ((first & 3) == 3 ? 4 : 2);
	expect(kestrel_tcb_write_registers(t.tcb, false, 1, &new_pc), ERR_OK,
	       "the handler writes the faulting thread's PC");
	m = msg(0, 0);
	(void)kestrel_reply(reply, &m);
	let_others_run(3);
	check(shared[11] == 1, "the thread resumes at the written PC");
	reset();
}

void ktest_faults(void)
{
	page_fault_resume_and_kill();
	other_faults();
	resume_at_new_pc();
}
