/* SPDX-License-Identifier: MIT */
/*
 * The contract between the kernel's boot tests and the `vspacetest`
 * program: the argument (a0) says how it ends after exercising
 * SYSCALL_INVOKE (retype, page-table map, page map, the error cases) on the
 * frame it maps at VSPACETEST_ADDRESS. A failed check exits with status 1
 * instead, which the kernel reports as a failed test.
 */
#ifndef SERVERS_VSPACETEST_H
#define SERVERS_VSPACETEST_H

enum vspacetest_kind {
	VSPACETEST_UNMAP = 1, /* unmap the frame, then load from it: a load page fault */
	VSPACETEST_REMAP = 2, /* remap it read-only, then store: a store page fault */
};

/* 8 GiB: a root entry of its own, so both page tables are the program's. */
#define VSPACETEST_ADDRESS 0x200000000ull

#endif
