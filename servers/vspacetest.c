/* SPDX-License-Identifier: MIT */
/*
 * Builds part of its own address space with capability invocations
 * (SYSCALL_INVOKE, docs/abi.md): retypes a frame and two page tables from
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
#include "vspacetest.h"

enum { FRAME = 3, TABLE_1 = 4, TABLE_2 = 5, FRAME_2 = 6, NO_SUCH_SLOT = 99 };

static unsigned failures;

static void expect(const char *what, enum error got, enum error want)
{
	if (got != want) {
		printf("vspacetest: %s: error %d, expected %d\n", what, (int)got, (int)want);
		failures++;
	}
}

static enum error page_map(uint64_t frame, uint64_t va, uint64_t rights, uint64_t attributes)
{
	return kestrel_invoke(frame, INVOKE_PAGE_MAP, USER_CAP_VSPACE, va, rights, attributes);
}

int main(void)
{
	const uint64_t rw = ABI_RIGHT_READ | ABI_RIGHT_WRITE, xn = ABI_ATTR_EXECUTE_NEVER;
	volatile uint64_t *page = (volatile uint64_t *)(uintptr_t)VSPACETEST_ADDRESS;
	uint64_t kind = kestrel_boot_argument();

	expect("retype a frame",
	       kestrel_invoke(USER_CAP_UNTYPED, INVOKE_UNTYPED_RETYPE, OBJ_FRAME_4K, 0, FRAME, 1),
	       ERR_OK);
	expect("map without tables", page_map(FRAME, VSPACETEST_ADDRESS, rw, xn),
	       ERR_FAILED_LOOKUP);
	expect(
	    "retype two page tables",
	    kestrel_invoke(USER_CAP_UNTYPED, INVOKE_UNTYPED_RETYPE, OBJ_PAGE_TABLE, 0, TABLE_1, 2),
	    ERR_OK);
	expect("map the first table",
	       kestrel_invoke(TABLE_1, INVOKE_PAGE_TABLE_MAP, USER_CAP_VSPACE, VSPACETEST_ADDRESS,
			      0, 0),
	       ERR_OK);
	expect("map the second table",
	       kestrel_invoke(TABLE_2, INVOKE_PAGE_TABLE_MAP, USER_CAP_VSPACE, VSPACETEST_ADDRESS,
			      0, 0),
	       ERR_OK);
	/* Bad invocations: error codes, and the program goes on. */
	expect("misaligned", page_map(FRAME, VSPACETEST_ADDRESS + 0x800, rw, xn), ERR_ALIGNMENT);
	expect("kernel address", page_map(FRAME, 0xffffffc000000000ull, rw, xn),
	       ERR_INVALID_ARGUMENT);
	/* seL4: without read a mapping is kernel-only (here: no entry), not an
	 * error; unmapped again before the real map. */
	expect("write without read", page_map(FRAME, VSPACETEST_ADDRESS, ABI_RIGHT_WRITE, xn),
	       ERR_OK);
	expect("unmap the kernel-only mapping",
	       kestrel_invoke(FRAME, INVOKE_PAGE_UNMAP, 0, 0, 0, 0), ERR_OK);
	expect("no such cap", page_map(NO_SUCH_SLOT, VSPACETEST_ADDRESS, rw, xn),
	       ERR_FAILED_LOOKUP);
	expect("an untyped is not a frame", page_map(USER_CAP_UNTYPED, VSPACETEST_ADDRESS, rw, xn),
	       ERR_INVALID_CAPABILITY);
	expect("unknown label", kestrel_invoke(FRAME, (enum invocation_label)77, 0, 0, 0, 0),
	       ERR_ILLEGAL_OPERATION);
	expect("unmap a VSpace root",
	       kestrel_invoke(USER_CAP_VSPACE, INVOKE_PAGE_TABLE_UNMAP, 0, 0, 0, 0),
	       ERR_REVOKE_FIRST);
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
	expect("retype a second frame",
	       kestrel_invoke(USER_CAP_UNTYPED, INVOKE_UNTYPED_RETYPE, OBJ_FRAME_4K, 0, FRAME_2, 1),
	       ERR_OK);
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
	expect("unmap the frame", kestrel_invoke(FRAME, INVOKE_PAGE_UNMAP, 0, 0, 0, 0), ERR_OK);
	if (failures)
		return 1;
	printf("vspacetest: unmapped; loading must fault\n");
	(void)page[0]; /* a load page fault at VSPACETEST_ADDRESS */
	return 2;
}
