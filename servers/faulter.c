/* SPDX-License-Identifier: MIT */
/*
 * Commits the fault its boot argument names (faulter.h), so the kernel's boot
 * tests can check that each is contained: the program ends with a message
 * naming the cause and address, and everything else keeps running.
 */
#include <stdint.h>
#include <stdio.h>

#include "faulter.h"
#include "kestrel.h"

int main(void);

static void commit(uint64_t kind)
{
	switch (kind) {
	case FAULTER_BAD_LOAD: (void)*(volatile uint64_t *)0; break;
	case FAULTER_BAD_STORE:
		*(volatile uint32_t *)(uintptr_t)&main = 0; /* text is read-only */
		break;
	case FAULTER_ILLEGAL_INSTRUCTION: __asm__ volatile("csrr t0, sstatus" : : : "t0"); break;
	case FAULTER_UNKNOWN_SYSCALL: {
		struct kmsg m = { 0 };
		(void)kestrel_syscall(FAULTER_BOGUS_SYSCALL, 0, 0, &m);
		break;
	}
	case FAULTER_BAD_PRINT_POINTER:
		/* Refused with an error, and the program goes on. */
		if (kestrel_print((const void *)(uintptr_t)FAULTER_KERNEL_ADDRESS, 16) ==
		    ERR_INVALID_ARGUMENT)
			kestrel_exit(0);
		break;
	}
}

int main(void)
{
	uint64_t kind = kestrel_boot_argument();
	commit(kind);
	printf("faulter: fault %lu did not end the program\n", (unsigned long)kind);
	return 1;
}
