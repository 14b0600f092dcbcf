/* SPDX-License-Identifier: MIT */
/* ktest: page tables, frames, ASID pools and control, and a thread whose
 * VSpace goes away. */
#include "ktest_support.h"

#define CN PROC_CAP_CNODE
#define VS PROC_CAP_VSPACE
#define VA 0x3c00000000ull

static void frames(void)
{
	cptr_t frame = make(OBJ_FRAME_4K, 0), frame2 = make(OBJ_FRAME_4K, 0);
	cptr_t t1 = make(OBJ_PAGE_TABLE, 0), t2 = make(OBJ_PAGE_TABLE, 0);
	cptr_t t3 = make(OBJ_PAGE_TABLE, 0);
	expect(kestrel_page_map(frame, VS, VA, RW, XN), ERR_FAILED_LOOKUP,
	       "map a frame where no table is");
	expect(kestrel_page_table_map(t1, VS, VA, 0), ERR_OK, "map a page table");
	expect(kestrel_page_table_map(t2, VS, VA, 0), ERR_OK, "map the next level's table");
	expect(kestrel_page_table_map(t3, VS, VA, 0), ERR_DELETE_FIRST,
	       "map a table where every level exists");
	expect(kestrel_page_table_map(t3, VS, 0xffffffc000000000ull, 0), ERR_INVALID_ARGUMENT,
	       "map a table at a kernel address");
	expect(kestrel_page_table_map(t3, frame, VA, 0), ERR_INVALID_CAPABILITY,
	       "map a table into a frame");
	expect(kestrel_page_map(frame, VS, VA + 0x10, RW, XN), ERR_ALIGNMENT,
	       "map a frame at a misaligned address");
	/* seL4: without read the mapping is kernel-only (no entry), no error. */
	expect(kestrel_page_map(frame, VS, VA, ABI_RIGHT_WRITE, XN), ERR_OK,
	       "map a frame write-only (kernel-only)");
	expect(kestrel_page_unmap(frame), ERR_OK, "unmap the kernel-only mapping");
	expect(kestrel_page_map(frame, VS, VA, RW, 0x80), ERR_INVALID_ARGUMENT,
	       "map with an unknown attribute");
	expect(kestrel_page_map(frame, VS, VA, RW, XN), ERR_OK, "map a frame");
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)VA;
	p[0] = 0x1234;
	p[511] = 0x5678;
	check(p[0] == 0x1234 && p[511] == 0x5678, "write and read the mapped frame");
	expect(kestrel_page_map(frame2, VS, VA, RW, XN), ERR_DELETE_FIRST,
	       "map over a mapped page");
	expect(kestrel_page_map(frame, VS, VA + 0x1000, RW, XN), ERR_INVALID_ARGUMENT,
	       "map a mapped frame cap somewhere else");
	expect(kestrel_page_map(frame, VS, VA, ABI_RIGHT_READ, XN), ERR_OK,
	       "remap the frame read-only");
	check(p[0] == 0x1234, "the remapped frame keeps its contents");
	uint64_t pa = 0;
	expect(kestrel_page_get_address(frame, &pa), ERR_OK, "get a frame's physical address");
	check(pa != 0 && (pa & 0xfff) == 0, "the address is page aligned");
	cptr_t alias = slot();
	(void)kestrel_cnode_copy(CN, alias, DEPTH, CN, frame, DEPTH, ABI_RIGHTS_ALL);
	expect(kestrel_page_map(alias, VS, VA + 0x1000, RW, XN), ERR_OK,
	       "a copy of a frame cap maps the frame again elsewhere");
	check(*(volatile uint64_t *)(uintptr_t)(VA + 0x1000) == 0x1234,
	      "both mappings show the same memory");
	uint64_t pa2 = 1;
	(void)kestrel_page_get_address(alias, &pa2);
	check(pa2 == pa, "the copy names the same physical page");
	expect(kestrel_page_unmap(frame), ERR_OK, "unmap a frame");
	expect(kestrel_page_unmap(frame), ERR_OK, "unmap an unmapped frame");
	expect(kestrel_page_map(frame2, VS, VA, RW, XN), ERR_OK, "the address is free again");
	expect(kestrel_page_table_unmap(VS), ERR_REVOKE_FIRST, "unmap a VSpace root");
	expect(kestrel_page_table_unmap(frame), ERR_ILLEGAL_OPERATION,
	       "a page-table method on a frame");
	expect(kestrel_invoke(frame, PAGE_MAP, 2, (const uint64_t[]){ VA, RW }, 1,
			      (const cptr_t[]){ VS }, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "map with two words");
	reset();
}

