/* SPDX-License-Identifier: MIT */
/*
 * Boot programs' address spaces and capabilities, built with core/: every
 * page table and frame a program uses is retyped from its hart's untyped
 * block (core/untyped.c) and mapped with core/vspace.c into a VSpace with an
 * ASID from the hart's own ASID pool (core/asid.c). The program gets a small
 * root CNode (core/abi.h: USER_CSPACE_RADIX) holding a copy of its VSpace
 * root cap and an untyped of its own, and may invoke them with
 * SYSCALL_INVOKE. Starting the hart's next program revokes the hart's
 * untyped, which deletes (and so unmaps, and invalidates the ASID of)
 * everything the previous one had.
 *
 * core/ keeps global state (the ASID table) and is not reentrant: every
 * call into it from here holds one lock.
 */
#ifndef KERNEL_USPACE_H
#define KERNEL_USPACE_H

#include <stdint.h>

#include "elf.h"
#include "error.h"
#include "hart.h"

/* Once, on the boot hart, after the kernel's root table is final. */
void uspace_boot(void);

/* Once per hart, on the boot hart before the others start: its untyped
 * block and ASID pool. Panics when memory runs out. */
void uspace_init_hart(struct hart *hart);

/* Replace the hart's program by a fresh address space for `image` (already
 * validated by elf_open) with its stack, and a fresh CSpace. */
MUST_CHECK enum error uspace_load(struct hart *hart, const struct elf_image *image);

/* SYSCALL_INVOKE for the hart's program; r = its registers. Untrusted:
 * every register. Returns the enum error for a0. */
uint64_t uspace_invoke(struct hart *hart, const uint64_t *r);

#endif
