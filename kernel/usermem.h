/* SPDX-License-Identifier: MIT */
/*
 * User memory has its own type (STYLE.md item 5): a user address is never a
 * plain pointer in the kernel, so nothing dereferences one by accident. The
 * only way to its bytes is through these functions, which check the user's
 * page table first and reach the bytes through the physical-memory window.
 */
#ifndef KERNEL_USERMEM_H
#define KERNEL_USERMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "pagetable.h"

struct uslice {
	uint64_t address;
	uint64_t length;
};

/* Whether the program can read every byte of `slice` (user, readable). */
bool uslice_readable(const struct pagetable *root, struct uslice slice);

/* Call `consume` on each physically contiguous piece of a readable slice.
 * Assumes: uslice_readable(root, slice) and no concurrent unmapping. */
void uslice_for_each_piece(const struct pagetable *root, struct uslice slice,
			   void (*consume)(const char *bytes, uint64_t length));

#endif
