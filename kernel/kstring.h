/* SPDX-License-Identifier: MIT */
/*
 * The memory functions GCC may emit calls to even in freestanding code
 * (struct copies and zeroing), so the kernel must define them; the kernel
 * calls them directly too. No other C library functions exist in the kernel.
 */
#ifndef KERNEL_KSTRING_H
#define KERNEL_KSTRING_H

#include <stddef.h>

void *memcpy(void *restrict to, const void *restrict from, size_t bytes);
void *memmove(void *to, const void *from, size_t bytes);
void *memset(void *to, int value, size_t bytes);
int memcmp(const void *a, const void *b, size_t bytes);

#endif