static void asids(void)
{
	cptr_t root = make(OBJ_PAGE_TABLE, 0);
	expect(kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, root), ERR_OK,
	       "assign an ASID to a new VSpace root");
	expect(kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, root), ERR_INVALID_CAPABILITY,
	       "assign an ASID twice");
	expect(kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, PROC_CAP_TCB), ERR_INVALID_CAPABILITY,
	       "assign an ASID to a TCB");
	expect(kestrel_asid_pool_assign(PROC_CAP_TCB, root), ERR_ILLEGAL_OPERATION,
	       "an ASID-pool method on a TCB");
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	cptr_t table = make(OBJ_PAGE_TABLE, 0);
	expect(kestrel_page_table_map(table, root, VA, 0), ERR_OK,
	       "map a table into the new VSpace");
	expect(kestrel_page_map(frame, root, VA, RW, XN), ERR_FAILED_LOOKUP,
	       "the new VSpace has only that table");
	cptr_t small = make(OBJ_UNTYPED, 12), big = make(OBJ_UNTYPED, 13);
	cptr_t dest = slot();
	expect(kestrel_asid_control_make_pool(PROC_CAP_ASID_CONTROL, big, CN, dest, DEPTH),
	       ERR_INVALID_ARGUMENT, "make a pool from 8 KiB");
	expect(
	    kestrel_asid_control_make_pool(PROC_CAP_ASID_CONTROL, small, CN, PROC_CAP_TCB, DEPTH),
	    ERR_DELETE_FIRST, "make a pool into an occupied slot");
	expect(kestrel_asid_control_make_pool(PROC_CAP_ASID_CONTROL, small, CN, dest, DEPTH),
	       ERR_OK, "make a new ASID pool");
	cptr_t root2 = make(OBJ_PAGE_TABLE, 0);
	expect(kestrel_asid_pool_assign(dest, root2), ERR_OK, "assign from the new pool");
	expect(kestrel_asid_control_make_pool(PROC_CAP_ASID_CONTROL, small, CN, slot(), DEPTH),
	       ERR_REVOKE_FIRST, "make a pool from an untyped with children");
	expect(kestrel_asid_control_make_pool(PROC_CAP_TCB, small, CN, slot(), DEPTH),
	       ERR_ILLEGAL_OPERATION, "make a pool with a TCB cap");
	reset();
}

static void runner(uint64_t unused)
{
	(void)unused;
	for (;;)
		shared[12]++;
}

/* A thread whose VSpace root is deleted faults instead of running on. */
static void vspace_deleted(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0), reply = make(OBJ_REPLY, 0);
	cptr_t root = make(OBJ_PAGE_TABLE, 0);
	(void)kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, root);
	struct thread t = spawn(runner, 0, MAIN_PRIORITY - 1, 0, ep);
	(void)kestrel_tcb_suspend(t.tcb);
	expect(kestrel_tcb_set_space(t.tcb, ep, CN, 0, root, 0), ERR_OK,
	       "give a thread an empty VSpace");
	(void)kestrel_tcb_resume(t.tcb);
	struct kmsg m = msg(0, 0);
	(void)kestrel_recv(ep, reply, &m);
	check(info_label(m.info) == 1 && m.mr[1] == m.mr[0],
	      "it faults fetching its first instruction");
	m = msg(1, 0);
	(void)kestrel_reply(reply, &m);
	(void)kestrel_tcb_set_space(t.tcb, ep, CN, 0, VS, 0);
	(void)kestrel_tcb_resume(t.tcb);
	expect(kestrel_tcb_set_space(t.tcb, ep, CN, 0, root, 0), ERR_OK,
	       "switch a runnable thread to that VSpace");
	expect(kestrel_cnode_delete(CN, root, DEPTH), ERR_OK, "delete the VSpace under it");
	m = msg(0, 0);
	(void)kestrel_recv(ep, reply, &m);
	check(info_label(m.info) == 1, "the thread faults instead of running on freed tables");
	reset();
}

void ktest_vspace(void)
{
	frames();
	asids();
	vspace_deleted();
}
