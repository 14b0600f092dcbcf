/* SPDX-License-Identifier: MIT */
/* ktest: the TCB invocations, their errors, and threads running. */
#include "ktest_support.h"

#define CN PROC_CAP_CNODE

static void counter(uint64_t index)
{
	for (;;) {
		shared[index]++;
		kestrel_yield();
	}
}

static void configure_errors(void)
{
	cptr_t tcb = make(OBJ_TCB, 0);
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	cptr_t table = make(OBJ_PAGE_TABLE, 0);
	cptr_t ro_frame = slot();
	(void)kestrel_cnode_copy(CN, ro_frame, DEPTH, CN, frame, DEPTH, ABI_RIGHT_READ);
	cptr_t ep_no_grant = slot();
	(void)kestrel_cnode_copy(CN, ep_no_grant, DEPTH, CN, ep, DEPTH,
				 ABI_RIGHT_READ | ABI_RIGHT_WRITE);
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0, 0x3ffff00000ull, frame),
	       ERR_OK, "configure a TCB");
	expect(kestrel_tcb_configure(tcb, ep, CN, 0, PROC_CAP_VSPACE, 0, 0, 0), ERR_OK,
	       "configure with a fault endpoint");
	expect(kestrel_tcb_configure(tcb, ntfn, CN, 0, PROC_CAP_VSPACE, 0, 0, 0),
	       ERR_INVALID_CAPABILITY, "configure with a notification as fault handler");
	expect(kestrel_tcb_configure(tcb, ep_no_grant, CN, 0, PROC_CAP_VSPACE, 0, 0, 0),
	       ERR_INVALID_CAPABILITY, "configure with a fault endpoint without grant");
	expect(kestrel_tcb_configure(tcb, NO_SLOT, CN, 0, PROC_CAP_VSPACE, 0, 0, 0),
	       ERR_FAILED_LOOKUP, "configure with an empty fault endpoint slot");
	/* seL4's answers for roots of the wrong kind: illegal operation. */
	expect(kestrel_tcb_configure(tcb, 0, ep, 0, PROC_CAP_VSPACE, 0, 0, 0),
	       ERR_ILLEGAL_OPERATION, "configure with an endpoint as CSpace");
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, frame, 0, 0, 0), ERR_ILLEGAL_OPERATION,
	       "configure with a frame as VSpace");
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, table, 0, 0, 0), ERR_ILLEGAL_OPERATION,
	       "configure with a page table that has no ASID");
	expect(kestrel_tcb_configure(tcb, 0, CN, 60, PROC_CAP_VSPACE, 0, 0, 0),
	       ERR_ILLEGAL_OPERATION, "configure with a CSpace guard that does not fit");
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0, 0x3ffff00100ull, frame),
	       ERR_ALIGNMENT, "configure with a misaligned IPC buffer");
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0, 0, ro_frame),
	       ERR_INVALID_CAPABILITY, "configure with a read-only IPC buffer frame");
	expect(kestrel_tcb_configure(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0, 0, ep),
	       ERR_INVALID_CAPABILITY, "configure with an endpoint as IPC buffer");
	expect(kestrel_tcb_set_space(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0), ERR_OK, "set space");
	expect(kestrel_tcb_set_ipc_buffer(tcb, 0, 0), ERR_OK, "clear the IPC buffer");
	expect(kestrel_tcb_set_ipc_buffer(tcb, 0x1000, frame), ERR_OK, "set the IPC buffer");
	expect(kestrel_tcb_set_ipc_buffer(tcb, 0x1001, frame), ERR_ALIGNMENT,
	       "set a misaligned IPC buffer");
	expect(kestrel_invoke(tcb, TCB_CONFIGURE, 3, (const uint64_t[]){ 0, 0, 0 }, 2,
			      (const cptr_t[]){ CN, PROC_CAP_VSPACE }, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "configure with three words");
	expect(kestrel_invoke(tcb, TCB_SET_SPACE, 3, (const uint64_t[]){ 0, 0, 0 }, 1,
			      (const cptr_t[]){ CN }, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "set space with one cap");

	/* The TCB holds the last cap to a CNode full of caps: replacing it
	 * deletes that CNode, preemptibly (the call restarts until done). */
	cptr_t cnode = make(OBJ_CNODE, 6);
	for (unsigned i = 0; i < 64; i++)
		(void)kestrel_cnode_copy(cnode, i, 6, CN, ep, DEPTH, ABI_RIGHTS_ALL);
	(void)kestrel_tcb_set_space(tcb, 0, cnode, 0, PROC_CAP_VSPACE, 0);
	(void)kestrel_cnode_delete(CN, cnode, DEPTH);
	expect(kestrel_tcb_set_space(tcb, 0, CN, 0, PROC_CAP_VSPACE, 0), ERR_OK,
	       "set space over the last cap to a full CNode deletes it");
	expect(kestrel_cnode_revoke(CN, ep, DEPTH), ERR_OK,
	       "the endpoint's 64 copies went with it (revoke finds none left)");
	reset();
}

static void priorities(void)
{
	cptr_t tcb = make(OBJ_TCB, 0);
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	expect(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, 50), ERR_OK, "set a priority");
	expect(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, 254), ERR_OK,
	       "set a priority equal to the authority's MCP");
	expect(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, 255), ERR_RANGE,
	       "a priority above the authority's MCP");
	expect(kestrel_tcb_set_priority(tcb, PROC_CAP_TCB, 1000), ERR_RANGE,
	       "a priority beyond 255");
	expect(kestrel_tcb_set_priority(tcb, ep, 10), ERR_INVALID_CAPABILITY,
	       "set a priority with an endpoint as authority");
	expect(kestrel_tcb_set_priority(tcb, tcb, 10), ERR_RANGE,
	       "a new thread (MCP 0) is no authority");
	expect(kestrel_tcb_set_mcp(tcb, PROC_CAP_TCB, 20), ERR_OK, "set an MCP");
	expect(kestrel_tcb_set_priority(tcb, tcb, 20), ERR_OK, "a thread is its own authority");
	expect(kestrel_tcb_set_mcp(tcb, PROC_CAP_TCB, 255), ERR_RANGE,
	       "an MCP above the authority's");
	expect(kestrel_tcb_set_affinity(tcb, 0), ERR_OK, "set the affinity to hart 0");
	expect(kestrel_tcb_set_affinity(tcb, 64), ERR_ILLEGAL_OPERATION,
	       "an affinity to a hart that does not exist");
	expect(kestrel_invoke(tcb, TCB_SET_PRIORITY, 1, (const uint64_t[]){ 1 }, 0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "set a priority without the authority");
	expect(kestrel_invoke(tcb, TCB_COPY_REGISTERS, 0, NULL, 0, NULL, NULL, 0),
	       ERR_ILLEGAL_OPERATION, "copy registers is not offered");
	reset();
}

