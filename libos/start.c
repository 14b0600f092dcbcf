/* SPDX-License-Identifier: MIT */
/*
 * From crt0 to main: set up thread-local storage for picolibc (errno lives
 * there), remember the kernel's start arguments, run main, exit with its
 * status. Also the _exit that picolibc's exit() ends in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kestrel.h"

extern char __tls_base[];
void _set_tls(void *tls);
int main(void);
_Noreturn void libos_start(uint64_t argument, uint64_t hart_id);

static uint64_t boot_argument, boot_hart_id;

uint64_t kestrel_boot_argument(void)
{
	return boot_argument;
}
uint64_t kestrel_hart_id(void)
{
	return boot_hart_id;
}

_Noreturn void kestrel_exit(int status)
{
	libos_syscall2(status, 0, SYSCALL_EXIT);
	for (;;)
		; /* exit does not return; never reached */
}

_Noreturn void _exit(int status)
{
	kestrel_exit(status);
}

static void flush_stdout(void)
{
	fflush(stdout);
}

_Noreturn void libos_start(uint64_t argument, uint64_t hart_id)
{
	/* The kernel zero-filled .tbss and loaded .tdata in place: the image's
	 * TLS block serves the one thread. */
	_set_tls(__tls_base);
	boot_argument = argument;
	boot_hart_id = hart_id;
	atexit(flush_stdout);
	exit(main());
}
