/* SPDX-License-Identifier: MIT */
/*
 * Builds part of its own address space with capability invocations
 * (Call on object caps, docs/abi.md): retypes a frame and two page tables from
 * its untyped, maps them at VSPACETEST_ADDRESS, checks the error answers of
 * bad invocations, writes and reads the frame, and then ends as its boot
 * argument says (vspacetest.h): by touching the frame after unmapping it, or
 * by storing to it after remapping it read-only. Either must fault: that is
 * the kernel's real page tables (built by core/vspace.c) and its TLB
 * flushes at work.
 */
#include <stdint.h>
#include <stdio.h>

#include "kestrel.h"
#include "object.h"
#include "process.h"
#include "vspacetest.h"

enum { FRAME = 20, TABLE_1 = 21, TABLE_2 = 22, FRAME_2 = 23 };

static unsigned failures;

static void expect(const char *what, enum error got, enum error want)
{
	if (got != want) {
		printf("vspacetest: %s: error %d, expected %d\n", what, (int)got, (int)want);
		failures++;
	}
}

static enum error retype(uint64_t type, uint64_t slot, uint64_t count)
{
	return kestrel_untyped_retype(PROC_CAP_UNTYPED, type, 0, PROC_CAP_CNODE, 0, 0, slot, count);
}

static enum error page_map(uint64_t frame, uint64_t va, uint64_t rights, uint64_t attributes)
{
	return kestrel_page_map(frame, PROC_CAP_VSPACE, va, rights, attributes);
}

int main(void)
{
	const uint64_t rw = ABI_RIGHT_READ | ABI_RIGHT_WRITE, xn = ABI_ATTR_EXECUTE_NEVER;
	volatile uint64_t *page = (volatile uint64_t *)(uintptr_t)VSPACETEST_ADDRESS;
	uint64_t kind = kestrel_boot_argument();

	expect("retype a frame", retype(OBJ_FRAME_4K, FRAME, 1), ERR_OK);
	expect("map without tables", page_map(FRAME, VSPACETEST_ADDRESS, rw, xn),
	       ERR_FAILED_LOOKUP);
	expect("retype two page tables", retype(OBJ_PAGE_TABLE, TABLE_1, 2), ERR_OK);
	expect("map the first table",
	       kestrel_page_table_map(TABLE_1, PROC_CAP_VSPACE, VSPACETEST_ADDRESS, 0), ERR_OK);
	expect("map the second table",
	       kestrel_page_table_map(TABLE_2, PROC_CAP_VSPACE, VSPACETEST_ADDRESS, 0), ERR_OK);
	/* Bad invocations: error codes, and the program goes on. */
	expect("misaligned", page_map(FRAME, VSPACETEST_ADDRESS + 0x800, rw, xn), ERR_ALIGNMENT);
	expect("kernel address", page_map(FRAME, 0xffffffc000000000ull, rw, xn),
	       ERR_INVALID_ARGUMENT);
	/* seL4: without read a mapping is kernel-only (here: no entry), not an
	 * error; unmapped again before the real map. */
	expect("write without read", page_map(FRAME, VSPACETEST_ADDRESS, ABI_RIGHT_WRITE, xn),
	       ERR_OK);
	expect("unmap the kernel-only mapping", kestrel_page_unmap(FRAME), ERR_OK);
	/* The label names a frame method: on an untyped it is no method at all. */
	expect("an untyped is not a frame", page_map(PROC_CAP_UNTYPED, VSPACETEST_ADDRESS, rw, xn),
	       ERR_ILLEGAL_OPERATION);
	expect("unknown label", kestrel_invoke(FRAME, 77, 0, NULL, 0, NULL, NULL, 0),
	       ERR_ILLEGAL_OPERATION);
	expect("unmap a VSpace root", kestrel_page_table_unmap(PROC_CAP_VSPACE), ERR_REVOKE_FIRST);
	/* Map, write, read. */
	expect("map the frame", page_map(FRAME, VSPACETEST_ADDRESS, rw, xn), ERR_OK);
	for (unsigned i = 0; i < 512; i++)
		page[i] = 0x5eed0000u + i;
	for (unsigned i = 0; i < 512; i++)
		if (page[i] != 0x5eed0000u + i) {
			printf("vspacetest: word %u reads 0x%lx\n", i, (unsigned long)page[i]);
			failures++;
			break;
		}
	expect("retype a second frame", retype(OBJ_FRAME_4K, FRAME_2, 1), ERR_OK);
	expect("map over the first", page_map(FRAME_2, VSPACETEST_ADDRESS, rw, xn),
	       ERR_DELETE_FIRST);
	expect("map the first elsewhere", page_map(FRAME, VSPACETEST_ADDRESS + 0x1000, rw, xn),
	       ERR_INVALID_ARGUMENT);

	if (kind == VSPACETEST_REMAP) {
		expect("remap read-only", page_map(FRAME, VSPACETEST_ADDRESS, ABI_RIGHT_READ, xn),
		       ERR_OK);
		if (page[1] != 0x5eed0001u)
			failures++;
		if (failures)
			return 1;
		printf("vspacetest: remapped read-only; storing must fault\n");
		page[1] = 0; /* a store page fault at VSPACETEST_ADDRESS + 8 */
		return 2;
	}
	expect("unmap the frame", kestrel_page_unmap(FRAME), ERR_OK);
	if (failures)
		return 1;
	printf("vspacetest: unmapped; loading must fault\n");
	(void)page[0]; /* a load page fault at VSPACETEST_ADDRESS */
	return 2;
}
