/* SPDX-License-Identifier: MIT */
/*
 * The first user program: prints through picolibc's printf and libos, checks
 * that a bad system-call argument comes back as an error rather than a
 * fault, and exits 0. The kernel runs it on every hart.
 */
#include <stdio.h>

#include "kestrel.h"

int main(void)
{
	printf("hello from user mode on hart %lu\n", (unsigned long)kestrel_hart());
	static const char text[] = "x";
	/* Too long a print is refused with ERR_RANGE and the program goes on. */
	if (kestrel_print(text, SYSCALL_PRINT_MAX + 1) != ERR_RANGE) {
		printf("hello: an over-long print was not refused\n");
		return 1;
	}
	if (kestrel_print(text, 0) != ERR_OK) {
		printf("hello: an empty print failed\n");
		return 2;
	}
	return 0;
}