static void registers_and_running(void)
{
	uint64_t regs[ABI_REG_COUNT];
	expect(kestrel_tcb_read_registers(PROC_CAP_TCB, false, 4, regs), ERR_ILLEGAL_OPERATION,
	       "read one's own registers");
	cptr_t tcb = make(OBJ_TCB, 0);
	expect(kestrel_tcb_read_registers(tcb, false, 0, regs), ERR_RANGE, "read zero registers");
	expect(kestrel_tcb_read_registers(tcb, false, 33, regs), ERR_RANGE,
	       "read more registers than there are");
	uint64_t values[ABI_REG_COUNT];
	for (unsigned i = 0; i < ABI_REG_COUNT; i++)
		values[i] = 0x1000 + i;
	expect(kestrel_tcb_write_registers(tcb, false, ABI_REG_COUNT, values), ERR_OK,
	       "write every register");
	bool same = kestrel_tcb_read_registers(tcb, false, ABI_REG_COUNT, regs) == ERR_OK;
	for (unsigned i = 0; i < ABI_REG_COUNT; i++)
		same = same && regs[i] == values[i];
	check(same, "read back what was written");
	expect(kestrel_invoke(tcb, TCB_WRITE_REGISTERS, 3, (const uint64_t[]){ 0, 0, 40 }, 0, NULL,
			      NULL, 0),
	       ERR_RANGE, "write more registers than there are");
	expect(kestrel_invoke(tcb, TCB_WRITE_REGISTERS, 4, (const uint64_t[]){ 0, 0, 5, 1 }, 0,
			      NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "write five registers with one value");
	reset();

	/* A thread that counts: resume runs it, suspend stops it. */
	shared[0] = 0;
	struct thread t = spawn(counter, 0, MAIN_PRIORITY, 0, 0);
	let_others_run(5);
	check(shared[0] > 0, "a resumed thread runs");
	expect(kestrel_tcb_suspend(t.tcb), ERR_OK, "suspend a thread");
	uint64_t before = shared[0];
	let_others_run(5);
	check(shared[0] == before, "a suspended thread does not run");
	expect(kestrel_tcb_read_registers(t.tcb, false, 1, regs), ERR_OK,
	       "read a suspended thread's PC");
	expect(kestrel_tcb_resume(t.tcb), ERR_OK, "resume it");
	let_others_run(5);
	check(shared[0] > before, "it runs again");
	expect(kestrel_tcb_read_registers(t.tcb, true, 1, regs), ERR_OK,
	       "read registers and suspend");
	before = shared[0];
	let_others_run(5);
	check(shared[0] == before, "reading with suspend stopped it");
	reset();
}

static void binding(void)
{
	cptr_t tcb = make(OBJ_TCB, 0);
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0), ntfn2 = make(OBJ_NOTIFICATION, 0);
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	expect(kestrel_tcb_bind_notification(tcb, ntfn), ERR_OK, "bind a notification");
	expect(kestrel_tcb_bind_notification(tcb, ntfn2), ERR_ILLEGAL_OPERATION,
	       "bind a second notification");
	cptr_t tcb2 = make(OBJ_TCB, 0);
	expect(kestrel_tcb_bind_notification(tcb2, ntfn), ERR_ILLEGAL_OPERATION,
	       "bind a notification bound elsewhere");
	expect(kestrel_tcb_bind_notification(tcb2, ep), ERR_INVALID_CAPABILITY, "bind an endpoint");
	expect(kestrel_tcb_unbind_notification(tcb), ERR_OK, "unbind");
	expect(kestrel_tcb_unbind_notification(tcb), ERR_ILLEGAL_OPERATION, "unbind twice");
	expect(kestrel_invoke(tcb, TCB_BIND_NOTIFICATION, 0, NULL, 0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "bind without a cap");
	reset();
}

void ktest_tcb(void)
{
	configure_errors();
	priorities();
	registers_and_running();
	binding();
}
